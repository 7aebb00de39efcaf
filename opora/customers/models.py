"""The people and organisations Opora serves."""

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    BUSINESS = "business", _("Business")
    VIP = "vip", _("VIP")


class OrganisationKind(models.TextChoices):
    B2B = "b2b", _("Business (B2B)")
    B2C = "b2c", _("Consumer (B2C)")


class OrganisationQuerySet(models.QuerySet):
    def with_domain(self, domain: str) -> "OrganisationQuerySet":
        """Case-insensitive match on the e-mail domain, through the index on LOWER(domain)."""
        return self.alias(domain_lower=Lower("domain")).filter(domain_lower=domain.strip().lower())


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=3, choices=OrganisationKind.choices, default=OrganisationKind.B2B
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    domain = models.CharField(_("e-mail domain"), max_length=200, blank=True)
    inn = models.CharField(_("INN (taxpayer number)"), max_length=12, blank=True)
    # When set, every member may follow all of the organisation's tickets in the portal.
    shared_tickets = models.BooleanField(_("members see each other's tickets"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # Inbound mail from a new sender looks up the organisation of its domain.
        indexes = [models.Index(Lower("domain"), name="organisation_domain_ci")]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def with_email(self, address: str) -> "CustomerQuerySet":
        """Case-insensitive match that uses the unique index on LOWER(email)."""
        return self.with_emails([address])

    def with_emails(self, addresses: Iterable[str]) -> "CustomerQuerySet":
        """Customers with any of these addresses, matched case-insensitively through the unique
        index on LOWER(email). That index is partial (blank e-mails are not unique), so the query
        repeats its condition: without it neither PostgreSQL nor SQLite may use the index and
        both read every customer."""
        return (
            self.alias(email_lower=Lower("email"))
            .filter(email_lower__in={address.strip().lower() for address in addresses})
            .exclude(email="")
        )


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    # Who pays, where that differs from the person asking (an employer, a parent, a reseller).
    purchaser = models.ForeignKey(
        "self",
        verbose_name=_("purchaser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="end_users",
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ru")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    external_id = models.CharField(
        _("external ID (login, contract number)"), max_length=100, blank=True
    )
    # The customer's portal login, once they have one and proved they own the e-mail address.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="customer_email_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_tier(self) -> str:
        """The higher of the person's and the organisation's tier: a VIP account makes its people VIP."""
        order = [Tier.STANDARD, Tier.BUSINESS, Tier.VIP]
        tiers = [self.tier] + ([self.organisation.tier] if self.organisation_id else [])
        return max(tiers, key=order.index)
