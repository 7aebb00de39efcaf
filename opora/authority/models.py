"""Agent authority: what each role may grant a customer on its own, the grants and approval
requests made on tickets, and hand-offs to another team that come back with the answer."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Role, Team
from opora.tickets.models import Ticket

from .limits import Limit, Period


class CompensationKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit")
    REPLACEMENT = "replacement", _("Replacement")
    GOODWILL = "goodwill", _("Goodwill gesture")


class Currency(models.TextChoices):
    RUB = "RUB", _("Russian rouble (₽)")
    USD = "USD", _("US dollar ($)")
    EUR = "EUR", _("Euro (€)")


class LimitPeriod(models.TextChoices):
    DAY = Period.DAY.value, _("per day")
    WEEK = Period.WEEK.value, _("per week")
    MONTH = Period.MONTH.value, _("per month")


class AuthorityLimit(models.Model):
    """How much one person of a role may grant per action and how often per period.

    A row for a team overrides the role's general row for that team's tickets; a row for a kind
    overrides the row for all kinds."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: every team"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=CompensationKind.choices,
        blank=True,
        help_text=_("Empty: every kind"),
    )
    max_amount = models.DecimalField(
        _("maximum per grant"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    max_count = models.PositiveIntegerField(
        _("grants per period"), null=True, blank=True, help_text=_("Empty: no count limit")
    )
    period = models.CharField(
        _("period"), max_length=10, choices=LimitPeriod.choices, default=LimitPeriod.WEEK
    )

    class Meta:
        ordering = ["role", "team", "kind"]
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "kind"],
                condition=Q(team__isnull=True),
                name="authority_limit_role_kind_unique",
            ),
            models.UniqueConstraint(
                fields=["role", "team", "kind"],
                condition=Q(team__isnull=False),
                name="authority_limit_team_kind_unique",
            ),
        ]

    def as_limit(self) -> Limit:
        return Limit(
            max_amount=self.max_amount,
            currency=self.currency,
            period=Period(self.period),
            max_count=self.max_count,
        )

    def __str__(self) -> str:
        scope = self.team.name if self.team_id else _("all teams")
        kind = self.get_kind_display() if self.kind else _("all kinds")
        return f"{self.get_role_display()} · {scope} · {kind}"


class CompensationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")


class Compensation(models.Model):
    """A refund, credit, replacement or goodwill gesture for a ticket's customer.

    Granted at once within the requester's own limit; otherwise pending until the team lead
    approves it within *their* limit (then ``authorised_by`` is the lead) or rejects it."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="compensations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CompensationKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=CompensationStatus.choices)
    # The ticket's team when asked: its lead decides the request.
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="compensations_requested",
    )
    # Whose limit covered the grant: counts toward their grants per period.
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authorised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compensations_authorised",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compensations_decided",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    # Why it needed approval (limits.Outcome), kept for the report.
    over_limit = models.CharField(_("over the limit because"), max_length=20, blank=True)
    # A client's key for this request: a repeated submit returns the first grant.
    request_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    granted_at = models.DateTimeField(_("granted"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        indexes = [models.Index(fields=["authorised_by", "status", "granted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "request_key"],
                condition=~Q(request_key=""),
                name="compensation_request_key_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="compensation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} (#{self.ticket_id})"


class HandOffStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")


class HandOff(models.Model):
    """A question to another team about a ticket. The ticket goes to that team; their answer
    brings it back to the person who asked, so the customer never has to call elsewhere."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="hand_offs"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed off by"),
        on_delete=models.PROTECT,
        related_name="hand_offs_sent",
    )
    # Where the ticket returns with the answer.
    from_team = models.ForeignKey(
        Team,
        verbose_name=_("from team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hand_offs_sent",
    )
    to_team = models.ForeignKey(
        Team,
        verbose_name=_("to team"),
        on_delete=models.PROTECT,
        related_name="hand_offs_received",
    )
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HandOffStatus.choices, default=HandOffStatus.OPEN
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hand_offs_answered",
    )
    created_at = models.DateTimeField(_("handed off"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        constraints = [
            # One open question per ticket: the ticket can only be with one other team at once.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="open"),
                name="hand_off_one_open_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} → {self.to_team}"
