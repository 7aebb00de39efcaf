"""The chat rules without sockets (the sockets are in test_consumers.py)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opora.chat import services
from opora.chat.models import ChatLine, ChatSession, ChatSettings, ChatStatus, LineKind
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.customers.models import Customer
from opora.sla.models import BusinessCalendar
from opora.tickets.models import Channel, Message, Status, Ticket

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = re.compile(r"(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT)\b")

# A Monday morning and a Sunday afternoon in Moscow.
MONDAY_10 = datetime(2026, 11, 23, 7, tzinfo=UTC)
SUNDAY_15 = datetime(2026, 11, 22, 12, tzinfo=UTC)


@pytest.fixture
def office_hours(db):
    calendar = BusinessCalendar.objects.create(
        name="Office",
        time_zone="Europe/Moscow",
        country="",
        weekly_hours={"monday": [["09:00", "18:00"]]},
    )
    return ChatSettings.objects.create(hours=calendar)


@pytest.mark.parametrize(
    ("name", "email", "body", "field"),
    [
        ("", "a@example.com", "Hi", "name"),
        ("Ann", "not-an-address", "Hi", "email"),
        ("Ann", "", "   ", "body"),
        ("Ann", "", "x" * (services.MAX_LINE_LENGTH + 1), "body"),
    ],
)
def test_bad_start_is_refused_and_creates_nothing(team_alpha, name, email, body, field):
    with pytest.raises(InvalidInput) as refused:
        services.start_chat(name, email, body)
    assert field in refused.value.fields
    assert not Ticket.objects.exists() and not ChatSession.objects.exists()


def test_start_makes_a_chat_ticket_queued_for_the_chat_team(team_alpha, team_beta, carol):
    ChatSettings.objects.create(team=team_beta)
    session = services.start_chat("Carol C", "CAROL@example.com", "Where is my parcel?")
    ticket = session.ticket
    # The same customer as their e-mails, found by address.
    assert ticket.customer == carol and Customer.objects.count() == 1
    assert (ticket.channel, ticket.team, session.team) == (Channel.CHAT, team_beta, team_beta)
    assert ticket.subject == "Chat: Where is my parcel?"
    assert (session.status, session.last_seq) == (ChatStatus.QUEUED, 1)
    line = session.lines.get()
    assert (line.seq, line.kind, line.message.body) == (1, LineKind.CUSTOMER, "Where is my parcel?")


def test_outside_opening_hours_chat_is_closed_but_a_message_can_be_left(team_alpha, office_hours):
    assert services.is_open(MONDAY_10) and not services.is_open(SUNDAY_15)
    with pytest.raises(InvalidTransition) as closed:
        services.start_chat("Ann", "ann@example.com", "Hello", now=SUNDAY_15)
    assert closed.value.code == "chat_closed"
    with pytest.raises(InvalidInput):
        services.leave_message("Ann", "", "", "Hello")
    ticket = services.leave_message("Ann", "ann@example.com", "Refund", "Please call me")
    assert (ticket.channel, ticket.subject, ticket.customer.email) == (
        Channel.WEB,
        "Refund",
        "ann@example.com",
    )
    assert not ChatSession.objects.exists()


def test_lines_are_numbered_and_resent_after_a_given_number(team_alpha, anna):
    session = services.start_chat("Ann", "", "one")
    services.accept(session, anna)
    services.post_line(session, "two")
    services.post_line(session, "three", agent=anna)
    assert [(line.seq, line.kind) for line in ChatLine.objects.filter(session=session)] == [
        (1, LineKind.CUSTOMER),
        (2, LineKind.SYSTEM),
        (3, LineKind.CUSTOMER),
        (4, LineKind.AGENT),
    ]
    assert [line.body for line in services.lines_after(session, 2)] == ["two", "three"]


def test_the_round_trip_stores_only_the_line(team_alpha, anna):
    session = services.start_chat("Ann", "", "one")
    services.accept(session, anna)
    for agent in (None, anna):
        with CaptureQueriesContext(connection) as round_trip:
            line = services.post_line(session, "a line", agent=agent)
        # Number the line (locking the chat), store it: the ticket message comes after.
        statements = [q["sql"] for q in round_trip.captured_queries]
        assert len([sql for sql in statements if not TRANSACTION_CONTROL.match(sql)]) == 2
        assert line.message is None


def test_lines_are_filed_into_the_ticket_once_in_order_and_dated_when_written(team_alpha, anna):
    session = services.start_chat("Ann", "", "one")
    services.accept(session, anna)
    lines = [services.post_line(session, "two"), services.post_line(session, "three", agent=anna)]
    assert Message.objects.filter(ticket=session.ticket).count() == 1

    with CaptureQueriesContext(connection) as filing:
        assert services.file_lines(session) == 2
    assert services.file_lines(session) == services.file_lines(session) == 0
    # Every line costs the same bounded number of queries: no query per earlier line.
    assert len(filing.captured_queries) <= 2 + 2 * 16
    timeline = list(Message.objects.filter(ticket=session.ticket).order_by("pk"))
    assert [(m.body, m.author_user) for m in timeline] == [
        ("one", None),
        ("two", None),
        ("three", anna),
    ]
    for line in lines:
        line.refresh_from_db()
        assert (line.message.body, line.message.created_at) == (line.body, line.created_at)
    session.ticket.refresh_from_db()
    assert session.ticket.first_response_at == lines[1].created_at


def test_one_job_files_the_lines_of_several_chats(team_alpha):
    first, second = services.start_chat("Ann", "", "one"), services.start_chat("Bob", "", "uno")
    for session, body in [(first, "two"), (second, "dos"), (second, "tres")]:
        services.post_line(session, body)

    assert services.file_chats([first.pk, second.pk, 0]) == 3  # a chat since deleted: skipped
    assert services.file_chats([first.pk, second.pk]) == 0
    assert ChatLine.objects.filter(message__isnull=True).count() == 0


def test_the_scheduler_files_lines_no_job_was_enqueued_for(team_alpha):
    """A server killed before handing its last second's lines to a job: a minute later the
    scheduler's sweep files them; fresh lines (their job is on its way) and old ones are left."""
    stranded, fresh = services.start_chat("Ann", "", "one"), services.start_chat("Bob", "", "uno")
    services.post_line(stranded, "lost with the server")
    services.post_line(fresh, "just written")
    now = ChatLine.objects.get(body="just written").created_at
    ChatLine.objects.filter(body="lost with the server").update(
        created_at=now - timedelta(minutes=2)
    )

    assert services.file_stragglers(now) == 1
    assert services.file_stragglers(now) == 0
    unfiled = ChatLine.objects.filter(message__isnull=True).exclude(kind=LineKind.SYSTEM)
    assert list(unfiled.values_list("body", flat=True)) == ["just written"]
    assert services.file_stragglers(now + timedelta(minutes=10)) == 0  # past the sweep's reach


def test_a_chat_is_all_on_its_ticket_when_it_changes_hands_or_ends(team_alpha, anna, lead):
    session = services.start_chat("Ann", "", "one")
    services.accept(session, anna)
    services.post_line(session, "from anna", agent=anna)
    services.offer_transfer(session, anna, to_agent=lead)
    services.accept_transfer(session, lead)
    services.post_line(session, "from the lead", agent=lead)
    services.post_line(session, "bye")
    services.end_chat(session)
    assert not ChatLine.objects.filter(message=None).exclude(kind=LineKind.SYSTEM).exists()
    assert list(
        Message.objects.filter(ticket=session.ticket)
        .order_by("pk")
        .values_list("body", "author_user")
    ) == [("one", None), ("from anna", anna.pk), ("from the lead", lead.pk), ("bye", None)]


def test_an_agent_line_the_ticket_would_refuse_is_refused_at_once(team_alpha, anna):
    session = services.start_chat("Ann", "", "one")
    services.accept(session, anna)
    Ticket.objects.filter(pk=session.ticket_id).update(status=Status.CLOSED)
    session.ticket.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.post_line(session, "hello?", agent=anna)
    assert not ChatLine.objects.filter(kind=LineKind.AGENT).exists()


def test_only_the_chats_agent_writes_and_nobody_after_the_end(team_alpha, anna, lead):
    session = services.start_chat("Ann", "", "hello")
    with pytest.raises(Forbidden):
        services.post_line(session, "I am not on it", agent=anna)
    services.accept(session, anna)
    with pytest.raises(Forbidden):
        services.post_line(session, "hijack", agent=lead)
    with pytest.raises(Forbidden):
        services.end_chat(session, agent=lead)
    services.end_chat(session, agent=anna)
    with pytest.raises(InvalidTransition):
        services.post_line(session, "too late")


def test_second_accept_is_refused_and_ending_twice_changes_nothing(team_alpha, anna, lead):
    session = services.start_chat("Ann", "", "hello")
    services.accept(session, anna)
    with pytest.raises(InvalidTransition) as taken:
        services.accept(session, lead)
    assert taken.value.code == "taken"
    first = services.end_chat(session, agent=anna)
    again = services.end_chat(session, agent=anna)
    assert first.ended_at == again.ended_at
    assert session.lines.filter(body=services.EVENT_ENDED).count() == 1


def test_queue_positions_follow_arrival_per_team(team_alpha, team_beta, anna):
    now = MONDAY_10
    first = services.start_chat("A", "", "1", now=now)
    second = services.start_chat("B", "", "2", now=now)  # the same instant: by id
    third = services.start_chat("C", "", "3", now=now + timedelta(seconds=5))
    ChatSession.objects.filter(pk=third.pk).update(team=team_beta)
    third.refresh_from_db()
    assert [services.queue_position(s) for s in (first, second, third)] == [1, 2, 1]
    services.accept(first, anna, now=now + timedelta(minutes=1))
    services.accept(second, anna, now=now + timedelta(minutes=3))
    later = services.start_chat("D", "", "4", now=now + timedelta(minutes=4))
    # One accept every two minutes: the next in line waits about two minutes.
    assert services.estimated_wait(later, services.queue_position(later)) == 120


def test_customer_gone_from_the_queue_is_abandoned_after_the_grace(team_alpha):
    session = services.start_chat("Ann", "", "hello")
    left = MONDAY_10
    services.customer_left(session, now=left)
    assert services.abandon_stale(left + services.ABANDON_GRACE / 2) == []
    assert services.abandon_stale(left + services.ABANDON_GRACE * 2) == [session.pk]
    session.refresh_from_db()
    assert session.abandoned and session.status == ChatStatus.ENDED


def test_transfer_only_by_its_agent_and_accepted_only_by_its_receiver(
    team_alpha, team_beta, anna, boris, lead
):
    session = services.start_chat("Ann", "", "hello")
    services.accept(session, anna)
    with pytest.raises(Forbidden):
        services.offer_transfer(session, boris, to_team=team_beta)
    with pytest.raises(InvalidInput):
        services.offer_transfer(session, anna)
    services.offer_transfer(session, anna, to_agent=lead)
    with pytest.raises(Forbidden):
        services.accept_transfer(session, boris)
    services.accept_transfer(session, lead)
    session.refresh_from_db()
    assert (session.agent, session.transfer_to, session.ticket.assignee) == (lead, None, lead)


def test_csat_without_a_survey_is_refused(team_alpha, anna):
    session = services.start_chat("Ann", "", "hello")
    with pytest.raises(InvalidTransition):
        services.record_csat(session, 5)


def test_abandoned_chat_gets_no_survey(team_alpha, builtin_surveys):
    session = services.end_chat(services.start_chat("Ann", "ann@example.com", "hello"))
    assert session.abandoned and session.csat_invitation is None
