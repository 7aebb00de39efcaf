"""QA scorecards, reviews and disputes, and mystery-shopper audit results.

Every read goes through the services' visible_* functions: agents see their own reviews,
shoppers their own visits, managers everything; customers get 403."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, Page, PageParams, Text
from opora.core.errors import NotFound
from opora.tickets.access import get_visible_ticket

from . import services
from .models import AuditProgramme, Dispute, DisputeStatus, Scorecard

router = Router(tags=["quality"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


def _manager(request) -> None:
    if not services.is_manager(request.auth):
        raise AuthorizationError


class CriterionOut(Schema):
    id: int
    title: str
    kind: str
    scale_max: int
    weight: int
    allows_na: bool
    auto_fail: bool


class ScorecardOut(Schema):
    id: int
    name: str
    channel: str
    is_active: bool
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj) -> list:
        return list(obj.criteria.all())


class AnswerOut(Schema):
    criterion_id: int
    value: int | None
    note: str


class DisputeOut(Schema):
    id: int
    review_id: int
    reason: str
    status: str
    decision_note: str
    created_at: datetime
    decided_at: datetime | None


class ReviewOut(Schema):
    id: int
    ticket_id: int
    scorecard_id: int
    agent_id: int
    reviewer_id: int
    calibration_id: int | None
    score: float | None
    auto_failed: bool
    comment: str
    created_at: datetime
    answers: list[AnswerOut]
    strengths: list[int]
    to_fix: list[int]
    dispute_status: str | None

    @staticmethod
    def resolve_answers(obj) -> list:
        return list(obj.answers.all())

    @staticmethod
    def resolve_strengths(obj) -> list[int]:
        return [a.criterion_id for a in services.strengths_and_fixes(obj.answers.all())[0]]

    @staticmethod
    def resolve_to_fix(obj) -> list[int]:
        return [a.criterion_id for a in services.strengths_and_fixes(obj.answers.all())[1]]

    @staticmethod
    def resolve_dispute_status(obj) -> str | None:
        dispute = getattr(obj, "dispute", None)
        return dispute.status if dispute else None


class ReviewFilters(Schema):
    agent_id: Id | None = None
    ticket_id: Id | None = None


class AnswerIn(Schema):
    criterion_id: BodyId
    # null: N/A
    value: int | None = Field(None, ge=0, le=10)
    note: Text = Field("", max_length=500)


class ReviewIn(Schema):
    ticket_id: BodyId
    scorecard_id: BodyId
    answers: list[AnswerIn] = Field(max_length=100)
    comment: Text = Field("", max_length=10_000)
    calibration_id: BodyId | None = None


class DisputeIn(Schema):
    reason: Text = Field(min_length=1, max_length=5000)


class DecisionIn(Schema):
    outcome: DisputeStatus
    note: Text = Field("", max_length=5000)


class VisitOut(Schema):
    id: int
    programme_id: int
    wave: int
    location: str
    scenario: str
    visit_type: str
    status: str
    score: float | None
    auto_failed: bool
    visited_at: datetime | None

    @staticmethod
    def resolve_programme_id(obj) -> int:
        return obj.wave.programme_id

    @staticmethod
    def resolve_wave(obj) -> int:
        return obj.wave.number

    @staticmethod
    def resolve_location(obj) -> str:
        return obj.location.name

    @staticmethod
    def resolve_scenario(obj) -> str:
        return obj.scenario.title

    @staticmethod
    def resolve_visit_type(obj) -> str:
        return obj.scenario.visit_type


class ReportRowOut(Schema):
    location_id: int
    location: str
    wave: int
    visits: int
    score: float | None
    change: float | None
    strengths: list[str]
    to_fix: list[str]


@router.get("/quality/scorecards", response={200: list[ScorecardOut], **ERRORS})
def list_scorecards(request):
    _staff(request)
    return list(Scorecard.objects.filter(is_active=True).prefetch_related("criteria"))


@router.get("/quality/reviews", response={200: Page[ReviewOut], **ERRORS})
def list_reviews(request, page: Query[PageParams], filters: Query[ReviewFilters]):
    reject_unknown_params(request, PageParams, ReviewFilters)
    _staff(request)
    reviews = services.visible_reviews(request.auth).prefetch_related("answers")
    if filters.agent_id:
        reviews = reviews.filter(agent_id=filters.agent_id)
    if filters.ticket_id:
        reviews = reviews.filter(ticket_id=filters.ticket_id)
    return page_of(reviews, page)


@router.get("/quality/reviews/{review_id}", response={200: ReviewOut, **ERRORS})
def get_review(request, review_id: Id):
    _staff(request)
    return services.get_visible_review(request.auth, review_id)


@router.post("/quality/reviews", response={201: ReviewOut, **ERRORS})
def create_review(request, payload: ReviewIn):
    _staff(request)
    services.require_reviewer(request.auth)
    ticket = get_visible_ticket(request.auth, payload.ticket_id)
    scorecard = Scorecard.objects.filter(pk=payload.scorecard_id).first()
    if scorecard is None:
        raise NotFound("Scorecard not found", fields={"scorecard_id": "not_found"})
    calibration = None
    if payload.calibration_id:
        calibration = services.Calibration.objects.filter(pk=payload.calibration_id).first()
        if calibration is None:
            raise NotFound("Calibration not found", fields={"calibration_id": "not_found"})
    review = services.submit_review(
        request.auth,
        ticket,
        scorecard,
        {answer.criterion_id: answer.value for answer in payload.answers},
        notes={answer.criterion_id: answer.note for answer in payload.answers},
        comment=payload.comment,
        calibration=calibration,
    )
    return Status(201, review)


@router.post("/quality/reviews/{review_id}/dispute", response={201: DisputeOut, **ERRORS})
def dispute_review(request, review_id: Id, payload: DisputeIn):
    _staff(request)
    review = services.get_visible_review(request.auth, review_id)
    return Status(201, services.open_dispute(request.auth, review, payload.reason))


@router.get("/quality/disputes", response={200: Page[DisputeOut], **ERRORS})
def list_disputes(request, page: Query[PageParams]):
    reject_unknown_params(request, PageParams)
    _staff(request)
    return page_of(services.visible_disputes(request.auth), page)


@router.post("/quality/disputes/{dispute_id}/decision", response={200: DisputeOut, **ERRORS})
def decide_dispute(request, dispute_id: Id, payload: DecisionIn):
    _manager(request)
    dispute = Dispute.objects.filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound("Dispute not found")
    return services.decide_dispute(request.auth, dispute, payload.outcome, payload.note)


@router.get("/quality/audits/visits", response={200: Page[VisitOut], **ERRORS})
def list_visits(request, page: Query[PageParams]):
    """Managers: every visit; a shopper: their own assignments; anyone else: 403."""
    reject_unknown_params(request, PageParams)
    if not services.is_manager(request.auth) and not hasattr(request.auth, "shopper"):
        raise AuthorizationError
    return page_of(services.visible_visits(request.auth), page)


@router.get(
    "/quality/audits/programmes/{programme_id}/report", response={200: list[ReportRowOut], **ERRORS}
)
def audit_report(request, programme_id: Id):
    _manager(request)
    programme = AuditProgramme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise NotFound("Programme not found")
    return [
        {
            "location_id": row.location.pk,
            "location": row.location.name,
            "wave": row.wave.number,
            "visits": row.visits,
            "score": row.score,
            "change": row.change,
            "strengths": row.strengths,
            "to_fix": row.to_fix,
        }
        for row in services.wave_report(programme)
    ]
