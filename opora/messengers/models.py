"""Messenger channels: bot configurations, who is who on each messenger, the updates received
(for idempotency) and the replies sent back."""

import os

from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team
from opora.customers.models import Customer
from opora.tickets.models import Message


class Platform(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")


class Bot(models.Model):
    """One bot account on a messenger. Its token and webhook secret come from the environment
    (OPORA_<PLATFORM>_<BOT_ID>_TOKEN / _SECRET) or from the admin, which never shows them back."""

    platform = models.CharField(
        _("platform"), max_length=20, choices=Platform.choices, default=Platform.TELEGRAM
    )
    # The id in the webhook URL: /messengers/telegram/<bot_id>/webhook.
    bot_id = models.SlugField(_("bot ID"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    token = models.CharField(_("API token"), max_length=200, blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=256, blank=True)
    # Tests and self-hosted Bot API servers point this elsewhere.
    api_base_url = models.URLField(_("API base URL"), default="https://api.telegram.org")
    team = models.ForeignKey(
        Team,
        verbose_name=_("team for new tickets"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("messenger bot")
        verbose_name_plural = _("messenger bots")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    def _env(self, suffix: str) -> str:
        key = f"OPORA_{self.platform}_{self.bot_id}_{suffix}".upper().replace("-", "_")
        return os.environ.get(key, "")

    @property
    def api_token(self) -> str:
        return self._env("TOKEN") or self.token

    @property
    def secret(self) -> str:
        return self._env("SECRET") or self.webhook_secret


class Identity(models.Model):
    """A customer's account on a messenger (Telegram user id → Customer); kept here, not on Customer."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    external_user_id = models.CharField(_("user ID on the messenger"), max_length=64)
    # Where replies go (for Telegram, the private chat's id) and through which bot.
    chat_id = models.CharField(_("chat ID"), max_length=64)
    bot = models.ForeignKey(Bot, on_delete=models.PROTECT, related_name="identities")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="messenger_identities"
    )
    username = models.CharField(_("username"), max_length=64, blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("messenger identity")
        verbose_name_plural = _("messenger identities")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_user_id"], name="messenger_identity_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.username or self.external_user_id}"


class UpdateOutcome(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("New ticket")
    MESSAGE_ADDED = "message_added", _("Added to a ticket")
    GREETED = "greeted", _("Greeted (/start)")
    IGNORED = "ignored", _("Ignored")


class InboundUpdate(models.Model):
    """Each update received once: a redelivery with the same update id changes nothing."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="updates")
    update_id = models.BigIntegerField()
    outcome = models.CharField(max_length=20, choices=UpdateOutcome.choices)
    # Why an update was ignored (group chat, sticker…), for the admin.
    detail = models.CharField(max_length=200, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("received update")
        verbose_name_plural = _("received updates")
        constraints = [
            models.UniqueConstraint(fields=["bot", "update_id"], name="messenger_update_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bot.bot_id}#{self.update_id}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundDelivery(models.Model):
    """An agent's public reply on its way back to the customer's messenger chat."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="messenger")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_message_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("messenger delivery")
        verbose_name_plural = _("messenger deliveries")

    def __str__(self) -> str:
        return f"{self.identity} {self.status}"
