"""Mentions over the API: the signed webhook that brings them in, and reading and acting on them
for staff. The webhook's only credential is the HMAC of the body with the source's secret."""

import json
import re
from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, Page, PageParams, Text
from opora.core.errors import Forbidden, InvalidInput, NotFound
from opora.tickets.models import ContactReason

from . import adapters, services
from .models import Mention, SentimentLabel, Source

router = Router(tags=["voices"])
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MentionOut(Schema):
    id: int
    source: str
    external_id: str
    text: str
    url: str
    author_name: str
    author_handle: str
    rating: int | None
    language: str
    sentiment: float
    sentiment_label: str
    published_at: datetime
    customer_id: int | None
    reason_id: int | None
    ticket_id: int | None
    improvement_item_id: int | None

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.slug


class ImportOut(Schema):
    created: int
    duplicates: int


class MentionFilters(Schema):
    sentiment: SentimentLabel | None = None
    source: Text | None = Field(None, max_length=40)


class ReasonIn(Schema):
    reason_id: BodyId | None


class TicketRef(Schema):
    ticket_id: int


class ItemRef(Schema):
    improvement_item_id: int


def _mention(request, mention_id: Id) -> Mention:
    if not request.auth.is_agent_like:
        raise AuthorizationError
    mention = services.visible_mentions(request.auth).filter(pk=mention_id).first()
    if mention is None:
        raise NotFound("Mention not found")
    return mention


@router.post("/voices/webhook/{source}", response={200: ImportOut, **ERRORS}, auth=None)
def webhook(request, source: str):
    """Body: {"mentions": [{"text", "published_at", "external_id", "author", "handle", "email",
    "url", "rating", "language"}]}; header X-Opora-Signature: sha256=<hex HMAC-SHA256 of the
    raw body with the source's webhook secret>. Repeated deliveries import nothing twice."""
    found = (
        Source.objects.filter(slug=source, is_active=True).first()
        if SLUG.fullmatch(source)
        else None
    )
    header = request.headers.get(adapters.SIGNATURE_HEADER, "")
    # One refusal for an unknown source and a bad signature: a prober learns nothing.
    if found is None or not adapters.signature_matches(found.webhook_secret, request.body, header):
        raise Forbidden("Invalid signature", code="invalid_signature")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("The body is not JSON", fields={"body": "invalid_json"}) from error
    return services.import_mentions(found, adapters.parse_webhook(payload))


@router.get("/voices/mentions", response={200: Page[MentionOut], **ERRORS})
def list_mentions(request, page: Query[PageParams], filters: Query[MentionFilters]):
    reject_unknown_params(request, PageParams, MentionFilters)
    if not request.auth.is_agent_like:
        raise AuthorizationError
    rows = services.visible_mentions(request.auth)
    if filters.sentiment:
        rows = rows.filter(sentiment_label=filters.sentiment)
    if filters.source:
        rows = rows.filter(source__slug=filters.source)
    return page_of(rows, page)


@router.get("/voices/mentions/{mention_id}", response={200: MentionOut, **ERRORS})
def get_mention(request, mention_id: Id):
    return _mention(request, mention_id)


@router.post("/voices/mentions/{mention_id}/reason", response={200: MentionOut, **ERRORS})
def set_reason(request, mention_id: Id, payload: ReasonIn):
    mention = _mention(request, mention_id)
    reason = None
    if payload.reason_id is not None:
        reason = ContactReason.objects.filter(pk=payload.reason_id).first()
        if reason is None:
            raise InvalidInput("Unknown contact reason", fields={"reason_id": "not_found"})
    return services.set_reason(mention, request.auth, reason)


@router.post("/voices/mentions/{mention_id}/ticket", response={200: TicketRef, **ERRORS})
def create_ticket(request, mention_id: Id):
    return {"ticket_id": services.create_ticket(_mention(request, mention_id), request.auth).pk}


@router.post("/voices/mentions/{mention_id}/improvement", response={200: ItemRef, **ERRORS})
def create_improvement(request, mention_id: Id):
    item = services.create_improvement(_mention(request, mention_id), request.auth)
    return {"improvement_item_id": item.pk}
