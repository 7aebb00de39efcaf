"""Work orders over the API: dispatchers create and book them, technicians record visits,
customers see and confirm their own appointments. Reads go through services.visible_work_orders."""

from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError
from pydantic import StrictBool, StrictInt

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, Page, PageParams, Text
from opora.core.errors import InvalidInput, NotFound
from opora.tickets.access import customer_of, get_visible_ticket

from . import services
from .models import ServiceArea, Skill, Technician, WorkKind, WorkOrder, WorkOrderStatus

router = Router(tags=["fieldservice"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class WorkOrderOut(Schema):
    id: int
    reference: str
    ticket_id: int
    kind: str
    status: str
    description: str
    area_id: int
    address: str
    serial_number: str
    asset_id: int | None
    duration_minutes: int
    technician_id: int | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    override_reason: str
    confirmed_at: datetime | None
    arrived_at: datetime | None
    completed_at: datetime | None
    work_done: str
    signed_by: str
    customer_confirmed: bool


class AppointmentOut(Schema):
    id: int
    reference: str
    kind: str
    status: str
    address: str
    technician: str | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None

    @staticmethod
    def resolve_technician(obj) -> str | None:
        return str(obj.technician) if obj.technician_id else None


class WorkOrderIn(Schema):
    ticket_id: BodyId
    kind: WorkKind
    description: Text = Field(min_length=1, max_length=10_000)
    area_id: BodyId
    address: Text = Field(min_length=1, max_length=300)
    skill_codes: list[Text] = Field(default_factory=list, max_length=20)
    duration_minutes: StrictInt = Field(120, ge=15, le=1440)
    serial_number: Text | None = Field(None, max_length=100)


class ProposalOut(Schema):
    technician_id: int
    technician: str
    start: datetime
    end: datetime
    score: float
    distance_km: float
    load_ratio: float


class BookIn(Schema):
    technician_id: BodyId
    start: datetime
    override_reason: Text = Field("", max_length=300)


class PartIn(Schema):
    name: Text = Field(min_length=1, max_length=200)
    part_number: Text = Field("", max_length=100)
    quantity: StrictInt = Field(1, ge=1, le=10_000)


class CompletionIn(Schema):
    work_done: Text = Field(min_length=1, max_length=10_000)
    signed_by: Text = Field(min_length=1, max_length=200)
    signature: Text = Field("", max_length=300_000, description="PNG data URL")
    customer_confirmed: StrictBool = False
    parts: list[PartIn] = Field(default_factory=list, max_length=50)


class RescheduleIn(Schema):
    note: Text = Field("", max_length=2000)


class StatusFilter(Schema):
    status: WorkOrderStatus | None = None


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


def _order(request, order_id: Id) -> WorkOrder:
    _staff(request)
    return services.get_visible_work_order(request.auth, order_id)


@router.get("/field/work-orders", response={200: Page[WorkOrderOut], **ERRORS})
def list_work_orders(request, page: Query[PageParams], filters: Query[StatusFilter]):
    reject_unknown_params(request, PageParams, StatusFilter)
    _staff(request)
    return page_of(services.board(request.auth, filters.status), page)


@router.get("/field/work-orders/{order_id}", response={200: WorkOrderOut, **ERRORS})
def get_work_order(request, order_id: Id):
    return _order(request, order_id)


@router.post("/field/work-orders", response={201: WorkOrderOut, **ERRORS})
def create_work_order(request, payload: WorkOrderIn):
    _staff(request)
    ticket = get_visible_ticket(request.auth, payload.ticket_id)
    area = ServiceArea.objects.filter(pk=payload.area_id).first()
    if area is None:
        raise InvalidInput("Unknown area", fields={"area_id": "not_found"})
    skills = list(Skill.objects.filter(code__in=payload.skill_codes))
    unknown = set(payload.skill_codes) - {skill.code for skill in skills}
    if unknown:
        raise InvalidInput("Unknown skill", fields={"skill_codes": ",".join(sorted(unknown))})
    order = services.create_work_order(
        ticket,
        request.auth,
        services.NewWorkOrder(
            kind=payload.kind,
            description=payload.description,
            area=area,
            address=payload.address,
            skills=skills,
            duration_minutes=payload.duration_minutes,
            serial_number=payload.serial_number,
        ),
    )
    return 201, order


@router.get("/field/work-orders/{order_id}/proposals", response={200: list[ProposalOut], **ERRORS})
def list_proposals(request, order_id: Id):
    order = _order(request, order_id)
    services.require_dispatcher(request.auth)
    return [
        {
            "technician_id": offer.technician.pk,
            "technician": str(offer.technician),
            "start": offer.proposal.slot.start,
            "end": offer.proposal.slot.end,
            "score": offer.proposal.score,
            "distance_km": offer.proposal.distance_km,
            "load_ratio": offer.proposal.load_ratio,
        }
        for offer in services.proposals(order)
    ]


@router.post("/field/work-orders/{order_id}/booking", response={200: WorkOrderOut, **ERRORS})
def book(request, order_id: Id, payload: BookIn):
    order = _order(request, order_id)
    technician = Technician.objects.filter(pk=payload.technician_id).first()
    if technician is None:
        raise InvalidInput("Unknown technician", fields={"technician_id": "not_found"})
    if payload.start.tzinfo is None:
        raise InvalidInput("start needs a time zone offset", fields={"start": "naive"})
    return services.book(
        order, request.auth, technician, payload.start, override_reason=payload.override_reason
    )


@router.post("/field/work-orders/{order_id}/arrival", response={200: WorkOrderOut, **ERRORS})
def arrive(request, order_id: Id):
    return services.record_arrival(_order(request, order_id), request.auth)


@router.post("/field/work-orders/{order_id}/completion", response={200: WorkOrderOut, **ERRORS})
def complete(request, order_id: Id, payload: CompletionIn):
    order = _order(request, order_id)
    data = services.Completion(
        work_done=payload.work_done,
        signed_by=payload.signed_by,
        signature=payload.signature,
        customer_confirmed=payload.customer_confirmed,
        parts=[services.PartUsed(p.name, p.quantity, p.part_number) for p in payload.parts],
    )
    return services.complete(order, request.auth, data)


def _own_appointment(request, order_id: Id) -> WorkOrder:
    customer = customer_of(request.auth)
    if customer is None:
        raise AuthorizationError
    order = services.customer_work_orders(customer).filter(pk=order_id).first()
    if order is None:
        raise NotFound("Appointment not found")
    return order


@router.get("/field/appointments", response={200: Page[AppointmentOut], **ERRORS})
def my_appointments(request, page: Query[PageParams]):
    reject_unknown_params(request, PageParams)
    customer = customer_of(request.auth)
    if customer is None:
        raise AuthorizationError
    return page_of(services.customer_work_orders(customer), page)


@router.post(
    "/field/appointments/{order_id}/confirmation", response={200: AppointmentOut, **ERRORS}
)
def confirm(request, order_id: Id):
    return services.confirm(_own_appointment(request, order_id))


@router.post("/field/appointments/{order_id}/reschedule", response={200: AppointmentOut, **ERRORS})
def reschedule(request, order_id: Id, payload: RescheduleIn):
    return services.request_reschedule(_own_appointment(request, order_id), payload.note)
