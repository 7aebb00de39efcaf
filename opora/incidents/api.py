"""Incidents: CRUD, linking tickets, one message to all affected customers, resolution, the
timeline and the outage banners. Staff only, except the banners (any signed-in user)."""

from datetime import datetime
from typing import Annotated

from django.db.models import Count
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError
from pydantic import StrictBool

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, ObjectBody, Page, PageParams, Text
from opora.core.errors import InvalidInput, NotFound
from opora.tickets.access import visible_tickets
from opora.tickets.models import ResolutionCode

from . import services
from .models import Incident, IncidentStatus

router = Router(tags=["incidents"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Title = Annotated[Text, Field(min_length=1, max_length=200)]
Short = Annotated[Text, Field(max_length=200)]
Long = Annotated[Text, Field(max_length=20_000)]


class IncidentIn(ObjectBody):
    title: Title
    description: Long = ""
    is_public: StrictBool = False
    banner_title: Short = ""
    banner_title_en: Short = ""
    banner_body: Long = ""
    banner_body_en: Long = ""


class IncidentPatch(ObjectBody):
    title: Title | None = None
    description: Long | None = None
    is_public: StrictBool | None = None
    banner_title: Short | None = None
    banner_title_en: Short | None = None
    banner_body: Long | None = None
    banner_body_en: Long | None = None
    post_incident_note: Long | None = None


class IncidentOut(Schema):
    id: int
    title: str
    description: str
    status: str
    is_public: bool
    banner_title: str
    banner_title_en: str
    banner_body: str
    banner_body_en: str
    post_incident_note: str
    created_by_id: int | None
    created_at: datetime
    resolved_at: datetime | None
    ticket_count: int

    @staticmethod
    def resolve_ticket_count(incident: Incident) -> int:
        count = getattr(incident, "ticket_count", None)
        return incident.links.count() if count is None else count


class IncidentFilters(Schema):
    status: IncidentStatus | None = None


class LinkIn(Schema):
    ticket_ids: list[BodyId] = Field(min_length=1, max_length=services.MAX_LINK_AT_ONCE)


class LinkOut(Schema):
    linked: list[int]
    already_linked: list[int]
    not_found: list[int]


class BroadcastIn(Schema):
    body: Annotated[Text, Field(min_length=1, max_length=20_000)]


class BroadcastOut(Schema):
    broadcast_id: int
    recipients: int


class ResolveIn(Schema):
    message: Annotated[Text, Field(min_length=1, max_length=20_000)]
    solve_tickets: StrictBool = True
    resolution_code: ResolutionCode = ResolutionCode.SOFTWARE_FIX
    post_incident_note: Long = ""


class EventOut(Schema):
    kind: str
    actor_id: int | None
    text: str
    created_at: datetime


class BannerOut(Schema):
    title: str
    body: str


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


def _incident(request, incident_id: int) -> Incident:
    _staff(request)
    incident = services.visible_incidents(request.auth).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"Incident {incident_id} not found")
    return incident


@router.get("/incidents/banners", response={200: list[BannerOut], **ERRORS})
def banners(request):
    """Outage banners of open public incidents, in the request's language."""
    return services.active_banners()


@router.get("/incidents", response={200: Page[IncidentOut], **ERRORS})
def list_incidents(request, page: Query[PageParams], filters: Query[IncidentFilters]):
    reject_unknown_params(request, PageParams, IncidentFilters)
    _staff(request)
    incidents = services.visible_incidents(request.auth)
    if filters.status is not None:
        incidents = incidents.filter(status=filters.status)
    return page_of(
        incidents.annotate(ticket_count=Count("links")).order_by("-created_at", "-pk"), page
    )


@router.post("/incidents", response={201: IncidentOut, **ERRORS})
def create_incident(request, payload: IncidentIn):
    _staff(request)
    return Status(201, services.create_incident(request.auth, **payload.dict()))


@router.get("/incidents/{incident_id}", response={200: IncidentOut, **ERRORS})
def get_incident(request, incident_id: Id):
    return _incident(request, incident_id)


@router.patch("/incidents/{incident_id}", response={200: IncidentOut, **ERRORS})
def update_incident(request, incident_id: Id, payload: IncidentPatch):
    incident = _incident(request, incident_id)
    changes = payload.dict(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise InvalidInput(
            "Fields cannot be null",
            fields={name: "null" for name, value in changes.items() if value is None},
        )
    return services.update_incident(incident, request.auth, **changes)


@router.delete("/incidents/{incident_id}", response={204: None, **ERRORS})
def delete_incident(request, incident_id: Id):
    services.delete_incident(_incident(request, incident_id), request.auth)
    return Status(204, None)


@router.get("/incidents/{incident_id}/tickets", response={200: list[int], **ERRORS})
def linked_tickets(request, incident_id: Id):
    """The linked tickets the caller may see (other teams' stay hidden)."""
    incident = _incident(request, incident_id)
    return list(
        visible_tickets(request.auth)
        .filter(incident_links__incident=incident)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@router.post("/incidents/{incident_id}/tickets", response={200: LinkOut, **ERRORS})
def link_tickets(request, incident_id: Id, payload: LinkIn):
    result = services.link_tickets(
        _incident(request, incident_id), request.auth, payload.ticket_ids
    )
    return result.__dict__


@router.delete("/incidents/{incident_id}/tickets/{ticket_id}", response={204: None, **ERRORS})
def unlink_ticket(request, incident_id: Id, ticket_id: Id):
    services.unlink_ticket(_incident(request, incident_id), request.auth, ticket_id)
    return Status(204, None)


@router.post("/incidents/{incident_id}/broadcast", response={202: BroadcastOut, **ERRORS})
def broadcast(request, incident_id: Id, payload: BroadcastIn):
    """A public reply on every linked ticket; large incidents are written in the background."""
    sent = services.broadcast(_incident(request, incident_id), request.auth, payload.body)
    return Status(202, {"broadcast_id": sent.pk, "recipients": sent.deliveries.count()})


@router.post("/incidents/{incident_id}/resolve", response={200: IncidentOut, **ERRORS})
def resolve(request, incident_id: Id, payload: ResolveIn):
    return services.resolve_incident(
        _incident(request, incident_id),
        request.auth,
        payload.message,
        solve_tickets=payload.solve_tickets,
        resolution_code=payload.resolution_code,
        post_incident_note=payload.post_incident_note,
    )


@router.get("/incidents/{incident_id}/events", response={200: list[EventOut], **ERRORS})
def events(request, incident_id: Id):
    return list(_incident(request, incident_id).events.all())
