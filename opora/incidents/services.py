"""Incidents: link many tickets, write to every affected customer once, resolve them together.

Every ticket change goes through opora.tickets.services, so each linked ticket keeps its own
audit trail and its customer is answered on the ticket's channel (e-mail tickets by mail)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opora.accounts.models import User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, OporaError
from opora.tickets import services as ticket_services
from opora.tickets.access import require_can_edit, visible_tickets
from opora.tickets.models import AuditAction, ResolutionCode, Status, Ticket, TicketType

from .models import (
    Broadcast,
    BroadcastDelivery,
    DeliveryState,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentStatus,
    IncidentTicket,
)

# Up to this many tickets a broadcast is written in the request; beyond, in a background task.
INLINE_BROADCAST_LIMIT = 20
MAX_LINK_AT_ONCE = 1000
EDITABLE_FIELDS = (
    "title",
    "description",
    "is_public",
    "banner_title",
    "banner_title_en",
    "banner_body",
    "banner_body_en",
    "post_incident_note",
)


def visible_incidents(user: User):
    """Incidents are a staff tool; customers only ever see the public banner text."""
    if not (user.is_authenticated and user.is_active and user.is_agent_like):
        return Incident.objects.none()
    return Incident.objects.all()


def active_banners() -> list[dict]:
    """Outage banners for the portal and the help widget, in the active language."""
    incidents = Incident.objects.filter(status=IncidentStatus.OPEN, is_public=True).order_by(
        "-created_at", "-pk"
    )[:5]
    return [incident.banner() for incident in incidents]


def _event(incident: Incident, user: User | None, kind: str, text: str = "") -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, kind=kind, actor=user, text=text)


def _actor(user: User | None) -> ticket_services.Actor:
    return ticket_services.Actor(user=user, via="incident")


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise InvalidTransition(
            _("The incident is resolved; reopen a new one instead"), fields={"status": "resolved"}
        )


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Field %(field)s cannot be changed") % {"field": ", ".join(sorted(unknown))},
            fields={name: "read_only" for name in unknown},
        )
    cleaned = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    if "title" in cleaned and not cleaned["title"]:
        raise InvalidInput(_("Title must not be empty"), fields={"title": "required"})
    return cleaned


@transaction.atomic
def create_incident(user: User, **fields) -> Incident:
    require_can_edit(user)
    cleaned = _clean(fields)
    if not cleaned.get("title"):
        raise InvalidInput(_("Title must not be empty"), fields={"title": "required"})
    incident = Incident.objects.create(created_by=user, **cleaned)
    _event(incident, user, EventKind.OPENED, incident.title)
    return incident


@transaction.atomic
def update_incident(incident: Incident, user: User, **fields) -> Incident:
    require_can_edit(user)
    cleaned = _clean(fields)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    changed = [name for name, value in cleaned.items() if getattr(incident, name) != value]
    for name in changed:
        setattr(incident, name, cleaned[name])
    if changed:
        incident.save()
        if "post_incident_note" in changed:
            _event(incident, user, EventKind.NOTE, incident.post_incident_note)
        others = [name for name in changed if name != "post_incident_note"]
        if others:
            labels = [str(Incident._meta.get_field(name).verbose_name) for name in others]
            _event(incident, user, EventKind.UPDATED, ", ".join(labels))
    return incident


@transaction.atomic
def delete_incident(incident: Incident, user: User) -> None:
    """Only a mistake may be deleted: once customers were written to, it is history."""
    if not user.sees_every_ticket:
        raise Forbidden(_("Only managers may delete incidents"))
    if incident.broadcasts.exists():
        raise InvalidTransition(
            _("Customers were already notified about this incident; it cannot be deleted"),
            fields={"incident": "notified"},
        )
    incident.delete()


@dataclass(frozen=True)
class LinkResult:
    linked: list[int]
    already_linked: list[int]
    not_found: list[int]


def parse_ticket_numbers(text: str) -> list[int]:
    """ "#12, 15 17" → [12, 15, 17]: agents paste numbers however they have them."""
    numbers = [int(match) for match in re.findall(r"\d+", text or "")]
    return list(dict.fromkeys(number for number in numbers if 0 < number < 2**63))


@transaction.atomic
def link_tickets(incident: Incident, user: User, ticket_ids: Iterable[int]) -> LinkResult:
    """Link the tickets the user may see; others are reported as not found, never linked."""
    require_can_edit(user)
    wanted = list(dict.fromkeys(ticket_ids))
    if not wanted:
        raise InvalidInput(_("Name at least one ticket"), fields={"ticket_ids": "required"})
    if len(wanted) > MAX_LINK_AT_ONCE:
        raise InvalidInput(
            _("Link at most %(max)s tickets at once") % {"max": MAX_LINK_AT_ONCE},
            fields={"ticket_ids": "too_many"},
        )
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _require_open(incident)
    tickets = list(visible_tickets(user).filter(pk__in=wanted).order_by("pk"))
    found = {ticket.pk for ticket in tickets}
    already = set(
        IncidentTicket.objects.filter(incident=incident, ticket_id__in=found).values_list(
            "ticket_id", flat=True
        )
    )
    new = [ticket for ticket in tickets if ticket.pk not in already]
    IncidentTicket.objects.bulk_create(
        [IncidentTicket(incident=incident, ticket=ticket, linked_by=user) for ticket in new]
    )
    actor = _actor(user)
    for ticket in new:
        ticket_services.audit(ticket, actor, AuditAction.LINKED, "incident", "", incident.pk)
    if new:
        _event(incident, user, EventKind.LINKED, " ".join(f"#{ticket.pk}" for ticket in new))
    return LinkResult(
        linked=[ticket.pk for ticket in new],
        already_linked=sorted(already),
        not_found=[pk for pk in wanted if pk not in found],
    )


def link_matching(incident: Incident, user: User, subject_contains: str) -> LinkResult:
    """Bulk link: every unsolved ticket the user may see whose subject contains the words."""
    words = (subject_contains or "").strip()
    if len(words) < 3:
        raise InvalidInput(
            _("Enter at least 3 characters of the subject"), fields={"subject": "too_short"}
        )
    ids = list(
        visible_tickets(user)
        .unsolved()
        .filter(subject__icontains=words)
        .order_by("-created_at")
        .values_list("pk", flat=True)[:MAX_LINK_AT_ONCE]
    )
    if not ids:
        raise InvalidInput(_("No unsolved ticket matches"), fields={"subject": "no_match"})
    return link_tickets(incident, user, ids)


@transaction.atomic
def unlink_ticket(incident: Incident, user: User, ticket_id: int) -> None:
    require_can_edit(user)
    ticket = visible_tickets(user).filter(pk=ticket_id).first()
    deleted = 0
    if ticket is not None:
        deleted, _rows = IncidentTicket.objects.filter(incident=incident, ticket=ticket).delete()
    if not deleted:
        raise InvalidInput(
            _("Ticket #%(number)s is not linked to this incident") % {"number": ticket_id},
            fields={"ticket_id": "not_linked"},
        )
    ticket_services.audit(ticket, _actor(user), AuditAction.CHANGED, "incident", incident.pk, "")
    _event(incident, user, EventKind.UNLINKED, f"#{ticket.pk}")


# ---------------------------------------------------------------- one message to everyone


@transaction.atomic
def broadcast(
    incident: Incident,
    user: User,
    body: str,
    *,
    solves: bool = False,
    resolution_code: str = "",
) -> Broadcast:
    """A public reply on every linked ticket, written once per ticket however often retried."""
    require_can_edit(user)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Message must not be empty"), fields={"body": "required"})
    if solves and resolution_code not in ResolutionCode.values:
        raise InvalidInput(
            _("Choose how the tickets were resolved"), fields={"resolution_code": "required"}
        )
    return _queue_broadcast(incident, user, body, solves, resolution_code)


def _queue_broadcast(
    incident: Incident, user: User, body: str, solves: bool, resolution_code: str
) -> Broadcast:
    sent = Broadcast.objects.create(
        incident=incident,
        body=body,
        solves=solves,
        resolution_code=resolution_code,
        sent_by=user,
    )
    ticket_ids = list(incident.links.values_list("ticket_id", flat=True))
    BroadcastDelivery.objects.bulk_create(
        [BroadcastDelivery(broadcast=sent, ticket_id=pk) for pk in ticket_ids], batch_size=1000
    )
    _event(
        incident,
        user,
        EventKind.BROADCAST,
        ngettext("%(count)s ticket: %(text)s", "%(count)s tickets: %(text)s", len(ticket_ids))
        % {"count": len(ticket_ids), "text": body},
    )
    if len(ticket_ids) <= INLINE_BROADCAST_LIMIT:
        transaction.on_commit(lambda: deliver_broadcast(sent.pk))
    else:
        from .tasks import deliver_broadcast_task

        transaction.on_commit(lambda: deliver_broadcast_task.enqueue(sent.pk))
    return sent


def deliver_broadcast(broadcast_id: int) -> int:
    """Write every pending copy of the broadcast; returns how many were sent now."""
    pending = list(
        BroadcastDelivery.objects.filter(
            broadcast_id=broadcast_id, state=DeliveryState.PENDING
        ).values_list("pk", flat=True)
    )
    return sum(deliver_one(pk) for pk in pending)


def deliver_one(delivery_id: int) -> bool:
    """One ticket's copy, in one transaction with its delivery row: the row is locked and checked
    first, so a second worker or a retry finds it done and writes nothing."""
    with transaction.atomic():
        delivery = (
            BroadcastDelivery.objects.select_for_update(of=("self",))
            .select_related("broadcast", "broadcast__sent_by")
            .get(pk=delivery_id)
        )
        if delivery.state != DeliveryState.PENDING:
            return False
        sent = delivery.broadcast
        ticket = Ticket.objects.get(pk=delivery.ticket_id)
        try:
            with transaction.atomic():
                delivery.message = _write_to_ticket(ticket, sent)
            delivery.state = DeliveryState.SENT
        except OporaError as refused:
            # A closed ticket cannot take a reply; the customer's follow-up, if any, is linked.
            delivery.state = DeliveryState.SKIPPED
            delivery.note = refused.message[:300]
        delivery.done_at = timezone.now()
        delivery.save()
        return delivery.state == DeliveryState.SENT


def _write_to_ticket(ticket: Ticket, sent: Broadcast):
    actor = _actor(sent.sent_by)
    status_after = None
    if sent.solves and ticket.is_unsolved:
        status_after = Status.SOLVED
        if ticket.type == TicketType.INCIDENT and not ticket.resolution_code:
            ticket = ticket_services.update_ticket(
                ticket, actor, {"resolution_code": sent.resolution_code}
            )
    return ticket_services.add_message(ticket, actor, sent.body, status_after=status_after)


# ---------------------------------------------------------------- resolution


@transaction.atomic
def resolve_incident(
    incident: Incident,
    user: User,
    message: str,
    *,
    solve_tickets: bool = True,
    resolution_code: str = ResolutionCode.SOFTWARE_FIX,
    post_incident_note: str = "",
) -> Incident:
    """Resolve the incident and write the message to every linked ticket, solving them (or only
    updating them, when `solve_tickets` is off). The banner goes away with it."""
    require_can_edit(user)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _require_open(incident)
    message = (message or "").strip()
    if not message:
        raise InvalidInput(
            _("Write the message the customers will receive"), fields={"message": "required"}
        )
    if solve_tickets and resolution_code not in ResolutionCode.values:
        raise InvalidInput(
            _("Choose how the tickets were resolved"), fields={"resolution_code": "required"}
        )
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = timezone.now()
    if post_incident_note.strip():
        incident.post_incident_note = post_incident_note.strip()
    incident.save()
    _event(incident, user, EventKind.RESOLVED)
    if post_incident_note.strip():
        _event(incident, user, EventKind.NOTE, incident.post_incident_note)
    _queue_broadcast(
        incident, user, message, solve_tickets, resolution_code if solve_tickets else ""
    )
    return incident


def delivery_counts(incident: Incident) -> dict[str, int]:
    counts = {state: 0 for state in DeliveryState.values}
    rows = (
        BroadcastDelivery.objects.filter(broadcast__incident=incident)
        .values_list("state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts
