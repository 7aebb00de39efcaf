"""The e-mail channel's own records: mailboxes, every inbound message as received, and the
envelope (Message-ID, delivery state) of each ticket message that travelled by e-mail."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team
from opora.tickets.models import Message, Ticket


class AuthMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    XOAUTH2 = "xoauth2", _("OAuth2 (XOAUTH2)")


class Mailbox(models.Model):
    """An address customers write to. Secrets are never stored here: `secret_env` names the
    environment variable holding the IMAP password or OAuth2 access token."""

    address = models.EmailField(_("address"), unique=True)
    name = models.CharField(_("sender name"), max_length=100, default="Opora")
    team = models.ForeignKey(
        Team,
        verbose_name=_("team for new tickets"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    is_active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_username = models.CharField(_("IMAP login"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=100, default="INBOX")
    imap_processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=100,
        blank=True,
        help_text=_("Empty: only mark as seen"),
    )
    auth_method = models.CharField(
        _("authentication"), max_length=10, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )
    secret_env = models.CharField(
        _("environment variable with the secret"), max_length=100, blank=True
    )

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address


class InboundStatus(models.TextChoices):
    TICKET_CREATED = "created", _("New ticket")
    THREADED = "threaded", _("Added to a ticket")
    IGNORED = "ignored", _("Ignored (automatic mail)")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundMail(models.Model):
    """One row per distinct message received, kept raw: the proof of what arrived.

    The unique Message-ID and content hash make a second delivery of the same mail a no-op."""

    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    received_via = models.CharField(max_length=10)
    message_id = models.CharField(max_length=998, blank=True)  # "" when the mail had none
    content_hash = models.CharField(max_length=64, unique=True)
    raw = models.BinaryField()
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=12, choices=InboundStatus.choices)
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mail")
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="inbound_message_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class Direction(models.TextChoices):
    INBOUND = "in", _("Received")
    OUTBOUND = "out", _("Sent")


class Delivery(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class EmailEnvelope(models.Model):
    """How a ticket message travelled by mail: its Message-ID (for threading) and delivery state."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="email")
    # The RFC 5322 Message-ID header, without <>.
    rfc_message_id = models.CharField(max_length=998, unique=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    recipient = models.CharField(max_length=254, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.rfc_message_id
