"""Linking, one message to everyone (exactly once per ticket), resolving together, banners."""

import pytest
from django.core import mail
from django.utils import translation
from django_tasks import default_task_backend

from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.incidents import services, tasks
from opora.incidents.models import (
    BroadcastDelivery,
    DeliveryState,
    EventKind,
    IncidentStatus,
    IncidentTicket,
)
from opora.tickets import services as ticket_services
from opora.tickets.models import AuditEvent, Channel, Message, Status, TicketType

pytestmark = pytest.mark.django_db


def test_agents_link_only_tickets_they_can_see(
    outage, make_ticket, carol, erin, anna, boris, team_beta
):
    alpha = make_ticket(carol)
    beta = make_ticket(erin, team=team_beta)
    result = services.link_tickets(outage, anna, [alpha.pk, beta.pk, alpha.pk, 99999])
    assert result.linked == [alpha.pk] and result.not_found == [beta.pk, 99999]
    assert list(IncidentTicket.objects.values_list("ticket_id", flat=True)) == [alpha.pk]
    again = services.link_tickets(outage, anna, [alpha.pk])
    assert again.linked == [] and again.already_linked == [alpha.pk]
    assert AuditEvent.objects.filter(ticket=alpha, field="incident").count() == 1
    assert outage.events.filter(kind=EventKind.LINKED).count() == 1
    # Boris cannot link (or unlink) Alpha's ticket: it is "not linked" as far as he can tell.
    assert services.link_tickets(outage, boris, [alpha.pk]).not_found == [alpha.pk]
    with pytest.raises(InvalidInput):
        services.unlink_ticket(outage, boris, alpha.pk)
    services.unlink_ticket(outage, anna, alpha.pk)
    assert not IncidentTicket.objects.exists()


def test_light_agents_and_customers_cannot_manage_incidents(outage, lena, carol, make_ticket):
    ticket = make_ticket(carol)
    with pytest.raises(Forbidden):
        services.link_tickets(outage, lena, [ticket.pk])
    with pytest.raises(Forbidden):
        services.create_incident(carol.user, title="x")
    with pytest.raises(Forbidden):
        services.broadcast(outage, lena, "hello")
    assert not services.visible_incidents(carol.user).exists()


def test_bulk_link_by_subject(outage, make_ticket, carol, dave, anna):
    first = make_ticket(carol, subject="Cannot send mail")
    second = make_ticket(dave, subject="MAIL bounces")
    make_ticket(dave, subject="Invoice question")
    result = services.link_matching(outage, anna, "mail")
    assert sorted(result.linked) == sorted([first.pk, second.pk])
    with pytest.raises(InvalidInput):
        services.link_matching(outage, anna, "ma")
    assert services.parse_ticket_numbers("#12, 15 17 #12") == [12, 15, 17]


def test_broadcast_reaches_every_customer_once_on_their_channel(
    outage, make_ticket, carol, dave, erin, anna, django_capture_on_commit_callbacks
):
    by_mail = make_ticket(carol, channel=Channel.EMAIL)
    in_portal = make_ticket(dave, channel=Channel.PORTAL)
    closed = make_ticket(erin)
    ticket_services.update_ticket(closed, ticket_services.Actor(user=anna), {"status": "solved"})
    ticket_services.update_ticket(closed, ticket_services.Actor(user=anna), {"status": "closed"})
    services.link_tickets(outage, anna, [by_mail.pk, in_portal.pk, closed.pk])
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.broadcast(outage, anna, "We know about the outage and are fixing it.")
    states = dict(BroadcastDelivery.objects.values_list("ticket_id", "state"))
    assert states == {
        by_mail.pk: DeliveryState.SENT,
        in_portal.pk: DeliveryState.SENT,
        closed.pk: DeliveryState.SKIPPED,
    }
    for ticket in (by_mail, in_portal):
        reply = Message.objects.filter(ticket=ticket, author_user=anna).get()
        assert reply.is_public and reply.body.startswith("We know")
    # Each open ticket's customer gets exactly one mail; the closed ticket's customer none.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "carol@example.com",
        "dave@example.com",
    ]
    # A retried task finds every copy done and writes nothing more.
    assert services.deliver_broadcast(sent.pk) == 0
    delivery = BroadcastDelivery.objects.get(ticket=by_mail)
    assert services.deliver_one(delivery.pk) is False
    assert Message.objects.filter(ticket=by_mail, author_user=anna).count() == 1
    assert services.delivery_counts(outage) == {"pending": 0, "sent": 2, "skipped": 1}


def test_large_broadcast_goes_through_the_task(
    outage, make_ticket, carol, anna, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(services, "INLINE_BROADCAST_LIMIT", 2)
    tickets = [make_ticket(carol, subject=f"Down {n}") for n in range(3)]
    services.link_tickets(outage, anna, [t.pk for t in tickets])
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.broadcast(outage, anna, "Update")
    queued = default_task_backend.results
    assert [result.args for result in queued] == [[sent.pk]]
    assert BroadcastDelivery.objects.filter(state=DeliveryState.PENDING).count() == 3
    assert tasks.deliver_broadcast_task.call(sent.pk) == 3
    assert tasks.deliver_broadcast_task.call(sent.pk) == 0  # a retry sends nothing twice
    assert Message.objects.filter(body="Update").count() == 3


def test_resolving_solves_the_linked_tickets_and_removes_the_banner(
    outage, make_ticket, carol, dave, anna, django_capture_on_commit_callbacks
):
    question = make_ticket(carol)
    incident_ticket = make_ticket(dave, type=TicketType.INCIDENT)
    services.link_tickets(outage, anna, [question.pk, incident_ticket.pk])
    assert [b["title"] for b in services.active_banners()] == ["Mail outage"]
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_incident(
            outage,
            anna,
            "Fixed: mail flows again.",
            resolution_code="software_fix",
            post_incident_note="A disk filled up; alerting added.",
        )
    outage.refresh_from_db()
    assert outage.status == IncidentStatus.RESOLVED and outage.resolved_at
    assert outage.post_incident_note.startswith("A disk")
    for ticket in (question, incident_ticket):
        ticket.refresh_from_db()
        assert ticket.status == Status.SOLVED
    assert incident_ticket.resolution_code == "software_fix"
    assert services.active_banners() == []
    kinds = list(outage.events.values_list("kind", flat=True))
    assert kinds == ["opened", "linked", "resolved", "note", "broadcast"]
    with pytest.raises(InvalidTransition):
        services.resolve_incident(outage, anna, "again")
    with pytest.raises(InvalidTransition):
        services.link_tickets(outage, anna, [question.pk])


def test_resolving_without_solving_only_updates_the_tickets(
    outage, make_ticket, carol, anna, django_capture_on_commit_callbacks
):
    ticket = make_ticket(carol)
    services.link_tickets(outage, anna, [ticket.pk])
    with pytest.raises(InvalidInput):
        services.resolve_incident(outage, anna, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_incident(outage, anna, "Workaround in place", solve_tickets=False)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.messages.filter(body="Workaround in place").exists()


def test_banners_follow_the_active_language(outage, anna):
    services.create_incident(anna, title="Internal only")
    with translation.override("en"):
        assert services.active_banners() == [{"title": "Mail outage", "body": "We are on it"}]
    with translation.override("ru"):
        assert services.active_banners() == [{"title": "Сбой почты", "body": "Чиним"}]
    services.update_incident(outage, anna, banner_title_en="", banner_body_en="")
    with translation.override("en"):
        assert services.active_banners() == [{"title": "Сбой почты", "body": "Чиним"}]
    services.update_incident(outage, anna, is_public=False)
    assert services.active_banners() == []
    assert outage.events.filter(kind=EventKind.UPDATED).count() == 2


def test_delete_only_by_managers_and_only_before_anyone_was_told(
    outage, anna, lead, make_ticket, carol, django_capture_on_commit_callbacks
):
    with pytest.raises(Forbidden):
        services.delete_incident(outage, anna)
    services.link_tickets(outage, anna, [make_ticket(carol).pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast(outage, anna, "hello")
    with pytest.raises(InvalidTransition):
        services.delete_incident(outage, lead)
