"""Routing rules, triggers and macros in the JSON API (managers and administrators), applying a
macro to a ticket (staff who may use it), and each agent's own availability.

Conditions and actions are taken as JSON and validated by the models, so an error names the
exact path: ``{"fields": {"actions.1.value": "..."}}``.
"""

import json
from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Router, Schema, Status
from pydantic import AfterValidator, StrictBool, StrictInt

from opora.accounts.models import Team, User
from opora.api.schemas import BodyId, ErrorOut, Id, Text, TicketOut
from opora.core.errors import InvalidInput, NotFound
from opora.tickets.access import get_visible_ticket, visible_tickets
from opora.tickets.models import Priority
from opora.tickets.services import Actor

from . import services
from .models import Availability, Macro, RoutingRule, Skill, Trigger, TriggerEvent

router = Router(tags=["automation"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _no_nul(value: Any) -> Any:
    # PostgreSQL's jsonb cannot hold NUL; refuse it here rather than fail in the database.
    if "\\u0000" in json.dumps(value):
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[Text, Field(min_length=1, max_length=120)]
Position = Annotated[StrictInt, Field(ge=0, le=2**31 - 1)]
ConditionsJson = Annotated[dict[str, Any], AfterValidator(_no_nul)]
ActionsJson = Annotated[list[Any], AfterValidator(_no_nul)]


class RoutingRuleIn(Schema):
    name: Name
    position: Position = 0
    is_active: StrictBool = True
    conditions: ConditionsJson = {}
    team_id: BodyId
    priority: Priority | None = None
    required_skill_id: BodyId | None = None


class RoutingRulePatch(Schema):
    name: Name | None = None
    position: Position | None = None
    is_active: StrictBool | None = None
    conditions: ConditionsJson | None = None
    team_id: BodyId | None = None
    priority: Priority | None = None
    required_skill_id: BodyId | None = None


class RoutingRuleOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    conditions: dict[str, Any]
    team_id: int
    priority: str
    required_skill_id: int | None


class TriggerIn(Schema):
    name: Name
    position: Position = 0
    is_active: StrictBool = True
    event: TriggerEvent
    conditions: ConditionsJson = {}
    actions: ActionsJson


class TriggerPatch(Schema):
    name: Name | None = None
    position: Position | None = None
    is_active: StrictBool | None = None
    event: TriggerEvent | None = None
    conditions: ConditionsJson | None = None
    actions: ActionsJson | None = None


class TriggerOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    event: str
    conditions: dict[str, Any]
    actions: list[Any]


class MacroIn(Schema):
    name: Name
    owner_id: BodyId | None = Field(None, description="A personal macro's owner")
    team_id: BodyId | None = Field(None, description="A team's macro; neither: everyone's")
    is_active: StrictBool = True
    actions: ActionsJson


class MacroPatch(Schema):
    name: Name | None = None
    owner_id: BodyId | None = None
    team_id: BodyId | None = None
    is_active: StrictBool | None = None
    actions: ActionsJson | None = None


class MacroOut(Schema):
    id: int
    name: str
    owner_id: int | None
    team_id: int | None
    is_active: bool
    actions: list[Any]


class AgentStatusIn(Schema):
    status: Availability


class AgentStatusOut(Schema):
    status: Availability
    changed_at: datetime | None


# Related ids in payloads and where they must exist; a missing one is the caller's error.
RELATED = {"team_id": Team, "required_skill_id": Skill, "owner_id": User}


def _settable(data: dict[str, Any]) -> dict[str, Any]:
    """Payload fields as model fields, related ids checked; a null priority means "keep"."""
    for name, model in RELATED.items():
        value = data.get(name)
        if value is not None and not model.objects.filter(pk=value).exists():
            raise InvalidInput(f"No such {name.removesuffix('_id')}", fields={name: "not_found"})
    if "priority" in data:
        data["priority"] = data["priority"] or ""
    return data


def _create(model: type, payload: Schema):

    return Status(201, services.save_setting(model(**_settable(payload.model_dump(mode="json")))))


def _update(model: type, pk: int, payload: Schema):
    instance = model.objects.filter(pk=pk).first()
    if instance is None:
        raise NotFound(f"{model._meta.verbose_name} not found")
    for name, value in _settable(payload.model_dump(mode="json", exclude_unset=True)).items():
        setattr(instance, name, value)
    return services.save_setting(instance)


@router.get("/automation/routing-rules", response={200: list[RoutingRuleOut], **ERRORS})
def list_routing_rules(request):
    services.require_automation_manager(request.auth)
    return list(RoutingRule.objects.all())


@router.post("/automation/routing-rules", response={201: RoutingRuleOut, **ERRORS})
def create_routing_rule(request, payload: RoutingRuleIn):
    services.require_automation_manager(request.auth)
    return _create(RoutingRule, payload)


@router.patch("/automation/routing-rules/{rule_id}", response={200: RoutingRuleOut, **ERRORS})
def update_routing_rule(request, rule_id: Id, payload: RoutingRulePatch):
    services.require_automation_manager(request.auth)
    return _update(RoutingRule, rule_id, payload)


@router.get("/automation/triggers", response={200: list[TriggerOut], **ERRORS})
def list_triggers(request):
    services.require_automation_manager(request.auth)
    return list(Trigger.objects.all())


@router.post("/automation/triggers", response={201: TriggerOut, **ERRORS})
def create_trigger(request, payload: TriggerIn):
    services.require_automation_manager(request.auth)
    return _create(Trigger, payload)


@router.patch("/automation/triggers/{trigger_id}", response={200: TriggerOut, **ERRORS})
def update_trigger(request, trigger_id: Id, payload: TriggerPatch):
    services.require_automation_manager(request.auth)
    return _update(Trigger, trigger_id, payload)


@router.get("/automation/macros", response={200: list[MacroOut], **ERRORS})
def list_macros(request):
    services.require_automation_manager(request.auth)
    return list(Macro.objects.all())


@router.post("/automation/macros", response={201: MacroOut, **ERRORS})
def create_macro(request, payload: MacroIn):
    services.require_automation_manager(request.auth)
    return _create(Macro, payload)


@router.patch("/automation/macros/{macro_id}", response={200: MacroOut, **ERRORS})
def update_macro(request, macro_id: Id, payload: MacroPatch):
    services.require_automation_manager(request.auth)
    return _update(Macro, macro_id, payload)


@router.post(
    "/tickets/{ticket_id}/macros/{macro_id}/apply",
    response={200: TicketOut, 204: None, **ERRORS},
)
def apply_macro(request, ticket_id: Id, macro_id: Id):
    user: User = request.auth
    ticket = get_visible_ticket(user, ticket_id)
    macro = Macro.objects.filter(pk=macro_id).first()
    if macro is None:
        raise NotFound("Macro not found")
    services.apply_macro(ticket, macro, Actor(user=user, via="api"))
    # A macro may move the ticket out of the user's sight (another team): then nothing to show.
    changed = visible_tickets(user).for_list().filter(pk=ticket_id).first()
    return changed if changed is not None else Status(204, None)


@router.get("/agents/me/status", response={200: AgentStatusOut, **ERRORS})
def get_my_status(request):
    return services.agent_status(request.auth)


@router.put("/agents/me/status", response={200: AgentStatusOut, **ERRORS})
def set_my_status(request, payload: AgentStatusIn):
    return services.set_agent_status(request.auth, payload.status)
