"""The knowledge base: categories › sections › articles (ru/en translations linked by a group),
their versions, votes, and the self-service signals (search log, deflection events)."""

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import BilingualName, ContactReason

from .attachments import INLINE_TYPES


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (agents only)")


class Bilingual(BilingualName):
    """A named, ordered, addressable node of the help centre."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.label


class Category(Bilingual):
    class Meta(Bilingual.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Section(Bilingual):
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="sections"
    )

    class Meta(Bilingual.Meta):
        verbose_name = _("section")
        verbose_name_plural = _("sections")


class HelpContext(models.Model):
    """A page of the product that links to its help: /help/?context=<key>."""

    key = models.SlugField(_("key"), max_length=80, unique=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("help context")
        verbose_name_plural = _("help contexts")

    def __str__(self) -> str:
        return self.key


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        return self.filter(status=ArticleStatus.PUBLISHED)

    def public(self) -> "ArticleQuerySet":
        return self.published().filter(visibility=Visibility.PUBLIC)

    def for_list(self) -> "ArticleQuerySet":
        return self.select_related("section", "section__category")


class Article(models.Model):
    # Translations of one article share a group; at most one article per language in it.
    translation_group = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.RU
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("HTML; it is sanitised when saved"))
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    reasons = models.ManyToManyField(
        ContactReason, verbose_name=_("contact reasons"), blank=True, related_name="articles"
    )
    contexts = models.ManyToManyField(
        HelpContext, verbose_name=_("help contexts"), blank=True, related_name="articles"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_articles",
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    unhelpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # PostgreSQL only (GIN-indexed in migration 0002): title weight A, body weight B, in the
    # article's own language configuration. Unused on SQLite, where FTS5 holds the index.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(
                fields=["translation_group", "language"], name="knowledge_one_translation_per_lang"
            )
        ]
        indexes = [models.Index(fields=["status", "visibility", "language"])]

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("help:article", args=[self.pk])

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """A snapshot taken at every save: diffed against each other and restorable."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


def attachment_path(instance: "ArticleAttachment", filename: str) -> str:
    # A random name under the article's folder: the original name is kept in the row only, so
    # nothing an editor types ends up in a filesystem path.
    return f"knowledge/{instance.article_id}/{uuid.uuid4().hex}"


class ArticleAttachment(models.Model):
    """An image or file attached to an article; images can be embedded in its text."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["article", "created_at", "pk"]
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_TYPES

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("help:attachment", args=[self.article_id, self.pk])

    @property
    def embed_code(self) -> str:
        """What an editor pastes into the text: the image itself, or a link to the file."""
        url, name = escape(self.get_absolute_url()), escape(self.filename)
        return f'<img src="{url}" alt="{name}">' if self.is_image else f'<a href="{url}">{name}</a>'

    def __str__(self) -> str:
        return self.filename


class ArticleVote(models.Model):
    """«Was this helpful?» with an optional comment; anonymous visitors may vote too."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"


class SearchScope(models.TextChoices):
    HELP_CENTRE = "help", _("Help centre")
    DEFLECTION = "deflection", _("Request form")
    AGENT = "agent", _("Agent search")
    API = "api", _("API")


class SearchQueryLog(models.Model):
    """One search as typed, with how many articles it found and whether one was opened."""

    query = models.CharField(max_length=200)
    # Stems joined in order: «пароля» and «паролем» are one line in the gaps report.
    normalized = models.CharField(max_length=200, db_index=True)
    scope = models.CharField(max_length=12, choices=SearchScope.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    result_count = models.PositiveIntegerField()
    clicked_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.query


class DeflectionEvent(models.Model):
    """A customer opened an article suggested while writing a request (see deflection.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deflection_events"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} → {self.article_id}"


class MessageSearchEntry(models.Model):
    """PostgreSQL's stored, GIN-indexed vector of a ticket message (subject A on the first one).

    Keyed by message id. It also carries copies of what ticket search filters on — the message's
    ticket and that ticket's team and assignee — so that a search reads this one table instead
    of joining every candidate to its message and ticket. Database triggers (migration 0003)
    keep the copies in step when a ticket changes team or assignee and when merges and splits
    move messages between tickets; the live ticket still decides the final result."""

    message = models.OneToOneField(
        "tickets.Message", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    search_vector = SearchVectorField()
    ticket_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return str(self.message_id)
