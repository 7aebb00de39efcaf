"""Feedback reports. Every figure is a SQL GROUP BY score handed to the pure metrics module:
responses are counted in the database, never loaded into Python."""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from opora.accounts.models import Team, User
from opora.customers.models import Customer
from opora.tickets.models import Channel, ContactReason, Ticket

from . import metrics
from .conf import setting
from .loyalty import LoyaltyStage, Quadrant, loyalty_stage_sql, quadrant_sql
from .models import Invitation, Response, SurveyKind

FROM_COUNTS = {
    SurveyKind.CSAT: metrics.csat_from_counts,
    SurveyKind.NPS: metrics.nps_from_counts,
    SurveyKind.CES: metrics.ces_from_counts,
}

# Where each CSAT breakdown groups, through the response's ticket.
BREAKDOWNS = {
    "channel": "invitation__ticket__channel",
    "agent": "invitation__ticket__assignee",
    "team": "invitation__ticket__team",
    "reason": "invitation__ticket__reason",
}


@dataclass(frozen=True)
class DateRange:
    """Days ``start`` to ``end`` inclusive, in the current time zone."""

    start: date
    end: date

    @classmethod
    def last_days(cls, days: int) -> "DateRange":
        today = timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )


def answered_in(responses: QuerySet[Response], period: DateRange) -> QuerySet[Response]:
    start, end = period.bounds()
    return responses.filter(created_at__gte=start, created_at__lt=end)


def score_counts(responses: QuerySet[Response]) -> dict[int, int]:
    rows = responses.order_by().values("score").annotate(count=Count("pk"))
    return {row["score"]: row["count"] for row in rows}


def grouped_score_counts(responses: QuerySet[Response], key: Any) -> dict[Hashable, dict[int, int]]:
    """Counts per score for each value of ``key`` (a field path or an expression), one query."""
    rows = (
        responses.order_by()
        .annotate(group=key)
        .values("group", "score")
        .annotate(count=Count("pk"))
    )
    grouped: dict[Hashable, dict[int, int]] = defaultdict(dict)
    for row in rows:
        grouped[row["group"]][row["score"]] = row["count"]
    return grouped


@dataclass(frozen=True)
class Scores:
    csat: metrics.CsatResult
    nps: metrics.NpsResult
    ces: metrics.CesResult


def scores(responses: QuerySet[Response]) -> Scores:
    by_kind = grouped_score_counts(responses.exclude(kind=SurveyKind.CUSTOM), F("kind"))
    return Scores(
        csat=metrics.csat_from_counts(by_kind.get(SurveyKind.CSAT, {})),
        nps=metrics.nps_from_counts(by_kind.get(SurveyKind.NPS, {})),
        ces=metrics.ces_from_counts(by_kind.get(SurveyKind.CES, {})),
    )


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    result: metrics.CsatResult


def breakdown_labels(breakdown: str, keys: list) -> dict:
    ids = [key for key in keys if key is not None]
    if breakdown == "channel":
        return {key: Channel(key).label for key in ids}
    if breakdown == "agent":
        return {user.pk: str(user) for user in User.objects.filter(pk__in=ids)}
    if breakdown == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        reason.pk: reason.path_label
        for reason in ContactReason.objects.filter(pk__in=ids).select_related("parent")
    }


def csat_breakdown(responses: QuerySet[Response], breakdown: str) -> list[BreakdownRow]:
    """CSAT per channel, agent, team or contact reason, best-supported groups first."""
    grouped = grouped_score_counts(responses.filter(kind=SurveyKind.CSAT), F(BREAKDOWNS[breakdown]))
    labels = breakdown_labels(breakdown, list(grouped))
    rows = [
        BreakdownRow(labels.get(key, "—"), metrics.csat_from_counts(counts))
        for key, counts in grouped.items()
    ]
    return sorted(rows, key=lambda row: (-row.result.responses, row.label))


@dataclass(frozen=True)
class WeekRow:
    week: date
    result: Any  # the metric result of the kind asked for


def weekly(responses: QuerySet[Response], kind: str) -> list[WeekRow]:
    grouped = grouped_score_counts(responses.filter(kind=kind), TruncWeek("created_at"))
    return [
        WeekRow(week.date() if isinstance(week, datetime) else week, FROM_COUNTS[kind](counts))
        for week, counts in sorted(grouped.items())
    ]


@dataclass(frozen=True)
class ResponseRate:
    sent: int
    answered: int
    rate_percent: float | None


def response_rate(invitations: QuerySet[Invitation], period: DateRange) -> ResponseRate:
    start, end = period.bounds()
    counts = invitations.filter(sent_at__gte=start, sent_at__lt=end).aggregate(
        sent=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
    return ResponseRate(
        counts["sent"],
        counts["answered"],
        metrics.response_rate(counts["answered"], counts["sent"]),
    )


def verbatims(responses: QuerySet[Response]) -> QuerySet[Response]:
    return (
        responses.exclude(comment="")
        .select_related("invitation__ticket", "invitation__customer", "version__survey")
        .order_by("-created_at")
    )


def kudos(responses: QuerySet[Response]) -> QuerySet[Response]:
    """Praise with words: CSAT 5 or NPS promoters who wrote something."""
    return (
        verbatims(responses)
        .filter(Q(kind=SurveyKind.CSAT, score=5) | Q(kind=SurveyKind.NPS, score__gte=9))
        .select_related("invitation__ticket__assignee", "invitation__ticket__team")
    )


def kudos_counts(responses: QuerySet[Response], path: str) -> list[tuple[str, int]]:
    """Kudos per agent or team, most first: recognition, counted in SQL."""
    rows = (
        kudos(responses)
        .order_by()
        .exclude(**{f"{path}__isnull": True})
        .values(path)
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    names = breakdown_labels(
        "agent" if path.endswith("assignee") else "team", [row[path] for row in rows]
    )
    return [(names.get(row[path], "—"), row["count"]) for row in rows]


# ---------------------------------------------------------------- loyalty and quadrants


def _latest_nps() -> Subquery:
    return Subquery(
        Response.objects.filter(kind=SurveyKind.NPS, invitation__customer=OuterRef("pk"))
        .order_by("-created_at")
        .values("score")[:1],
        output_field=IntegerField(),
    )


def _contacts() -> Subquery:
    return Subquery(
        Ticket.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(count=Count("pk"))
        .values("count"),
        output_field=IntegerField(),
    )


def customers_with_loyalty() -> QuerySet[Customer]:
    return Customer.objects.annotate(
        latest_nps=_latest_nps(),
        purchases=Coalesce("cx_profile__purchase_count", _contacts(), Value(0)),
    ).annotate(stage=loyalty_stage_sql("purchases", "latest_nps"))


def loyalty_distribution() -> list[tuple[str, int]]:
    counts = dict(
        customers_with_loyalty().order_by().values_list("stage").annotate(count=Count("pk"))
    )
    return [(stage.label, counts.get(stage.value, 0)) for stage in LoyaltyStage]


def advocates(limit: int = 50) -> QuerySet[Customer]:
    """Promoters (latest NPS 9-10), most engaged first."""
    return (
        customers_with_loyalty()
        .filter(latest_nps__gte=9)
        .select_related("organisation")
        .order_by("-latest_nps", "-purchases", "name")[:limit]
    )


def customers_by_quadrant() -> QuerySet[Customer]:
    """Customers with at least one CSAT answer, their mean CSAT, revenue and quadrant."""
    return (
        Customer.objects.filter(invitations__response__kind=SurveyKind.CSAT)
        .annotate(
            satisfaction=Avg("invitations__response__score"),
            revenue=Coalesce(
                "cx_profile__annual_revenue",
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
        )
        .annotate(
            quadrant=quadrant_sql(
                "satisfaction",
                "revenue",
                float(setting("OPORA_QUADRANT_SATISFACTION_CUTOFF")),
                Decimal(setting("OPORA_QUADRANT_REVENUE_CUTOFF")),
            )
        )
    )


def quadrant_counts() -> list[tuple[Quadrant, int]]:
    counts = dict(
        customers_by_quadrant().order_by().values_list("quadrant").annotate(n=Count("pk"))
    )
    return [(quadrant, counts.get(quadrant.value, 0)) for quadrant in Quadrant]
