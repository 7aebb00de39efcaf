"""The knowledge base in the JSON API: public reading and search for anyone, writing for staff."""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status

from opora.api.auth import TokenAuth
from opora.api.files import decode_base64
from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import BodyId, ErrorOut, Id, ObjectBody, Page, PageParams, Text
from opora.core.errors import Forbidden, InvalidInput
from opora.tickets.access import require_staff
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import ContactReason

from . import search, services
from .access import get_readable_article, readable_articles, require_publisher
from .models import (
    Article,
    ArticleAttachment,
    ArticleStatus,
    Language,
    SearchScope,
    Section,
    Visibility,
)

router = Router(tags=["knowledge base"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def anonymous(request) -> AnonymousUser:
    """Public endpoints: a valid token identifies the caller, no token means a visitor."""
    return AnonymousUser()


PUBLIC = [TokenAuth(), anonymous]
# The schema says so too: the token is optional ({} is "no security") on public endpoints.
PUBLIC_SCHEMA = {"security": [{"TokenAuth": []}, {}]}


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    language: str
    status: str
    visibility: str
    section_id: int
    translation_group: str
    reason_ids: list[int]
    contexts: list[str]
    view_count: int
    helpful_count: int
    unhelpful_count: int
    url: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @staticmethod
    def resolve_translation_group(obj) -> str:
        return str(obj.translation_group)

    @staticmethod
    def resolve_reason_ids(obj) -> list[int]:
        return [reason.pk for reason in obj.reasons.all()]

    @staticmethod
    def resolve_contexts(obj) -> list[str]:
        return [context.key for context in obj.contexts.all()]

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ArticleIn(Schema):
    title: Text = Field(min_length=1, max_length=200)
    body: Text = Field(min_length=1, max_length=200_000)
    section_id: BodyId
    language: Language = Language.RU
    visibility: Visibility = Visibility.PUBLIC
    reason_ids: list[BodyId] = Field(default_factory=list, max_length=50)
    contexts: list[Text] = Field(default_factory=list, max_length=50)
    translation_of_id: BodyId | None = None


class ArticlePatch(Schema):
    title: Text | None = Field(None, min_length=1, max_length=200)
    body: Text | None = Field(None, min_length=1, max_length=200_000)
    section_id: BodyId | None = None
    visibility: Visibility | None = None
    reason_ids: list[BodyId] | None = Field(None, max_length=50)
    contexts: list[Text] | None = Field(None, max_length=50)
    note: Text = Field("", max_length=200)


class TransitionIn(Schema):
    status: ArticleStatus


class VersionOut(Schema):
    number: int
    title: str
    body: str
    author_id: int | None
    note: str
    created_at: datetime


class VoteIn(Schema):
    helpful: bool
    comment: Text = Field("", max_length=2000)


class VoteOut(Schema):
    id: int
    helpful: bool
    comment: str


class ArticleFilters(Schema):
    status: ArticleStatus | None = None
    language: Language | None = None
    section_id: Id | None = None


class ArticleAttachmentIn(ObjectBody):
    filename: Text = Field(min_length=1, max_length=255)
    content_type: Text = Field("", max_length=120)
    content_base64: str = Field(description="The file's bytes, base64-encoded")


class ArticleAttachmentOut(Schema):
    id: int
    article_id: int
    filename: str
    content_type: str
    size: int
    url: str
    embed_code: str
    uploaded_by_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class SearchParams(Schema):
    q: str = Field(min_length=1, max_length=200)
    language: Language | None = None
    limit: int = Field(10, ge=1, le=50)


class ArticleHitOut(Schema):
    id: int
    title: str
    url: str
    snippet: str
    rank: float


class TicketHitOut(Schema):
    ticket_id: int
    subject: str
    message_id: int
    snippet: str
    rank: float


class SearchOut(Schema):
    articles: list[ArticleHitOut]
    tickets: list[TicketHitOut]
    corrected_query: str | None


class LinkOut(Schema):
    title: str
    url: str
    language: str


def _section(pk: int) -> Section:
    section = Section.objects.filter(pk=pk).first()
    if section is None:
        raise InvalidInput("No such section", fields={"section_id": "not_found"})
    return section


def _reasons(ids: list[int]) -> list[ContactReason]:
    reasons = list(ContactReason.objects.filter(pk__in=ids))
    if len(reasons) != len(set(ids)):
        raise InvalidInput("No such contact reason", fields={"reason_ids": "not_found"})
    return reasons


def _with_relations(queryset):
    return queryset.prefetch_related("reasons", "contexts")


@router.get(
    "/kb/articles",
    response={200: Page[ArticleOut], **ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_SCHEMA,
)
def list_articles(request, page: Query[PageParams], filters: Query[ArticleFilters]):
    reject_unknown_params(request, PageParams, ArticleFilters)
    articles = _with_relations(readable_articles(request.auth)).order_by("-updated_at", "-pk")
    for name in ("status", "language", "section_id"):
        value = getattr(filters, name)
        if value is not None:
            articles = articles.filter(**{name: value})
    return page_of(articles, page)


@router.get(
    "/kb/articles/{article_id}",
    response={200: ArticleOut, **ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_SCHEMA,
)
def get_article(request, article_id: Id):
    return get_readable_article(request.auth, article_id)


@router.post("/kb/articles", response={201: ArticleOut, **ERRORS})
def create_article(request, payload: ArticleIn):
    require_staff(request.auth)
    translation_of = None
    if payload.translation_of_id is not None:
        translation_of = Article.objects.filter(pk=payload.translation_of_id).first()
        if translation_of is None:
            raise InvalidInput("No such article", fields={"translation_of_id": "not_found"})
    article = services.create_article(
        services.ArticleData(
            title=payload.title,
            body=payload.body,
            section=_section(payload.section_id),
            language=payload.language,
            visibility=payload.visibility,
            reasons=_reasons(payload.reason_ids),
            contexts=payload.contexts,
            translation_of=translation_of,
        ),
        request.auth,
    )
    return Status(201, article)


@router.patch("/kb/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def update_article(request, article_id: Id, payload: ArticlePatch):
    require_staff(request.auth)
    article = get_object_or_404(Article, pk=article_id)
    data = payload.dict(exclude_unset=True)
    return services.update_article(
        article,
        request.auth,
        title=data.get("title"),
        body=data.get("body"),
        section=_section(data["section_id"]) if data.get("section_id") else None,
        visibility=data.get("visibility"),
        reasons=_reasons(data["reason_ids"]) if data.get("reason_ids") is not None else None,
        contexts=data.get("contexts"),
        note=data.get("note", ""),
    )


@router.delete("/kb/articles/{article_id}", response={204: None, **ERRORS})
def delete_article(request, article_id: Id):
    require_staff(request.auth)
    require_publisher(request.auth)
    get_object_or_404(Article, pk=article_id).delete()
    return Status(204, None)


@router.post("/kb/articles/{article_id}/transition", response={200: ArticleOut, **ERRORS})
def transition_article(request, article_id: Id, payload: TransitionIn):
    require_staff(request.auth)
    return services.transition(
        get_object_or_404(Article, pk=article_id), request.auth, payload.status
    )


@router.get("/kb/articles/{article_id}/versions", response={200: list[VersionOut], **ERRORS})
def list_versions(request, article_id: Id):
    require_staff(request.auth)
    return list(get_object_or_404(Article, pk=article_id).versions.all())


@router.post(
    "/kb/articles/{article_id}/versions/{number}/restore", response={200: ArticleOut, **ERRORS}
)
def restore_version(request, article_id: Id, number: Id):
    require_staff(request.auth)
    return services.restore_version(get_object_or_404(Article, pk=article_id), request.auth, number)


ATTACHMENT_ERRORS = {**ERRORS, 413: ErrorOut}


@router.get(
    "/kb/articles/{article_id}/attachments",
    response={200: list[ArticleAttachmentOut], **ERRORS},
)
def list_attachments(request, article_id: Id):
    require_staff(request.auth)
    return list(get_object_or_404(Article, pk=article_id).attachments.all())


@router.post(
    "/kb/articles/{article_id}/attachments",
    response={201: ArticleAttachmentOut, **ATTACHMENT_ERRORS},
)
def upload_attachment(request, article_id: Id, payload: ArticleAttachmentIn):
    """Attach a file; embed an image by putting its embed_code into the article's body."""
    require_staff(request.auth)
    article = get_object_or_404(Article, pk=article_id)
    content = decode_base64(
        payload.content_base64, "content_base64", "content_base64 is not valid base64"
    )
    incoming = IncomingFile(payload.filename, content, payload.content_type)
    return Status(201, services.add_attachment(article, request.auth, incoming))


@router.delete(
    "/kb/articles/{article_id}/attachments/{attachment_id}", response={204: None, **ERRORS}
)
def delete_attachment(request, article_id: Id, attachment_id: Id):
    require_staff(request.auth)
    attachment = get_object_or_404(
        ArticleAttachment.objects.select_related("article"), pk=attachment_id, article=article_id
    )
    services.delete_attachment(attachment, request.auth)
    return Status(204, None)


@router.post(
    "/kb/articles/{article_id}/votes",
    response={201: VoteOut, **ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_SCHEMA,
)
def vote(request, article_id: Id, payload: VoteIn):
    article = get_readable_article(request.auth, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise Forbidden("Only published articles take votes")
    return Status(201, services.vote(article, request.auth, payload.helpful, payload.comment))


@router.get(
    "/kb/search", response={200: SearchOut, **ERRORS}, auth=PUBLIC, openapi_extra=PUBLIC_SCHEMA
)
def search_articles(request, params: Query[SearchParams]):
    reject_unknown_params(request, SearchParams)
    user = request.auth
    staff = user.is_authenticated and user.is_agent_like
    results = search.search(
        params.q, user, language=params.language, include_tickets=staff, limit=params.limit
    )
    services.log_search(
        params.q,
        scope=SearchScope.API,
        language=params.language or (get_language() or "ru")[:2],
        result_count=len(results.articles),
        user=user,
    )
    return {
        "articles": [
            {
                "id": hit.article.pk,
                "title": hit.article.title,
                "url": hit.article.get_absolute_url(),
                "snippet": hit.snippet,
                "rank": hit.rank,
            }
            for hit in results.articles
        ],
        "tickets": [
            {
                "ticket_id": hit.ticket.pk,
                "subject": hit.ticket.subject,
                "message_id": hit.message_id,
                "snippet": hit.snippet,
                "rank": hit.rank,
            }
            for hit in results.tickets
        ],
        "corrected_query": results.corrected_query,
    }


@router.get("/kb/links", response={200: list[LinkOut], **ERRORS})
def article_links(request, params: Query[SearchParams]):
    """Title and absolute URL of matching articles, for an agent to paste into a reply."""
    require_staff(request.auth)
    reject_unknown_params(request, SearchParams)
    results = search.search(params.q, request.auth, language=params.language, limit=params.limit)
    return [
        {
            "title": hit.article.title,
            "url": request.build_absolute_uri(hit.article.get_absolute_url()),
            "language": hit.article.language,
        }
        for hit in results.articles
    ]
