"""Live chat: a chat session wraps one ticket; every line is also a ticket Message.

Wait and handle times are read straight off ChatSession (the analytics app relies on
these field names): queue wait = accepted_at − queued_at, handle time = ended_at − accepted_at.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team
from opora.tickets.models import Message, Ticket


class ChatStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting in queue")
    ACTIVE = "active", _("With an agent")
    ENDED = "ended", _("Ended")


class ChatSessionQuerySet(models.QuerySet):
    def waiting(self) -> "ChatSessionQuerySet":
        return self.filter(status=ChatStatus.QUEUED)

    def live(self) -> "ChatSessionQuerySet":
        return self.exclude(status=ChatStatus.ENDED)


class ChatSession(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="chat_sessions"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_sessions",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_sessions",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ChatStatus.choices, default=ChatStatus.QUEUED
    )
    queued_at = models.DateTimeField(_("queued"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # The customer left before any agent answered.
    abandoned = models.BooleanField(_("abandoned"), default=False)
    # A transfer offered to one colleague; the chat stays with its agent until they accept.
    transfer_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("offered to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transfer_team = models.ForeignKey(
        Team,
        verbose_name=_("offered to team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set while the customer's socket is gone; a queued chat left this way long enough is abandoned.
    customer_left_at = models.DateTimeField(null=True, blank=True)
    # Highest sequence number used so far; lines are numbered 1, 2, 3… per chat.
    last_seq = models.PositiveIntegerField(default=0)
    # The CSAT invitation offered in the widget after the chat ended.
    csat_invitation = models.ForeignKey(
        "feedback.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ChatSessionQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at"]
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [models.Index(fields=["status", "team", "queued_at"])]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.get_status_display()})"


class LineKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatLine(models.Model):
    """One numbered event of a chat, kept so a reconnecting client can be sent what it missed."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    author_name = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    # The ticket timeline entry for customer and agent lines (system lines have none).
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_line"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="chat_line_unique_seq")
        ]
        indexes = [
            # Lines not on their ticket yet: a handful at any time, swept by the scheduler.
            models.Index(
                fields=["created_at"],
                condition=models.Q(message__isnull=True) & ~models.Q(kind=LineKind.SYSTEM),
                name="chat_line_unfiled",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class ChatSettings(models.Model):
    """Chat-wide settings; the first row is used (an admin edits it)."""

    hours = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("opening hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Outside these hours the widget shows a ticket form. Empty: always open."),
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team answering chats"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the default team for new tickets."),
    )
    max_chats_per_agent = models.PositiveSmallIntegerField(_("chats at once per agent"), default=3)

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return str(_("Chat settings"))


class AgentChatLimit(models.Model):
    """A per-agent override of how many chats they handle at once."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="chat_limit",
    )
    max_chats = models.PositiveSmallIntegerField(_("chats at once"))

    class Meta:
        verbose_name = _("agent chat limit")
        verbose_name_plural = _("agent chat limits")

    def __str__(self) -> str:
        return f"{self.agent}: {self.max_chats}"
