"""Outside voices: review-site and social mentions imported through adapters, de-duplicated,
scored for sentiment, linked to the customer when known, and turned into tickets or
improvement items when they call for it."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.customers.models import Customer
from opora.tickets.models import ContactReason, Ticket


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Source(models.Model):
    """A review site or social network we import from; its secret signs its webhook calls."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    webhook_secret = models.CharField(_("webhook secret"), max_length=100, default=new_secret)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name


class SentimentLabel(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Mention(models.Model):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="mentions")
    # The site's own id, when it gives one; blank ids are de-duplicated by content only.
    external_id = models.CharField(_("external ID"), max_length=200, blank=True)
    # SHA-256 of the normalised text: the same review pasted or syndicated twice is one mention.
    content_hash = models.CharField(max_length=64, unique=True)
    text = models.TextField(_("text"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    author_handle = models.CharField(_("handle"), max_length=200, blank=True)
    author_email = models.EmailField(_("author's e-mail"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8)
    sentiment = models.FloatField(_("sentiment"))
    sentiment_label = models.CharField(
        _("sentiment label"), max_length=10, choices=SentimentLabel.choices
    )
    published_at = models.DateTimeField(_("published"), db_index=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentions",
    )
    reason = models.ForeignKey(
        ContactReason,
        verbose_name=_("contact reason"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentions",
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )
    improvement_item_id = models.PositiveIntegerField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="mention_once_per_source_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id or self.pk}"


class CustomerHandle(models.Model):
    """A customer's name on a site or network, so their mentions find them."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="handles")
    handle = models.CharField(_("handle"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("customer handle")
        verbose_name_plural = _("customer handles")

    def __str__(self) -> str:
        return f"@{self.handle}"

    def save(self, *args, **kwargs):
        self.handle = self.handle.strip().lstrip("@").lower()
        super().save(*args, **kwargs)
