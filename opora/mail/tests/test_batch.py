"""Batches of spooled mail: one transaction per batch, configuration and look-ups read once per
batch, records written once per batch — and still nothing lost, nothing duplicated, one bad
message alone refused."""

import re

import pytest
from django.core import mail
from django.db import DataError, IntegrityError, OperationalError, connection
from django.test.utils import CaptureQueriesContext

from opora.automation.models import RoutingRule, Trigger, TriggerEvent
from opora.knowledge import search
from opora.mail import spool
from opora.mail.ingest import BATCH_SIZE, ingest, ingest_many, retry_spooled
from opora.mail.models import EmailEnvelope, InboundMail, InboundStatus
from opora.sla.models import SlaPolicy, SlaTarget, TargetKind
from opora.tickets.models import Ticket

from .test_ingest import letter

pytestmark = pytest.mark.django_db


def failing_insert(marker: str, error: type[Exception], times: int | None = None):
    """An execute wrapper: the database refuses the message whose body holds ``marker`` (the
    first ``times`` times it is offered, or always)."""
    refusals = [0]

    def wrapper(execute, sql, params, many, context):
        if (
            sql.lstrip().upper().startswith("INSERT")
            and "tickets_message" in sql
            and any(marker in str(value) for value in params or ())
            and (times is None or refusals[0] < times)
        ):
            refusals[0] += 1
            raise error(f"refused {marker}")
        return execute(sql, params, many, context)

    return wrapper


def letters(count: int, prefix: str = "client") -> list[bytes]:
    return [
        letter(sender=f"{prefix}{n}@batch.example", body=f"Письмо номер {n}") for n in range(count)
    ]


def test_a_refused_message_is_quarantined_alone_and_the_batch_commits(mailbox):
    first, refused, second = letters(3)
    malformed = b"not a mail at all\x00\x00"
    with connection.execute_wrapper(failing_insert("номер 1", DataError)):
        results = ingest_many(
            [first, refused, malformed, second, first], via="smtp", mailbox=mailbox.address
        )
    assert [result.status for result in results] == [
        InboundStatus.TICKET_CREATED,
        InboundStatus.QUARANTINED,
        InboundStatus.QUARANTINED,
        InboundStatus.TICKET_CREATED,
        "duplicate",
    ]
    assert Ticket.objects.count() == 2
    quarantined = InboundMail.objects.get(pk=results[1].inbound_id)
    assert "refused" in quarantined.reason and bytes(quarantined.raw) == refused
    assert list(spool.pending()) == []


def test_an_outage_leaves_the_whole_batch_spooled_and_a_retry_completes_it(mailbox):
    batch = letters(4)
    with connection.execute_wrapper(failing_insert("Письмо", OperationalError)):
        results = ingest_many(batch, via="smtp", mailbox=mailbox.address)
    assert {result.status for result in results} == {"spooled"}
    assert Ticket.objects.count() == 0 and InboundMail.objects.count() == 0
    assert len(list(spool.pending())) == 4
    assert {r.status for r in retry_spooled()} == {InboundStatus.TICKET_CREATED}
    assert Ticket.objects.count() == 4 and list(spool.pending()) == []


def test_a_batch_failing_on_one_message_retries_each_alone(mailbox):
    batch = letters(3)
    with connection.execute_wrapper(failing_insert("номер 1", OperationalError)):
        results = ingest_many(batch, via="smtp", mailbox=mailbox.address)
    assert [result.status for result in results] == [
        InboundStatus.TICKET_CREATED,
        "spooled",
        InboundStatus.TICKET_CREATED,
    ]
    assert len(list(spool.pending())) == 1
    assert [r.status for r in retry_spooled()] == [InboundStatus.TICKET_CREATED]
    assert Ticket.objects.count() == 3


def test_a_message_meets_earlier_ones_of_its_own_batch(mailbox, django_capture_on_commit_callbacks):
    """Within one batch, a reply threads to the message before it, a second delivery is a
    duplicate, a second message from a new sender finds the customer the first one created."""
    first = letter(sender="new@batch.example", body="Первое", message_id="<first@batch.example>")
    reply = letter(
        sender="new@batch.example",
        body="Дополнение",
        message_id="<reply@batch.example>",
        in_reply_to="<first@batch.example>",
    )
    another = letter(sender="NEW@batch.example", subject="Другое", body="Второй вопрос")
    with django_capture_on_commit_callbacks(execute=True):
        results = ingest_many([first, reply, first, another], via="smtp", mailbox=mailbox.address)
    assert [result.status for result in results] == [
        InboundStatus.TICKET_CREATED,
        InboundStatus.THREADED,
        "duplicate",
        InboundStatus.TICKET_CREATED,
    ]
    assert results[1].ticket_id == results[0].ticket_id
    assert results[2].inbound_id == results[0].inbound_id is not None
    assert Ticket.objects.get(pk=results[0].ticket_id).messages.count() == 2
    assert {ticket.customer_id for ticket in Ticket.objects.all()} == {
        Ticket.objects.get(pk=results[3].ticket_id).customer_id
    }
    assert (
        EmailEnvelope.objects.filter(
            rfc_message_id__in=["first@batch.example", "reply@batch.example"]
        ).count()
        == 2
    )
    # One acknowledgement for each new ticket, none for the reply or the duplicate.
    assert sorted(re.search(r"\[#(\d+)\]", sent.subject)[1] for sent in mail.outbox) == sorted(
        str(result.ticket_id) for result in (results[0], results[3])
    )


def test_a_message_refused_once_is_taken_on_the_second_look(mailbox):
    """What a concurrent worker's commit looks like from here (it stored the same new sender or
    the same mail first): the batch is retried one by one, and the refused message once more."""
    batch = letters(2)
    with connection.execute_wrapper(failing_insert("номер 1", IntegrityError, times=2)):
        results = ingest_many(batch, via="smtp", mailbox=mailbox.address)
    assert [result.status for result in results] == [InboundStatus.TICKET_CREATED] * 2
    assert Ticket.objects.count() == 2 and list(spool.pending()) == []


def test_a_message_refused_every_time_is_quarantined(mailbox):
    batch = letters(2)
    with connection.execute_wrapper(failing_insert("номер 1", IntegrityError)):
        results = ingest_many(batch, via="smtp", mailbox=mailbox.address)
    assert [result.status for result in results] == [
        InboundStatus.TICKET_CREATED,
        InboundStatus.QUARANTINED,
    ]
    assert "refused номер 1" in InboundMail.objects.get(pk=results[1].inbound_id).reason


def test_batched_mail_is_searchable_after_commit(mailbox, lead):
    ingest_many(
        [letter(sender="a@batch.example", body="Сломался фискальный регистратор")],
        via="smtp",
        mailbox=mailbox.address,
    )
    hits = search.search("регистратор", lead, include_tickets=True).tickets
    assert len(hits) == 1 and "<mark>" in hits[0].snippet


@pytest.fixture
def configured(mailbox, team_beta):
    """What a real desk has: SLA policies, routing rules and triggers that each ticket is matched
    against (none of them matches this mail)."""
    for position in range(3):
        SlaPolicy.objects.create(
            name=f"VIP {position}",
            position=position,
            conditions={"tiers": ["vip"]},
            first_response_minutes=30,
        )
        RoutingRule.objects.create(
            name=f"Keyword {position}",
            team=team_beta,
            position=position,
            conditions={"keywords": [f"nomatch{position}"]},
        )
        Trigger.objects.create(
            name=f"Tag {position}",
            event=TriggerEvent.CREATED,
            conditions={"team_ids": [team_beta.pk]},
            actions=[{"type": "add_tag", "tag": "x"}],
        )
    return mailbox


def test_a_batch_reads_the_configuration_once(configured):
    with CaptureQueriesContext(connection) as one_by_one:
        for raw in letters(10, "single"):
            ingest(raw, via="smtp", mailbox=configured.address)
    with CaptureQueriesContext(connection) as batched:
        ingest_many(letters(10, "batched"), via="smtp", mailbox=configured.address)
    assert Ticket.objects.count() == 20
    # A new ticket from a new sender: its organisation looked up, the customer, ticket, audit,
    # message, SLA clock and target, and routing's savepoint; the rest is once per batch.
    assert len(batched) <= 10 * 10 + 15
    # One by one, each message also reads mailboxes, policies, rules, triggers, the teams the
    # triggers name, and writes its own search entry.
    assert len(batched) < len(one_by_one) - 10 * 8


def test_a_policy_changed_between_batches_applies_to_the_next(configured):
    ingest_many(letters(1, "before"), via="smtp", mailbox=configured.address)
    SlaPolicy.objects.create(name="Everyone", position=0, first_response_minutes=7)
    results = ingest_many(letters(1, "after"), via="smtp", mailbox=configured.address)
    target = SlaTarget.objects.get(ticket_id=results[0].ticket_id, kind=TargetKind.FIRST_RESPONSE)
    assert target.target_minutes == 7


def test_batches_are_bounded(mailbox):
    results = ingest_many(letters(BATCH_SIZE + 3), via="smtp", mailbox=mailbox.address)
    assert len(results) == BATCH_SIZE + 3
    assert Ticket.objects.count() == BATCH_SIZE + 3
