"""Request and response shapes of the JSON API (they become the OpenAPI schema)."""

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from ninja import Field, Schema
from pydantic import AfterValidator, EmailStr, StrictBool, StrictInt, model_validator

from opora.customers.models import OrganisationKind, Tier
from opora.tickets.models import Channel, MessageKind, Priority, ResolutionCode, Status, TicketType

MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail deep in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
# Dates as ISO text: a `date` field would also take 0 (as 1970-01-01) or a timestamp.
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-06-12"])]


def _calendar_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError("not a calendar date") from error


# The same text, checked to be a real day and handed over as a `date`.
Day = Annotated[IsoDate, AfterValidator(_calendar_day)]
# Query strings carry numbers as text; JSON bodies must carry real numbers and booleans.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]

T = TypeVar("T")


class ObjectBody(Schema):
    """Base of request bodies: a JSON object, nothing else. Ninja reads a schema's fields as
    attributes of the input, so without this a bare string body would fill a field named like a
    ``str`` method (``"abc"`` → ``{"title": "Abc"}``); the schema fuzz test found it."""

    @model_validator(mode="wrap")
    @classmethod
    def _object_only(cls, data: Any, handler: Any) -> Any:
        if isinstance(getattr(data, "_obj", data), str | bytes | int | float | list):
            raise ValueError("the body must be a JSON object")
        return handler(data)


class PageParams(Schema):
    limit: int = Field(25, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    limit: int
    offset: int


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorDetail


class OrganisationIn(Schema):
    name: Text = Field(min_length=1, max_length=200)
    kind: OrganisationKind = OrganisationKind.B2B
    tier: Tier = Tier.STANDARD
    segment: Text = Field("", max_length=100)
    domain: Text = Field("", max_length=200)
    inn: Text = Field("", max_length=12, pattern=r"^(\d{10}|\d{12})?$")
    shared_tickets: StrictBool = False


class OrganisationPatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=200)
    kind: OrganisationKind | None = None
    tier: Tier | None = None
    segment: Text | None = Field(None, max_length=100)
    domain: Text | None = Field(None, max_length=200)
    inn: Text | None = Field(None, max_length=12, pattern=r"^(\d{10}|\d{12})?$")
    shared_tickets: StrictBool | None = None


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    tier: str
    segment: str
    domain: str
    inn: str
    shared_tickets: bool
    created_at: datetime


class CustomerIn(Schema):
    name: Text = Field(min_length=1, max_length=200)
    email: EmailStr | None = Field(None, max_length=254)
    phone: Text = Field("", max_length=40)
    organisation_id: BodyId | None = None
    purchaser_id: BodyId | None = None
    tier: Tier = Tier.STANDARD
    segment: Text = Field("", max_length=100)
    language: Annotated[str, Field(pattern="^(ru|en)$")] = "ru"
    time_zone: Text = Field("Europe/Moscow", max_length=64)
    external_id: Text = Field("", max_length=100)


class CustomerPatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=200)
    email: EmailStr | None = Field(None, max_length=254)
    phone: Text | None = Field(None, max_length=40)
    organisation_id: BodyId | None = None
    purchaser_id: BodyId | None = None
    tier: Tier | None = None
    segment: Text | None = Field(None, max_length=100)
    language: Annotated[str, Field(pattern="^(ru|en)$")] | None = None
    time_zone: Text | None = Field(None, max_length=64)
    external_id: Text | None = Field(None, max_length=100)


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    organisation_id: int | None
    purchaser_id: int | None
    tier: str
    segment: str
    language: str
    time_zone: str
    external_id: str
    created_at: datetime


class AttachmentIn(Schema):
    filename: Text = Field(min_length=1, max_length=255)
    content_type: Text = Field("", max_length=120)
    content_base64: str = Field(description="The file's bytes, base64-encoded")


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/attachments/{obj.pk}"


class TicketIn(Schema):
    subject: Text = Field(min_length=1, max_length=250)
    body: Text = Field(min_length=1, max_length=100_000)
    customer_id: BodyId | None = Field(
        None, description="Required for staff; customers always create their own"
    )
    channel: Channel = Channel.API
    priority: Priority = Priority.NORMAL
    type: TicketType = TicketType.QUESTION
    reason_id: BodyId | None = None
    team_id: BodyId | None = None
    assignee_id: BodyId | None = None
    tags: list[Annotated[Text, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=30
    )
    product: Text = Field("", max_length=200)
    serial_number: Text = Field("", max_length=100)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class TicketPatch(Schema):
    subject: Text | None = Field(None, min_length=1, max_length=250)
    status: Status | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    reason_id: BodyId | None = None
    team_id: BodyId | None = None
    assignee_id: BodyId | None = None
    product: Text | None = Field(None, max_length=200)
    serial_number: Text | None = Field(None, max_length=100)
    resolution_code: ResolutionCode | None = None
    root_cause: Text | None = Field(None, max_length=10_000)
    tags: list[Annotated[Text, Field(min_length=1, max_length=60)]] | None = Field(
        None, max_length=30
    )
    custom_fields: dict[str, Any] | None = None


class TicketOut(Schema):
    id: int
    number: int
    subject: str
    status: str
    priority: str
    type: str
    channel: str
    customer_id: int
    organisation_id: int | None
    team_id: int | None
    assignee_id: int | None
    reason_id: int | None
    tags: list[str]
    product: str
    serial_number: str
    custom_fields: dict[str, Any]
    resolution_code: str
    reopen_count: int
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class MessageIn(Schema):
    body: Text = Field(min_length=1, max_length=100_000)
    kind: MessageKind = MessageKind.REPLY
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class MessageOut(Schema):
    id: int
    ticket_id: int
    kind: str
    channel: str
    author_user_id: int | None
    author_customer_id: int | None
    body: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())
