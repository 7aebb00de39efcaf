"""SLA in the JSON API: a ticket's targets, and calendars and policies for managers.

Who sees a ticket's SLA: staff who may see the ticket see all its targets. A customer sees,
for their own tickets only, when the first response is due and whether it came: that is the
promise PRODUCT.md makes to them ("a human reply within 24 hours"); internal targets
(next response, resolution), policies and escalations stay internal. A ticket the caller may
not see is a 404, exactly like a missing one.
"""

from datetime import datetime
from typing import Annotated

from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from opora.accounts.models import User
from opora.api.schemas import BodyId, ErrorOut, Id, IsoDate, ObjectBody, Text
from opora.core.errors import InvalidInput, NotFound
from opora.customers.models import Tier
from opora.tickets.access import get_visible_ticket
from opora.tickets.models import Channel, Priority

from . import services
from .models import (
    MAX_TARGET_MINUTES,
    BusinessCalendar,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatus,
)

router = Router(tags=["sla"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

WallTime = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["09:00"])]
Interval = Annotated[list[WallTime], Field(min_length=2, max_length=2)]
DayHours = Annotated[list[Interval], Field(max_length=12)]
Minutes = Annotated[StrictInt, Field(ge=1, le=MAX_TARGET_MINUTES)]
Position = Annotated[StrictInt, Field(ge=0, le=2**31 - 1)]
Percent = Annotated[StrictInt, Field(ge=1, le=99)]
Name = Annotated[Text, Field(min_length=1, max_length=120)]
TimeZone = Annotated[Text, Field(min_length=1, max_length=64, examples=["Europe/Moscow"])]
Country = Annotated[str, Field(pattern=r"^([A-Za-z]{2})?$", examples=["RU"])]
Dates = Annotated[list[IsoDate], Field(max_length=400)]


class TargetOut(Schema):
    kind: TargetKind
    status: TargetStatus
    policy_id: int | None
    target_minutes: int
    started_at: datetime
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    escalated_at: datetime | None
    achieved_at: datetime | None


class CustomerTargetOut(Schema):
    kind: TargetKind
    status: TargetStatus
    due_at: datetime | None
    achieved_at: datetime | None


class TicketSlaOut(Schema):
    ticket_id: int
    targets: list[TargetOut | CustomerTargetOut]


@router.get("/tickets/{ticket_id}/sla", response={200: TicketSlaOut, **ERRORS})
def ticket_sla(request, ticket_id: Id):
    user: User = request.auth
    ticket = get_visible_ticket(user, ticket_id)
    targets = SlaTarget.objects.filter(ticket=ticket).exclude(status=TargetStatus.STOPPED)
    if not user.is_agent_like:
        first = targets.filter(kind=TargetKind.FIRST_RESPONSE)
        return {"ticket_id": ticket.pk, "targets": [CustomerTargetOut.from_orm(t) for t in first]}
    return {"ticket_id": ticket.pk, "targets": [TargetOut.from_orm(t) for t in targets]}


# --- Calendars ---------------------------------------------------------------------------------


class WeeklyHoursIn(Schema):
    monday: DayHours = []
    tuesday: DayHours = []
    wednesday: DayHours = []
    thursday: DayHours = []
    friday: DayHours = []
    saturday: DayHours = []
    sunday: DayHours = []


class CalendarIn(Schema):
    name: Name
    time_zone: TimeZone = "Europe/Moscow"
    weekly_hours: WeeklyHoursIn | None = Field(None, description="Default: Mon-Fri 09:00-18:00")
    country: Country = "RU"
    holidays: Dates = []
    extra_working_days: Dates = []


class CalendarPatch(Schema):
    name: Name | None = None
    time_zone: TimeZone | None = None
    weekly_hours: WeeklyHoursIn | None = None
    country: Country | None = None
    holidays: Dates | None = None
    extra_working_days: Dates | None = None


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    weekly_hours: dict[str, list[list[str]]]
    country: str
    holidays: list[str]
    extra_working_days: list[str]


def _calendar_fields(data: dict) -> dict:
    """API values as the model stores them: hours without closed days, dates sorted once each."""
    if data.get("weekly_hours") is not None:
        data["weekly_hours"] = {day: hours for day, hours in data["weekly_hours"].items() if hours}
    elif "weekly_hours" in data:
        del data["weekly_hours"]
    for name in ("holidays", "extra_working_days"):
        if data.get(name) is not None:
            data[name] = sorted(set(data[name]))
    return {name: value for name, value in data.items() if value is not None}


def _calendar(pk: int) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.filter(pk=pk).first()
    if calendar is None:
        raise NotFound("Calendar not found")
    return calendar


@router.get("/sla/calendars", response={200: list[CalendarOut], **ERRORS})
def list_calendars(request):
    services.require_sla_manager(request.auth)
    return list(BusinessCalendar.objects.all())


@router.post("/sla/calendars", response={201: CalendarOut, **ERRORS})
def create_calendar(request, payload: CalendarIn):
    services.require_sla_manager(request.auth)
    calendar = BusinessCalendar(**_calendar_fields(payload.dict()))
    return Status(201, services.save_calendar(calendar))


@router.get("/sla/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS})
def get_calendar(request, calendar_id: Id):
    services.require_sla_manager(request.auth)
    return _calendar(calendar_id)


@router.patch("/sla/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS})
def update_calendar(request, calendar_id: Id, payload: CalendarPatch):
    services.require_sla_manager(request.auth)
    calendar = _calendar(calendar_id)
    for name, value in _calendar_fields(payload.dict(exclude_unset=True)).items():
        setattr(calendar, name, value)
    return services.save_calendar(calendar)


@router.delete("/sla/calendars/{calendar_id}", response={204: None, **ERRORS})
def delete_calendar(request, calendar_id: Id):
    services.require_sla_manager(request.auth)
    services.delete_configuration(_calendar(calendar_id))
    return Status(204, None)


# --- Policies ----------------------------------------------------------------------------------


class ConditionsIn(ObjectBody):
    priorities: list[Priority] = []
    tiers: list[Tier] = []
    channels: list[Channel] = []
    languages: list[Annotated[str, Field(pattern="^(ru|en)$")]] = []
    organisation_ids: list[BodyId] = []
    reason_ids: list[BodyId] = []


class PolicyIn(Schema):
    name: Name
    position: Position = 0
    is_active: StrictBool = True
    conditions: ConditionsIn = ConditionsIn()
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    calendar_id: BodyId | None = Field(None, description="Empty: calendar time, 24/7")
    warning_threshold_percent: Percent = 80
    notify_on_breach: StrictBool = True
    raise_priority_on_breach: StrictBool = False
    escalate_line_on_breach: StrictBool = False


class PolicyPatch(Schema):
    name: Name | None = None
    position: Position | None = None
    is_active: StrictBool | None = None
    conditions: ConditionsIn | None = None
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    calendar_id: BodyId | None = None
    warning_threshold_percent: Percent | None = None
    notify_on_breach: StrictBool | None = None
    raise_priority_on_breach: StrictBool | None = None
    escalate_line_on_breach: StrictBool | None = None


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    conditions: dict[str, list[str | int]]
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    calendar_id: int | None
    warning_threshold_percent: int
    notify_on_breach: bool
    raise_priority_on_breach: bool
    escalate_line_on_breach: bool


# Nullable on purpose: a PATCH with null removes the target or the calendar.
NULLABLE_POLICY_FIELDS = frozenset(
    {"first_response_minutes", "next_response_minutes", "resolution_minutes", "calendar_id"}
)


def _policy_fields(data: dict) -> dict:
    if data.get("conditions") is not None:
        # Only the criteria in use are stored: an empty list would mean the same as none.
        data["conditions"] = {name: values for name, values in data["conditions"].items() if values}
    if (
        data.get("calendar_id") is not None
        and not BusinessCalendar.objects.filter(pk=data["calendar_id"]).exists()
    ):
        raise InvalidInput("No such calendar", fields={"calendar_id": "not_found"})
    return {
        name: value
        for name, value in data.items()
        if value is not None or name in NULLABLE_POLICY_FIELDS
    }


def _policy(pk: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=pk).first()
    if policy is None:
        raise NotFound("Policy not found")
    return policy


@router.get("/sla/policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request):
    services.require_sla_manager(request.auth)
    return list(SlaPolicy.objects.all())


@router.post("/sla/policies", response={201: PolicyOut, **ERRORS})
def create_policy(request, payload: PolicyIn):
    services.require_sla_manager(request.auth)
    policy = SlaPolicy(**_policy_fields(payload.model_dump(mode="json")))
    return Status(201, services.save_policy(policy))


@router.get("/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request, policy_id: Id):
    services.require_sla_manager(request.auth)
    return _policy(policy_id)


@router.patch("/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def update_policy(request, policy_id: Id, payload: PolicyPatch):
    services.require_sla_manager(request.auth)
    policy = _policy(policy_id)
    for name, value in _policy_fields(payload.model_dump(mode="json", exclude_unset=True)).items():
        setattr(policy, name, value)
    return services.save_policy(policy)


@router.delete("/sla/policies/{policy_id}", response={204: None, **ERRORS})
def delete_policy(request, policy_id: Id):
    services.require_sla_manager(request.auth)
    services.delete_configuration(_policy(policy_id))
    return Status(204, None)
