"""SLA clocks driven by ticket events, and the configuration of calendars and policies.

The receivers below run inside the transaction of the ticket change that sent the signal
(opora.tickets.signals), holding that ticket's row lock, so a ticket and its clocks never
disagree and two changes to one ticket never race on its targets.

Rules, in the words of PRODUCT.md:

* A new ticket is measured against the first active policy (by position) whose conditions
  match, or the default promise (a human reply within 24 hours, calendar time). It gets a
  first-response and a resolution target (those its terms define).
* A public reply by support staff meets the first-response and the current next-response
  target (late if past due). A customer reply starts a next-response target, unless a
  response target is already running: the clock runs from the first unanswered message.
* Pending on the customer stops the clock; any other unsolved status starts it again. Each
  stop is recorded as a span, and deadlines are recomputed with ``clock.deadline`` from the
  target's original start minus those spans.
* Solving meets the resolution target and stops response targets. A reopen never resets
  timers: the resolution target keeps its original start, and the time between solve and
  reopen counts as a pause (the customer had what they needed meanwhile), so resolution
  time and attainment stay honest.
* A change to a field conditions read (priority, channel, reason…) re-matches the policy;
  running targets take the new policy's minutes, recomputed from their original start. A
  breached target keeps the promise it broke: changing the priority afterwards does not
  erase a breach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from opora.accounts.models import Role, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.core.snapshot import cached
from opora.tickets.models import Message, MessageKind, Status, Ticket
from opora.tickets.services import Actor

from . import clock
from .conditions import TICKET_FIELDS_READ, Conditions, facts_for
from .models import (
    LIVE_STATUSES,
    RESPONSE_KINDS,
    BusinessCalendar,
    PolicyTerms,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatus,
    TicketSla,
    terms_of,
)

# Targets a ticket gets when it is created; next-response targets start with customer replies.
INITIAL_KINDS = (TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION)


# --- Policy matching and deadlines ------------------------------------------------------------


def _active_policies() -> list[SlaPolicy]:
    return list(
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .order_by("position", "pk")
    )


def _conditions_of(policy: SlaPolicy) -> Conditions:
    # Parsing validates ids against the database: once per policy within a snapshot.
    return cached(f"sla.policy-conditions.{policy.pk}", lambda: policy.parsed_conditions)


def match_policy(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, by position, whose conditions match the ticket."""
    facts = facts_for(ticket)
    policies = cached("sla.active-policies", _active_policies)
    return next((policy for policy in policies if _conditions_of(policy).matches(facts)), None)


def schedule(target: SlaTarget, terms: PolicyTerms, pauses: list[clock.PausedSpan]) -> None:
    """Set the due and warning instants of a running target from its original start."""
    minutes = target.target_minutes
    target.due_at = clock.deadline(terms.calendar, target.started_at, minutes, pauses)
    target.warn_at = clock.deadline(
        terms.calendar, target.started_at, minutes * terms.warning_threshold_percent / 100, pauses
    )


def _achieve(target: SlaTarget, at: datetime) -> None:
    if target.status == TargetStatus.ACTIVE and target.due_at is not None and target.due_at < at:
        target.breached_at = target.due_at  # missed before the scheduler noticed
    target.status = TargetStatus.ACHIEVED
    target.achieved_at = at


def _clock_of(ticket: Ticket) -> TicketSla | None:
    """The ticket's clock; None for tickets from before SLA tracking (imports, demo data)."""
    return TicketSla.objects.filter(ticket=ticket).select_related("policy__calendar").first()


def _live_targets(ticket: Ticket) -> list[SlaTarget]:
    return list(SlaTarget.objects.filter(ticket=ticket, status__in=LIVE_STATUSES))


# What the event handlers change on a target; one UPDATE for all of a ticket's targets.
_EVENT_FIELDS = (
    "policy",
    "status",
    "target_minutes",
    "due_at",
    "warn_at",
    "breached_at",
    "achieved_at",
)


def _save(targets: Iterable[SlaTarget]) -> None:
    targets = list(targets)
    if targets:
        SlaTarget.objects.bulk_update(targets, _EVENT_FIELDS)


# --- Ticket events ----------------------------------------------------------------------------


def start_clock(ticket: Ticket) -> TicketSla:
    """Match a policy for a new ticket and start its initial targets."""
    policy = match_policy(ticket)
    sla = TicketSla.objects.create(ticket=ticket, policy=policy)
    terms = terms_of(policy)
    targets = []
    for kind in INITIAL_KINDS:
        if kind in terms.minutes:
            target = SlaTarget(
                ticket=ticket,
                policy=policy,
                kind=kind,
                target_minutes=terms.minutes[kind],
                started_at=ticket.created_at,
            )
            schedule(target, terms, [])
            targets.append(target)
    SlaTarget.objects.bulk_create(targets)
    return sla


def record_message(ticket: Ticket, message: Message, actor: Actor) -> None:
    # A ticket without a clock (from before SLA tracking) has no targets either: the targets
    # are read first, and the clock only when a new one is due.
    if message.kind != MessageKind.REPLY:
        return
    if message.author_customer_id is not None:
        _customer_replied(ticket, message.created_at)
    elif actor.user is not None and actor.user.is_agent_like:
        # Automatic messages (no user) are not the human reply the promise is about.
        responses = [t for t in _live_targets(ticket) if t.kind in RESPONSE_KINDS]
        for target in responses:
            _achieve(target, message.created_at)
        _save(responses)


def _customer_replied(ticket: Ticket, at: datetime) -> None:
    waiting = SlaTarget.objects.filter(
        ticket=ticket, kind__in=RESPONSE_KINDS, status__in=LIVE_STATUSES
    ).exists()
    if waiting or (sla := _clock_of(ticket)) is None:
        return
    terms = terms_of(sla.policy)
    minutes = terms.minutes.get(TargetKind.NEXT_RESPONSE)
    if minutes is None:
        return
    target = SlaTarget(
        ticket=ticket,
        policy=sla.policy,
        kind=TargetKind.NEXT_RESPONSE,
        target_minutes=minutes,
        started_at=at,
    )
    # The customer's reply also wakes a pending or solved ticket; that status change follows
    # in the same transaction and closes the pause, which ended before this target started.
    schedule(target, terms, sla.paused_spans())
    target.save()


def record_change(ticket: Ticket, changes: Mapping[str, tuple[Any, Any]]) -> None:
    if "status" not in changes and not TICKET_FIELDS_READ & changes.keys():
        return  # an assignment, a new team: nothing the clock or its policy reads
    if (sla := _clock_of(ticket)) is None:
        return
    now = timezone.now()
    if "status" in changes:
        old, new = changes["status"]
        _status_changed(ticket, sla, old, new, now)
    if TICKET_FIELDS_READ & changes.keys():
        _rematch(ticket, sla, now)
    sla.save()


def _status_changed(ticket: Ticket, sla: TicketSla, old: str, new: str, now: datetime) -> None:
    live = _live_targets(ticket)
    if new in (Status.SOLVED, Status.CLOSED):
        solved_at = ticket.solved_at or now
        sla.stop(solved_at)
        for target in live:
            if target.kind == TargetKind.RESOLUTION and new == Status.SOLVED:
                _achieve(target, solved_at)
            else:
                target.status = TargetStatus.STOPPED
        _save(live)
        return
    if old == Status.SOLVED:
        live.extend(_reopen_resolution(ticket))
    if new == Status.PENDING:
        sla.stop(now)
        for target in live:
            if target.status != TargetStatus.ACTIVE:
                continue
            if target.due_at is not None and target.due_at <= now:
                target.status, target.breached_at = TargetStatus.BREACHED, target.due_at
            else:
                target.status, target.due_at, target.warn_at = TargetStatus.PAUSED, None, None
    else:
        sla.start(now)
        terms, pauses = terms_of(sla.policy), sla.paused_spans()
        for target in live:
            if target.status == TargetStatus.PAUSED:
                target.status = TargetStatus.ACTIVE
                schedule(target, terms, pauses)
    _save(live)


def _reopen_resolution(ticket: Ticket) -> list[SlaTarget]:
    """The resolution target met by the last solve runs again from its original start; the
    caller's start of the clock records solve → reopen as a pause."""
    target = (
        SlaTarget.objects.filter(
            ticket=ticket, kind=TargetKind.RESOLUTION, status=TargetStatus.ACHIEVED
        )
        .order_by("-achieved_at")
        .first()
    )
    if target is None:
        return []
    target.achieved_at = None
    target.status = TargetStatus.BREACHED if target.breached_at else TargetStatus.PAUSED
    return [target]


def _rematch(ticket: Ticket, sla: TicketSla, now: datetime) -> None:
    policy = match_policy(ticket)
    if policy == sla.policy:
        return
    sla.policy = policy
    terms, pauses = terms_of(policy), sla.paused_spans()
    live = _live_targets(ticket)
    for target in live:
        minutes = terms.minutes.get(target.kind)
        if minutes is None:
            target.status = TargetStatus.STOPPED
            continue
        if target.status == TargetStatus.BREACHED:
            continue  # it keeps the promise it broke
        target.policy, target.target_minutes = policy, minutes
        if target.status == TargetStatus.ACTIVE:
            schedule(target, terms, pauses)
    _save(live)
    if not ticket.is_unsolved:
        return
    # Targets the new policy adds count from the ticket's creation, like the others.
    ever = set(SlaTarget.objects.filter(ticket=ticket).values_list("kind", flat=True))
    added = []
    for kind in INITIAL_KINDS:
        answered = kind == TargetKind.FIRST_RESPONSE and ticket.first_response_at is not None
        if kind in terms.minutes and kind not in ever and not answered:
            target = SlaTarget(
                ticket=ticket,
                policy=policy,
                kind=kind,
                target_minutes=terms.minutes[kind],
                started_at=ticket.created_at,
            )
            if sla.paused_since is None:
                schedule(target, terms, pauses)
            else:
                target.status = TargetStatus.PAUSED
            added.append(target)
    SlaTarget.objects.bulk_create(added)


# --- Reading clocks ---------------------------------------------------------------------------


def calendar_of(target: SlaTarget) -> clock.BusinessCalendar:
    """Callers select_related("policy__calendar") to keep this query-free."""
    if target.policy is not None and target.policy.calendar is not None:
        return target.policy.calendar.as_clock()
    return clock.CALENDAR_24_7


def business_minutes_left(target: SlaTarget, now: datetime) -> float | None:
    """Working minutes until the target is due; negative when overdue; None while paused or done."""
    if target.status not in (TargetStatus.ACTIVE, TargetStatus.BREACHED) or target.due_at is None:
        return None
    return clock.business_minutes_between(calendar_of(target), now, target.due_at)


# --- Configuration ----------------------------------------------------------------------------

SLA_MANAGER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def require_sla_manager(user: User) -> None:
    if not (user.is_authenticated and user.role in SLA_MANAGER_ROLES):
        raise Forbidden(_("Only managers and administrators may configure SLAs"))


def _invalid(error: ValidationError) -> InvalidInput:
    """Model validation as the API's error: each field named exactly, down into its JSON."""
    fields: dict[str, str] = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            params = item.params or {}
            key = ".".join(part for part in (field, params.get("path", "")) if part)
            detail = params.get("detail") or "; ".join(item.messages)
            fields[key] = f"{fields[key]}; {detail}" if key in fields else str(detail)
    return InvalidInput(_("The SLA settings are not valid"), fields=fields)


def _save_validated(instance: BusinessCalendar | SlaPolicy) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise _invalid(error) from error
    instance.save()


@transaction.atomic
def save_calendar(calendar: BusinessCalendar) -> BusinessCalendar:
    """Create or change a calendar. Running targets keep their deadlines; new ones use the edit."""
    _save_validated(calendar)
    return calendar


@transaction.atomic
def save_policy(policy: SlaPolicy) -> SlaPolicy:
    """Create or change a policy. It applies to new tickets and to tickets re-matched after a
    change; running targets keep the deadlines they were given."""
    _save_validated(policy)
    return policy


@transaction.atomic
def delete_configuration(instance: BusinessCalendar | SlaPolicy) -> None:
    try:
        instance.delete()
    except ProtectedError as error:
        raise InvalidTransition(
            _("%(name)s is in use; deactivate it or change what uses it instead")
            % {"name": instance},
            code="in_use",
        ) from error
