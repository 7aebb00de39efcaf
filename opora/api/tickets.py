"""Tickets and their messages. Every fetch goes through opora.tickets.access."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from opora.accounts.models import Role, Team, User
from opora.core.errors import Forbidden, InvalidInput, NotFound
from opora.customers.models import Customer
from opora.tickets import services
from opora.tickets.access import (
    customer_of,
    get_visible_ticket,
    require_can_edit,
    require_staff,
    visible_tickets,
)
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import (
    Attachment,
    Channel,
    ContactReason,
    Message,
    MessageKind,
    Priority,
    Ticket,
)
from opora.tickets.models import Status as TicketStatus

from . import idempotency
from .files import decode_base64
from .pagination import page_of, reject_unknown_params
from .schemas import (
    AttachmentIn,
    ErrorOut,
    Id,
    MessageIn,
    MessageOut,
    Page,
    PageParams,
    TicketIn,
    TicketOut,
    TicketPatch,
)

router = Router(tags=["tickets"])
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
ORDERINGS = {
    "created": "created_at",
    "-created": "-created_at",
    "updated": "updated_at",
    "-updated": "-updated_at",
}


class TicketFilters(Schema):
    status: TicketStatus | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    customer_id: Id | None = None
    organisation_id: Id | None = None
    q: str = ""
    ordering: str = "-created"


def _decode(attachments: list[AttachmentIn]) -> list[IncomingFile]:
    return [
        IncomingFile(
            attachment.filename,
            decode_base64(
                attachment.content_base64,
                f"attachments.{index}.content_base64",
                f"Attachment «{attachment.filename}» is not valid base64",
            ),
            attachment.content_type,
        )
        for index, attachment in enumerate(attachments)
    ]


def _lookup(model, pk: int | None, field: str, queryset=None):
    if pk is None:
        return None
    found = (queryset if queryset is not None else model.objects).filter(pk=pk).first()
    if found is None:
        raise InvalidInput(f"No such {field.removesuffix('_id')}", fields={field: "not_found"})
    return found


@router.get("/tickets", response={200: Page[TicketOut], **ERRORS})
def list_tickets(request, page: Query[PageParams], filters: Query[TicketFilters]):
    reject_unknown_params(request, PageParams, TicketFilters)
    if filters.ordering not in ORDERINGS:
        raise InvalidInput(
            "Unknown ordering", fields={"ordering": f"one of {', '.join(ORDERINGS)}"}
        )
    tickets = visible_tickets(request.auth).for_list()
    for name in (
        "status",
        "priority",
        "channel",
        "team_id",
        "assignee_id",
        "customer_id",
        "organisation_id",
    ):
        value = getattr(filters, name)
        if value is not None:
            tickets = tickets.filter(**{name: value})
    if filters.q:
        tickets = tickets.filter(subject__icontains=filters.q[:200])
    return page_of(tickets.order_by(ORDERINGS[filters.ordering], "-pk"), page)


@router.post(
    "/tickets",
    response={201: TicketOut, **ERRORS},
    openapi_extra={"parameters": [idempotency.OPENAPI_PARAMETER]},
)
@idempotency.idempotent(
    replay=lambda request, pk: visible_tickets(request.auth).for_list().get(pk=pk)
)
def create_ticket(request, payload: TicketIn):
    user: User = request.auth
    actor = services.Actor(user=user, via="api")
    if user.role == Role.CUSTOMER:
        customer = customer_of(user)
        if customer is None:
            raise Forbidden("Your account is not linked to a customer record yet")
        if payload.customer_id not in (None, customer.pk):
            raise Forbidden("Customers can only create their own tickets")
        if payload.team_id or payload.assignee_id:
            raise Forbidden("Customers cannot choose the team or assignee")
        actor = services.Actor(user=user, customer=customer, via="api")
    else:
        require_can_edit(user)
        if payload.customer_id is None:
            raise InvalidInput("customer_id is required", fields={"customer_id": "required"})
        customer = _lookup(Customer, payload.customer_id, "customer_id")
    ticket = services.create_ticket(
        services.NewTicket(
            customer=customer,
            subject=payload.subject,
            body=payload.body,
            channel=payload.channel,
            priority=payload.priority,
            type=payload.type,
            reason=_lookup(ContactReason, payload.reason_id, "reason_id"),
            team=_lookup(Team, payload.team_id, "team_id"),
            assignee=_lookup(
                User, payload.assignee_id, "assignee_id", User.objects.exclude(role=Role.CUSTOMER)
            ),
            tags=payload.tags,
            product=payload.product,
            serial_number=payload.serial_number,
            custom_fields=payload.custom_fields,
            files=_decode(payload.attachments),
        ),
        actor,
    )
    return Status(201, visible_tickets(user).for_list().get(pk=ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request, ticket_id: Id):
    # One query: the visibility filter and the output's joins together (the hottest read).
    try:
        return visible_tickets(request.auth).for_list().get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket #%(number)s not found") % {"number": ticket_id}) from None


@router.patch("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def update_ticket(request, ticket_id: Id, payload: TicketPatch):
    user: User = request.auth
    ticket = get_visible_ticket(user, ticket_id)
    require_can_edit(user)
    data = payload.dict(exclude_unset=True)
    tags = data.pop("tags", None)
    custom_fields = data.pop("custom_fields", None)
    related = {
        "reason_id": (ContactReason, None),
        "team_id": (Team, None),
        "assignee_id": (User, User.objects.exclude(role=Role.CUSTOMER)),
    }
    changes = {}
    for name, value in data.items():
        if name in related:
            model, queryset = related[name]
            changes[name.removesuffix("_id")] = _lookup(model, value, name, queryset)
        elif value is not None:
            changes[name] = value
    services.update_ticket(
        ticket,
        services.Actor(user=user, via="api"),
        changes,
        tags=tags,
        custom_fields=custom_fields,
    )
    return visible_tickets(user).for_list().get(pk=ticket_id)


@router.delete("/tickets/{ticket_id}", response={204: None, **ERRORS})
def delete_ticket(request, ticket_id: Id):
    ticket = get_visible_ticket(request.auth, ticket_id)
    if request.auth.role != Role.ADMIN:
        raise Forbidden("Only admins may delete tickets")
    ticket.delete()
    return Status(204, None)


def _visible_messages(user: User, ticket):
    messages = ticket.messages.prefetch_related("attachments").order_by("created_at", "pk")
    if not user.is_agent_like:
        messages = messages.filter(kind=MessageKind.REPLY)
    return messages


@router.get("/tickets/{ticket_id}/messages", response={200: Page[MessageOut], **ERRORS})
def list_messages(request, ticket_id: Id, page: Query[PageParams]):
    reject_unknown_params(request, PageParams)
    ticket = get_visible_ticket(request.auth, ticket_id)
    return page_of(_visible_messages(request.auth, ticket), page)


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: MessageOut, **ERRORS},
    openapi_extra={"parameters": [idempotency.OPENAPI_PARAMETER]},
)
@idempotency.idempotent(replay=lambda request, pk: Message.objects.get(pk=pk))
def create_message(request, ticket_id: Id, payload: MessageIn):
    user: User = request.auth
    ticket = get_visible_ticket(user, ticket_id)
    if user.role == Role.CUSTOMER:
        if payload.kind != MessageKind.REPLY:
            raise Forbidden("Customers cannot add internal notes")
        actor = services.Actor(user=user, customer=customer_of(user), via="api")
    else:
        require_staff(user)
        actor = services.Actor(user=user, via="api")
    message = services.add_message(
        ticket,
        actor,
        payload.body,
        kind=payload.kind,
        channel=Channel.API,
        files=_decode(payload.attachments),
    )
    return Status(201, message)


@router.get("/attachments/{attachment_id}", response={200: None, **ERRORS})
def download_attachment(request, attachment_id: Id):
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("Attachment not found")
    get_visible_ticket(request.auth, attachment.message.ticket_id)
    if not request.auth.is_agent_like and attachment.message.kind != MessageKind.REPLY:
        raise NotFound("Attachment not found")
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
