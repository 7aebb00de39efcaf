"""Compensation within authority limits, approval by the team lead, and hand-offs that return.

Locks: a grant locks the authorising user's row (``User`` select_for_update) before counting
that user's grants in the period, so two simultaneous grants cannot both pass the count limit
on PostgreSQL; SQLite serialises writers anyway. A decision locks the compensation row first.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opora.accounts.models import Role, Team, User
from opora.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from opora.tickets import services as ticket_services
from opora.tickets.access import require_can_edit, visible_tickets
from opora.tickets.models import AuditAction, MessageKind, Status, Ticket

from . import limits
from .models import (
    AuthorityLimit,
    Compensation,
    CompensationKind,
    CompensationStatus,
    Currency,
    HandOff,
    HandOffStatus,
)
from .tasks import send_staff_mail

MAX_AMOUNT = Decimal("9999999999.99")


def limit_zone() -> ZoneInfo:
    """Periods are calendar days/weeks/months of the help desk's own time zone, for everyone."""
    return ZoneInfo(settings.TIME_ZONE)


# ---------------------------------------------------------------- who may do what


def _team_ids(user: User) -> set[int]:
    """The teams a user works in or leads, in one query."""
    return set(Team.objects.filter(Q(members=user) | Q(lead=user)).values_list("pk", flat=True))


def _require_visible(user: User, ticket: Ticket) -> None:
    if not visible_tickets(user).filter(pk=ticket.pk).exists():
        raise NotFound(_("Ticket #%(number)s not found") % {"number": ticket.pk})


def may_decide(user: User, compensation: Compensation) -> bool:
    """The lead of the ticket's team (or a manager in it) decides; an admin anywhere; nobody
    their own request."""
    if not user.is_authenticated or compensation.requested_by_id == user.pk:
        return False
    if user.role == Role.ADMIN:
        return True
    team = compensation.team
    if team is None:
        return user.role == Role.MANAGER
    return team.lead_id == user.pk or (
        user.role == Role.MANAGER and team.members.filter(pk=user.pk).exists()
    )


def decidable_by(user: User) -> QuerySet[Compensation]:
    """Pending requests this user may approve or reject."""
    pending = Compensation.objects.filter(status=CompensationStatus.PENDING).exclude(
        requested_by=user
    )
    if not user.is_authenticated or not user.is_agent_like:
        return pending.none()
    if user.role == Role.ADMIN:
        return pending
    allowed = Q(team__lead=user)
    if user.role == Role.MANAGER:
        allowed |= Q(team__isnull=True) | Q(
            team_id__in=Team.members.through.objects.filter(user=user).values("team_id")
        )
    return pending.filter(allowed)


def visible_compensations(user: User) -> QuerySet[Compensation]:
    """Grants and requests on tickets the user may see; customers see none."""
    if not user.is_authenticated or not user.is_agent_like:
        return Compensation.objects.none()
    if user.sees_every_ticket:
        return Compensation.objects.all()
    return Compensation.objects.filter(ticket__in=visible_tickets(user))


# ---------------------------------------------------------------- limits


def _most_specific(
    rows: list[AuthorityLimit], user_team_ids: set[int], team: Team | None, kind: str
) -> AuthorityLimit | None:
    """The ticket's team (if the user works in it) over all teams, one kind over all kinds."""
    own_team = team.pk if team is not None and team.pk in user_team_ids else None
    fitting = [
        row
        for row in rows
        if row.kind in ("", kind) and (row.team_id is None or row.team_id == own_team)
    ]
    return max(fitting, key=lambda row: (row.team_id is not None, row.kind != ""), default=None)


def _policy_rows(user: User) -> list[AuthorityLimit]:
    return list(AuthorityLimit.objects.filter(role=user.role))


def applicable_limit(user: User, team: Team | None, kind: str) -> AuthorityLimit | None:
    return _most_specific(_policy_rows(user), _team_ids(user), team, kind)


def used_in_period(user: User, row: AuthorityLimit, now: datetime) -> int:
    start, end = limits.period_bounds(now, limits.Period(row.period), limit_zone())
    grants = Compensation.objects.filter(
        authorised_by=user,
        status=CompensationStatus.GRANTED,
        granted_at__gte=start,
        granted_at__lt=end,
    )
    if row.kind:
        grants = grants.filter(kind=row.kind)
    return grants.count()


def decide_limit(
    user: User, team: Team | None, kind: str, amount: Decimal, currency: str, now: datetime
) -> limits.Decision:
    row = applicable_limit(user, team, kind)
    used = used_in_period(user, row, now) if row else 0
    return limits.check(row.as_limit() if row else None, amount, currency, used)


@dataclass(frozen=True)
class LimitView:
    """What the ticket panel shows an agent about their own authority for one kind."""

    kind: str
    label: str
    max_amount: Decimal
    currency: str
    max_count: int | None
    period: str
    period_label: str


def limits_for(user: User, team: Team | None) -> list[LimitView]:
    rows, team_ids = _policy_rows(user), _team_ids(user)
    views = []
    for kind, label in CompensationKind.choices:
        row = _most_specific(rows, team_ids, team, kind)
        if row:
            views.append(
                LimitView(
                    kind,
                    str(label),
                    row.max_amount,
                    row.currency,
                    row.max_count,
                    row.period,
                    row.get_period_display(),
                )
            )
    return views


# ---------------------------------------------------------------- grants


def clean_amount(raw) -> Decimal:
    try:
        amount = Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("Enter the amount as a number"), fields={"amount": "invalid"}
        ) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise InvalidInput(_("The amount must be positive"), fields={"amount": "out_of_range"})
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(
            _("The amount can have at most two decimal places"), fields={"amount": "precision"}
        )
    return amount.quantize(Decimal("0.01"))


def _clean_choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            _("Unknown value: %(value)s") % {"value": value}, fields={field: "invalid"}
        )
    return value


def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(
            _("%(label)s must not be empty") % {"label": label}, fields={field: "required"}
        )
    return value


def describe(compensation: Compensation) -> str:
    amount = number_format(compensation.amount, decimal_pos=2, force_grouping=True)
    return f"{compensation.get_kind_display()} {amount} {compensation.currency}"


def _note(ticket: Ticket, actor: ticket_services.Actor, body: str) -> None:
    """An internal note, except on a closed ticket (it takes no messages; the audit line stays)."""
    if Ticket.objects.filter(pk=ticket.pk, status=Status.CLOSED).exists():
        return
    ticket_services.add_message(ticket, actor, body, kind=MessageKind.NOTE)


def _mail_on_commit(person: User | None, subject: str, body: str) -> None:
    if person is None or not person.is_active or not person.email:
        return
    transaction.on_commit(lambda: send_staff_mail.enqueue(subject, body, person.email))


OVER_LIMIT_REASONS = {
    limits.Outcome.NO_AUTHORITY: gettext_lazy("no authority of your own for this kind"),
    limits.Outcome.CURRENCY: gettext_lazy("your limit is set in another currency"),
    limits.Outcome.AMOUNT: gettext_lazy("the amount is above your limit per grant"),
    limits.Outcome.COUNT: gettext_lazy("you have used all your grants for this period"),
}


def over_limit_reason(outcome: str) -> str:
    return str(OVER_LIMIT_REASONS.get(limits.Outcome(outcome), "")) if outcome else ""


def grant(
    ticket: Ticket,
    user: User,
    *,
    kind: str,
    amount,
    reason: str,
    currency: str = Currency.RUB,
    request_key: str = "",
    via: str = "web",
) -> Compensation:
    """Grant compensation within the user's limit, or ask the team lead when it is above it.

    Either way the ticket gets an audit line and an internal note. A repeated ``request_key``
    returns the first result instead of granting twice."""
    require_can_edit(user)
    kind = _clean_choice(kind, CompensationKind, "kind")
    currency = _clean_choice(currency, Currency, "currency")
    amount = clean_amount(amount)
    reason = _text(reason, "reason", _("Reason"))[:2000]
    request_key = (request_key or "").strip()[:64]
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if request_key:
            existing = Compensation.objects.filter(requested_by=user, request_key=request_key)
            if (found := existing.first()) is not None:
                return found
        visible = visible_tickets(user).select_related("team").filter(pk=ticket.pk).first()
        if visible is None:
            raise NotFound(_("Ticket #%(number)s not found") % {"number": ticket.pk})
        ticket = visible
        if ticket.status == Status.CLOSED:
            raise InvalidTransition(
                _("Ticket #%(number)s is closed; grant on its follow-up") % {"number": ticket.pk}
            )
        now = timezone.now()
        decision = decide_limit(user, ticket.team, kind, amount, currency, now)
        compensation = Compensation.objects.create(
            ticket=ticket,
            kind=kind,
            amount=amount,
            currency=currency,
            reason=reason,
            team=ticket.team,
            requested_by=user,
            status=CompensationStatus.GRANTED if decision.allowed else CompensationStatus.PENDING,
            authorised_by=user if decision.allowed else None,
            granted_at=now if decision.allowed else None,
            over_limit="" if decision.allowed else decision.outcome.value,
            request_key=request_key,
            created_at=now,
        )
        actor = ticket_services.Actor(user=user, via=via)
        if decision.allowed:
            ticket_services.audit(
                ticket, actor, AuditAction.CHANGED, "compensation", "", describe(compensation)
            )
            ticket_services.add_message(
                ticket,
                actor,
                _("Compensation granted: %(what)s. Reason: %(reason)s")
                % {"what": describe(compensation), "reason": reason},
                kind=MessageKind.NOTE,
            )
        else:
            ticket_services.audit(
                ticket,
                actor,
                AuditAction.CHANGED,
                "compensation",
                "",
                _("%(what)s — awaiting approval") % {"what": describe(compensation)},
            )
            ticket_services.add_message(
                ticket,
                actor,
                _(
                    "Compensation %(what)s needs the team lead's approval (%(why)s). Reason: %(reason)s"
                )
                % {
                    "what": describe(compensation),
                    "why": over_limit_reason(decision.outcome),
                    "reason": reason,
                },
                kind=MessageKind.NOTE,
            )
            _notify_approver(compensation)
    return compensation


def _notify_approver(compensation: Compensation) -> None:
    lead = compensation.team.lead if compensation.team else None
    if lead is None or lead.pk == compensation.requested_by_id:
        return
    with translation.override(lead.language):
        subject = _("Compensation on ticket #%(number)s awaits your approval") % {
            "number": compensation.ticket_id
        }
        body = _("%(agent)s asks to grant %(what)s: %(reason)s") % {
            "agent": compensation.requested_by,
            "what": describe(compensation),
            "reason": compensation.reason,
        }
    _mail_on_commit(lead, subject, body)


def _pending_for_decision(compensation: Compensation, user: User) -> Compensation:
    compensation = (
        Compensation.objects.select_for_update(of=("self",))
        .select_related("team", "ticket", "requested_by")
        .get(pk=compensation.pk)
    )
    if not may_decide(user, compensation):
        raise Forbidden(_("Only the team's lead or a manager may decide this request"))
    if compensation.status != CompensationStatus.PENDING:
        raise InvalidTransition(
            _("This request was already decided: %(status)s")
            % {"status": compensation.get_status_display()}
        )
    return compensation


@transaction.atomic
def approve(
    compensation: Compensation, user: User, note: str = "", via: str = "web"
) -> Compensation:
    """Grant a pending request under the approver's own limit, which is checked again here."""
    compensation = _pending_for_decision(compensation, user)
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    decision = decide_limit(
        user,
        compensation.team,
        compensation.kind,
        compensation.amount,
        compensation.currency,
        now,
    )
    if not decision.allowed:
        raise Forbidden(
            _("This is beyond your own authority too (%(why)s); ask an administrator")
            % {"why": over_limit_reason(decision.outcome)},
            code="over_your_limit",
        )
    compensation.status = CompensationStatus.GRANTED
    compensation.authorised_by = compensation.decided_by = user
    compensation.granted_at = compensation.decided_at = now
    compensation.decision_note = (note or "").strip()[:2000]
    compensation.save()
    actor = ticket_services.Actor(user=user, via=via)
    ticket_services.audit(
        compensation.ticket,
        actor,
        AuditAction.CHANGED,
        "compensation",
        _("awaiting approval"),
        _("%(what)s — approved") % {"what": describe(compensation)},
    )
    _note(
        compensation.ticket,
        actor,
        _("Compensation approved: %(what)s (asked by %(agent)s). %(note)s")
        % {
            "what": describe(compensation),
            "agent": compensation.requested_by,
            "note": compensation.decision_note,
        },
    )
    _notify_requester(compensation)
    return compensation


@transaction.atomic
def reject(compensation: Compensation, user: User, note: str, via: str = "web") -> Compensation:
    compensation = _pending_for_decision(compensation, user)
    note = _text(note, "note", _("The reason for rejecting"))[:2000]
    compensation.status = CompensationStatus.REJECTED
    compensation.decided_by = user
    compensation.decided_at = timezone.now()
    compensation.decision_note = note
    compensation.save()
    actor = ticket_services.Actor(user=user, via=via)
    ticket_services.audit(
        compensation.ticket,
        actor,
        AuditAction.CHANGED,
        "compensation",
        _("awaiting approval"),
        _("%(what)s — rejected") % {"what": describe(compensation)},
    )
    _note(
        compensation.ticket,
        actor,
        _("Compensation rejected: %(what)s. %(note)s")
        % {"what": describe(compensation), "note": note},
    )
    _notify_requester(compensation)
    return compensation


def _notify_requester(compensation: Compensation) -> None:
    person = compensation.requested_by
    with translation.override(person.language):
        subject = _("Your compensation request on ticket #%(number)s: %(status)s") % {
            "number": compensation.ticket_id,
            "status": compensation.get_status_display(),
        }
        body = f"{describe(compensation)}\n{compensation.decision_note}".strip()
    _mail_on_commit(person, subject, body)


# ---------------------------------------------------------------- report


@dataclass(frozen=True)
class ReportFilters:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    agent_id: int | None = None
    kind: str | None = None
    status: str = CompensationStatus.GRANTED


def _day_start(value: str | None, field: str, *, next_day: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    # Far-off years would overflow the time-zone arithmetic; no grant is dated there anyway.
    if day is None or not 2000 <= day.year <= 2999:
        raise InvalidInput(
            _("%(value)s is not a date (YYYY-MM-DD)") % {"value": value}, fields={field: "invalid"}
        )
    if next_day:
        day += timedelta(days=1)
    return datetime.combine(day, time.min, limit_zone())


def report_filters(
    since: str | None = None,
    until: str | None = None,
    agent_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> ReportFilters:
    """Filters from text (a form or a query string): days are inclusive, in the desk's zone."""
    filters = ReportFilters(
        since=_day_start(since, "since"),
        until=_day_start(until, "until", next_day=True),
        agent_id=agent_id or None,
        kind=_clean_choice(kind, CompensationKind, "kind") if kind else None,
        status=_clean_choice(status, CompensationStatus, "status")
        if status
        else CompensationStatus.GRANTED,
    )
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput(
            _("The start must not be after the end"), fields={"since": "after_until"}
        )
    return filters


def filtered(rows: QuerySet[Compensation], filters: ReportFilters) -> QuerySet[Compensation]:
    rows = rows.filter(status=filters.status)
    # Granted rows are dated by the grant; requests by when they were asked.
    moment = "granted_at" if filters.status == CompensationStatus.GRANTED else "created_at"
    if filters.since:
        rows = rows.filter(**{f"{moment}__gte": filters.since})
    if filters.until:
        rows = rows.filter(**{f"{moment}__lt": filters.until})
    if filters.agent_id:
        rows = rows.filter(requested_by_id=filters.agent_id)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return rows


def totals(rows: QuerySet[Compensation], by: str) -> list[dict]:
    """Count and sum per ``by`` ("kind" or "agent") and currency, aggregated in SQL."""
    key = {"kind": "kind", "agent": "requested_by"}[by]
    rows = (
        rows.order_by()
        .values(key, "currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by(key, "currency")
    )
    # SQLite sums decimals with float noise; money has two places everywhere.
    return [{**row, "total": Decimal(row["total"]).quantize(Decimal("0.01"))} for row in rows]


# ---------------------------------------------------------------- hand-offs


def visible_hand_offs(user: User) -> QuerySet[HandOff]:
    """What one sent, what one's teams received; managers and admins see all."""
    rows = HandOff.objects.select_related("ticket", "from_user", "to_team", "answered_by")
    if not user.is_authenticated or not user.is_agent_like:
        return rows.none()
    if user.sees_every_ticket:
        return rows
    my_teams = Team.members.through.objects.filter(user=user).values("team_id")
    return rows.filter(Q(from_user=user) | Q(to_team_id__in=my_teams) | Q(to_team__lead=user))


def may_answer(user: User, hand_off: HandOff) -> bool:
    if not user.is_authenticated or not user.is_agent_like:
        return False
    return (
        user.role in {Role.ADMIN, Role.MANAGER}
        or hand_off.to_team.lead_id == user.pk
        or hand_off.to_team.members.filter(pk=user.pk).exists()
    )


def hand_off(ticket: Ticket, user: User, to_team: Team, question: str, via: str = "web") -> HandOff:
    """Send the ticket to ``to_team`` with a question; the answer brings it back to ``user``."""
    require_can_edit(user)
    _require_visible(user, ticket)
    question = _text(question, "question", _("Question"))[:5000]
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status == Status.CLOSED:
            raise InvalidTransition(_("A closed ticket cannot be handed off"))
        if ticket.team_id == to_team.pk:
            raise InvalidInput(
                _("The ticket is already with %(team)s") % {"team": to_team},
                fields={"to_team": "same_team"},
            )
        waiting = HandOff.objects.filter(ticket=ticket, status=HandOffStatus.OPEN).first()
        if waiting is not None:
            raise InvalidTransition(
                _("The ticket is already waiting for an answer from %(team)s")
                % {"team": waiting.to_team}
            )
        record = HandOff.objects.create(
            ticket=ticket, from_user=user, from_team=ticket.team, to_team=to_team, question=question
        )
        actor = ticket_services.Actor(user=user, via=via)
        # The asker and the previous owner stay on as collaborators: they keep sight of it.
        keep = {person.pk: person for person in ticket.collaborators.all()}
        for person in (user, ticket.assignee):
            if person is not None:
                keep[person.pk] = person
        ticket_services.update_ticket(
            ticket, actor, {"team": to_team, "assignee": None}, collaborators=keep.values()
        )
        ticket_services.add_message(
            ticket,
            actor,
            _("Handed off to %(team)s: %(question)s\nThe answer comes back to %(person)s.")
            % {"team": to_team, "question": question, "person": user},
            kind=MessageKind.NOTE,
        )
    return record


def answer_hand_off(hand_off_record: HandOff, user: User, answer: str, via: str = "web") -> HandOff:
    """The receiving team answers; the ticket returns to the person who asked, who is told."""
    answer = _text(answer, "answer", _("Answer"))[:5000]
    with transaction.atomic():
        record = (
            HandOff.objects.select_for_update(of=("self",))
            .select_related("to_team", "from_user", "from_team")
            .get(pk=hand_off_record.pk)
        )
        if not may_answer(user, record):
            raise Forbidden(_("Only the receiving team may answer this hand-off"))
        if record.status != HandOffStatus.OPEN:
            raise InvalidTransition(_("This hand-off has already been answered"))
        record.status = HandOffStatus.ANSWERED
        record.answer = answer
        record.answered_by = user
        record.answered_at = timezone.now()
        record.save()
        actor = ticket_services.Actor(user=user, via=via)
        owner = record.from_user
        changes: dict = {}
        if record.from_team is not None:
            changes["team"] = record.from_team
        if owner.is_active and owner.is_agent_like:
            changes["assignee"] = owner
        ticket_services.update_ticket(record.ticket, actor, changes)
        _note(
            record.ticket,
            actor,
            _("Answer from %(team)s to %(person)s: %(answer)s")
            % {"team": record.to_team, "person": owner, "answer": answer},
        )
        with translation.override(owner.language):
            subject = _("Ticket #%(number)s is back with you: %(team)s answered") % {
                "number": record.ticket_id,
                "team": record.to_team,
            }
        _mail_on_commit(owner, subject, answer)
    return record
