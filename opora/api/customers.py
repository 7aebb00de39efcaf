"""Customers and organisations: staff only."""

from django.db.models import ProtectedError, Q
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from opora.accounts.models import Role
from opora.core.errors import Forbidden, InvalidInput
from opora.customers.models import Customer, Organisation
from opora.tickets.access import require_staff, visible_customers

from .pagination import page_of, reject_unknown_params
from .schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    ErrorOut,
    Id,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    Page,
    PageParams,
)

router = Router(tags=["customers"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _require_manager(user) -> None:
    if user.role not in {Role.ADMIN, Role.MANAGER}:
        raise Forbidden("Only managers and admins may change organisations")


def _resolve_links(data: dict) -> dict:
    """Turn *_id fields into objects, with a field-level error when one does not exist."""
    if (
        data.get("organisation_id") is not None
        and not Organisation.objects.filter(pk=data["organisation_id"]).exists()
    ):
        raise InvalidInput("No such organisation", fields={"organisation_id": "not_found"})
    if (
        data.get("purchaser_id") is not None
        and not Customer.objects.filter(pk=data["purchaser_id"]).exists()
    ):
        raise InvalidInput("No such customer", fields={"purchaser_id": "not_found"})
    if "email" in data:
        data["email"] = (data["email"] or "").lower()
    return data


def _email_taken(email: str, exclude_pk: int | None = None) -> None:
    if email and Customer.objects.with_email(email).exclude(pk=exclude_pk).exists():
        raise InvalidInput(
            "A customer with this e-mail already exists",
            fields={"email": "duplicate"},
            code="duplicate",
        )


class CustomerFilters(Schema):
    q: str = ""
    organisation_id: Id | None = None


class OrganisationFilters(Schema):
    q: str = ""


@router.get("/customers", response={200: Page[CustomerOut], **ERRORS})
def list_customers(request, page: Query[PageParams], filters: Query[CustomerFilters]):
    require_staff(request.auth)
    reject_unknown_params(request, PageParams, CustomerFilters)
    customers = visible_customers(request.auth).order_by("name", "pk")
    if filters.q:
        query = filters.q[:100]
        customers = customers.filter(Q(name__icontains=query) | Q(email__icontains=query))
    if filters.organisation_id:
        customers = customers.filter(organisation_id=filters.organisation_id)
    return page_of(customers, page)


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def create_customer(request, payload: CustomerIn):
    require_staff(request.auth)
    data = _resolve_links(payload.dict())
    _email_taken(data["email"])
    return Status(201, Customer.objects.create(**data))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: Id):
    require_staff(request.auth)
    return get_object_or_404(visible_customers(request.auth), pk=customer_id)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    require_staff(request.auth)
    customer = get_object_or_404(visible_customers(request.auth), pk=customer_id)
    data = _resolve_links(payload.dict(exclude_unset=True))
    if data.get("purchaser_id") == customer.pk:
        raise InvalidInput(
            "A customer cannot be their own purchaser", fields={"purchaser_id": "self"}
        )
    if "email" in data:
        _email_taken(data["email"], exclude_pk=customer.pk)
    for name, value in data.items():
        if value is None and name not in {"organisation_id", "purchaser_id", "email"}:
            continue
        setattr(customer, name, "" if value is None and name == "email" else value)
    customer.save()
    return customer


@router.delete("/customers/{customer_id}", response={204: None, **ERRORS})
def delete_customer(request, customer_id: Id):
    require_staff(request.auth)
    if request.auth.role != Role.ADMIN:
        raise Forbidden("Only admins may delete customers")
    customer = get_object_or_404(Customer, pk=customer_id)
    try:
        customer.delete()
    except ProtectedError as error:
        raise InvalidInput(
            "This customer has tickets; merge or keep them instead of deleting", code="has_tickets"
        ) from error
    return Status(204, None)


@router.get("/organisations", response={200: Page[OrganisationOut], **ERRORS})
def list_organisations(request, page: Query[PageParams], filters: Query[OrganisationFilters]):
    require_staff(request.auth)
    reject_unknown_params(request, PageParams, OrganisationFilters)
    organisations = Organisation.objects.order_by("name", "pk")
    if filters.q:
        organisations = organisations.filter(name__icontains=filters.q[:100])
    return page_of(organisations, page)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def create_organisation(request, payload: OrganisationIn):
    require_staff(request.auth)
    _require_manager(request.auth)
    return Status(201, Organisation.objects.create(**payload.dict()))


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request, organisation_id: Id):
    require_staff(request.auth)
    return get_object_or_404(Organisation, pk=organisation_id)


@router.patch("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def update_organisation(request, organisation_id: Id, payload: OrganisationPatch):
    require_staff(request.auth)
    _require_manager(request.auth)
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    for name, value in payload.dict(exclude_unset=True).items():
        if value is not None:
            setattr(organisation, name, value)
    organisation.save()
    return organisation


@router.delete("/organisations/{organisation_id}", response={204: None, **ERRORS})
def delete_organisation(request, organisation_id: Id):
    require_staff(request.auth)
    if request.auth.role != Role.ADMIN:
        raise Forbidden("Only admins may delete organisations")
    get_object_or_404(Organisation, pk=organisation_id).delete()
    return Status(204, None)
