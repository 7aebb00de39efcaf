"""The analytics reports. Every figure is one aggregation query (GROUP BY, FILTER-free
conditional counts, percentiles in SQL); tickets are never loaded into Python to be counted.
Definitions are in docs/metrics.md.

Who sees what (``viewer_of``): administrators and managers every ticket, a team lead the teams
they lead, any other agent their own tickets (the ones assigned to them) — always within
opora.tickets.access.visible_tickets. Customers are refused."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractHour,
    ExtractIsoWeekDay,
    Greatest,
    Least,
    TruncDate,
    TruncWeek,
)
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opora.accounts.models import Role, Team, User
from opora.chat.models import ChatSession
from opora.core.errors import Forbidden, InvalidInput
from opora.customers.models import Customer
from opora.feedback import reports as feedback_reports
from opora.feedback import services as feedback_services
from opora.feedback.models import Response, SurveyKind
from opora.knowledge.deflection import deflected_contacts
from opora.sla import clock
from opora.sla.models import BusinessCalendar, SlaTarget, TargetStatus
from opora.telephony.models import Call, Direction
from opora.tickets.access import visible_tickets
from opora.tickets.models import Channel, Message, MessageKind, Ticket

from . import stats
from .models import SpanCoverage, WorkingSpan
from .sql import Percentile, SecondsBetween

DateRange = feedback_reports.DateRange
MAX_PERIOD_DAYS = 3660
# Business time is laid out at most this far before a report's period (older tickets count
# their business time from then on).
BUSINESS_LOOKBACK_DAYS = 366
SLA_RISK_HORIZON = timedelta(hours=2)


# ---------------------------------------------------------------- who sees what


@dataclass(frozen=True)
class Viewer:
    user: User
    level: str  # "all", "teams" or "agent"
    team_ids: tuple[int, ...] = ()

    @property
    def sees_all(self) -> bool:
        return self.level == "all"


def viewer_of(user: User) -> Viewer:
    if not user.is_authenticated or not user.is_active or not user.is_agent_like:
        raise Forbidden(_("Analytics are for support staff"))
    if user.role in {Role.ADMIN, Role.MANAGER}:
        return Viewer(user, "all")
    led = tuple(Team.objects.filter(lead=user).order_by("pk").values_list("pk", flat=True))
    if led:
        return Viewer(user, "teams", led)
    return Viewer(user, "agent")


def scoped_tickets(viewer: Viewer) -> QuerySet[Ticket]:
    tickets = visible_tickets(viewer.user)
    if viewer.level == "teams":
        return tickets.filter(team_id__in=viewer.team_ids)
    if viewer.level == "agent":
        return tickets.filter(assignee=viewer.user)
    return tickets


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    period: DateRange
    team: int | None = None
    channel: str | None = None
    agent: int | None = None
    reason: int | None = None

    @property
    def narrows(self) -> bool:
        return any(
            value is not None for value in (self.team, self.channel, self.agent, self.reason)
        )

    def previous(self) -> "Filters":
        start, end = stats.previous_period(self.period.start, self.period.end)
        return replace(self, period=DateRange(start, end))

    def as_params(self) -> dict[str, str]:
        params = {"since": self.period.start.isoformat(), "until": self.period.end.isoformat()}
        for name in ("team", "channel", "agent", "reason"):
            if getattr(self, name) is not None:
                params[name] = str(getattr(self, name))
        return params


def _day(params: Mapping[str, Any], name: str) -> date | None:
    text = str(params.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("%(field)s is not a date (YYYY-MM-DD)") % {"field": name}, fields={name: "invalid"}
        ) from None


def _whole(params: Mapping[str, Any], name: str) -> int | None:
    text = str(params.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput(
            _("%(field)s must be a number") % {"field": name}, fields={name: "invalid"}
        )
    return int(text)


def parse_filters(params: Mapping[str, Any], default_days: int = 30) -> Filters:
    """Filters from a query string: since/until (or days), team, channel, agent, reason."""
    today = timezone.localdate()
    days = _whole(params, "days")
    until = _day(params, "until") or today
    since = _day(params, "since") or until - timedelta(days=(days or default_days) - 1)
    if since > until:
        raise InvalidInput(_("The period starts after it ends"), fields={"since": "after_until"})
    if (until - since).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(_("The period is too long"), fields={"since": "too_long"})
    channel = str(params.get("channel") or "").strip() or None
    if channel is not None and channel not in Channel.values:
        raise InvalidInput(_("Unknown channel"), fields={"channel": "invalid"})
    return Filters(
        DateRange(since, until),
        team=_whole(params, "team"),
        channel=channel,
        agent=_whole(params, "agent"),
        reason=_whole(params, "reason"),
    )


def filtered_tickets(viewer: Viewer, filters: Filters) -> QuerySet[Ticket]:
    tickets = scoped_tickets(viewer)
    if filters.team is not None:
        tickets = tickets.filter(team_id=filters.team)
    if filters.channel is not None:
        tickets = tickets.filter(channel=filters.channel)
    if filters.agent is not None:
        tickets = tickets.filter(assignee_id=filters.agent)
    if filters.reason is not None:
        tickets = tickets.filter(reason_id=filters.reason)
    return tickets.order_by()


def about_tickets(rows: QuerySet, tickets: QuerySet[Ticket], path: str = "ticket") -> QuerySet:
    """Rows (SLA targets, chats, calls) about the given tickets. An unrestricted ticket set (a
    manager without filters) adds no condition: an IN over every ticket costs a full scan."""
    if not tickets.query.has_filters():
        return rows
    return rows.filter(**{f"{path}__in": tickets.values("pk")})


def created_in(tickets: QuerySet[Ticket], period: DateRange) -> QuerySet[Ticket]:
    start, end = period.bounds()
    return tickets.filter(created_at__gte=start, created_at__lt=end)


def solved_in(tickets: QuerySet[Ticket], period: DateRange) -> QuerySet[Ticket]:
    start, end = period.bounds()
    return tickets.filter(solved_at__gte=start, solved_at__lt=end)


# ---------------------------------------------------------------- durations


@dataclass(frozen=True)
class Durations:
    """Seconds: how many, mean, median and 90th percentile."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


def durations(rows: QuerySet, seconds) -> Durations:
    figures = rows.order_by().aggregate(
        count=Count(seconds),
        mean=Avg(seconds),
        median=Percentile(seconds, 0.5),
        p90=Percentile(seconds, 0.9),
    )
    return Durations(**figures)


def first_response_times(tickets: QuerySet[Ticket], period: DateRange) -> Durations:
    """Tickets created in the period that have had a first response."""
    answered = created_in(tickets, period).filter(first_response_at__isnull=False)
    return durations(answered, SecondsBetween(F("first_response_at"), F("created_at")))


def resolution_times(tickets: QuerySet[Ticket], period: DateRange) -> Durations:
    """Calendar time from creation to the (last) solve, for tickets solved in the period."""
    return durations(solved_in(tickets, period), SecondsBetween(F("solved_at"), F("created_at")))


def default_calendar() -> BusinessCalendar | None:
    return BusinessCalendar.objects.order_by("pk").first()


def ensure_working_spans(calendar: BusinessCalendar, first_day: date, last_day: date) -> None:
    """Lay out the calendar's working time for the days first_day..last_day as UTC spans.

    Idempotent; an edited calendar (``updated_at`` moved) is laid out again from scratch."""
    coverage = SpanCoverage.objects.filter(calendar=calendar).first()
    if coverage and coverage.calendar_updated_at != calendar.updated_at:
        WorkingSpan.objects.filter(calendar=calendar).delete()
        coverage.delete()
        coverage = None
    if coverage and coverage.first_day <= first_day and coverage.last_day >= last_day:
        return
    wanted_first = min(first_day, coverage.first_day) if coverage else first_day
    wanted_last = max(last_day, coverage.last_day) if coverage else last_day
    spans = []
    day = wanted_first
    while day <= wanted_last:
        if not (coverage and coverage.first_day <= day <= coverage.last_day):
            # Holidays come per year, so the clock calendar is taken for the day's year.
            for opens, closes in clock.working_spans(calendar.as_clock(day), day):
                spans.append(WorkingSpan(calendar=calendar, starts_at=opens, ends_at=closes))
        day += timedelta(days=1)
    WorkingSpan.objects.bulk_create(spans, ignore_conflicts=True, batch_size=500)
    SpanCoverage.objects.update_or_create(
        calendar=calendar,
        defaults={
            "first_day": wanted_first,
            "last_day": wanted_last,
            "calendar_updated_at": calendar.updated_at,
        },
    )


def business_seconds(calendar: BusinessCalendar, start: str, end: str) -> Coalesce:
    """Working seconds between two datetime fields of the outer row: the overlap of
    [start, end) with each working span, summed in a correlated subquery."""
    overlap = SecondsBetween(
        Least(F("ends_at"), OuterRef(end)), Greatest(F("starts_at"), OuterRef(start))
    )
    spans = (
        WorkingSpan.objects.filter(
            calendar=calendar, ends_at__gt=OuterRef(start), starts_at__lt=OuterRef(end)
        )
        .order_by()
        .values("calendar")
        .annotate(total=Sum(overlap))
        .values("total")
    )
    return Coalesce(Subquery(spans, output_field=FloatField()), Value(0.0))


def business_resolution_times(
    tickets: QuerySet[Ticket], period: DateRange, calendar: BusinessCalendar | None
) -> Durations | None:
    """Like resolution_times, counting only the calendar's working hours."""
    if calendar is None:
        return None
    rows = with_business_seconds(solved_in(tickets, period), period, calendar)
    if rows is None:
        return Durations(0, None, None, None)
    return durations(rows, F("business"))


def with_business_seconds(
    solved: QuerySet[Ticket], period: DateRange, calendar: BusinessCalendar
) -> QuerySet[Ticket] | None:
    """Tickets solved in the period annotated ``business``: their resolution time counting only
    the calendar's working hours (laid out first where needed). None when none were solved."""
    earliest = solved.aggregate(first=Min("created_at"))["first"]
    if earliest is None:
        return None
    lookback = period.start - timedelta(days=BUSINESS_LOOKBACK_DAYS)
    ensure_working_spans(
        calendar,
        max(timezone.localdate(earliest), lookback) - timedelta(days=1),
        period.end + timedelta(days=1),
    )
    return solved.annotate(business=business_seconds(calendar, "created_at", "solved_at"))


# ---------------------------------------------------------------- outcomes of solved tickets


def agent_public_replies() -> Coalesce:
    """How many public replies support staff wrote on the outer ticket."""
    replies = (
        Message.objects.filter(
            ticket=OuterRef("pk"),
            kind=MessageKind.REPLY,
            author_user__isnull=False,
            author_customer__isnull=True,
        )
        .order_by()
        .values("ticket")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(replies, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class Outcomes:
    solved: int
    first_contact: int
    reopened: int

    @property
    def fcr_percent(self) -> float | None:
        return stats.ratio_percent(self.first_contact, self.solved)

    @property
    def reopen_percent(self) -> float | None:
        return stats.ratio_percent(self.reopened, self.solved)


def first_contact_resolution_q() -> Q:
    """On tickets annotated with agent_public_replies() as ``agent_replies``."""
    return Q(reopen_count=0, agent_replies__lte=1)


def reopened_q() -> Q:
    return Q(reopen_count__gt=0)


def outcomes(tickets: QuerySet[Ticket], period: DateRange) -> Outcomes:
    figures = (
        solved_in(tickets, period)
        .annotate(agent_replies=agent_public_replies())
        .aggregate(
            solved=Count("pk"),
            first_contact=Count("pk", filter=first_contact_resolution_q()),
            reopened=Count("pk", filter=reopened_q()),
        )
    )
    return Outcomes(**figures)


# ---------------------------------------------------------------- backlog


@dataclass(frozen=True)
class Backlog:
    open: int
    older_than_1_day: int
    older_than_3_days: int
    older_than_7_days: int
    median_age_seconds: float | None
    oldest: datetime | None


def backlog(tickets: QuerySet[Ticket], now: datetime | None = None) -> Backlog:
    now = now or timezone.now()
    age = SecondsBetween(Value(now), F("created_at"))
    figures = tickets.unsolved().aggregate(
        open=Count("pk"),
        older_than_1_day=Count("pk", filter=Q(created_at__lt=now - timedelta(days=1))),
        older_than_3_days=Count("pk", filter=Q(created_at__lt=now - timedelta(days=3))),
        older_than_7_days=Count("pk", filter=Q(created_at__lt=now - timedelta(days=7))),
        median_age_seconds=Percentile(age, 0.5),
        oldest=Min("created_at"),
    )
    return Backlog(**figures)


# ---------------------------------------------------------------- volume


DIMENSIONS = ("channel", "reason", "team", "agent", "hour", "weekday", "day")


def _dimension(name: str):
    zone = timezone.get_current_timezone()
    return {
        "channel": F("channel"),
        "reason": F("reason_id"),
        "team": F("team_id"),
        "agent": F("assignee_id"),
        "hour": ExtractHour("created_at", tzinfo=zone),
        "weekday": ExtractIsoWeekDay("created_at", tzinfo=zone),
        "day": TruncDate("created_at", tzinfo=zone),
    }[name]


@dataclass(frozen=True)
class CountRow:
    key: Any
    label: str
    count: int


def dimension_labels(name: str, keys: list) -> dict:
    if name == "hour":
        return {key: f"{key:02d}:00" for key in keys if key is not None}
    if name == "weekday":
        return {key: str(WEEKDAYS[key - 1]) for key in keys if key is not None}
    if name == "day":
        return {key: key.isoformat() for key in keys if key is not None}
    # Channel, agent, team and reason names: the feedback reports already label these.
    return feedback_reports.breakdown_labels(name, keys)


def volume(tickets: QuerySet[Ticket], period: DateRange, by: str) -> list[CountRow]:
    """Tickets created in the period per channel, reason, team, agent, hour, weekday or day."""
    if by not in DIMENSIONS:
        raise InvalidInput(_("Unknown breakdown"), fields={"by": "invalid"})
    rows = (
        created_in(tickets, period)
        .annotate(key=_dimension(by))
        .values("key")
        .annotate(count=Count("pk"))
        .order_by("key")
    )
    return count_rows(by, {row["key"]: row["count"] for row in rows})


def count_rows(by: str, counts: Mapping[Any, int]) -> list[CountRow]:
    """Labelled rows of a volume breakdown: most first for names, in key order otherwise."""
    keys = sorted((key for key, count in counts.items() if count), key=lambda k: (k is None, k))
    labels = dimension_labels(by, keys)
    result = [CountRow(key, str(labels.get(key, "—")), counts[key]) for key in keys]
    if by in {"channel", "reason", "team", "agent"}:
        result.sort(key=lambda row: (-row.count, row.label))
    return result


# ---------------------------------------------------------------- SLA


@dataclass(frozen=True)
class Attainment:
    kind: str
    label: str
    met: int
    missed: int

    @property
    def percent(self) -> float | None:
        return stats.ratio_percent(self.met, self.met + self.missed)


def sla_attainment(tickets: QuerySet[Ticket], period: DateRange) -> list[Attainment]:
    """Per target kind, targets started in the period that are decided: met (achieved, never
    breached) or missed (breached, whether achieved late or not)."""
    rows = decided_targets(about_tickets(SlaTarget.objects.all(), tickets), period, "kind")
    return attainments({row["kind"]: (row["met"], row["missed"]) for row in rows})


def decided_targets(targets: QuerySet[SlaTarget], period: DateRange, *group_by: str) -> QuerySet:
    """Met and missed counts of the decided targets started in the period, grouped."""
    start, end = period.bounds()
    return (
        targets.filter(started_at__gte=start, started_at__lt=end)
        .filter(Q(status=TargetStatus.ACHIEVED) | Q(breached_at__isnull=False))
        .order_by()
        .values(*group_by)
        .annotate(
            met=Count("pk", filter=Q(breached_at__isnull=True)),
            missed=Count("pk", filter=Q(breached_at__isnull=False)),
        )
    )


def attainments(met_missed: Mapping[str, tuple[int, int]]) -> list[Attainment]:
    """Attainment rows, by target kind, of the kinds with decided targets."""
    labels = dict(SlaTarget._meta.get_field("kind").choices)
    return [
        Attainment(kind, str(labels[kind]), met, missed)
        for kind, (met, missed) in sorted(met_missed.items())
        if met + missed
    ]


def sla_at_risk(tickets: QuerySet[Ticket], now: datetime | None = None) -> QuerySet[SlaTarget]:
    """Running targets of unsolved tickets due within the horizon or already breached."""
    now = now or timezone.now()
    return SlaTarget.objects.filter(
        ticket__in=tickets.unsolved().values("pk"),
    ).filter(
        Q(status=TargetStatus.ACTIVE, due_at__lt=now + SLA_RISK_HORIZON)
        | Q(status=TargetStatus.BREACHED)
    )


# ---------------------------------------------------------------- live channels


@dataclass(frozen=True)
class LiveChannel:
    offered: int
    answered: int
    abandoned: int
    wait: Durations  # queue wait (chat) or time to answer (phone), answered contacts
    handle_mean_seconds: float | None

    @property
    def abandonment_percent(self) -> float | None:
        return stats.ratio_percent(self.abandoned, self.offered)


def chat_figures(tickets: QuerySet[Ticket], period: DateRange) -> LiveChannel:
    start, end = period.bounds()
    sessions = about_tickets(ChatSession.objects.all(), tickets).filter(
        queued_at__gte=start, queued_at__lt=end
    )
    counts = sessions.aggregate(
        offered=Count("pk"),
        answered=Count("pk", filter=Q(accepted_at__isnull=False)),
        abandoned=Count("pk", filter=Q(abandoned=True)),
        handle=Avg(SecondsBetween(F("ended_at"), F("accepted_at"))),
    )
    wait = durations(
        sessions.filter(accepted_at__isnull=False),
        SecondsBetween(F("accepted_at"), F("queued_at")),
    )
    return LiveChannel(
        counts["offered"], counts["answered"], counts["abandoned"], wait, counts["handle"]
    )


def phone_figures(tickets: QuerySet[Ticket], period: DateRange) -> LiveChannel:
    """Inbound calls: offered, answered, abandoned (never answered), time to answer; handle
    time is the mean talk time of answered calls in both directions."""
    start, end = period.bounds()
    calls = about_tickets(Call.objects.all(), tickets).filter(
        started_at__gte=start, started_at__lt=end
    )
    inbound = calls.filter(direction=Direction.INBOUND)
    counts = inbound.aggregate(
        offered=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
    handle = calls.filter(answered_at__isnull=False).aggregate(mean=Avg("duration_seconds"))
    wait = durations(
        inbound.filter(answered_at__isnull=False),
        SecondsBetween(F("answered_at"), F("started_at")),
    )
    return LiveChannel(
        counts["offered"],
        counts["answered"],
        counts["offered"] - counts["answered"],
        wait,
        float(handle["mean"]) if handle["mean"] is not None else None,
    )


# ---------------------------------------------------------------- experience


def responses_in(viewer: Viewer, filters: Filters) -> QuerySet[Response]:
    """Survey responses answered in the period about tickets in the viewer's scope; a manager
    without filters also gets relationship (ticketless) surveys such as NPS."""
    responses = feedback_services.visible_responses(viewer.user)
    if not viewer.sees_all or filters.narrows:
        responses = responses.filter(
            invitation__ticket__in=filtered_tickets(viewer, filters).values("pk")
        )
    return feedback_reports.answered_in(responses, filters.period)


def csat_breakdown(
    viewer: Viewer, filters: Filters, by: str
) -> list[feedback_reports.BreakdownRow]:
    if by not in feedback_reports.BREAKDOWNS:
        raise InvalidInput(_("Unknown breakdown"), fields={"by": "invalid"})
    from . import rollups  # rollups builds on this module

    rows = rollups.csat_breakdown(viewer, filters, by)
    if rows is not None:
        return rows
    return feedback_reports.csat_breakdown(responses_in(viewer, filters), by)


def score_trends(viewer: Viewer, filters: Filters) -> dict[str, list[feedback_reports.WeekRow]]:
    from . import rollups  # rollups builds on this module

    trends = rollups.score_trends(viewer, filters)
    if trends is not None:
        return trends
    responses = responses_in(viewer, filters)
    return {
        kind: feedback_reports.weekly(responses, kind)
        for kind in SurveyKind.values
        if kind in feedback_reports.FROM_COUNTS
    }


# ---------------------------------------------------------------- headline figures


@dataclass(frozen=True)
class Summary:
    created: int
    solved: int
    frt: Durations
    resolution: Durations
    business_resolution: Durations | None
    outcomes: Outcomes
    csat_percent: float | None
    csat_responses: int
    sla: list[Attainment]
    sla_percent: float | None
    contacts_per_1000_customers: float | None
    deflected: int | None


def created_figures(tickets: QuerySet[Ticket], period: DateRange) -> tuple[int, Durations]:
    """Tickets created in the period and their first response times, in one query."""
    seconds = SecondsBetween(F("first_response_at"), F("created_at"))
    figures = created_in(tickets, period).aggregate(
        created=Count("pk"),
        count=Count(seconds),
        mean=Avg(seconds),
        median=Percentile(seconds, 0.5),
        p90=Percentile(seconds, 0.9),
    )
    return figures.pop("created"), Durations(**figures)


def solved_figures(tickets: QuerySet[Ticket], period: DateRange) -> tuple[Outcomes, Durations]:
    """Outcomes and calendar resolution times of the tickets solved in the period, one query."""
    seconds = SecondsBetween(F("solved_at"), F("created_at"))
    figures = (
        solved_in(tickets, period)
        .annotate(agent_replies=agent_public_replies())
        .aggregate(
            solved=Count("pk"),
            first_contact=Count("pk", filter=first_contact_resolution_q()),
            reopened=Count("pk", filter=reopened_q()),
            count=Count(seconds),
            mean=Avg(seconds),
            median=Percentile(seconds, 0.5),
            p90=Percentile(seconds, 0.9),
        )
    )
    counted = Outcomes(figures.pop("solved"), figures.pop("first_contact"), figures.pop("reopened"))
    return counted, Durations(**figures)


class RawReport:
    """The figures of a period read from the raw tables (rollups.RollupReport reads the daily
    rollups instead, with the same interface)."""

    def __init__(self, viewer: Viewer, filters: Filters):
        self.viewer = viewer
        self.filters = filters
        self.tickets = filtered_tickets(viewer, filters)

    def summary(self) -> Summary:
        return raw_summary(self.viewer, self.filters)

    def trend(self) -> list[tuple[date, int, int]]:
        return daily_trend(self.tickets, self.filters.period)

    def volume(self, by: str) -> list[CountRow]:
        return volume(self.tickets, self.filters.period, by)

    def chat(self) -> LiveChannel:
        return chat_figures(self.tickets, self.filters.period)

    def phone(self) -> LiveChannel:
        return phone_figures(self.tickets, self.filters.period)


def period_report(viewer: Viewer, filters: Filters):
    """The period's figures: from the daily rollups where they serve (see rollups.py), else
    from the raw tables."""
    from . import rollups  # rollups builds on this module

    return rollups.period_report(viewer, filters) or RawReport(viewer, filters)


def summary(viewer: Viewer, filters: Filters) -> Summary:
    return period_report(viewer, filters).summary()


def raw_summary(viewer: Viewer, filters: Filters) -> Summary:
    tickets = filtered_tickets(viewer, filters)
    period = filters.period
    created, frt = created_figures(tickets, period)
    counted, resolution = solved_figures(tickets, period)
    csat = feedback_reports.scores(responses_in(viewer, filters)).csat
    attainment = sla_attainment(tickets, period)
    met = sum(row.met for row in attainment)
    decided = met + sum(row.missed for row in attainment)
    org_wide = viewer.sees_all
    return Summary(
        created=created,
        solved=counted.solved,
        frt=frt,
        resolution=resolution,
        business_resolution=business_resolution_times(tickets, period, default_calendar()),
        outcomes=counted,
        csat_percent=csat.csat_percent,
        csat_responses=csat.responses,
        sla=attainment,
        sla_percent=stats.ratio_percent(met, decided),
        contacts_per_1000_customers=(
            stats.per_thousand(created, Customer.objects.count()) if org_wide else None
        ),
        deflected=(
            deflected_contacts(period.start, period.end)
            if org_wide and not filters.narrows
            else None
        ),
    )


# The figures compared with the previous period: (key, label, how to read it off a Summary,
# unit). Units: "count", "percent", "seconds".
HEADLINES = (
    ("created", gettext_lazy("New tickets"), lambda s: s.created, "count"),
    ("solved", gettext_lazy("Solved tickets"), lambda s: s.solved, "count"),
    ("frt_median", gettext_lazy("First response time (median)"), lambda s: s.frt.median, "seconds"),
    (
        "resolution_median",
        gettext_lazy("Resolution time (median)"),
        lambda s: s.resolution.median,
        "seconds",
    ),
    (
        "business_resolution_median",
        gettext_lazy("Resolution time in business hours (median)"),
        lambda s: s.business_resolution.median if s.business_resolution else None,
        "seconds",
    ),
    ("fcr", gettext_lazy("First contact resolution"), lambda s: s.outcomes.fcr_percent, "percent"),
    ("reopen_rate", gettext_lazy("Reopen rate"), lambda s: s.outcomes.reopen_percent, "percent"),
    ("sla", gettext_lazy("SLA attainment"), lambda s: s.sla_percent, "percent"),
    ("csat", gettext_lazy("CSAT"), lambda s: s.csat_percent, "percent"),
    (
        "contacts_per_1000",
        gettext_lazy("Contacts per 1,000 customers"),
        lambda s: s.contacts_per_1000_customers,
        "count",
    ),
    ("deflected", gettext_lazy("Deflected contacts"), lambda s: s.deflected, "count"),
)
# Where each headline drills down to (see drill_tickets).
HEADLINE_DRILLS = {
    "created": "created",
    "solved": "solved",
    "frt_median": "created",
    "resolution_median": "solved",
    "business_resolution_median": "solved",
    "fcr": "fcr",
    "reopen_rate": "reopened",
    "sla": "sla_missed",
    "csat": "surveyed",
}


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    unit: str
    change: stats.Change
    drill: str | None


def headlines(viewer: Viewer, filters: Filters) -> list[Headline]:
    """The key figures, each beside the same figure for the previous period."""
    return compared(summary(viewer, filters), summary(viewer, filters.previous()))


def compared(now: Summary, before: Summary) -> list[Headline]:
    rows = []
    for key, label, read, unit in HEADLINES:
        current, previous = read(now), read(before)
        if current is None and previous is None and key in {"contacts_per_1000", "deflected"}:
            continue  # not part of this viewer's scope
        change = stats.compare(current, previous)
        rows.append(Headline(key, str(label), unit, change, HEADLINE_DRILLS.get(key)))
    return rows


def daily_trend(tickets: QuerySet[Ticket], period: DateRange) -> list[tuple[date, int, int]]:
    """(day, created, solved) for every day of the period, two GROUP BY queries."""
    zone = timezone.get_current_timezone()
    created = dict(
        created_in(tickets, period)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )
    solved = dict(
        solved_in(tickets, period)
        .annotate(day=TruncDate("solved_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )
    days = (period.end - period.start).days + 1
    return [
        (day, created.get(day, 0), solved.get(day, 0))
        for day in (period.start + timedelta(days=offset) for offset in range(days))
    ]


# ---------------------------------------------------------------- product teams


@dataclass(frozen=True)
class ReasonRow:
    reason_id: int | None
    label: str
    change: stats.Change


def top_reasons(viewer: Viewer, filters: Filters, limit: int = 10) -> list[ReasonRow]:
    """The most frequent contact reasons of the period with their count in the previous one."""
    tickets = filtered_tickets(viewer, filters)
    current = volume(tickets, filters.period, "reason")[:limit]
    previous_period = filters.previous().period
    keys = [row.key for row in current]
    start, end = previous_period.bounds()
    before = dict(
        tickets.filter(
            created_at__gte=start, created_at__lt=end, reason_id__in=[k for k in keys if k]
        )
        .values("reason_id")
        .annotate(count=Count("pk"))
        .values_list("reason_id", "count")
    )
    if None in keys:
        before[None] = created_in(tickets, previous_period).filter(reason__isnull=True).count()
    return [
        ReasonRow(row.key, row.label, stats.compare(row.count, before.get(row.key, 0)))
        for row in current
    ]


def reason_weekly_trend(
    viewer: Viewer, filters: Filters, reason_ids: list[int]
) -> dict[int, dict[date, int]]:
    """Tickets per week for the given reasons, one query."""
    zone = timezone.get_current_timezone()
    rows = (
        created_in(filtered_tickets(viewer, filters), filters.period)
        .filter(reason_id__in=reason_ids)
        .annotate(week=TruncWeek("created_at", tzinfo=zone))
        .values("reason_id", "week")
        .annotate(count=Count("pk"))
    )
    trend: dict[int, dict[date, int]] = {pk: {} for pk in reason_ids}
    for row in rows:
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        trend[row["reason_id"]][week] = row["count"]
    return trend


@dataclass(frozen=True)
class ImprovementEffect:
    before: DateRange
    after: DateRange
    before_count: int
    after_count: int
    impact: stats.Impact


def improvement_effect(
    viewer: Viewer, filters: Filters, changed_on: date, window_days: int = 28
) -> ImprovementEffect:
    """Contacts (with the filters, e.g. one reason) in the window_days before ``changed_on`` and
    from it on (up to today), and how many the change avoided at the before-rate."""
    if not 1 <= window_days <= 366:
        raise InvalidInput(_("The window must be 1 to 366 days"), fields={"window": "invalid"})
    today = timezone.localdate()
    if changed_on > today:
        raise InvalidInput(_("The change date is in the future"), fields={"changed_on": "future"})
    before = DateRange(changed_on - timedelta(days=window_days), changed_on - timedelta(days=1))
    after = DateRange(changed_on, min(changed_on + timedelta(days=window_days - 1), today))
    tickets = filtered_tickets(viewer, filters)
    first, _end = before.bounds()
    middle, last = after.bounds()
    counts = tickets.filter(created_at__gte=first, created_at__lt=last).aggregate(
        before=Count("pk", filter=Q(created_at__lt=middle)),
        after=Count("pk", filter=Q(created_at__gte=middle)),
    )
    after_days = (after.end - after.start).days + 1
    return ImprovementEffect(
        before,
        after,
        counts["before"],
        counts["after"],
        stats.contacts_avoided(counts["before"], window_days, counts["after"], after_days),
    )


# ---------------------------------------------------------------- drill-down

DRILLS = ("created", "solved", "unsolved", "reopened", "fcr", "sla_missed", "sla_risk", "surveyed")


def drill_tickets(
    viewer: Viewer, filters: Filters, metric: str, by: str | None = None, key: str | None = None
) -> QuerySet[Ticket]:
    """The tickets behind a figure: the same scope, filters and definition as the figure."""
    if metric not in DRILLS:
        raise InvalidInput(_("Unknown figure"), fields={"metric": "invalid"})
    tickets = filtered_tickets(viewer, filters)
    period = filters.period
    start, end = period.bounds()
    if metric == "created":
        rows = created_in(tickets, period)
    elif metric == "solved":
        rows = solved_in(tickets, period)
    elif metric == "unsolved":
        rows = tickets.unsolved()
    elif metric == "reopened":
        rows = solved_in(tickets, period).filter(reopened_q())
    elif metric == "fcr":
        rows = (
            solved_in(tickets, period)
            .annotate(agent_replies=agent_public_replies())
            .filter(first_contact_resolution_q())
        )
    elif metric == "sla_missed":
        missed = SlaTarget.objects.filter(
            started_at__gte=start, started_at__lt=end, breached_at__isnull=False
        )
        rows = tickets.filter(pk__in=missed.values("ticket_id"))
    elif metric == "sla_risk":
        rows = tickets.filter(pk__in=sla_at_risk(tickets).values("ticket_id"))
    else:
        surveyed = feedback_reports.answered_in(Response.objects.all(), period)
        rows = tickets.filter(pk__in=surveyed.values("invitation__ticket_id"))
    if by:
        rows = _drill_dimension(rows, by, key)
    return rows.select_related("customer", "team", "assignee", "reason", "reason__parent").order_by(
        "-created_at", "-pk"
    )


def _drill_dimension(rows: QuerySet[Ticket], by: str, key: str | None) -> QuerySet[Ticket]:
    if by not in DIMENSIONS:
        raise InvalidInput(_("Unknown breakdown"), fields={"by": "invalid"})
    if key in (None, "", "None"):
        if by in {"reason", "team", "agent"}:
            return rows.annotate(key=_dimension(by)).filter(key__isnull=True)
        raise InvalidInput(_("A value is needed"), fields={"key": "missing"})
    value: Any = key
    if by == "day":
        try:
            value = date.fromisoformat(key)
        except ValueError:
            raise InvalidInput(_("Not a date"), fields={"key": "invalid"}) from None
    elif by != "channel":
        if not key.isdigit() or len(key) > 18:
            raise InvalidInput(_("Not a number"), fields={"key": "invalid"})
        value = int(key)
    return rows.annotate(key=_dimension(by)).filter(key=value)
