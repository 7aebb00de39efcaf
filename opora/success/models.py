"""Customer success: the owner and dates of each organisation's account, lifecycle messages
defined as data, the record of each one sent (once per occasion), and usage signals."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.customers.models import Customer, Organisation


class HealthBand(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    WATCH = "watch", _("Watch")
    AT_RISK = "at_risk", _("At risk")


class Account(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="success_account"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    renewal_on = models.DateField(_("renewal date"), null=True, blank=True)
    # The last health assessment, refreshed daily and when signals arrive (lists read this).
    health_score = models.PositiveSmallIntegerField(_("health"), null=True, blank=True)
    health_band = models.CharField(
        _("health band"), max_length=10, choices=HealthBand.choices, blank=True
    )
    churn_reasons = models.JSONField(_("churn-risk signals"), default=list, blank=True)
    expansion_reasons = models.JSONField(_("expansion signals"), default=list, blank=True)
    health_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return str(self.organisation)


class LifecycleEvent(models.TextChoices):
    WELCOME = "welcome", _("Welcome (on sign-up)")
    ONBOARDING = "onboarding", _("Onboarding check (days after sign-up)")
    RENEWAL = "renewal", _("Renewal reminder (days before renewal)")
    ANNIVERSARY = "anniversary", _("Anniversary as a customer")
    BIRTHDAY = "birthday", _("Birthday")


class LifecycleMessage(models.Model):
    """A message sent on a lifecycle event, written by the success team in both languages."""

    name = models.CharField(_("name"), max_length=150)
    event = models.CharField(_("event"), max_length=20, choices=LifecycleEvent.choices)
    # Onboarding: days after sign-up; renewal: days before the renewal date; others ignore it.
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    subject_ru = models.CharField(_("subject (Russian)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_ru = models.TextField(_("text (Russian)"))
    body_en = models.TextField(_("text (English)"))
    # [{"title_ru": …, "title_en": …, "url": …}]: how-to links in the welcome mail.
    links = models.JSONField(_("how-to links"), default=list, blank=True)
    # ["…", …] per language: the onboarding checklist.
    checklist_ru = models.JSONField(_("checklist (Russian)"), default=list, blank=True)
    checklist_en = models.JSONField(_("checklist (English)"), default=list, blank=True)
    offer_ru = models.CharField(_("offer (Russian)"), max_length=300, blank=True)
    offer_en = models.CharField(_("offer (English)"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["event", "days"]
        verbose_name = _("lifecycle message")
        verbose_name_plural = _("lifecycle messages")

    def __str__(self) -> str:
        return self.name

    def text(self, language: str, field: str):
        return getattr(self, f"{field}_{'en' if language.startswith('en') else 'ru'}")


class CustomerDates(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="dates")
    birthday = models.DateField(_("birthday"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer dates")
        verbose_name_plural = _("customer dates")

    def __str__(self) -> str:
        return str(self.customer)


class LifecycleDelivery(models.Model):
    """One lifecycle message to one person on one occasion; the constraint makes it once."""

    message = models.ForeignKey(
        LifecycleMessage, on_delete=models.PROTECT, related_name="deliveries"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lifecycle_deliveries"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the occasion was: "signup", "renewal:2027-03-01", "anniversary:2027", …
    occasion = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lifecycle message sent")
        verbose_name_plural = _("lifecycle messages sent")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "customer", "occasion"], name="lifecycle_once_per_occasion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.customer} ({self.occasion})"


class UsageSignal(models.Model):
    """A product-usage figure for an organisation on a day, posted by the product via the API."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="usage_signals"
    )
    metric = models.SlugField(_("metric"), max_length=60)
    value = models.FloatField(_("value"))
    recorded_on = models.DateField(_("day"))
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-recorded_on"]
        verbose_name = _("usage signal")
        verbose_name_plural = _("usage signals")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "metric", "recorded_on"], name="usage_signal_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.metric} {self.recorded_on}: {self.value}"
