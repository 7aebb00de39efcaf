"""The improvement backlog over the API: items in priority order, proposing from tickets,
reasons and survey responses, linking tickets, leads' edits, the before/after effect, the
ideas box and the factor weights. Staff only; customers get 403."""

from datetime import datetime
from typing import Annotated

from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError
from pydantic import StrictInt

from opora.accounts.models import User
from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import MAX_ID, BodyId, ErrorOut, Id, ObjectBody, Page, PageParams, Text
from opora.core.errors import InvalidInput
from opora.feedback.services import visible_responses
from opora.tickets.access import get_visible_ticket
from opora.tickets.models import ContactReason

from . import services
from .models import OPEN_STATUSES, ImprovementItem, ItemStatus, SourceKind

router = Router(tags=["improvements"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Rating = Annotated[StrictInt, Field(ge=0, le=5)]


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


class Ratings(Schema):
    safety: Rating | None = None
    frequency: Rating | None = None
    scale: Rating | None = None
    urgency: Rating | None = None
    segment: Rating | None = None
    prevention: Rating | None = None
    brand: Rating | None = None
    strategy: Rating | None = None


class ItemOut(Schema):
    id: int
    title: str
    description: str
    source_kind: str
    source_ref: str
    status: str
    score: float
    is_safety: bool
    ratings: dict[str, int | None]
    owner_id: int | None
    owner_name: str
    owner_department: str
    reason_ids: list[int]
    linked_tickets: int
    created_at: datetime
    completed_at: datetime | None

    @staticmethod
    def resolve_ratings(item: ImprovementItem) -> dict[str, int | None]:
        return {factor: getattr(item, factor) for factor in services.scoring.FACTORS}

    @staticmethod
    def resolve_reason_ids(item: ImprovementItem) -> list[int]:
        return [reason.pk for reason in item.reasons.all()]

    @staticmethod
    def resolve_linked_tickets(item: ImprovementItem) -> int:
        counted = getattr(item, "linked", None)
        return item.ticket_links.count() if counted is None else counted


class ItemIn(ObjectBody):
    title: Text = Field("", max_length=200, description="Empty: derived from the source")
    description: Text = Field("", max_length=20_000)
    source_kind: SourceKind = SourceKind.MANUAL
    source_ref: Text = Field(
        "",
        max_length=100,
        description="ticket: ticket number; reason_trend: reason id; survey: response id; "
        "qa/audit: the review's id",
    )


class ItemPatch(ObjectBody):
    title: Text | None = Field(None, min_length=1, max_length=200)
    description: Text | None = Field(None, max_length=20_000)
    status: ItemStatus | None = None
    owner_id: BodyId | None = None
    owner_name: Text | None = Field(None, max_length=150)
    owner_department: Text | None = Field(None, max_length=150)
    reason_ids: list[BodyId] | None = Field(None, max_length=50)
    ratings: Ratings | None = None
    frequency_from_tickets: bool = Field(
        False, description="true: clear the frequency rating so it follows linked tickets"
    )


class LinkIn(ObjectBody):
    ticket_id: BodyId


class ItemFilters(Schema):
    status: ItemStatus | None = None
    open: bool | None = None
    source_kind: SourceKind | None = None
    safety: bool | None = None


class CsatOut(Schema):
    responses: int
    csat_percent: float | None


class EffectOut(Schema):
    days: int
    contacts_before: int
    contacts_after: int
    contacts_change: int
    contacts_change_percent: float | None
    contacts_avoided: int
    csat_before: CsatOut
    csat_after: CsatOut
    csat_change_points: float | None


class IdeaIn(ObjectBody):
    title: Text = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=20_000)


class DecisionIn(ObjectBody):
    note: Text = Field("", max_length=2000)


class IdeaOut(Schema):
    id: int
    title: str
    description: str
    author_id: int
    status: str
    votes: int
    item_id: int | None
    decision_note: str
    created_at: datetime

    @staticmethod
    def resolve_votes(idea) -> int:
        counted = getattr(idea, "vote_count", None)
        return idea.votes.count() if counted is None else counted


class EffectParams(Schema):
    days: int = Field(services.DEFAULT_EFFECT_DAYS, ge=1, le=366)


class TrendParams(Schema):
    days: int = Field(30, ge=1, le=366)


class WeightOut(Schema):
    factor: str
    weight: float


class TrendOut(Schema):
    reason_id: int
    reason: str
    current: int
    previous: int
    change_percent: float | None


def _item(request, item_id: int) -> ImprovementItem:
    _staff(request)
    return get_object_or_404(services.visible_items(request.auth), pk=item_id)


@router.get("/improvements/items", response={200: Page[ItemOut], **ERRORS})
def list_items(request, page: Query[PageParams], filters: Query[ItemFilters]):
    """Highest priority first: every safety issue, then by score."""
    reject_unknown_params(request, PageParams, ItemFilters)
    _staff(request)
    items = services.visible_items(request.auth).prefetch_related("reasons")
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.open is not None:
        items = (
            items.filter(status__in=OPEN_STATUSES)
            if filters.open
            else items.exclude(status__in=OPEN_STATUSES)
        )
    if filters.source_kind:
        items = items.filter(source_kind=filters.source_kind)
    if filters.safety is not None:
        items = items.filter(is_safety=filters.safety)
    items = items.annotate(linked=Count("ticket_links"))
    return page_of(items.order_by("-is_safety", "-score", "created_at", "pk"), page)


@router.post("/improvements/items", response={201: ItemOut, **ERRORS})
def create_item(request, payload: ItemIn):
    """Propose an item. From a ticket, reason or survey response the caller must be able to
    see it, and the item links it; repeating the same proposal returns the same item."""
    _staff(request)
    user, ref = request.auth, payload.source_ref.strip()
    kind = payload.source_kind
    numeric = kind in {SourceKind.TICKET, SourceKind.REASON_TREND, SourceKind.SURVEY}
    if numeric and not (ref.isdigit() and 1 <= int(ref) <= MAX_ID):
        raise InvalidInput("source_ref must be a number here", fields={"source_ref": "invalid"})
    if kind == SourceKind.TICKET:
        ticket = get_visible_ticket(user, int(ref))
        item = services.propose_from_ticket(user, ticket, payload.title, payload.description)
    elif kind == SourceKind.REASON_TREND:
        reason = get_object_or_404(ContactReason, pk=int(ref))
        item = services.propose_from_reason(user, reason, payload.title, payload.description)
    elif kind == SourceKind.SURVEY:
        response = get_object_or_404(visible_responses(user), pk=int(ref))
        item = services.propose_from_response(user, response, payload.title, payload.description)
    elif kind == SourceKind.IDEA:
        raise InvalidInput(
            "Ideas enter the backlog when a lead accepts them", fields={"source_kind": "idea"}
        )
    else:
        item = services.create_item(
            kind, ref, payload.title, description=payload.description, created_by=user
        )
    return Status(201, item)


@router.get("/improvements/items/{item_id}", response={200: ItemOut, **ERRORS})
def get_item(request, item_id: Id):
    return _item(request, item_id)


@router.patch("/improvements/items/{item_id}", response={200: ItemOut, **ERRORS})
def update_item(request, item_id: Id, payload: ItemPatch):
    """Leads only: status, owner (a staff user or a name and department), reasons, ratings."""
    item = _item(request, item_id)
    data = payload.dict(exclude_unset=True)
    changes = {
        name: data[name]
        for name in ("title", "description", "status", "owner_name", "owner_department")
        if name in data
    }
    if "owner_id" in data:
        changes["owner"] = (
            get_object_or_404(User, pk=data["owner_id"]) if data["owner_id"] else None
        )
    if "reason_ids" in data:
        reasons = list(ContactReason.objects.filter(pk__in=data["reason_ids"] or []))
        if len(reasons) != len(set(data["reason_ids"] or [])):
            raise InvalidInput("Unknown contact reason", fields={"reason_ids": "not_found"})
        changes["reasons"] = reasons
    ratings = {
        factor: value for factor, value in (data.get("ratings") or {}).items() if value is not None
    }
    if payload.frequency_from_tickets:
        ratings["frequency"] = None
    return services.update_item(request.auth, item, changes, ratings)


@router.post("/improvements/items/{item_id}/tickets", response={200: ItemOut, **ERRORS})
def link_ticket(request, item_id: Id, payload: LinkIn):
    item = _item(request, item_id)
    ticket = get_visible_ticket(request.auth, payload.ticket_id)
    return services.link_ticket(request.auth, item, ticket)


@router.get("/improvements/items/{item_id}/effect", response={200: EffectOut, **ERRORS})
def item_effect(request, item_id: Id, params: Query[EffectParams]):
    """Contacts and CSAT of the item's reasons, equal windows before and after completion."""
    reject_unknown_params(request, EffectParams)
    item = _item(request, item_id)
    days = params.days
    result = services.effect(request.auth, item, days)
    if result is None:
        raise InvalidInput(
            "The item is not done yet", fields={"status": "not_done"}, code="not_done"
        )
    return {
        "days": days,
        "contacts_before": result.contacts_before,
        "contacts_after": result.contacts_after,
        "contacts_change": result.contacts_change,
        "contacts_change_percent": result.contacts_change_percent,
        "contacts_avoided": result.contacts_avoided,
        "csat_before": result.csat_before,
        "csat_after": result.csat_after,
        "csat_change_points": result.csat_change_points,
    }


@router.get("/improvements/reason-trends", response={200: list[TrendOut], **ERRORS})
def reason_trends(request, params: Query[TrendParams]):
    reject_unknown_params(request, TrendParams)
    _staff(request)
    return [
        {
            "reason_id": trend.reason.pk,
            "reason": trend.reason.path_label,
            "current": trend.current,
            "previous": trend.previous,
            "change_percent": trend.change_percent,
        }
        for trend in services.reason_trends(request.auth, params.days)
    ]


@router.get("/improvements/weights", response={200: list[WeightOut], **ERRORS})
def weights(request):
    _staff(request)
    return [
        {"factor": factor, "weight": weight}
        for factor, weight in services.current_weights().items()
    ]


@router.get("/improvements/ideas", response={200: Page[IdeaOut], **ERRORS})
def list_ideas(request, page: Query[PageParams]):
    reject_unknown_params(request, PageParams)
    _staff(request)
    ideas = services.visible_ideas(request.auth).order_by("status", "-vote_count", "-pk")
    return page_of(ideas, page)


def _idea(request, idea_id: int):
    _staff(request)
    return get_object_or_404(services.visible_ideas(request.auth), pk=idea_id)


@router.post("/improvements/ideas", response={201: IdeaOut, **ERRORS})
def submit_idea(request, payload: IdeaIn):
    _staff(request)
    idea = services.submit_idea(request.auth, payload.title, payload.description)
    return Status(201, services.visible_ideas(request.auth).get(pk=idea.pk))


@router.post("/improvements/ideas/{idea_id}/vote", response={200: IdeaOut, **ERRORS})
def vote(request, idea_id: Id):
    """Upvote a colleague's idea; repeating it changes nothing."""
    services.vote(request.auth, _idea(request, idea_id))
    return _idea(request, idea_id)


@router.delete("/improvements/ideas/{idea_id}/vote", response={200: IdeaOut, **ERRORS})
def unvote(request, idea_id: Id):
    services.unvote(request.auth, _idea(request, idea_id))
    return _idea(request, idea_id)


@router.post("/improvements/ideas/{idea_id}/accept", response={201: ItemOut, **ERRORS})
def accept_idea(request, idea_id: Id, payload: DecisionIn):
    """Leads only: the idea becomes a backlog item."""
    return Status(201, services.accept_idea(request.auth, _idea(request, idea_id), payload.note))


@router.post("/improvements/ideas/{idea_id}/decline", response={200: IdeaOut, **ERRORS})
def decline_idea(request, idea_id: Id, payload: DecisionIn):
    services.decline_idea(request.auth, _idea(request, idea_id), payload.note)
    return _idea(request, idea_id)
