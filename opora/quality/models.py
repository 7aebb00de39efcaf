"""QA scorecards, reviews, calibration, disputes and recognition; mystery-shopper audits."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import Channel

from .scoring import CriterionKind, CriterionSpec


class CriterionKindChoice(models.TextChoices):
    YES_NO = CriterionKind.YES_NO.value, _("Yes / no")
    SCALE = CriterionKind.SCALE.value, _("Scale")


class CriterionFields(models.Model):
    """What a scorecard criterion and an audit checklist item share: the scoring rules."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("guidance"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CriterionKindChoice.choices, default="yes_no"
    )
    scale_max = models.PositiveSmallIntegerField(
        _("highest value on the scale"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    allows_na = models.BooleanField(_("N/A allowed"), default=False)
    auto_fail = models.BooleanField(_("auto-fail"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def spec(self) -> CriterionSpec:
        return CriterionSpec(
            key=self.pk,
            weight=self.weight,
            kind=CriterionKind(self.kind),
            scale_max=self.scale_max,
            allows_na=self.allows_na,
            auto_fail=self.auto_fail,
        )

    @property
    def choices(self) -> list[int]:
        highest = 1 if self.kind == CriterionKind.YES_NO else self.scale_max
        return list(range(highest + 1))

    def __str__(self) -> str:
        return self.title


class AnswerFields(models.Model):
    # None means N/A.
    value = models.PositiveSmallIntegerField(_("value"), null=True, blank=True)
    # value / highest, stored so per-criterion figures are SQL aggregates.
    ratio = models.FloatField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True


# ---- QA scorecards ------------------------------------------------------------------------


class Scorecard(models.Model):
    name = models.CharField(_("name"), max_length=150)
    # Blank: the scorecard fits every channel.
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return self.name


class Criterion(CriterionFields):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")

    class Meta(CriterionFields.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")


class Reviewer(models.Model):
    """A staff member who scores interactions besides managers (e.g. a senior agent)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_reviewer"
    )

    class Meta:
        verbose_name = _("QA reviewer")
        verbose_name_plural = _("QA reviewers")

    def __str__(self) -> str:
        return str(self.user)


class SampleReason(models.TextChoices):
    RANDOM = "random", _("Random sample")
    LOW_CSAT = "low_csat", _("Low CSAT")
    REOPENED = "reopened", _("Reopened")


class SampleRun(models.Model):
    """One draw of interactions to review: per agent, per period, reproducible from its seed."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="samples")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    per_agent = models.PositiveSmallIntegerField(_("random tickets per agent"), default=5)
    seed = models.BigIntegerField(_("seed"))
    # Rule-based additions, e.g. {"csat_at_most": 2, "reopened": true}.
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")

    def __str__(self) -> str:
        return f"{self.scorecard_id}: {self.period_start}–{self.period_end}"


class SampledTicket(models.Model):
    run = models.ForeignKey(SampleRun, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("why sampled"), max_length=12, choices=SampleReason.choices)

    class Meta:
        ordering = ["agent_id", "ticket_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "ticket"], name="quality_sample_ticket_once")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.ticket_id}"


class Calibration(models.Model):
    """Several reviewers score the same interaction; the spread shows where they disagree."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="calibrations")
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")

    def __str__(self) -> str:
        return self.title


class ReviewQuerySet(models.QuerySet):
    def counted(self) -> "ReviewQuerySet":
        """Reviews that count towards an agent's figures: not calibration, not overturned."""
        return self.filter(calibration__isnull=True).exclude(dispute__status="overturned")


class Review(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    # The agent reviewed (the ticket's assignee when scored) and their team then.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_reviews"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews_written"
    )
    calibration = models.ForeignKey(
        Calibration, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    sampled = models.ForeignKey(
        SampledTicket, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    score = models.FloatField(_("score, %"), null=True)
    auto_failed = models.BooleanField(_("auto-failed"), default=False)
    routine = models.BooleanField(_("routine ticket"), default=False)
    comment = models.TextField(_("reviewer's comment"), blank=True)
    created_at = models.DateTimeField(_("scored"), default=timezone.now, db_index=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        constraints = [
            # Once per reviewer for the agent's record, and once more in each calibration.
            models.UniqueConstraint(
                fields=["ticket", "scorecard", "reviewer"],
                condition=models.Q(calibration__isnull=True),
                name="quality_review_once_per_reviewer",
            ),
            models.UniqueConstraint(
                fields=["calibration", "reviewer"],
                condition=models.Q(calibration__isnull=False),
                name="quality_calibration_once_per_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["agent", "created_at"])]

    @property
    def flawless(self) -> bool:
        return self.score == 100 and not self.auto_failed

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"


class ReviewAnswer(AnswerFields):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="quality_answer_once")
        ]

    @property
    def subject(self) -> Criterion:
        return self.criterion

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


class ReviewComment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Review upheld")
    OVERTURNED = "overturned", _("Review overturned")


class Dispute(models.Model):
    """The agent contests a review; a manager upholds it or overturns it (then it stops counting)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="dispute")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.review_id}: {self.status}"


class Recognition(models.Model):
    """Flawless routine work, recognised: N flawless reviews in a row on routine tickets."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_recognitions"
    )
    streak = models.PositiveSmallIntegerField(_("flawless reviews in a row"))
    # The review that completed the streak; one recognition per streak.
    last_review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.streak}"


# ---- Mystery-shopper audits ---------------------------------------------------------------


class VisitType(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone call")
    ONLINE = "online", _("Online")
    HOME_VISIT = "home_visit", _("Home visit (staff come to the shopper)")


class AuditArea(models.TextChoices):
    """What a shopper checks (from the mystery-shopping seed)."""

    COMPETENCE = "competence", _("Competence and professionalism")
    POLITENESS = "politeness", _("Politeness")
    SPEED = "speed", _("Speed of service")
    KNOWLEDGE = "knowledge", _("Product knowledge")
    APPEARANCE = "appearance", _("Staff appearance")
    PREMISES = "premises", _("Premises")
    DISPLAY = "display", _("Product display")
    SPEECH = "speech", _("Speech")
    COMPLIANCE = "compliance", _("Compliance with instructions")
    PROBLEMS = "problems", _("Handling problem situations (returns, defects)")


class AuditProgramme(models.Model):
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    wave_interval_days = models.PositiveSmallIntegerField(
        _("days between waves"), default=90, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(CriterionFields):
    programme = models.ForeignKey(
        AuditProgramme, on_delete=models.CASCADE, related_name="checklist"
    )
    area = models.CharField(_("area"), max_length=12, choices=AuditArea.choices)

    class Meta(CriterionFields.Meta):
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")


class ShopperProfile(models.TextChoices):
    ANY = "", _("Any")
    STUDENT = "student", _("Student")
    FAMILY = "family", _("Family with children")
    BUSINESS = "business", _("Business customer")
    SENIOR = "senior", _("Senior")


class Scenario(models.Model):
    programme = models.ForeignKey(
        AuditProgramme, on_delete=models.CASCADE, related_name="scenarios"
    )
    title = models.CharField(_("title"), max_length=200)
    script = models.TextField(_("script"), blank=True)
    visit_type = models.CharField(_("visit type"), max_length=12, choices=VisitType.choices)
    # Who may play the scenario: the shopper must fit.
    min_age = models.PositiveSmallIntegerField(_("youngest shopper"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest shopper"), null=True, blank=True)
    profile = models.CharField(
        _("shopper profile"), max_length=10, choices=ShopperProfile.choices, blank=True
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Location(models.Model):
    """A shop, branch, contact centre or back-office department under audit."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=250, blank=True)
    back_office = models.BooleanField(_("back office"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name


class Wave(models.Model):
    programme = models.ForeignKey(AuditProgramme, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField(_("wave"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))

    class Meta:
        ordering = ["programme_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="quality_wave_number")
        ]

    def __str__(self) -> str:
        return f"{self.programme} #{self.number}"


class Shopper(models.Model):
    """A mystery shopper: a customer-role login (not staff, so they cannot see inside)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shopper"
    )
    city = models.CharField(_("city"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    profile = models.CharField(
        _("profile"), max_length=10, choices=ShopperProfile.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mystery shopper")
        verbose_name_plural = _("mystery shoppers")

    def __str__(self) -> str:
        return str(self.user)


class VisitStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    SUBMITTED = "submitted", _("Submitted")


class AuditVisit(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="visits")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="visits")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="visits")
    shopper = models.ForeignKey(Shopper, on_delete=models.PROTECT, related_name="visits")
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.ASSIGNED
    )
    visited_at = models.DateTimeField(_("visited"), null=True, blank=True)
    score = models.FloatField(_("score, %"), null=True, blank=True)
    auto_failed = models.BooleanField(default=False)
    summary = models.TextField(_("impressions"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["wave__number", "location__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "location", "scenario", "shopper"], name="quality_visit_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.location_id} / {self.wave_id}"


class AuditAnswer(AnswerFields):
    visit = models.ForeignKey(AuditVisit, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")

    class Meta:
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="quality_audit_answer_once")
        ]

    @property
    def subject(self) -> ChecklistItem:
        return self.item

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class EvidenceKind(models.TextChoices):
    AUDIO = "audio", _("Audio recording")
    PHOTO = "photo", _("Photo")
    VIDEO = "video", _("Video")
    SCREENSHOT = "screenshot", _("Screenshot")
    RECEIPT = "receipt", _("Receipt")


class Evidence(models.Model):
    visit = models.ForeignKey(AuditVisit, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=12, choices=EvidenceKind.choices)
    file = models.FileField(upload_to="audit-evidence/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.filename
