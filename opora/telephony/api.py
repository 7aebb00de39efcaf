"""Calls and callbacks over the API: agents log calls and work callbacks on tickets they may see;
customers request callbacks and follow only their own."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthorizationError

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, Page, PageParams, Text
from opora.core.errors import InvalidInput, NotFound
from opora.tickets.access import get_visible_ticket, visible_customers

from . import services
from .models import CallbackStatus, Direction, Outcome

router = Router(tags=["telephony"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Seconds = Annotated[int, Field(ge=0, le=services.MAX_CALL_SECONDS)]


class CallIn(Schema):
    ticket_id: BodyId | None = Field(None, description="The ticket; omit to open a phone ticket")
    customer_id: BodyId | None = Field(None, description="With no ticket_id: who called")
    subject: Text = Field("", max_length=250, description="With no ticket_id: the new ticket's")
    direction: Direction
    outcome: Outcome
    duration_seconds: Seconds = 0
    started_at: datetime | None = None
    phone: Text = Field("", max_length=40)
    notes: Text = Field("", max_length=5000)


class CallOut(Schema):
    id: int
    ticket_id: int
    agent_id: int | None
    direction: str
    outcome: str
    phone: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int
    notes: str
    callback_id: int | None


class CallFilters(Schema):
    ticket_id: Id | None = None


class CallbackIn(Schema):
    phone: Text = Field("", max_length=40, description="Staff may omit it: the customer's number")
    name: Text = Field("", max_length=200)
    topic: Text = Field("", max_length=250)
    preferred_at: datetime | None = None
    ticket_id: BodyId | None = Field(None, description="Staff only: the ticket to call about")


class CallbackOut(Schema):
    id: int
    customer_id: int
    ticket_id: int
    phone: str
    name: str
    topic: str
    source: str
    status: str
    preferred_at: datetime | None
    due_at: datetime
    done_at: datetime | None
    attempts: int
    created_at: datetime


class CallbackFilters(Schema):
    status: CallbackStatus | None = None
    overdue: bool | None = None


class AttemptIn(Schema):
    outcome: Outcome
    duration_seconds: Seconds = 0
    started_at: datetime | None = None
    notes: Text = Field("", max_length=5000)


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


def _log(payload: CallIn | AttemptIn, direction: str) -> services.CallLog:
    return services.CallLog(
        direction=direction,
        outcome=payload.outcome,
        duration_seconds=payload.duration_seconds,
        started_at=payload.started_at,
        phone=getattr(payload, "phone", ""),
        notes=payload.notes,
    )


def _callback(request, callback_id: int):
    callback = services.visible_callbacks(request.auth).filter(pk=callback_id).first()
    if callback is None:
        raise NotFound(f"Callback {callback_id} not found")
    return callback


@router.get("/calls", response={200: Page[CallOut], **ERRORS})
def list_calls(request, page: Query[PageParams], filters: Query[CallFilters]):
    reject_unknown_params(request, PageParams, CallFilters)
    _staff(request)
    calls = services.visible_calls(request.auth)
    if filters.ticket_id is not None:
        calls = calls.filter(ticket_id=filters.ticket_id)
    return page_of(calls.order_by("-started_at", "-pk"), page)


@router.post("/calls", response={201: CallOut, **ERRORS})
def log_call(request, payload: CallIn):
    """Log a call on a ticket; with no ticket_id, the call opens a phone ticket for customer_id."""
    _staff(request)
    log = _log(payload, payload.direction)
    if payload.ticket_id is not None:
        ticket = get_visible_ticket(request.auth, payload.ticket_id)
        return Status(201, services.log_call(ticket, request.auth, log, via="api"))
    if payload.customer_id is None or not payload.subject.strip():
        raise InvalidInput(
            "Give ticket_id, or customer_id and subject for a new phone ticket",
            fields={"ticket_id": "required"},
        )
    customer = visible_customers(request.auth).filter(pk=payload.customer_id).first()
    if customer is None:
        raise NotFound(f"Customer {payload.customer_id} not found")
    return Status(
        201,
        services.log_call_on_new_ticket(customer, payload.subject, request.auth, log, via="api"),
    )


@router.get("/callbacks", response={200: Page[CallbackOut], **ERRORS})
def list_callbacks(request, page: Query[PageParams], filters: Query[CallbackFilters]):
    """Staff: callbacks on tickets they see, soonest due first. Customers: their own."""
    reject_unknown_params(request, PageParams, CallbackFilters)
    callbacks = services.visible_callbacks(request.auth)
    if filters.status is not None:
        callbacks = callbacks.filter(status=filters.status)
    if filters.overdue is True:
        callbacks = callbacks.overdue()
    elif filters.overdue is False:
        callbacks = callbacks.exclude(pk__in=callbacks.overdue().values("pk"))
    return page_of(callbacks.queue_order(), page)


@router.post("/callbacks", response={200: CallbackOut, 201: CallbackOut, **ERRORS})
def request_callback(request, payload: CallbackIn):
    """A customer requests a callback (201; 200 with the pending one if the number already has
    one); staff schedule one on a ticket (ticket_id required)."""
    callback_request = services.CallbackRequest(
        payload.phone, payload.name, payload.topic, payload.preferred_at
    )
    if request.auth.is_agent_like:
        if payload.ticket_id is None:
            raise InvalidInput("ticket_id is required", fields={"ticket_id": "required"})
        ticket = get_visible_ticket(request.auth, payload.ticket_id)
        callback, created = services.schedule_callback(
            ticket, request.auth, callback_request, via="api"
        )
    else:
        if payload.ticket_id is not None:
            raise InvalidInput(
                "Customers cannot choose a ticket", fields={"ticket_id": "forbidden"}
            )
        callback, created = services.request_callback_as_customer(request.auth, callback_request)
    return Status(201 if created else 200, callback)


@router.get("/callbacks/{callback_id}", response={200: CallbackOut, **ERRORS})
def get_callback(request, callback_id: Id):
    return _callback(request, callback_id)


@router.post("/callbacks/{callback_id}/attempts", response={200: CallbackOut, **ERRORS})
def record_attempt(request, callback_id: Id, payload: AttemptIn):
    """Log an outbound call made for the callback; talking closes it."""
    _staff(request)
    callback = _callback(request, callback_id)
    return services.record_attempt(
        callback, request.auth, _log(payload, Direction.OUTBOUND), via="api"
    )


@router.post("/callbacks/{callback_id}/cancel", response={200: CallbackOut, **ERRORS})
def cancel_callback(request, callback_id: Id):
    return services.cancel_callback(_callback(request, callback_id), request.auth)
