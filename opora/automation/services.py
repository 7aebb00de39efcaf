"""Triggers, time-based automations and macros: running their actions through the ticket
services, so every change is audited (``via="automation"`` for rules, the agent's own door for
macros) together with the rule's name.

Loop protection
---------------
A trigger's change is itself a ticket change and may match triggers again. Everything that
follows from one outside change (an agent's edit, a new ticket, an automation pass touching a
ticket) is one *cycle*, kept in a context variable while the change's transaction runs:

* within a cycle a trigger fires at most once per ticket — a change made by automation never
  re-triggers the rule that made it, and two rules cannot ping-pong;
* chains are cut at ``OPORA_AUTOMATION_MAX_DEPTH`` nested trigger firings (default
  :data:`DEFAULT_MAX_DEPTH`); the cut is logged.

Time-based automations fire once per *episode*: a ticket's stay in the automation's status,
which begins at the ticket's last status change (or its creation). :class:`AutomationRun`
records each (automation, ticket, episode) under a unique constraint, so passes may run late,
twice or concurrently.

A rule whose actions are refused (an invalid transition, say) is rolled back on its own and
logged; the change that set it off — a customer's new ticket above all — still goes through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Role, Team, User
from opora.core.errors import Forbidden, InvalidInput, NotFound, OporaError
from opora.core.snapshot import cached
from opora.sla.conditions import ConditionError
from opora.tickets import services as ticket_services
from opora.tickets.access import require_can_edit, require_staff
from opora.tickets.canned import fill_placeholders, placeholder_values
from opora.tickets.models import AuditAction, AuditEvent, MessageKind, Ticket

from . import routing, webhooks
from .actions import Action, AddTag, AutoAssign, Reply, SendEmail, SetField, Webhook
from .audit import record_decision
from .conditions import RuleFacts
from .models import (
    AgentStatus,
    Automation,
    AutomationRun,
    Availability,
    Macro,
    Trigger,
)
from .notifications import send_customer_email

logger = logging.getLogger(__name__)

AUTOMATION_ACTOR = ticket_services.Actor(via="automation")
DEFAULT_MAX_DEPTH = 5
# Tickets one automation handles per pass: a backlog drains over a few passes, none runs long.
TICKETS_PER_PASS = 500
MANAGER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


# --- Running actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRun:
    """Which rule acts (``kind`` is "trigger", "automation" or "macro"), as whom, and why."""

    kind: str
    name: str
    actor: ticket_services.Actor
    event: str = ""
    changes: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)


def _resolve(action: SetField) -> object:
    """The value to give the ticket services: a team or user for those fields."""
    if action.field == "team":
        found = Team.objects.filter(pk=action.value).first()
    elif action.field == "assignee":
        if action.value is None:
            return None
        found = User.objects.filter(pk=action.value, is_active=True).first()
    else:
        return action.value
    if found is None:
        raise InvalidInput(
            _("The %(field)s %(value)s no longer exists")
            % {"field": action.field, "value": action.value},
            fields={action.field: "not_found"},
        )
    return found


def _placeholders(ticket: Ticket, run: RuleRun) -> dict[str, str]:
    # Agent placeholders name the person acting; a rule acts for the ticket's assignee, or
    # for Opora itself (an unsaved stand-in, so the canned module fills them the same way).
    agent = run.actor.user or ticket.assignee or User(username="Opora")
    return placeholder_values(ticket, agent)


def apply_actions(ticket: Ticket, actions: Sequence[Action], run: RuleRun) -> Ticket:
    """Run ``actions`` on the ticket in one transaction, in a fixed order whatever the list's:
    field changes and tags (one audited update), automatic assignment, the reply (which takes a
    status change with it, as an agent's "reply and set pending" does), then e-mails and
    webhooks, which leave only after commit."""
    with transaction.atomic():
        record_decision(ticket, run.actor, run.kind, run.name)
        changes = {a.field: _resolve(a) for a in actions if isinstance(a, SetField)}
        new_tags = [a.tag for a in actions if isinstance(a, AddTag)]
        replies = [a for a in actions if isinstance(a, Reply)]
        status_after = changes.pop("status", None) if replies else None
        if changes or new_tags:
            tags = None
            if new_tags:
                tags = [*ticket.tags.values_list("name", flat=True), *new_tags]
            ticket = ticket_services.update_ticket(ticket, run.actor, changes, tags=tags)
        if any(isinstance(a, AutoAssign) for a in actions) and ticket.team_id:
            routing.assign(ticket, run.actor)
        ticket = Ticket.objects.select_related("customer", "organisation", "assignee").get(
            pk=ticket.pk
        )
        values = _placeholders(ticket, run)
        for index, reply in enumerate(replies):
            ticket_services.add_message(
                ticket,
                run.actor,
                fill_placeholders(reply.body, values),
                kind=MessageKind.NOTE if reply.internal else MessageKind.REPLY,
                status_after=status_after if index == len(replies) - 1 else None,
            )
        for mail in (a for a in actions if isinstance(a, SendEmail)):
            _queue_email(ticket, mail, values, run)
        for hook in (a for a in actions if isinstance(a, Webhook)):
            webhooks.queue(ticket, hook, run.kind, run.name, run.event, run.changes)
            record_decision(
                ticket, run.actor, "webhook", f"{run.name}: {hook.url}", AuditAction.NOTIFIED
            )
        return Ticket.objects.get(pk=ticket.pk)


def _queue_email(ticket: Ticket, mail: SendEmail, values: dict[str, str], run: RuleRun) -> None:
    recipient = ticket.customer.email
    if not recipient:
        record_decision(
            ticket,
            run.actor,
            "email",
            _("%(rule)s: the customer has no e-mail address") % {"rule": run.name},
        )
        return
    subject = fill_placeholders(mail.subject, values)
    body = fill_placeholders(mail.body, values)
    record_decision(ticket, run.actor, "email", f"{run.name}: {subject}", AuditAction.NOTIFIED)
    # Nothing goes out for a change that is rolled back.
    transaction.on_commit(
        lambda: send_customer_email.enqueue(subject=subject, body=body, recipient=recipient)
    )


# --- Triggers -----------------------------------------------------------------------------------


@dataclass
class _Cycle:
    fired: set[tuple[int, int]] = field(default_factory=set)  # (trigger, ticket)
    depth: int = 0


_cycle: ContextVar[_Cycle | None] = ContextVar("automation_cycle", default=None)
_quiet: ContextVar[bool] = ContextVar("automation_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Changes made inside do not fire triggers (routing a new ticket is part of its creation)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@contextmanager
def _cycle_level() -> Iterator[_Cycle]:
    """One level deeper in the current cycle, starting a cycle if none is running."""
    cycle = _cycle.get()
    token = None
    if cycle is None:
        cycle = _Cycle()
        token = _cycle.set(cycle)
    cycle.depth += 1
    try:
        yield cycle
    finally:
        cycle.depth -= 1
        if token is not None:
            _cycle.reset(token)


def max_depth() -> int:
    return getattr(settings, "OPORA_AUTOMATION_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def run_triggers(
    ticket: Ticket,
    event: str,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    first_message_body: str | None = None,
) -> bool:
    """Fire the active triggers of ``event`` that match the ticket; True if any fired."""
    if _quiet.get():
        return False
    changes = changes or {}
    fired_any = False
    with _cycle_level() as cycle:
        if cycle.depth > max_depth():
            logger.warning("Trigger chain on ticket #%s cut at depth %s", ticket.pk, max_depth())
            return False
        facts = RuleFacts(ticket, frozenset(changes), first_message_body)
        for trigger in cached(f"automation.triggers.{event}", lambda: _active_triggers(event)):
            if (trigger.pk, ticket.pk) in cycle.fired:
                continue
            try:
                conditions = routing.conditions_of(trigger)
                actions = _actions_of(trigger)
            except ConditionError:
                # Valid when saved, broken since (a team deleted): skipped, not guessed at.
                logger.exception("Trigger %r has invalid settings; skipped", trigger.name)
                continue
            if not conditions.matches(facts):
                continue
            cycle.fired.add((trigger.pk, ticket.pk))
            run = RuleRun("trigger", trigger.name, AUTOMATION_ACTOR, event, changes)
            if _run_guarded(facts.ticket, actions, run) is None:
                fired_any = True
                # Later triggers see the ticket as this one left it.
                current = Ticket.objects.select_related("customer").get(pk=ticket.pk)
                facts = RuleFacts(current, frozenset(changes), first_message_body)
    return fired_any


def _active_triggers(event: str) -> list[Trigger]:
    return list(Trigger.objects.filter(is_active=True, event=event))


def _actions_of(trigger: Trigger) -> list[Action]:
    return cached(f"automation.actions.{trigger.pk}", lambda: trigger.parsed_actions)


def _run_guarded(ticket: Ticket, actions: Sequence[Action], run: RuleRun) -> OporaError | None:
    """Apply a rule's actions; a refusal is logged, recorded on the ticket and returned."""
    try:
        apply_actions(ticket, actions, run)
    except OporaError as error:
        logger.warning("%s %r refused on ticket #%s: %s", run.kind, run.name, ticket.pk, error)
        record_decision(
            ticket,
            run.actor,
            run.kind,
            _("%(rule)s refused: %(reason)s") % {"rule": run.name, "reason": error.message},
        )
        return error
    return None


# --- Time-based automations ---------------------------------------------------------------------


def _status_since() -> Coalesce:
    last_change = AuditEvent.objects.filter(ticket=OuterRef("pk"), field="status").order_by(
        "-created_at", "-pk"
    )
    return Coalesce(Subquery(last_change.values("created_at")[:1]), F("created_at"))


@dataclass
class PassReport:
    fired: int = 0
    refused: int = 0
    tickets: list[int] = field(default_factory=list)


def due_tickets(automation: Automation, now: datetime) -> models.QuerySet[Ticket]:
    """Tickets in the automation's status for its hours, in an episode it has not fired for."""
    already = AutomationRun.objects.filter(
        automation=automation, ticket=OuterRef("pk"), episode_started_at=OuterRef("status_since")
    )
    return (
        Ticket.objects.filter(status=automation.status)
        .annotate(status_since=_status_since())
        .filter(status_since__lte=now - timedelta(hours=automation.hours))
        .exclude(Exists(already))
        .select_related("customer")
        .order_by("pk")
    )


def run_automations(now: datetime | None = None) -> PassReport:
    """One pass of every active automation, as of ``now``; safe to run late, twice or at once."""
    now = now or timezone.now()
    report = PassReport()
    for automation in Automation.objects.filter(is_active=True):
        try:
            conditions, actions = automation.parsed_conditions, automation.parsed_actions
        except ConditionError:
            logger.exception("Automation %r has invalid settings; skipped", automation.name)
            continue
        for ticket in due_tickets(automation, now)[:TICKETS_PER_PASS]:
            if not conditions.matches(RuleFacts(ticket)):
                continue
            outcome = _fire(automation, actions, ticket.pk, ticket.status_since)
            if outcome is not None:
                report.tickets.append(ticket.pk)
                report.fired += outcome
                report.refused += not outcome
    return report


def _fire(
    automation: Automation, actions: Sequence[Action], ticket_id: int, episode: datetime
) -> bool | None:
    """Claim the episode and act: True if the actions ran, False if refused (the claim stays,
    so a refused automation is not retried every pass), None if the ticket moved on or another
    pass claimed it."""
    try:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
            current = Ticket.objects.annotate(status_since=_status_since()).get(pk=ticket_id)
            if ticket.status != automation.status or current.status_since != episode:
                return None
            claim = AutomationRun.objects.create(
                automation=automation, ticket=ticket, episode_started_at=episode
            )
            run = RuleRun("automation", automation.name, AUTOMATION_ACTOR, "scheduled")
            refusal = _run_guarded(ticket, actions, run)
            if refusal is not None:
                claim.error = refusal.message
                claim.save(update_fields=["error"])
                return False
            return True
    except IntegrityError:
        return None


# --- Macros -------------------------------------------------------------------------------------


def macros_for(user: User) -> models.QuerySet[Macro]:
    """Everyone's macros, the user's teams' and the user's own."""
    my_teams = Team.members.through.objects.filter(user=user).values("team_id")
    return Macro.objects.filter(is_active=True).filter(
        models.Q(owner__isnull=True, team__isnull=True)
        | models.Q(team_id__in=my_teams)
        | models.Q(owner=user)
    )


def apply_macro(ticket: Ticket, macro: Macro, actor: ticket_services.Actor) -> Ticket:
    """Apply a macro the user may use to a ticket they may see; audited as theirs."""
    user = actor.user
    require_staff(user)
    if not macros_for(user).filter(pk=macro.pk).exists():
        raise NotFound(_("Macro not found"))
    actions = macro.parsed_actions
    if any(isinstance(action, SetField | AddTag) for action in actions):
        require_can_edit(user)
    if (
        any(isinstance(a, Reply) and not a.internal for a in actions)
        and not user.can_reply_publicly
    ):
        raise Forbidden(_("This macro sends a public reply, which your role cannot do"))
    return apply_actions(ticket, actions, RuleRun("macro", macro.name, actor))


# --- Settings and agent status ------------------------------------------------------------------


def require_automation_manager(user: User) -> None:
    if not (user.is_authenticated and user.role in MANAGER_ROLES):
        raise Forbidden(_("Only managers and administrators may configure routing and automation"))


def _invalid(error: ValidationError) -> InvalidInput:
    """Model validation as the API's error, each field named down into its JSON."""
    fields: dict[str, str] = {}
    for name, errors in error.error_dict.items():
        for item in errors:
            params = item.params or {}
            key = ".".join(part for part in (name, params.get("path", "")) if part)
            detail = str(params.get("detail") or "; ".join(item.messages))
            fields[key] = f"{fields[key]}; {detail}" if key in fields else detail
    return InvalidInput(_("The automation settings are not valid"), fields=fields)


@transaction.atomic
def save_setting(instance: models.Model) -> models.Model:
    """Create or change a routing rule, trigger, automation or macro, validated first."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise _invalid(error) from error
    instance.save()
    return instance


def agent_status(user: User) -> AgentStatus:
    require_staff(user)
    return AgentStatus.objects.filter(user=user).first() or AgentStatus(user=user)


def set_agent_status(user: User, status: str) -> AgentStatus:
    require_staff(user)
    if status not in Availability.values:
        raise InvalidInput(_("Unknown status"), fields={"status": "invalid_choice"})
    record, _created = AgentStatus.objects.update_or_create(
        user=user, defaults={"status": status, "changed_at": timezone.now()}
    )
    return record
