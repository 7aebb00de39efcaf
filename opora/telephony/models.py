"""Phone contacts: calls logged on tickets and callback tasks with a due time."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.customers.models import Customer
from opora.tickets.models import Ticket


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved on the call")
    FOLLOW_UP_NEEDED = "follow_up_needed", _("Follow-up needed")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    BUSY = "busy", _("Line busy")
    MISSED = "missed", _("Missed (not answered by us)")


# Outcomes in which the two parties actually spoke; the rest are attempts.
CONNECTED_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.FOLLOW_UP_NEEDED})


class CallQuerySet(models.QuerySet):
    def answered(self) -> "CallQuerySet":
        return self.filter(answered_at__isnull=False)


class Call(models.Model):
    """One phone call on a ticket, inbound or outbound, answered or not.

    `duration_seconds` is talk time (answered → ended); unanswered calls have 0.
    """

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("talk time (seconds)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    # The callback this call was an attempt at, if any.
    callback = models.ForeignKey(
        "Callback",
        verbose_name=_("callback"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    # The telephony provider's id of the call: webhook deliveries are de-duplicated on it.
    provider_call_id = models.CharField(_("provider call ID"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["ticket", "-started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_call_id"],
                condition=~models.Q(provider_call_id=""),
                name="call_provider_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.ticket_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def talk_time(self) -> str:
        """Talk time as people read it: "3:20", "1:02:05"."""
        minutes, seconds = divmod(self.duration_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class CallbackSource(models.TextChoices):
    PORTAL = "portal", _("Customer portal")
    WEB_FORM = "web_form", _("Web form")
    MISSED_CALL = "missed_call", _("Missed call")
    AGENT = "agent", _("Agent")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Could not reach")
    CANCELLED = "cancelled", _("Cancelled")


class CallbackQuerySet(models.QuerySet):
    def pending(self) -> "CallbackQuerySet":
        return self.filter(status=CallbackStatus.PENDING)

    def overdue(self, now=None) -> "CallbackQuerySet":
        return self.pending().filter(due_at__lt=now or timezone.now())

    def queue_order(self) -> "CallbackQuerySet":
        """Soonest due first, so overdue callbacks (due in the past) head the queue."""
        return self.order_by("due_at", "id")


class Callback(models.Model):
    """A promise to call a customer back by `due_at` (the callback SLA)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="callbacks"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="callbacks"
    )
    # Stored in E.164 ("+74951234567") so that the same number always compares equal.
    phone = models.CharField(_("phone number"), max_length=40)
    name = models.CharField(_("name"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=250, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CallbackSource.choices)
    preferred_at = models.DateTimeField(_("preferred time"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_callbacks",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            # One open promise per number: a double submit or a second missed call joins it.
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(status="pending"),
                name="callback_one_pending_per_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == CallbackStatus.PENDING

    def is_overdue(self, now=None) -> bool:
        return self.is_pending and self.due_at < (now or timezone.now())
