"""Incremental daily rollups: the period reports of a manager read one row per day (or per day
and dimension value) instead of every ticket of the period.

Building (a background job, ``refresh_rollups``): a day's figures are read from the raw tables
with the same definitions as services.py — one query per source (tickets created, tickets
solved, SLA targets, chat sessions, calls, survey responses) over that day's rows only — and
folded into ``DailyTicketRollup`` rows at five grains (all, team, channel, reason, and the
team × channel × reason cell) plus ``DailyResponseRollup`` counts per score. A day is rebuilt
by delete + insert in one transaction, so a rebuild is idempotent; the last REFRESH_DAYS days
are rebuilt on every run because tickets reopen and surveys are answered late.

Reading: a report over whole past days that are built reads their rows; the days that are not
(today, and at most a few more) are computed live the same way as the job computes them, so a
figure is the job's figure plus today's. Medians and p90 come from fixed-bucket histograms
(histogram.py, error below 2 %); every count, sum and mean is exact. Rollups serve readers who
see every ticket (managers, administrators) without an agent filter; everything else, and any
period with too many unbuilt days, is computed from the raw tables (services.py)."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import ExtractHour
from django.utils import timezone

from opora.chat.models import ChatSession
from opora.customers.models import Customer
from opora.feedback import metrics as feedback_metrics
from opora.feedback import reports as feedback_reports
from opora.feedback.models import Response, SurveyKind
from opora.knowledge.deflection import deflected_contacts
from opora.sla.models import BusinessCalendar, SlaTarget
from opora.telephony.models import Call, Direction
from opora.tickets.models import Ticket

from . import histogram, services, stats
from .models import DailyResponseRollup, DailyTicketRollup, Grain, RollupDay
from .sql import SecondsBetween

# Days rebuilt on every run, for changes that land after the day: reopens, late surveys.
REFRESH_DAYS = 14
# A report computes at most this many unbuilt days live (today and a missed run or two);
# with more it reads the raw tables.
LIVE_DAYS_MAX = 3

DIMENSIONS = ("team", "channel", "reason")
COUNTS = (
    "created",
    "solved",
    "first_contact",
    "reopened",
    "chat_offered",
    "chat_answered",
    "chat_abandoned",
    "phone_offered",
    "phone_answered",
)
# Durations summed (count, seconds) for means; the first five also kept as histograms.
WITH_PERCENTILES = ("frt", "resolution", "business", "chat_wait", "phone_wait")
DURATIONS = (*WITH_PERCENTILES, "chat_handle", "phone_handle")

Key = tuple[int | None, str | None, int | None]  # team, channel, reason
NO_KEY: Key = (None, None, None)


# ---------------------------------------------------------------- tallies


@dataclass
class Tally:
    """The additive figures of some tickets: counts, duration sums and histograms, tickets
    created per hour of day, SLA targets met and missed per kind."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    sums: dict[str, list[float]] = field(default_factory=dict)
    histograms: dict[str, histogram.Histogram] = field(default_factory=dict)
    hours: dict[int, int] = field(default_factory=dict)
    sla: dict[str, list[int]] = field(default_factory=dict)

    def count(self, name: str, number: int = 1) -> None:
        self.counts[name] += number

    def duration(self, name: str, seconds: float | None) -> None:
        if seconds is None:  # as SQL aggregates skip NULLs
            return
        pair = self.sums.setdefault(name, [0, 0.0])
        pair[0] += 1
        pair[1] += seconds
        if name in WITH_PERCENTILES:
            histogram.merge(self.histograms.setdefault(name, {}), {histogram.bucket_of(seconds): 1})

    def add(
        self,
        counts: Mapping[str, int],
        sums: Mapping[str, list],
        histograms: Mapping[str, Mapping],
        hours: Mapping,
        sla: Mapping[str, list[int]],
    ) -> None:
        """Adds another tally's parts (a stored row's hours have JSON string keys)."""
        for name in COUNTS:
            self.counts[name] += counts[name]
        for name, (number, seconds) in sums.items():
            pair = self.sums.setdefault(name, [0, 0.0])
            pair[0] += number
            pair[1] += seconds
        for name, buckets in histograms.items():
            histogram.merge(self.histograms.setdefault(name, {}), buckets)
        histogram.merge(self.hours, hours)
        for kind, (met, missed) in sla.items():
            pair = self.sla.setdefault(kind, [0, 0])
            pair[0] += met
            pair[1] += missed

    def add_tally(self, other: "Tally") -> None:
        self.add(other.counts, other.sums, other.histograms, other.hours, other.sla)

    def durations(self, name: str) -> services.Durations:
        number, seconds = self.sums.get(name, (0, 0.0))
        buckets = self.histograms.get(name, {})
        percentiles = name in WITH_PERCENTILES
        return services.Durations(
            count=int(number),
            mean=seconds / number if number else None,
            median=histogram.percentile(buckets, 0.5) if percentiles else None,
            p90=histogram.percentile(buckets, 0.9) if percentiles else None,
        )

    def as_row(self, day: date, grain: str, key: Key) -> DailyTicketRollup:
        team, channel, reason = key
        return DailyTicketRollup(
            day=day,
            grain=grain,
            team=team,
            channel=channel,
            reason=reason,
            sums=self.sums,
            histograms={name: histogram.dense(h) for name, h in self.histograms.items()},
            created_by_hour=self.hours,
            sla=self.sla,
            **self.counts,
        )


ROW_FIELDS = (*COUNTS, "sums", "histograms", "created_by_hour", "sla")


class RowSum:
    """Sums stored rows read as ``values_list(*ROW_FIELDS)`` into a tally."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.histograms: dict[str, histogram.Accumulator] = defaultdict(histogram.Accumulator)

    def add(self, values: tuple) -> None:
        counts = dict(zip(COUNTS, values[: len(COUNTS)], strict=True))
        sums, histograms, hours, sla = values[len(COUNTS) :]
        self.tally.add(counts, sums, {}, hours, sla)
        for name, stored in histograms.items():
            self.histograms[name].add(stored)

    def total(self) -> Tally:
        for name, accumulator in self.histograms.items():
            self.tally.histograms[name] = accumulator.histogram()
        return self.tally


# ---------------------------------------------------------------- one day from the raw tables


def _ticket_key(path: str) -> tuple[str, str, str]:
    return (f"{path}team", f"{path}channel", f"{path}reason")


def day_cells(day: date, calendar: BusinessCalendar | None) -> dict[Key, Tally]:
    """The day's figures per team × channel × reason cell, from the raw tables (every ticket:
    the scope of a manager). Five queries over the day's rows; durations are folded here."""
    period = services.DateRange(day, day)
    start, end = period.bounds()
    zone = timezone.get_current_timezone()
    tickets = Ticket.objects.order_by()
    cells: dict[Key, Tally] = defaultdict(Tally)

    created = services.created_in(tickets, period).annotate(
        hour=ExtractHour("created_at", tzinfo=zone),
        frt=SecondsBetween(F("first_response_at"), F("created_at")),
    )
    for *key, hour, frt in created.values_list(*_ticket_key(""), "hour", "frt"):
        tally = cells[tuple(key)]
        tally.count("created")
        tally.hours[hour] = tally.hours.get(hour, 0) + 1
        tally.duration("frt", frt)

    solved = services.solved_in(tickets, period)
    with_business = services.with_business_seconds(solved, period, calendar) if calendar else None
    if with_business is None:  # no calendar (or nothing solved): no business time
        with_business = solved.annotate(business=Value(None, output_field=FloatField()))
    solved = with_business.annotate(
        agent_replies=services.agent_public_replies(),
        fcr=ExpressionWrapper(services.first_contact_resolution_q(), BooleanField()),
        was_reopened=ExpressionWrapper(services.reopened_q(), BooleanField()),
        resolution=SecondsBetween(F("solved_at"), F("created_at")),
    )
    for team, channel, reason, fcr, reopened, resolution, business in solved.values_list(
        *_ticket_key(""), "fcr", "was_reopened", "resolution", "business"
    ):
        tally = cells[(team, channel, reason)]
        tally.count("solved")
        tally.count("first_contact", int(bool(fcr)))
        tally.count("reopened", int(bool(reopened)))
        tally.duration("resolution", resolution)
        tally.duration("business", business)

    targets = services.decided_targets(
        SlaTarget.objects.all(), period, *_ticket_key("ticket__"), "kind"
    )
    for row in targets:
        tally = cells[tuple(row[name] for name in _ticket_key("ticket__"))]
        tally.sla[row["kind"]] = [row["met"], row["missed"]]

    sessions = ChatSession.objects.filter(queued_at__gte=start, queued_at__lt=end).annotate(
        wait=SecondsBetween(F("accepted_at"), F("queued_at")),
        handle=SecondsBetween(F("ended_at"), F("accepted_at")),
    )
    for *key, accepted_at, abandoned, wait, handle in sessions.order_by().values_list(
        *_ticket_key("ticket__"), "accepted_at", "abandoned", "wait", "handle"
    ):
        tally = cells[tuple(key)]
        tally.count("chat_offered")
        tally.count("chat_answered", int(accepted_at is not None))
        tally.count("chat_abandoned", int(bool(abandoned)))
        tally.duration("chat_wait", wait)
        tally.duration("chat_handle", handle)

    calls = Call.objects.filter(started_at__gte=start, started_at__lt=end).annotate(
        wait=SecondsBetween(F("answered_at"), F("started_at"))
    )
    for *key, direction, answered_at, wait, talk in calls.order_by().values_list(
        *_ticket_key("ticket__"), "direction", "answered_at", "wait", "duration_seconds"
    ):
        tally = cells[tuple(key)]
        answered = answered_at is not None
        if direction == Direction.INBOUND:
            tally.count("phone_offered")
            if answered:
                tally.count("phone_answered")
                tally.duration("phone_wait", wait)
        if answered:
            tally.duration("phone_handle", float(talk))
    return dict(cells)


def grains(cells: Mapping[Key, Tally]) -> dict[tuple[str, Key], Tally]:
    """The cells summed at every grain: all, per team, per channel, per reason, per cell."""
    folded: dict[tuple[str, Key], Tally] = defaultdict(Tally)
    for (team, channel, reason), tally in cells.items():
        for grain_key in (
            (Grain.ALL, NO_KEY),
            (Grain.TEAM, (team, None, None)),
            (Grain.CHANNEL, (None, channel, None)),
            (Grain.REASON, (None, None, reason)),
            (Grain.CELL, (team, channel, reason)),
        ):
            folded[grain_key].add_tally(tally)
    return dict(folded)


def day_responses(day: date) -> list[DailyResponseRollup]:
    """The day's survey responses counted per kind, score and the surveyed ticket's channel,
    team, assignee and reason: one GROUP BY."""
    rows = (
        feedback_reports.answered_in(Response.objects.all(), services.DateRange(day, day))
        .order_by()
        .values(
            "kind",
            "score",
            ticket_channel=F("invitation__ticket__channel"),
            ticket_team=F("invitation__ticket__team_id"),
            ticket_agent=F("invitation__ticket__assignee_id"),
            ticket_reason=F("invitation__ticket__reason_id"),
        )
        .annotate(responses=Count("pk"))
    )
    return [
        DailyResponseRollup(
            day=day,
            kind=row["kind"],
            score=row["score"],
            channel=row["ticket_channel"],
            team=row["ticket_team"],
            agent=row["ticket_agent"],
            reason=row["ticket_reason"],
            count=row["responses"],
        )
        for row in rows
    ]


# ---------------------------------------------------------------- the background job


def _calendar_version(calendar: BusinessCalendar | None) -> dict[str, Any]:
    return {
        "calendar_id": calendar.pk if calendar else None,
        "calendar_updated_at": calendar.updated_at if calendar else None,
    }


def build_day(day: date, now: datetime, calendar: BusinessCalendar | None) -> None:
    """(Re)builds one day's rollups: delete + insert in one transaction. Locking the day's
    RollupDay row first makes two builders of the same day wait for each other."""
    cells = day_cells(day, calendar)
    responses = day_responses(day)
    with transaction.atomic():
        RollupDay.objects.update_or_create(
            day=day, defaults={"built_at": now, **_calendar_version(calendar)}
        )
        DailyTicketRollup.objects.filter(day=day).delete()
        DailyResponseRollup.objects.filter(day=day).delete()
        DailyTicketRollup.objects.bulk_create(
            tally.as_row(day, grain, key) for (grain, key), tally in grains(cells).items()
        )
        DailyResponseRollup.objects.bulk_create(responses)


def refresh_rollups(now: datetime | None = None, days: int = REFRESH_DAYS) -> int:
    """The periodic job: rebuild the last ``days`` whole days, every earlier day since the
    first ticket that was never built, and days built with another version of the business
    calendar. Idempotent. Returns how many days were built."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    calendar = services.default_calendar()
    wanted = {yesterday - timedelta(days=offset) for offset in range(days)}
    first = Ticket.objects.aggregate(first=Min("created_at"))["first"]
    if first is not None:
        current = _calendar_version(calendar)
        built = {
            row["day"]
            for row in RollupDay.objects.values("day", "calendar_id", "calendar_updated_at")
            if {
                "calendar_id": row["calendar_id"],
                "calendar_updated_at": row["calendar_updated_at"],
            }
            == current
        }
        day = timezone.localdate(first)
        while day <= yesterday:
            if day not in built:
                wanted.add(day)
            day += timedelta(days=1)
    for day in sorted(wanted):
        build_day(day, now, calendar)
    return len(wanted)


# ---------------------------------------------------------------- reading


def serves(viewer: services.Viewer, filters: services.Filters) -> bool:
    """Rollups hold every ticket split by team, channel and reason: they answer readers who
    see every ticket, unless filtered by agent."""
    return viewer.sees_all and viewer.user.sees_every_ticket and filters.agent is None


def _given(filters: services.Filters) -> dict[str, Any]:
    return {
        name: getattr(filters, name) for name in DIMENSIONS if getattr(filters, name) is not None
    }


def _grain_for(given: Mapping[str, Any], grouped_by: str | None = None) -> str:
    """The coarsest grain whose rows can be filtered by ``given`` (and grouped by one more
    dimension): a single named dimension has its own grain, more need cells."""
    named = set(given) | ({grouped_by} if grouped_by else set())
    if not named:
        return Grain.ALL
    if len(named) == 1:
        return named.pop()
    return Grain.CELL


def _matches(key: Key, given: Mapping[str, Any]) -> bool:
    values = dict(zip(DIMENSIONS, key, strict=True))
    return all(values[name] == value for name, value in given.items())


@dataclass(frozen=True)
class Coverage:
    built: tuple[date, ...]  # days read from the rollups
    live: tuple[date, ...]  # days computed from the raw tables
    same_calendar: bool  # every built day used the current business calendar


def coverage(period: services.DateRange, calendar: BusinessCalendar | None) -> Coverage | None:
    """Which days of the period are built; None when too many are not. Days before the first
    built day hold no tickets (the job builds from the first ticket on)."""
    first_built = RollupDay.objects.aggregate(first=Min("day"))["first"]
    if first_built is None:
        return None
    built = {
        day: (calendar_id, updated)
        for day, calendar_id, updated in RollupDay.objects.filter(
            day__gte=period.start, day__lte=period.end
        ).values_list("day", "calendar_id", "calendar_updated_at")
    }
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    in_period = [day for day in days if day in built]
    live = [day for day in days if day not in built and day >= first_built]
    if len(live) > LIVE_DAYS_MAX:
        return None
    version = _calendar_version(calendar)
    same = all(
        built[day] == (version["calendar_id"], version["calendar_updated_at"]) for day in in_period
    )
    return Coverage(tuple(in_period), tuple(live), same)


class RollupReport:
    """The period figures of services.RawReport, read from the rollups plus live days."""

    def __init__(self, viewer: services.Viewer, filters: services.Filters, cover: Coverage):
        self.viewer = viewer
        self.filters = filters
        self.period = filters.period
        self.cover = cover
        self.calendar = services.default_calendar()
        self.given = _given(filters)
        stored = RowSum()
        self.per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for day, *values in self._rows(_grain_for(self.given)).values_list("day", *ROW_FIELDS):
            stored.add(tuple(values))
            self.per_day[day][0] += values[0]
            self.per_day[day][1] += values[1]
        self.total = stored.total()
        self.live_cells: list[tuple[Key, Tally]] = []
        for day in cover.live:
            for key, tally in day_cells(day, self.calendar).items():
                if _matches(key, self.given):
                    self.live_cells.append((key, tally))
                    self.total.add_tally(tally)
                    self.per_day[day][0] += tally.counts["created"]
                    self.per_day[day][1] += tally.counts["solved"]

    def _rows(self, grain: str) -> QuerySet[DailyTicketRollup]:
        start, end = self.period.start, self.period.end
        return DailyTicketRollup.objects.filter(
            grain=grain, day__gte=start, day__lte=end, **self.given
        ).order_by()

    def summary(self) -> services.Summary:
        total = self.total
        outcomes = services.Outcomes(
            total.counts["solved"], total.counts["first_contact"], total.counts["reopened"]
        )
        attainment = services.attainments({kind: tuple(pair) for kind, pair in total.sla.items()})
        met = sum(row.met for row in attainment)
        decided = met + sum(row.missed for row in attainment)
        csat = feedback_metrics.csat_from_counts(
            response_counts(self.filters, self.cover, "kind").get(SurveyKind.CSAT, {})
        )
        return services.Summary(
            created=total.counts["created"],
            solved=outcomes.solved,
            frt=total.durations("frt"),
            resolution=total.durations("resolution"),
            business_resolution=self._business(),
            outcomes=outcomes,
            csat_percent=csat.csat_percent,
            csat_responses=csat.responses,
            sla=attainment,
            sla_percent=stats.ratio_percent(met, decided),
            contacts_per_1000_customers=stats.per_thousand(
                total.counts["created"], Customer.objects.count()
            ),
            deflected=(
                None
                if self.filters.narrows
                else deflected_contacts(self.period.start, self.period.end)
            ),
        )

    def _business(self) -> services.Durations | None:
        if self.calendar is None:
            return None
        if self.cover.same_calendar:
            return self.total.durations("business")
        tickets = services.filtered_tickets(self.viewer, self.filters)
        return services.business_resolution_times(tickets, self.period, self.calendar)

    def trend(self) -> list[tuple[date, int, int]]:
        days = (self.period.end - self.period.start).days + 1
        return [
            (day, *self.per_day.get(day, (0, 0)))
            for day in (self.period.start + timedelta(days=n) for n in range(days))
        ]

    def volume(self, by: str) -> list[services.CountRow]:
        if by == "hour":
            return services.count_rows(by, self.total.hours)
        if by in {"weekday", "day"}:
            counts: dict[Any, int] = defaultdict(int)
            for day, (created, _solved) in self.per_day.items():
                counts[day.isoweekday() if by == "weekday" else day] += created
            return services.count_rows(by, counts)
        if by not in {"channel", "reason"}:
            tickets = services.filtered_tickets(self.viewer, self.filters)
            return services.volume(tickets, self.period, by)
        counts = defaultdict(
            int,
            self._rows(_grain_for(self.given, by))
            .values_list(by)
            .annotate(total=Sum("created"))
            .values_list(by, "total"),
        )
        position = DIMENSIONS.index(by)
        for key, tally in self.live_cells:
            counts[key[position]] += tally.counts["created"]
        return services.count_rows(by, counts)

    def chat(self) -> services.LiveChannel:
        counts = self.total.counts
        return services.LiveChannel(
            counts["chat_offered"],
            counts["chat_answered"],
            counts["chat_abandoned"],
            self.total.durations("chat_wait"),
            self.total.durations("chat_handle").mean,
        )

    def phone(self) -> services.LiveChannel:
        counts = self.total.counts
        return services.LiveChannel(
            counts["phone_offered"],
            counts["phone_answered"],
            counts["phone_offered"] - counts["phone_answered"],
            self.total.durations("phone_wait"),
            self.total.durations("phone_handle").mean,
        )


def period_report(viewer: services.Viewer, filters: services.Filters) -> RollupReport | None:
    if not serves(viewer, filters):
        return None
    cover = coverage(filters.period, services.default_calendar())
    return RollupReport(viewer, filters, cover) if cover else None


# ---------------------------------------------------------------- survey responses


def _response_rows(
    filters: services.Filters, cover: Coverage, kind: str | None
) -> Iterable[DailyResponseRollup]:
    """The live days' response rows matching the filters."""
    given = _given(filters)
    for day in cover.live:
        for row in day_responses(day):
            if (kind is None or row.kind == kind) and all(
                getattr(row, name) == value for name, value in given.items()
            ):
                yield row


def response_counts(
    filters: services.Filters, cover: Coverage, group: str, kind: str | None = None
) -> dict[Any, dict[int, int]]:
    """Responses per ``group`` value (kind, channel, team, agent, reason or day) and score, as
    feedback.reports.grouped_score_counts: the built days' rows plus the live days'."""
    rows = DailyResponseRollup.objects.filter(
        day__gte=filters.period.start, day__lte=filters.period.end, **_given(filters)
    ).exclude(kind=SurveyKind.CUSTOM)
    if kind is not None:
        rows = rows.filter(kind=kind)
    grouped: dict[Any, dict[int, int]] = defaultdict(dict)
    for key, score, count in (
        rows.order_by().values_list(group, "score").annotate(responses=Sum("count"))
    ):
        grouped[key][score] = count
    for row in _response_rows(filters, cover, kind):
        if row.kind != SurveyKind.CUSTOM:
            scores = grouped[getattr(row, group)]
            scores[row.score] = scores.get(row.score, 0) + row.count
    return dict(grouped)


def _response_cover(viewer: services.Viewer, filters: services.Filters) -> Coverage | None:
    if not serves(viewer, filters):
        return None
    return coverage(filters.period, None)


def csat_breakdown(
    viewer: services.Viewer, filters: services.Filters, by: str
) -> list[feedback_reports.BreakdownRow] | None:
    """As feedback.reports.csat_breakdown over the viewer's responses; None: not servable."""
    cover = _response_cover(viewer, filters)
    if cover is None:
        return None
    grouped = response_counts(filters, cover, by, SurveyKind.CSAT)
    labels = feedback_reports.breakdown_labels(by, list(grouped))
    rows = [
        feedback_reports.BreakdownRow(labels.get(key, "—"), feedback_metrics.csat_from_counts(c))
        for key, c in grouped.items()
    ]
    return sorted(rows, key=lambda row: (-row.result.responses, row.label))


def score_trends(
    viewer: services.Viewer, filters: services.Filters
) -> dict[str, list[feedback_reports.WeekRow]] | None:
    """As services.score_trends (per ISO week, Monday first); None: not servable."""
    cover = _response_cover(viewer, filters)
    if cover is None:
        return None
    trends = {}
    for kind in SurveyKind.values:
        if kind not in feedback_reports.FROM_COUNTS:
            continue
        weeks: dict[date, dict[int, int]] = defaultdict(dict)
        for day, scores in response_counts(filters, cover, "day", kind).items():
            week = weeks[day - timedelta(days=day.weekday())]
            for score, count in scores.items():
                week[score] = week.get(score, 0) + count
        trends[kind] = [
            feedback_reports.WeekRow(week, feedback_reports.FROM_COUNTS[kind](counts))
            for week, counts in sorted(weeks.items())
        ]
    return trends
