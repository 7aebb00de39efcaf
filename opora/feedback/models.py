"""Surveys, the invitations that carry them to customers, their answers, and the closed loop."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.core.errors import InvalidTransition
from opora.customers.models import Customer
from opora.tickets.models import BilingualName, Ticket

from .questions import validate_definition


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("CSAT: satisfaction")
    CES = "ces", _("CES: effort")
    NPS = "nps", _("NPS: likelihood to recommend")
    CUSTOM = "custom", _("Custom")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    END_CUSTOMERS = "end_customers", _("End customers (consumers)")
    PARTNERS = "partners", _("Partners and business customers")


class Survey(BilingualName):
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind.choices)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE
    )
    is_active = models.BooleanField(_("active"), default=True)
    # A score at or below this opens a follow-up for the team lead; empty: never.
    alert_at_or_below = models.SmallIntegerField(
        _("follow up scores at or below"), null=True, blank=True
    )

    class Meta:
        ordering = ["kind", "audience"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def current_version(self) -> "SurveyVersion | None":
        return self.versions.order_by("-number").first()

    def __str__(self) -> str:
        return self.label


class SurveyVersion(models.Model):
    """What exactly was asked. Once answered it never changes: a new wording is a new version."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    questions = models.JSONField(_("questions"))
    rules = models.JSONField(_("branching rules"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["survey", "-number"]
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique")
        ]

    @property
    def score_question(self) -> dict:
        return self.questions[0]

    def clean(self) -> None:
        validate_definition(self.questions, self.rules)

    def save(self, *args, **kwargs) -> None:
        if self.pk and Response.objects.filter(version_id=self.pk).exists():
            raise InvalidTransition(_("An answered survey version cannot change; add a new one"))
        validate_definition(self.questions, self.rules)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Customer portal")
    CHAT = "chat", _("Chat widget")


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """One survey offered to one customer, optionally about one ticket."""

    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="invitations"
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=InvitationChannel.choices)
    # Part of every signed link: rotating it revokes links already sent.
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [models.Index(fields=["customer", "-created_at"])]

    @property
    def survey(self) -> Survey:
        return self.version.survey

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def __str__(self) -> str:
        return f"{self.version} → {self.customer}"


class Response(models.Model):
    """A customer's answers, tied to the exact version they answered."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    # Copied from the survey so reports group by kind without a join through the version.
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind.choices, db_index=True)
    score = models.SmallIntegerField(_("score"))
    answers = models.JSONField(_("answers"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("answered"), default=timezone.now, db_index=True)
    # Set when the customer submits the rest of the survey; the score is final from then on.
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score}"


class SurveyExclusion(models.Model):
    """A customer never surveyed: frequent purchasers, purchasing agents, people who opted out."""

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="survey_exclusion",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey exclusion")
        verbose_name_plural = _("survey exclusions")

    def __str__(self) -> str:
        return str(self.customer)


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class FollowUp(models.Model):
    """The closed loop: a low score is a task for a person, with the outcome written down."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_follow_ups",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_follow_ups",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    due_at = models.DateTimeField(_("due"))
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["status", "due_at"]
        verbose_name = _("survey follow-up")
        verbose_name_plural = _("survey follow-ups")

    def __str__(self) -> str:
        return f"{self.response} ({self.get_status_display()})"


class CustomerProfile(models.Model):
    """Commercial facts about a customer the loyalty and quadrant views need."""

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="cx_profile"
    )
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=14, decimal_places=2, default=0
    )
    purchase_count = models.PositiveIntegerField(_("purchases"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")

    def __str__(self) -> str:
        return str(self.customer)


class ReviewRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")


class ReviewRequest(models.Model):
    """Some weeks after a purchase, one e-mail asking the customer to review it publicly.

    One per purchase (the asset), whatever happens: the row is the promise not to ask twice."""

    asset = models.OneToOneField(
        "entitlements.Asset",
        verbose_name=_("purchase"),
        on_delete=models.CASCADE,
        related_name="review_request",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="review_requests",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReviewRequestStatus.choices,
        default=ReviewRequestStatus.PENDING,
    )
    # Why it was not sent: no address, excluded, a complaint still open…
    skipped_because = models.CharField(_("not sent because"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return f"{self.asset} → {self.customer}"
