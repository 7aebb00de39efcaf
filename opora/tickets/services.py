"""Everything that changes a ticket. Views and the API call these; each runs in one transaction
and writes its audit trail, so a ticket is never half-changed and every change is explained."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Team, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.core.html import sanitize_html
from opora.customers.models import Customer

from . import signals
from .attachments import IncomingFile, check_file, store_files
from .models import (
    AuditAction,
    AuditEvent,
    Channel,
    ContactReason,
    CustomField,
    CustomFieldKind,
    LinkKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketLink,
    TicketType,
    TicketViewer,
)

# Which status may follow which when an agent sets it by hand. Closing is final:
# a customer who writes again gets a follow-up ticket, so solved figures stay honest.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED},
    Status.OPEN: {Status.PENDING, Status.ON_HOLD, Status.SOLVED},
    Status.PENDING: {Status.OPEN, Status.ON_HOLD, Status.SOLVED},
    Status.ON_HOLD: {Status.OPEN, Status.PENDING, Status.SOLVED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}

EDITABLE_FIELDS = (
    "subject",
    "status",
    "priority",
    "type",
    "reason",
    "team",
    "assignee",
    "product",
    "serial_number",
    "resolution_code",
    "root_cause",
)


@dataclass
class Actor:
    """Who is acting and through which door (web, api, email, system...)."""

    user: User | None = None
    customer: Customer | None = None
    via: str = "web"


@dataclass
class NewTicket:
    customer: Customer
    subject: str
    body: str
    channel: str = Channel.WEB
    body_html: str = ""
    quoted_text: str = ""
    priority: str = Priority.NORMAL
    type: str = TicketType.QUESTION
    reason: ContactReason | None = None
    team: Team | None = None
    assignee: User | None = None
    tags: list[str] = field(default_factory=list)
    product: str = ""
    serial_number: str = ""
    custom_fields: dict[str, Any] = field(default_factory=dict)
    files: list[IncomingFile] = field(default_factory=list)


def audit(
    ticket: Ticket, actor: Actor, action: str, field: str = "", old: Any = "", new: Any = ""
) -> AuditEvent:
    """One line of the ticket's history: who, through which door, what changed from what to what."""
    return AuditEvent.objects.create(
        ticket=ticket,
        actor=actor.user,
        actor_customer=actor.customer,
        via=actor.via,
        action=action,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
    )


def _require_text(value: str, field_name: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(
            _("%(label)s must not be empty") % {"label": label}, fields={field_name: "required"}
        )
    return value


def clean_custom_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check custom field values against their definitions; unknown keys are an error, not ignored."""
    if not values:
        return {}
    definitions = {
        f.key: f for f in CustomField.objects.filter(is_active=True, key__in=list(values))
    }
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom_fields.{key}"] = "unknown_field"
            continue
        if definition.kind == CustomFieldKind.NUMBER and not isinstance(value, int | float):
            errors[f"custom_fields.{key}"] = "not_a_number"
        elif definition.kind == CustomFieldKind.CHECKBOX and not isinstance(value, bool):
            errors[f"custom_fields.{key}"] = "not_a_boolean"
        elif definition.kind == CustomFieldKind.CHOICE and value not in definition.choices:
            errors[f"custom_fields.{key}"] = "not_a_choice"
        elif definition.kind in {CustomFieldKind.TEXT, CustomFieldKind.DATE} and not isinstance(
            value, str
        ):
            errors[f"custom_fields.{key}"] = "not_a_string"
        else:
            cleaned[key] = value
    if errors:
        raise InvalidInput(_("Some custom fields are invalid"), fields=errors)
    return cleaned


def _default_team() -> Team | None:
    return (
        Team.objects.filter(is_default=True).first() or Team.objects.order_by("line", "pk").first()
    )


def _set_tags(ticket: Ticket, names: Iterable[str]) -> None:
    cleaned = sorted({name.strip().lower().replace(" ", "-") for name in names if name.strip()})
    tags = []
    for name in cleaned:
        tag, _created = Tag.objects.get_or_create(name=name[:60])
        tags.append(tag)
    ticket.tags.set(tags)


def create_ticket(data: NewTicket, actor: Actor) -> Ticket:
    return open_ticket(data, actor)[0]


def open_ticket(data: NewTicket, actor: Actor) -> tuple[Ticket, Message]:
    """Create a ticket with its first message; returns both (bulk paths would read it back)."""
    subject = _require_text(data.subject, "subject", _("Subject"))
    body = _require_text(data.body, "body", _("Message"))
    for incoming in data.files:
        check_file(incoming)
    custom_fields = clean_custom_fields(data.custom_fields)
    # Refusals come before the transaction: what follows only fails on a database error, which
    # spoils a caller's enclosing transaction anyway, so it saves no savepoint of its own (a
    # batch of inbound mail would pay two statements a ticket for one).
    with transaction.atomic(savepoint=False):
        ticket = Ticket.objects.create(
            subject=subject[:250],
            customer=data.customer,
            organisation=data.customer.organisation,
            channel=data.channel,
            priority=data.priority,
            type=data.type,
            reason=data.reason,
            team=data.team or _default_team(),
            assignee=data.assignee,
            product=data.product,
            serial_number=data.serial_number,
            custom_fields=custom_fields,
            status=Status.OPEN if data.assignee else Status.NEW,
        )
        if data.tags:
            _set_tags(ticket, data.tags)
        audit(ticket, actor, AuditAction.CREATED, new=ticket.subject)
        from_customer = (
            actor.customer is not None or actor.user is None or not actor.user.is_agent_like
        )
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.REPLY,
            channel=data.channel,
            author_customer=data.customer if from_customer else None,
            author_user=None if from_customer else actor.user,
            body=body,
            body_html=sanitize_html(data.body_html) if data.body_html else "",
            quoted_text=data.quoted_text,
        )
        store_files(message, data.files)
        signals.ticket_created.send(sender=Ticket, ticket=ticket, message=message, actor=actor)
    return ticket, message


def check_author(ticket: Ticket, actor: Actor, kind: str = MessageKind.REPLY) -> None:
    """Refuse a message its author may not add to the ticket. A customer's reply to a closed
    ticket is not refused: it opens a follow-up."""
    from_customer = actor.customer is not None
    # A note comes from staff or from Opora itself (an actor without a user), never a customer.
    if kind == MessageKind.NOTE and (
        from_customer or (actor.user is not None and not actor.user.is_agent_like)
    ):
        raise Forbidden(_("Only support staff may add internal notes"))
    if (
        kind == MessageKind.REPLY
        and not from_customer
        and actor.user is not None
        and not actor.user.can_reply_publicly
    ):
        raise Forbidden(_("Light agents may add internal notes only"))
    if ticket.status == Status.CLOSED and not from_customer:
        raise InvalidTransition(
            _("Ticket #%(number)s is closed; open a follow-up instead") % {"number": ticket.pk}
        )


@transaction.atomic
def add_message(
    ticket: Ticket,
    actor: Actor,
    body: str,
    *,
    kind: str = MessageKind.REPLY,
    channel: str | None = None,
    body_html: str = "",
    quoted_text: str = "",
    files: list[IncomingFile] | None = None,
    status_after: str | None = None,
    created_at: datetime | None = None,
) -> Message:
    """Add a reply or note. A customer reply reopens a solved ticket; to a closed one it opens a
    follow-up. ``created_at`` is when it was written, if that was earlier (a chat line)."""
    body = _require_text(body, "body", _("Message"))
    files = files or []
    for incoming in files:
        check_file(incoming)
    from_customer = actor.customer is not None
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    check_author(ticket, actor, kind)
    if ticket.status == Status.CLOSED:
        return _follow_up(
            ticket, actor, body, channel or ticket.channel, body_html, quoted_text, files
        )

    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        channel=channel or (ticket.channel if from_customer else Channel.WEB),
        author_customer=actor.customer if from_customer else None,
        author_user=None if from_customer else actor.user,
        body=body,
        body_html=sanitize_html(body_html) if body_html else "",
        quoted_text=quoted_text,
        created_at=created_at or timezone.now(),
    )
    store_files(message, files)
    audit(ticket, actor, AuditAction.NOTED if kind == MessageKind.NOTE else AuditAction.REPLIED)
    signals.message_added.send(sender=Ticket, ticket=ticket, message=message, actor=actor)

    changes: dict[str, Any] = {}
    if from_customer:
        # A reply reopens a solved ticket (counted as a reopen) or wakes a waiting one.
        if ticket.status in {Status.SOLVED, Status.PENDING, Status.ON_HOLD}:
            changes["status"] = Status.OPEN
    elif kind == MessageKind.REPLY:
        if ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            ticket.save(update_fields=["first_response_at", "updated_at"])
        if ticket.status == Status.NEW and not status_after:
            changes["status"] = Status.OPEN
        if ticket.assignee_id is None and actor.user is not None:
            changes["assignee"] = actor.user
    if status_after:
        changes["status"] = status_after
    if changes:
        _apply_changes(ticket, actor, changes, check_transitions=not from_customer)
    else:
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return message


def _follow_up(
    closed: Ticket,
    actor: Actor,
    body: str,
    channel: str,
    body_html: str,
    quoted_text: str,
    files: list[IncomingFile],
) -> Message:
    follow_up = create_ticket(
        NewTicket(
            customer=actor.customer,
            subject=closed.subject,
            body=body,
            body_html=body_html,
            quoted_text=quoted_text,
            channel=channel,
            priority=closed.priority,
            type=closed.type,
            reason=closed.reason,
            team=closed.team,
            assignee=closed.assignee if closed.assignee and closed.assignee.is_active else None,
            files=files,
        ),
        actor,
    )
    TicketLink.objects.create(source=follow_up, target=closed, kind=LinkKind.FOLLOW_UP)
    audit(follow_up, actor, AuditAction.LINKED, "follow_up", "", closed.pk)
    return follow_up.messages.get()


def _display(value: Any) -> str:
    return "" if value is None else str(value)


def _apply_changes(
    ticket: Ticket, actor: Actor, changes: Mapping[str, Any], *, check_transitions: bool = True
) -> list[str]:
    changed: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        if name not in EDITABLE_FIELDS:
            raise InvalidInput(
                _("Field %(field)s cannot be changed") % {"field": name}, fields={name: "read_only"}
            )
        old = getattr(ticket, name)
        if old == new:
            continue
        if name == "status":
            if check_transitions and new not in ALLOWED_TRANSITIONS[old]:
                raise InvalidTransition(
                    _("A ticket cannot go from %(old)s to %(new)s")
                    % {"old": Status(old).label, "new": Status(new).label},
                    fields={"status": "invalid_transition"},
                )
            now = timezone.now()
            if new == Status.SOLVED:
                if ticket.type == TicketType.INCIDENT and not (
                    changes.get("resolution_code") or ticket.resolution_code
                ):
                    raise InvalidInput(
                        _("Solving an incident needs a resolution code"),
                        fields={"resolution_code": "required"},
                    )
                ticket.solved_at = now
            elif new == Status.CLOSED:
                ticket.closed_at = now
            elif old == Status.SOLVED:
                ticket.solved_at = None
                ticket.reopen_count += 1
                audit(ticket, actor, AuditAction.REOPENED, "status", old, new)
        if name == "assignee" and new is not None and not new.is_agent_like:
            raise InvalidInput(
                _("Tickets can only be assigned to support staff"), fields={"assignee": "not_staff"}
            )
        setattr(ticket, name, new)
        changed[name] = (old, new)
        audit(ticket, actor, AuditAction.CHANGED, name, _display(old), _display(new))
    if changed:
        ticket.save()
        signals.ticket_changed.send(sender=Ticket, ticket=ticket, actor=actor, changes=changed)
    return list(changed)


@transaction.atomic
def update_ticket(
    ticket: Ticket,
    actor: Actor,
    changes: Mapping[str, Any],
    *,
    tags: Iterable[str] | None = None,
    custom_fields: Mapping[str, Any] | None = None,
    collaborators: Iterable[User] | None = None,
) -> Ticket:
    """Set fields by hand (status transitions checked), recording old → new for each."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if "subject" in changes:
        changes = {
            **changes,
            "subject": _require_text(changes["subject"], "subject", _("Subject"))[:250],
        }
    # Resolution code first, so solving an incident in the same change sees it.
    ordered = dict(sorted(changes.items(), key=lambda item: item[0] == "status"))
    _apply_changes(ticket, actor, ordered)
    if tags is not None:
        old = sorted(ticket.tags.values_list("name", flat=True))
        _set_tags(ticket, tags)
        new = sorted(ticket.tags.values_list("name", flat=True))
        if old != new:
            audit(ticket, actor, AuditAction.CHANGED, "tags", ", ".join(old), ", ".join(new))
    if custom_fields is not None:
        cleaned = clean_custom_fields(custom_fields)
        merged = {**ticket.custom_fields, **cleaned}
        if merged != ticket.custom_fields:
            audit(ticket, actor, AuditAction.CHANGED, "custom_fields", ticket.custom_fields, merged)
            ticket.custom_fields = merged
            ticket.save(update_fields=["custom_fields", "updated_at"])
    if collaborators is not None:
        _set_collaborators(ticket, actor, collaborators)
    return ticket


def _set_collaborators(ticket: Ticket, actor: Actor, users: Iterable[User]) -> None:
    users = list(users)
    if any(not user.is_agent_like for user in users):
        raise InvalidInput(
            _("Only support staff can collaborate on tickets"),
            fields={"collaborators": "not_staff"},
        )
    old = sorted(str(user) for user in ticket.collaborators.all())
    ticket.collaborators.set(users)
    new = sorted(str(user) for user in users)
    if old != new:
        audit(ticket, actor, AuditAction.CHANGED, "collaborators", ", ".join(old), ", ".join(new))


def bulk_update(
    tickets: Iterable[Ticket], actor: Actor, changes: Mapping[str, Any]
) -> tuple[list[int], dict[int, str]]:
    """Apply the same change to many tickets, each in its own transaction: one refusal does not undo the rest."""
    done: list[int] = []
    refused: dict[int, str] = {}
    for ticket in tickets:
        try:
            update_ticket(ticket, actor, changes)
            done.append(ticket.pk)
        except (InvalidInput, InvalidTransition) as error:
            refused[ticket.pk] = error.message
    return done, refused


@transaction.atomic
def escalate(ticket: Ticket, actor: Actor, to_team: Team, note: str) -> Ticket:
    """Move the ticket to another line/team. It stays the same ticket, so all history goes with it."""
    note = _require_text(note, "note", _("Escalation note"))
    old_team = ticket.team
    if old_team == to_team:
        raise InvalidInput(
            _("The ticket is already with %(team)s") % {"team": to_team},
            fields={"team": "same_team"},
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.team = to_team
    # The new team picks its owner; until then the previous one stays accountable as collaborator.
    if ticket.assignee_id:
        ticket.collaborators.add(ticket.assignee)
        ticket.assignee = None
    ticket.save()
    audit(ticket, actor, AuditAction.ESCALATED, "team", _display(old_team), _display(to_team))
    Message.objects.create(
        ticket=ticket,
        kind=MessageKind.NOTE,
        channel=Channel.WEB,
        author_user=actor.user,
        body=_("Escalated from %(old)s to %(new)s: %(note)s")
        % {"old": old_team or "—", "new": to_team, "note": note},
    )
    return ticket


@transaction.atomic
def merge(source: Ticket, target: Ticket, actor: Actor) -> Ticket:
    """Fold `source` into `target`: its messages move over, it is closed and points to the target."""
    if source.pk == target.pk:
        raise InvalidInput(
            _("A ticket cannot be merged into itself"), fields={"target": "same_ticket"}
        )
    if target.status == Status.CLOSED:
        raise InvalidTransition(_("Cannot merge into a closed ticket"), fields={"target": "closed"})
    source = Ticket.objects.select_for_update().get(pk=source.pk)
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    source.merged_into = target
    source.status = Status.CLOSED
    source.closed_at = timezone.now()
    source.save()
    TicketLink.objects.get_or_create(source=source, target=target, kind=LinkKind.MERGED)
    audit(source, actor, AuditAction.MERGED, "merged_into", "", target.pk)
    audit(target, actor, AuditAction.MERGED, "merged_from", "", f"#{source.pk} ({moved})")
    Message.objects.create(
        ticket=source,
        kind=MessageKind.NOTE,
        channel=Channel.WEB,
        author_user=actor.user,
        body=_("Merged into #%(number)s") % {"number": target.pk},
    )
    return target


@transaction.atomic
def link(source: Ticket, target: Ticket, actor: Actor, kind: str = LinkKind.RELATED) -> TicketLink:
    if source.pk == target.pk:
        raise InvalidInput(
            _("A ticket cannot be linked to itself"), fields={"target": "same_ticket"}
        )
    ticket_link, created = TicketLink.objects.get_or_create(source=source, target=target, kind=kind)
    if created:
        audit(source, actor, AuditAction.LINKED, kind, "", target.pk)
    return ticket_link


@transaction.atomic
def split(ticket: Ticket, message: Message, actor: Actor, subject: str) -> Ticket:
    """Move one customer message into a ticket of its own (a second question in the same mail)."""
    if message.ticket_id != ticket.pk:
        raise InvalidInput(
            _("That message is not on this ticket"), fields={"message": "other_ticket"}
        )
    if ticket.messages.count() < 2:
        raise InvalidInput(
            _("A ticket with one message cannot be split"), fields={"message": "only_message"}
        )
    new_ticket = Ticket.objects.create(
        subject=_require_text(subject, "subject", _("Subject"))[:250],
        customer=ticket.customer,
        organisation=ticket.organisation,
        channel=message.channel,
        priority=ticket.priority,
        type=ticket.type,
        reason=ticket.reason,
        team=ticket.team,
    )
    message.ticket = new_ticket
    message.save(update_fields=["ticket"])
    TicketLink.objects.create(source=new_ticket, target=ticket, kind=LinkKind.SPLIT)
    audit(new_ticket, actor, AuditAction.CREATED, new=new_ticket.subject)
    audit(ticket, actor, AuditAction.SPLIT, "message", message.pk, f"#{new_ticket.pk}")
    return new_ticket


def mark_viewing(ticket: Ticket, user: User, *, replying: bool = False) -> list[TicketViewer]:
    """Record that `user` has the ticket open; return the other agents who do (collision notice)."""
    now = timezone.now()
    TicketViewer.objects.update_or_create(
        ticket=ticket, user=user, defaults={"last_seen_at": now, "is_replying": replying}
    )
    recent = now - timedelta(seconds=45)
    return list(
        TicketViewer.objects.filter(ticket=ticket, last_seen_at__gte=recent)
        .exclude(user=user)
        .select_related("user")
    )
