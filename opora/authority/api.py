"""Compensation within authority limits, approvals and hand-offs over the API.

Staff only (customers get 403); tickets are fetched through opora.tickets.access, so a ticket
the caller may not see is a 404, exactly like a missing one."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError

from opora.accounts.models import Team
from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, Page, PageParams, Text
from opora.tickets.access import get_visible_ticket

from . import services
from .models import CompensationKind, CompensationStatus, Currency, HandOffStatus

router = Router(tags=["authority"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-06-12"])]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


class LimitOut(Schema):
    kind: str
    max_amount: Decimal
    currency: str
    max_count: int | None
    period: str


class CompensationIn(Schema):
    ticket_id: BodyId
    kind: CompensationKind
    amount: Money
    currency: Currency = Currency.RUB
    reason: Text = Field(min_length=1, max_length=2000)
    request_key: Text = Field("", max_length=64, description="Repeat it to retry safely")


class DecisionIn(Schema):
    # Required (it may be empty): a body that is not an object is then refused.
    note: Text = Field(max_length=2000, description="Required to reject; may be empty to approve")


class CompensationOut(Schema):
    id: int
    ticket_id: int
    kind: str
    amount: Decimal
    currency: str
    reason: str
    status: str
    over_limit: str
    requested_by_id: int
    authorised_by_id: int | None
    decided_by_id: int | None
    decision_note: str
    created_at: datetime
    granted_at: datetime | None
    decided_at: datetime | None


class CompensationFilters(Schema):
    ticket_id: Id | None = None
    agent_id: Id | None = None
    kind: CompensationKind | None = None
    status: CompensationStatus = CompensationStatus.GRANTED
    since: IsoDate | None = None
    until: IsoDate | None = None


class TotalsParams(CompensationFilters):
    by: Literal["kind", "agent"] = "kind"


class TotalOut(Schema):
    key: str
    currency: str
    count: int
    total: Decimal


class HandOffIn(Schema):
    ticket_id: BodyId
    to_team_id: BodyId
    question: Text = Field(min_length=1, max_length=5000)


class AnswerIn(Schema):
    answer: Text = Field(min_length=1, max_length=5000)


class HandOffOut(Schema):
    id: int
    ticket_id: int
    from_user_id: int
    from_team_id: int | None
    to_team_id: int
    question: str
    answer: str
    status: str
    answered_by_id: int | None
    created_at: datetime
    answered_at: datetime | None


class HandOffFilters(Schema):
    status: HandOffStatus | None = None


@router.get("/authority/limits", response={200: list[LimitOut], **ERRORS})
def my_limits(request, ticket_id: Id | None = None):
    """The caller's own authority, for a ticket's team when given."""
    _staff(request)
    team = get_visible_ticket(request.auth, ticket_id).team if ticket_id else None
    return [
        {
            "kind": view.kind,
            "max_amount": view.max_amount,
            "currency": view.currency,
            "max_count": view.max_count,
            "period": view.period,
        }
        for view in services.limits_for(request.auth, team)
    ]


def _filters(filters: CompensationFilters) -> services.ReportFilters:
    return services.report_filters(
        since=filters.since,
        until=filters.until,
        agent_id=filters.agent_id,
        kind=filters.kind,
        status=filters.status,
    )


@router.get("/authority/compensations", response={200: Page[CompensationOut], **ERRORS})
def list_compensations(request, page: Query[PageParams], filters: Query[CompensationFilters]):
    reject_unknown_params(request, PageParams, CompensationFilters)
    _staff(request)
    rows = services.filtered(services.visible_compensations(request.auth), _filters(filters))
    if filters.ticket_id:
        rows = rows.filter(ticket_id=filters.ticket_id)
    return page_of(rows.order_by("-created_at", "-pk"), page)


@router.get("/authority/compensations/totals", response={200: list[TotalOut], **ERRORS})
def compensation_totals(request, params: Query[TotalsParams]):
    """Count and sum per kind or per requesting agent, and currency (SQL aggregation)."""
    reject_unknown_params(request, TotalsParams)
    _staff(request)
    rows = services.filtered(services.visible_compensations(request.auth), _filters(params))
    if params.ticket_id:
        rows = rows.filter(ticket_id=params.ticket_id)
    key = "kind" if params.by == "kind" else "requested_by"
    return [
        {
            "key": str(row[key]),
            "currency": row["currency"],
            "count": row["count"],
            "total": row["total"],
        }
        for row in services.totals(rows, params.by)
    ]


@router.post("/authority/compensations", response={201: CompensationOut, **ERRORS})
def grant(request, payload: CompensationIn):
    """Grant within the caller's limit (status "granted"), else ask the lead ("pending")."""
    _staff(request)
    ticket = get_visible_ticket(request.auth, payload.ticket_id)
    compensation = services.grant(
        ticket,
        request.auth,
        kind=payload.kind,
        amount=payload.amount,
        currency=payload.currency,
        reason=payload.reason,
        request_key=payload.request_key,
        via="api",
    )
    return Status(201, compensation)


def _decidable(request, compensation_id: int):
    _staff(request)
    return get_object_or_404(services.decidable_by(request.auth), pk=compensation_id)


@router.post(
    "/authority/compensations/{compensation_id}/approve", response={200: CompensationOut, **ERRORS}
)
def approve(request, compensation_id: Id, payload: DecisionIn):
    return services.approve(_decidable(request, compensation_id), request.auth, payload.note, "api")


@router.post(
    "/authority/compensations/{compensation_id}/reject", response={200: CompensationOut, **ERRORS}
)
def reject(request, compensation_id: Id, payload: DecisionIn):
    return services.reject(_decidable(request, compensation_id), request.auth, payload.note, "api")


@router.get("/authority/hand-offs", response={200: Page[HandOffOut], **ERRORS})
def list_hand_offs(request, page: Query[PageParams], filters: Query[HandOffFilters]):
    reject_unknown_params(request, PageParams, HandOffFilters)
    _staff(request)
    rows = services.visible_hand_offs(request.auth)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return page_of(rows.order_by("-created_at", "-pk"), page)


@router.post("/authority/hand-offs", response={201: HandOffOut, **ERRORS})
def create_hand_off(request, payload: HandOffIn):
    _staff(request)
    ticket = get_visible_ticket(request.auth, payload.ticket_id)
    team = get_object_or_404(Team, pk=payload.to_team_id)
    return Status(201, services.hand_off(ticket, request.auth, team, payload.question, "api"))


@router.post("/authority/hand-offs/{hand_off_id}/answer", response={200: HandOffOut, **ERRORS})
def answer_hand_off(request, hand_off_id: Id, payload: AnswerIn):
    _staff(request)
    record = get_object_or_404(services.visible_hand_offs(request.auth), pk=hand_off_id)
    return services.answer_hand_off(record, request.auth, payload.answer, "api")
