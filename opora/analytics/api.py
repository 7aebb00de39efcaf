"""The analytics figures as JSON: the same services, scope and definitions as the pages
(docs/metrics.md). Staff only; each reader gets their scope (services.viewer_of)."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import ErrorOut, Id, IsoDate, Page, PageParams
from opora.core.errors import InvalidInput
from opora.tickets.models import Channel

from . import services

router = Router(tags=["analytics"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Dimension = Literal["channel", "reason", "team", "agent", "hour", "weekday", "day"]
CsatDimension = Literal["channel", "agent", "team", "reason"]


class FilterParams(Schema):
    since: IsoDate | None = None
    until: IsoDate | None = None
    team: Id | None = None
    channel: Channel | None = None
    agent: Id | None = None
    reason: Id | None = None


class ByParams(Schema):
    by: Dimension = "channel"


class CsatByParams(Schema):
    by: CsatDimension = "channel"


class ImpactParams(Schema):
    changed_on: IsoDate
    window: int = Field(28, ge=1, le=366)


class DrillParams(Schema):
    metric: Literal[
        "created", "solved", "unsolved", "reopened", "fcr", "sla_missed", "sla_risk", "surveyed"
    ] = "created"
    by: Dimension | None = None
    key: str | None = Field(None, max_length=40)


class PeriodOut(Schema):
    since: date
    until: date
    previous_since: date
    previous_until: date


class HeadlineOut(Schema):
    key: str
    label: str
    unit: str
    current: float | None
    previous: float | None
    delta: float | None
    change_percent: float | None
    drill: str | None


class SummaryOut(Schema):
    period: PeriodOut
    figures: list[HeadlineOut]


class CountOut(Schema):
    key: str | None
    label: str
    count: int


class DurationsOut(Schema):
    count: int
    mean: float | None
    median: float | None
    p90: float | None


class BacklogOut(Schema):
    open: int
    older_than_1_day: int
    older_than_3_days: int
    older_than_7_days: int
    median_age_seconds: float | None


class OutcomesOut(Schema):
    solved: int
    first_contact: int
    reopened: int
    fcr_percent: float | None
    reopen_percent: float | None


class AttainmentOut(Schema):
    kind: str
    label: str
    met: int
    missed: int
    percent: float | None


class LiveOut(Schema):
    offered: int
    answered: int
    abandoned: int
    abandonment_percent: float | None
    wait: DurationsOut
    handle_mean_seconds: float | None


class OperationsOut(Schema):
    period: PeriodOut
    backlog: BacklogOut
    first_response_seconds: DurationsOut
    resolution_seconds: DurationsOut
    business_resolution_seconds: DurationsOut | None
    outcomes: OutcomesOut
    sla: list[AttainmentOut]
    chat: LiveOut
    phone: LiveOut


class IntervalOut(Schema):
    low: float
    high: float
    confidence: float


class CsatRowOut(Schema):
    label: str
    responses: int
    csat_percent: float | None
    confidence_interval: IntervalOut | None


class ReasonOut(Schema):
    reason_id: int | None
    label: str
    count: int
    previous: int
    change_percent: float | None


class ImpactOut(Schema):
    before_since: date
    before_until: date
    after_since: date
    after_until: date
    before_count: int
    after_count: int
    before_per_day: float | None
    after_per_day: float | None
    avoided: float | None


class TicketRowOut(Schema):
    id: int
    subject: str
    status: str
    channel: str
    team_id: int | None
    assignee_id: int | None
    created_at: str

    @staticmethod
    def resolve_created_at(ticket) -> str:
        return ticket.created_at.isoformat()


def _context(request, *schemas) -> tuple[services.Viewer, services.Filters]:
    """Refuse unknown parameters and non-staff readers; parse the filters."""
    reject_unknown_params(request, FilterParams, *schemas)
    viewer = services.viewer_of(request.auth)
    params = {key: request.GET.get(key) for key in FilterParams.model_fields}
    return viewer, services.parse_filters(params)


def _period(filters: services.Filters) -> dict:
    previous = filters.previous().period
    return {
        "since": filters.period.start,
        "until": filters.period.end,
        "previous_since": previous.start,
        "previous_until": previous.end,
    }


@router.get("/analytics/summary", response={200: SummaryOut, **ERRORS})
def summary(request, filters: Query[FilterParams]):
    """The key figures of the period beside the previous period of the same length."""
    viewer, parsed = _context(request)
    figures = [
        {
            "key": row.key,
            "label": row.label,
            "unit": row.unit,
            "current": row.change.current,
            "previous": row.change.previous,
            "delta": row.change.delta,
            "change_percent": row.change.percent,
            "drill": row.drill,
        }
        for row in services.headlines(viewer, parsed)
    ]
    return {"period": _period(parsed), "figures": figures}


@router.get("/analytics/operations", response={200: OperationsOut, **ERRORS})
def operations(request, filters: Query[FilterParams]):
    """Backlog, speed (seconds), first contact resolution, SLA and live channels."""
    viewer, parsed = _context(request)
    tickets = services.filtered_tickets(viewer, parsed)
    report = services.period_report(viewer, parsed)
    current = report.summary()
    outcomes = current.outcomes
    return {
        "period": _period(parsed),
        "backlog": services.backlog(tickets),
        "first_response_seconds": current.frt,
        "resolution_seconds": current.resolution,
        "business_resolution_seconds": current.business_resolution,
        "outcomes": {
            "solved": outcomes.solved,
            "first_contact": outcomes.first_contact,
            "reopened": outcomes.reopened,
            "fcr_percent": outcomes.fcr_percent,
            "reopen_percent": outcomes.reopen_percent,
        },
        "sla": [
            {
                "kind": r.kind,
                "label": r.label,
                "met": r.met,
                "missed": r.missed,
                "percent": r.percent,
            }
            for r in current.sla
        ],
        "chat": _live(report.chat()),
        "phone": _live(report.phone()),
    }


def _live(figures: services.LiveChannel) -> dict:
    return {
        "offered": figures.offered,
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "abandonment_percent": figures.abandonment_percent,
        "wait": figures.wait,
        "handle_mean_seconds": figures.handle_mean_seconds,
    }


@router.get("/analytics/volume", response={200: list[CountOut], **ERRORS})
def volume(request, filters: Query[FilterParams], by: Query[ByParams]):
    """Tickets created in the period per channel, reason, team, agent, hour, weekday or day."""
    viewer, parsed = _context(request, ByParams)
    rows = services.period_report(viewer, parsed).volume(by.by)
    return [
        {"key": None if row.key is None else str(row.key), "label": row.label, "count": row.count}
        for row in rows
    ]


@router.get("/analytics/csat", response={200: list[CsatRowOut], **ERRORS})
def csat(request, filters: Query[FilterParams], by: Query[CsatByParams]):
    """CSAT per channel, agent, team or contact reason (opora.feedback definitions)."""
    viewer, parsed = _context(request, CsatByParams)
    return [
        {
            "label": str(row.label),
            "responses": row.result.responses,
            "csat_percent": row.result.csat_percent,
            "confidence_interval": row.result.confidence_interval,
        }
        for row in services.csat_breakdown(viewer, parsed, by.by)
    ]


@router.get("/analytics/reasons", response={200: list[ReasonOut], **ERRORS})
def reasons(request, filters: Query[FilterParams]):
    """The most frequent contact reasons with their count in the previous period."""
    viewer, parsed = _context(request)
    return [
        {
            "reason_id": row.reason_id,
            "label": row.label,
            "count": int(row.change.current or 0),
            "previous": int(row.change.previous or 0),
            "change_percent": row.change.percent,
        }
        for row in services.top_reasons(viewer, parsed)
    ]


@router.get("/analytics/impact", response={200: ImpactOut, **ERRORS})
def impact(request, filters: Query[FilterParams], params: Query[ImpactParams]):
    """Contacts before and after an improvement date, and how many it avoided."""
    viewer, parsed = _context(request, ImpactParams)
    try:
        changed_on = date.fromisoformat(params.changed_on)
    except ValueError:
        raise InvalidInput("changed_on is not a date", fields={"changed_on": "invalid"}) from None
    effect = services.improvement_effect(viewer, parsed, changed_on, params.window)
    return {
        "before_since": effect.before.start,
        "before_until": effect.before.end,
        "after_since": effect.after.start,
        "after_until": effect.after.end,
        "before_count": effect.before_count,
        "after_count": effect.after_count,
        "before_per_day": effect.impact.before_per_day,
        "after_per_day": effect.impact.after_per_day,
        "avoided": effect.impact.avoided,
    }


@router.get("/analytics/tickets", response={200: Page[TicketRowOut], **ERRORS})
def drill_down(
    request, filters: Query[FilterParams], drill: Query[DrillParams], page: Query[PageParams]
):
    """The tickets behind a figure (same scope, filters and definition as the figure)."""
    viewer, parsed = _context(request, DrillParams, PageParams)
    rows = services.drill_tickets(viewer, parsed, drill.metric, drill.by, drill.key)
    return page_of(rows, page)
