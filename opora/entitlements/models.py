"""Products, the customers' assets (by serial number), support plans and their coverage rules,
and the coverage flag on tickets."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.customers.models import Customer
from opora.sla.models import SlaPolicy
from opora.tickets.models import BilingualName, Channel, Ticket

from .coverage import Term, TermUnit


class Product(BilingualName):
    sku = models.SlugField(_("product code"), max_length=60, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.label


class PlanKind(models.TextChoices):
    # Comes with every purchase of the plan's products, from the purchase date.
    INCLUDED = "included", _("Included with the purchase")
    # Bought separately for one asset, with its own start date.
    PAID = "paid", _("Paid plan")


class Covers(models.TextChoices):
    SUPPORT = "support", _("Support")
    HARDWARE = "hardware", _("Limited hardware warranty")


class SupportPlan(BilingualName):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PlanKind.choices)
    covers = models.CharField(
        _("covers"), max_length=10, choices=Covers.choices, default=Covers.SUPPORT
    )
    products = models.ManyToManyField(
        Product,
        verbose_name=_("products"),
        related_name="plans",
        help_text=_("Included plans apply to these products; paid plans may be sold for them."),
    )
    term_unit = models.CharField(
        _("term unit"),
        max_length=10,
        choices=[
            (TermUnit.DAYS.value, _("days")),
            (TermUnit.MONTHS.value, _("months")),
            (TermUnit.YEARS.value, _("years")),
        ],
    )
    term_length = models.PositiveIntegerField(_("term length"))
    # Empty: every channel.
    channels = models.JSONField(_("covered channels"), default=list, blank=True)
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_plans",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_length__gte=1), name="plan_term_positive"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def term(self) -> Term:
        return Term(TermUnit(self.term_unit), self.term_length)

    def covers_channel(self, channel: str | None) -> bool:
        return not channel or not self.channels or channel in self.channels

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(value).label) for value in self.channels if value in Channel.values]


class Asset(models.Model):
    """A product a customer owns, known by its serial number."""

    serial = models.CharField(_("serial number"), max_length=100, unique=True)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="assets"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="assets"
    )
    # A local date in the customer's time zone.
    purchased_on = models.DateField(_("purchase date"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self) -> str:
        return f"{self.product} {self.serial}"


class AssetPlan(models.Model):
    """A paid plan bought for one asset, running from its own start date."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="paid_plans")
    plan = models.ForeignKey(SupportPlan, verbose_name=_("plan"), on_delete=models.PROTECT)
    starts_on = models.DateField(_("starts on"))

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "plan", "starts_on"], name="asset_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset.serial}: {self.plan} from {self.starts_on}"


class Reason(models.TextChoices):
    COVERED = "covered", _("Covered")
    UNKNOWN_SERIAL = "unknown_serial", _("Serial number not registered")
    EXPIRED = "expired", _("Coverage has expired")
    NOT_STARTED = "not_started", _("Coverage has not started yet")
    NO_PLAN = "no_plan", _("No support plan for this product")
    CHANNEL = "channel", _("This channel is not covered by the plan")


class TicketCoverage(models.Model):
    """The coverage check of a ticket's serial number: a flag for the agent, never a refusal."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="coverage")
    serial = models.CharField(_("serial number"), max_length=100)
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket_checks"
    )
    reason = models.CharField(_("result"), max_length=20, choices=Reason.choices)
    covered_until = models.DateField(_("covered until"), null=True, blank=True)
    plan = models.ForeignKey(
        SupportPlan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.SET_NULL
    )
    checked_at = models.DateTimeField(_("checked"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("ticket coverage")
        verbose_name_plural = _("ticket coverage")
        indexes = [models.Index(fields=["reason"])]

    @property
    def is_flagged(self) -> bool:
        return self.reason != Reason.COVERED

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.serial}: {self.reason}"
