"""The improvement backlog: problems found in tickets, contact-reason trends, survey comments,
QA and audits, and agents' ideas, prioritised by the eight factors and measured afterwards."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import ContactReason, Ticket

from . import scoring


class Factor(models.TextChoices):
    SAFETY = "safety", _("Safety")
    FREQUENCY = "frequency", _("Frequency")
    SCALE = "scale", _("Scale")
    URGENCY = "urgency", _("Urgency")
    SEGMENT = "segment", _("Customer segment")
    PREVENTION = "prevention", _("Prevention")
    BRAND = "brand", _("Brand impact")
    STRATEGY = "strategy", _("Strategy")


class FactorWeight(models.Model):
    """How much one factor counts in the score; admins tune these, scores follow at once."""

    factor = models.CharField(_("factor"), max_length=20, choices=Factor.choices, unique=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        ordering = ["factor"]
        verbose_name = _("factor weight")
        verbose_name_plural = _("factor weights")

    def __str__(self) -> str:
        return f"{self.get_factor_display()}: {self.weight}"


class SourceKind(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    REASON_TREND = "reason_trend", _("Contact-reason trend")
    SURVEY = "survey", _("Survey comment")
    QA = "qa", _("QA review")
    AUDIT = "audit", _("Mystery-shopper audit")
    IDEA = "idea", _("Agents' idea")
    VOICE = "voice", _("Outside voice")
    MANUAL = "manual", _("Entered by hand")


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("In the backlog")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (ItemStatus.PROPOSED, ItemStatus.ACCEPTED, ItemStatus.IN_PROGRESS)


def _rating(label: str, *, null: bool = False) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        default=None if null else 0,
        null=null,
        blank=null,
        validators=[MaxValueValidator(scoring.MAX_RATING)],
    )


class ImprovementItem(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source_kind = models.CharField(
        _("source"), max_length=20, choices=SourceKind.choices, default=SourceKind.MANUAL
    )
    # What it came from, e.g. a ticket number, a survey response id, a QA review id.
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PROPOSED
    )
    safety = _rating(_("safety"))
    # Empty: derived from the number of linked tickets.
    frequency = _rating(_("frequency"), null=True)
    scale = _rating(_("scale"))
    urgency = _rating(_("urgency"))
    segment = _rating(_("customer segment"))
    prevention = _rating(_("prevention"))
    brand = _rating(_("brand impact"))
    strategy = _rating(_("strategy"))
    # Kept up to date by services.rescore so the backlog sorts in SQL.
    score = models.FloatField(_("score"), default=0, editable=False)
    is_safety = models.BooleanField(_("safety issue"), default=False, editable=False)
    # The owner may sit outside support: a colleague with a login, or a name and department.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_items",
    )
    owner_name = models.CharField(_("owner (name)"), max_length=150, blank=True)
    owner_department = models.CharField(_("owner's department"), max_length=150, blank=True)
    tickets = models.ManyToManyField(
        Ticket,
        verbose_name=_("linked tickets"),
        through="ItemTicket",
        related_name="improvement_items",
        blank=True,
    )
    reasons = models.ManyToManyField(
        ContactReason,
        verbose_name=_("contact reasons"),
        related_name="improvement_items",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_items_created",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-is_safety", "-score", "created_at", "pk"]
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")
        indexes = [models.Index(fields=["status", "-is_safety", "-score"])]
        constraints = [
            # The same problem from the same source is one item: creating it again returns it.
            models.UniqueConstraint(
                fields=["source_kind", "source_ref", "title"],
                condition=~Q(source_ref=""),
                name="improvement_item_source_unique",
            )
        ]

    @property
    def owner_label(self) -> str:
        if self.owner_id:
            return str(self.owner)
        return ", ".join(part for part in (self.owner_name, self.owner_department) if part)

    def ratings(self, linked_tickets: int = 0) -> dict[str, int]:
        ratings = {factor: getattr(self, factor) for factor in scoring.FACTORS}
        if ratings["frequency"] is None:
            ratings["frequency"] = scoring.frequency_from_tickets(linked_tickets)
        return ratings

    def __str__(self) -> str:
        return self.title


class ItemTicket(models.Model):
    item = models.ForeignKey(ImprovementItem, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="improvement_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "ticket"], name="improvement_ticket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} ↔ #{self.ticket_id}"


class IdeaStatus(models.TextChoices):
    OPEN = "open", _("Open for votes")
    ACCEPTED = "accepted", _("Accepted into the backlog")
    DECLINED = "declined", _("Declined")


class Idea(models.Model):
    """An agent's improvement idea: colleagues upvote it, a lead takes it into the backlog."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="improvement_ideas",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.OPEN
    )
    item = models.OneToOneField(
        ImprovementItem,
        verbose_name=_("backlog item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="idea",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")

    def __str__(self) -> str:
        return self.title


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "voter"], name="idea_vote_unique")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.idea_id}"
