"""Accounts, their health and usage signals. Owners see their accounts, managers all; the
product posts usage per organisation with a manager's (or the owner's) token."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError
from pydantic import StrictFloat, StrictInt

from opora.accounts.models import User
from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, Page, PageParams
from opora.core.errors import InvalidInput, NotFound
from opora.customers.models import Organisation

from . import services

router = Router(tags=["success"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AccountOut(Schema):
    organisation_id: Id
    organisation: str
    owner_id: int | None
    renewal_on: date | None
    health_score: int | None
    health_band: str
    churn_reasons: list[str]
    expansion_reasons: list[str]
    health_updated_at: datetime | None

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.name


class SignalIn(Schema):
    metric: str = Field(pattern=r"^[a-z0-9_-]{1,60}$", examples=["active_users"])
    value: StrictFloat | StrictInt = Field(ge=0, le=1e12)
    day: date


class UsageIn(Schema):
    signals: list[SignalIn] = Field(min_length=1, max_length=500)


class OwnerIn(Schema):
    owner_id: BodyId | None


def _staff(request) -> None:
    if not request.auth.is_agent_like:
        raise AuthorizationError


@router.get("/success/accounts", response={200: Page[AccountOut], **ERRORS})
def list_accounts(request, page: Query[PageParams]):
    reject_unknown_params(request, PageParams)
    _staff(request)
    return page_of(services.visible_accounts(request.auth).order_by("organisation__name"), page)


@router.get("/success/accounts/{organisation_id}", response={200: AccountOut, **ERRORS})
def get_account(request, organisation_id: Id):
    _staff(request)
    account = services.get_visible_account(request.auth, organisation_id)
    services.refresh_health(account)
    return account


@router.post("/success/accounts/{organisation_id}/usage", response={200: AccountOut, **ERRORS})
def post_usage(request, organisation_id: Id, payload: UsageIn):
    """Usage figures per day (active_users, seats_used, seats_licensed, or any metric); posting
    the same metric and day again replaces the value."""
    _staff(request)
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("Organisation not found")
    signals = [services.NewSignal(s.metric, float(s.value), s.day) for s in payload.signals]
    return services.record_usage(request.auth, organisation, signals)


@router.put("/success/accounts/{organisation_id}/owner", response={200: AccountOut, **ERRORS})
def set_owner(request, organisation_id: Id, payload: OwnerIn):
    _staff(request)
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("Organisation not found")
    owner = None
    if payload.owner_id is not None:
        owner = User.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise InvalidInput("Unknown user", fields={"owner_id": "not_found"})
    return services.assign_owner(services.account_of(organisation), request.auth, owner)
