"""Every change to the knowledge base: each one transaction that also keeps the search index and
the version history in step, so views and the API stay thin."""

import difflib
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.core.errors import InvalidInput, InvalidTransition, NotFound
from opora.core.html import sanitize_html
from opora.tickets.access import visible_tickets
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import ContactReason, Message, MessageKind

from . import attachments, search, text
from .access import require_editor, require_publisher
from .models import (
    Article,
    ArticleAttachment,
    ArticleStatus,
    ArticleVersion,
    ArticleVote,
    HelpContext,
    SearchQueryLog,
    Section,
    Visibility,
)

# Who may move an article along draft → review → published, and back.
TRANSITIONS: dict[str, set[str]] = {
    ArticleStatus.DRAFT: {ArticleStatus.REVIEW},
    ArticleStatus.REVIEW: {ArticleStatus.DRAFT, ArticleStatus.PUBLISHED},
    ArticleStatus.PUBLISHED: {ArticleStatus.DRAFT},
}
# Leaving "published" or entering it changes what customers see: managers and admins only.
PUBLISHER_ONLY = {ArticleStatus.PUBLISHED}


@dataclass
class ArticleData:
    title: str
    body: str
    section: Section
    language: str = "ru"
    visibility: str = Visibility.PUBLIC
    reasons: list[ContactReason] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    translation_of: Article | None = None


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("An article needs a title"), fields={"title": "required"})
    return title[:200]


def _embeddable_sources(article: Article | None) -> set[str]:
    if article is None or article.pk is None:
        return set()
    return {item.get_absolute_url() for item in article.attachments.all() if item.is_image}


def _clean_body(body: str, article: Article | None = None) -> str:
    """Sanitised HTML whose only images are the article's own image attachments."""
    cleaned = attachments.restrict_images(sanitize_html(body or ""), _embeddable_sources(article))
    if not strip_tags(cleaned).strip():
        raise InvalidInput(_("An article needs some text"), fields={"body": "required"})
    return cleaned


def _snapshot(article: Article, author: User | None, note: str = "") -> ArticleVersion:
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleVersion.objects.create(
        article=article,
        number=last + 1,
        title=article.title,
        body=article.body,
        author=author,
        note=note[:200],
    )


def _set_contexts(article: Article, keys: list[str]) -> None:
    contexts = [
        HelpContext.objects.get_or_create(key=key.strip()[:80])[0] for key in keys if key.strip()
    ]
    article.contexts.set(contexts)


def _reindex(article: Article) -> None:
    # After commit would leave a window where a published article is unfindable; the index
    # write is part of the same transaction instead.
    search.index_articles([article.pk])


@transaction.atomic
def create_article(data: ArticleData, author: User) -> Article:
    require_editor(author)
    if data.translation_of is not None and data.translation_of.language == data.language:
        raise InvalidInput(
            _("A translation must be in another language"), fields={"language": "same_language"}
        )
    if (
        data.translation_of is not None
        and Article.objects.filter(
            translation_group=data.translation_of.translation_group, language=data.language
        ).exists()
    ):
        raise InvalidInput(
            _("This article already has a translation in that language"),
            fields={"language": "duplicate"},
        )
    article = Article(
        title=_clean_title(data.title),
        body=_clean_body(data.body),
        section=data.section,
        language=data.language,
        visibility=data.visibility,
        author=author,
    )
    if data.translation_of is not None:
        article.translation_group = data.translation_of.translation_group
    article.save()
    article.reasons.set(data.reasons)
    _set_contexts(article, data.contexts)
    _snapshot(article, author, _("Created"))
    _reindex(article)
    return article


@transaction.atomic
def update_article(article: Article, author: User, **changes) -> Article:
    """Change fields of an article; a changed title or text becomes a new version."""
    require_editor(author)
    article = Article.objects.select_for_update().get(pk=article.pk)
    text_changed = False
    if "title" in changes and changes["title"] is not None:
        new_title = _clean_title(changes["title"])
        text_changed |= new_title != article.title
        article.title = new_title
    if "body" in changes and changes["body"] is not None:
        new_body = _clean_body(changes["body"], article)
        text_changed |= new_body != article.body
        article.body = new_body
    for name in ("section", "visibility", "language"):
        if changes.get(name) is not None:
            setattr(article, name, changes[name])
    article.save()
    if changes.get("reasons") is not None:
        article.reasons.set(changes["reasons"])
    if changes.get("contexts") is not None:
        _set_contexts(article, changes["contexts"])
    if text_changed:
        _snapshot(article, author, changes.get("note") or "")
    _reindex(article)
    return article


@transaction.atomic
def transition(article: Article, actor: User, status: str) -> Article:
    require_editor(actor)
    if status not in TRANSITIONS.get(article.status, set()):
        raise InvalidTransition(
            _("An article cannot go from %(old)s to %(new)s")
            % {"old": article.get_status_display(), "new": status},
            fields={"status": "invalid_transition"},
        )
    if status in PUBLISHER_ONLY or article.status in PUBLISHER_ONLY:
        require_publisher(actor)
    article.status = status
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    search.index_articles([article.pk])  # also drops the cached typo vocabulary
    return article


@transaction.atomic
def restore_version(article: Article, actor: User, number: int) -> Article:
    """Bring back an old version's title and text as a new version (history is never rewritten)."""
    version = article.versions.filter(number=number).first()
    if version is None:
        raise NotFound(_("Version %(number)s not found") % {"number": number})
    return update_article(
        article,
        actor,
        title=version.title,
        body=version.body,
        note=_("Restored version %(number)s") % {"number": number},
    )


def add_attachment(article: Article, uploader: User, incoming: IncomingFile) -> ArticleAttachment:
    """Store a checked file on the article; a refused file leaves neither a row nor a file."""
    require_editor(uploader)
    content_type = attachments.check_article_file(incoming)
    attachment = ArticleAttachment(
        article=article,
        filename=attachments.display_name(incoming.filename),
        content_type=content_type,
        size=len(incoming.content),
        uploaded_by=uploader,
    )
    attachment.file.save("upload", ContentFile(incoming.content), save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def delete_attachment(attachment: ArticleAttachment, actor: User) -> None:
    """Remove an attachment and any embedding of it from the text (as a new version)."""
    require_editor(actor)
    # The current text, not whatever copy of the article the caller holds.
    article = Article.objects.get(pk=attachment.article_id)
    url = attachment.get_absolute_url()
    # The stored file goes when the transaction commits (receivers.remove_attachment_file).
    attachment.delete()
    if url in article.body:
        update_article(
            article,
            actor,
            body=article.body,
            note=_("Removed attachment %(name)s") % {"name": attachment.filename},
        )


def version_diff(article: Article, old_number: int, new_number: int) -> list[str]:
    """A unified diff of two versions' text, line by line (tags become line breaks)."""
    versions = {v.number: v for v in article.versions.filter(number__in=[old_number, new_number])}
    if old_number not in versions or new_number not in versions:
        raise NotFound(_("Version not found"))

    def lines(version: ArticleVersion) -> list[str]:
        return [version.title, "", *strip_tags(version.body.replace(">", ">\n")).splitlines()]

    return list(
        difflib.unified_diff(
            lines(versions[old_number]),
            lines(versions[new_number]),
            f"v{old_number}",
            f"v{new_number}",
            lineterm="",
        )
    )


def record_view(article: Article) -> None:
    # F(): concurrent readers never overwrite each other's increments.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def vote(article: Article, user: User | None, helpful: bool, comment: str = "") -> ArticleVote:
    counter = "helpful_count" if helpful else "unhelpful_count"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return ArticleVote.objects.create(
        article=article,
        helpful=helpful,
        comment=(comment or "").strip()[:2000],
        user=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def draft_from_message(user: User, message_id: int, section: Section) -> Article:
    """Turn a public reply the agent can see into a draft article for editing."""
    require_editor(user)
    message = (
        Message.objects.filter(
            pk=message_id, kind=MessageKind.REPLY, ticket__in=visible_tickets(user).values("pk")
        )
        .select_related("ticket")
        .first()
    )
    if message is None:
        raise NotFound(_("Message not found"))
    body = message.body_html or "".join(
        f"<p>{paragraph}</p>" for paragraph in _escaped_paragraphs(message.body)
    )
    article = create_article(
        ArticleData(
            title=message.ticket.subject,
            body=body,
            section=section,
            reasons=[message.ticket.reason] if message.ticket.reason_id else [],
        ),
        user,
    )
    return article


def _escaped_paragraphs(plain: str) -> list[str]:
    from django.utils.html import escape

    return [escape(part.strip()) for part in plain.split("\n\n") if part.strip()]


def log_search(query: str, *, scope: str, language: str, result_count: int, user) -> SearchQueryLog:
    return SearchQueryLog.objects.create(
        query=query[:200],
        normalized=" ".join(text.query_stems(query))[:200],
        scope=scope,
        language=language,
        result_count=result_count,
        user=user if user is not None and user.is_authenticated else None,
    )


def record_search_click(log_id: int, article: Article) -> None:
    """The reader opened a result: the query was answered (the gaps report counts these)."""
    SearchQueryLog.objects.filter(pk=log_id, clicked_article__isnull=True).update(
        clicked_article=article
    )
