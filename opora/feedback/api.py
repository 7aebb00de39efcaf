"""Survey responses and scores for staff, and answering a survey from a custom front-end.

Reads go through services.visible_responses (itself on opora.tickets.access): agents see
responses about tickets they may see; customers are refused."""

from datetime import date, datetime
from typing import Any

from ninja import Query, Router, Schema
from ninja.errors import AuthorizationError

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import ErrorOut, Id, IsoDate, Page, PageParams
from opora.core.errors import InvalidInput

from . import reports, services
from .models import Response, SurveyKind

router = Router(tags=["feedback"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ResponseOut(Schema):
    id: int
    kind: str
    score: int
    comment: str
    answers: dict[str, Any]
    survey_version_id: int
    invitation_id: int
    ticket_id: int | None
    customer_id: int
    created_at: datetime
    completed_at: datetime | None

    @staticmethod
    def resolve_survey_version_id(response: Response) -> int:
        return response.version_id

    @staticmethod
    def resolve_ticket_id(response: Response) -> int | None:
        return response.invitation.ticket_id

    @staticmethod
    def resolve_customer_id(response: Response) -> int:
        return response.invitation.customer_id


class ResponseFilters(Schema):
    kind: SurveyKind | None = None
    ticket_id: Id | None = None
    customer_id: Id | None = None
    score_max: int | None = None
    score_min: int | None = None
    with_comment: bool | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None


class ScoreRange(Schema):
    since: IsoDate | None = None
    until: IsoDate | None = None


class IntervalOut(Schema):
    low: float
    high: float
    confidence: float


class CsatOut(Schema):
    responses: int
    csat_percent: float | None
    confidence_interval: IntervalOut | None


class NpsOut(Schema):
    responses: int
    nps: float | None
    promoters_percent: float | None
    detractors_percent: float | None
    confidence_interval: IntervalOut | None


class CesOut(Schema):
    responses: int
    mean_score: float | None
    mean_confidence_interval: IntervalOut | None
    easy_percent: float | None


class ResponseRateOut(Schema):
    sent: int
    answered: int
    rate_percent: float | None


class ScoresOut(Schema):
    since: date
    until: date
    csat: CsatOut
    nps: NpsOut
    ces: CesOut
    response_rate: ResponseRateOut


class AnswerIn(Schema):
    answers: dict[str, Any]


class AnswerOut(Schema):
    response_id: int
    score: int
    completed: bool


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} is not a date", fields={name: "invalid_date"}) from None


def _period(since: str | None, until: str | None) -> reports.DateRange:
    default = reports.DateRange.last_days(90)
    period = reports.DateRange(
        _day(since, "since") or default.start, _day(until, "until") or default.end
    )
    if period.start > period.end:
        raise InvalidInput("since must not be after until", fields={"since": "after_until"})
    return period


@router.get("/feedback/responses", response={200: Page[ResponseOut], **ERRORS})
def list_responses(request, page: Query[PageParams], filters: Query[ResponseFilters]):
    reject_unknown_params(request, PageParams, ResponseFilters)
    _staff(request)
    responses = services.visible_responses(request.auth).select_related("invitation")
    for name, lookup in (
        ("kind", "kind"),
        ("ticket_id", "invitation__ticket_id"),
        ("customer_id", "invitation__customer_id"),
        ("score_max", "score__lte"),
        ("score_min", "score__gte"),
    ):
        value = getattr(filters, name)
        if value is not None:
            responses = responses.filter(**{lookup: value})
    if filters.with_comment is not None:
        responses = (
            responses.exclude(comment="") if filters.with_comment else responses.filter(comment="")
        )
    if filters.since or filters.until:
        responses = reports.answered_in(responses, _period(filters.since, filters.until))
    return page_of(responses.order_by("-created_at", "-pk"), page)


@router.get("/feedback/scores", response={200: ScoresOut, **ERRORS})
def scores(request, period: Query[ScoreRange]):
    reject_unknown_params(request, ScoreRange)
    _staff(request)
    dates = _period(period.since, period.until)
    figures = reports.scores(reports.answered_in(services.visible_responses(request.auth), dates))
    rate = reports.response_rate(services.visible_invitations(request.auth), dates)
    return {
        "since": dates.start,
        "until": dates.end,
        "csat": figures.csat,
        "nps": figures.nps,
        "ces": figures.ces,
        "response_rate": rate,
    }


@router.post("/feedback/invitations/{token}/answer", response={200: AnswerOut, **ERRORS}, auth=None)
def answer(request, token: str, payload: AnswerIn):
    """Answer a survey; the signed token from the invitation is the only credential."""
    invitation, _score = services.claimed_invitation(token, with_score=False)
    response = services.complete_survey(invitation, payload.answers)
    return {"response_id": response.pk, "score": response.score, "completed": True}
