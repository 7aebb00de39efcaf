"""Field service: technicians (skills, service areas, working calendars) and the work orders that
send them on site for a ticket, with the appointment, what was done and the customer's sign-off."""

import secrets
from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import BilingualName, Ticket


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class Skill(BilingualName):
    code = models.SlugField(_("code"), max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class ServiceArea(BilingualName):
    """A city or district a technician can reach; its centre stands in for the job's location."""

    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")

    class Meta:
        ordering = ["name"]
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")


def default_work_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class Technician(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="technician"
    )
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True)
    areas = models.ManyToManyField(
        ServiceArea, verbose_name=_("service areas"), related_name="technicians", blank=True
    )
    base_area = models.ForeignKey(
        ServiceArea,
        verbose_name=_("base"),
        on_delete=models.PROTECT,
        related_name="based_technicians",
    )
    # Monday = 0 … Sunday = 6, hours in the base area's time zone.
    work_days = models.JSONField(_("working days"), default=default_work_days)
    work_start = models.TimeField(_("working day starts"), default=time(9))
    work_end = models.TimeField(_("working day ends"), default=time(18))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self) -> str:
        return str(self.user)


class Absence(models.Model):
    """Time a technician is not available (leave, training, sickness)."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="absence_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.technician}: {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


class WorkKind(models.TextChoices):
    INSTALLATION = "installation", _("Installation")
    REPAIR = "repair", _("Repair")
    MAINTENANCE = "maintenance", _("Maintenance")
    REPLACEMENT = "replacement", _("Replacement")
    DISPOSAL = "disposal", _("Disposal")


class WorkOrderStatus(models.TextChoices):
    NEW = "new", _("Awaiting dispatch")
    SCHEDULED = "scheduled", _("Awaiting customer confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    RESCHEDULE = "reschedule", _("Customer asked for another time")
    ON_SITE = "on_site", _("Technician on site")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# An appointment in these statuses holds the technician's time.
HOLDING_STATUSES = (WorkOrderStatus.SCHEDULED, WorkOrderStatus.CONFIRMED, WorkOrderStatus.ON_SITE)


class WorkOrder(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="work_orders")
    kind = models.CharField(_("kind"), max_length=20, choices=WorkKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.NEW
    )
    description = models.TextField(_("what is to be done"))
    area = models.ForeignKey(ServiceArea, verbose_name=_("area"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=300)
    required_skills = models.ManyToManyField(Skill, verbose_name=_("skills needed"), blank=True)
    # The customer's asset: the serial number always; the entitlements record when it is known.
    asset = models.ForeignKey(
        "entitlements.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(_("expected duration (minutes)"), default=120)
    technician = models.ForeignKey(
        Technician,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    scheduled_start = models.DateTimeField(_("appointment starts"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("appointment ends"), null=True, blank=True)
    # Set when the dispatcher chose someone or a time other than the first proposal.
    override_reason = models.CharField(_("reason for overriding"), max_length=300, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dispatched_work_orders",
    )
    # Changes with every new appointment, so links to an older one stop working.
    nonce = models.CharField(max_length=32, default=new_nonce)
    # The nonce of the appointment last mailed: a task run twice mails once.
    mailed_nonce = models.CharField(max_length=32, blank=True)
    customer_note = models.TextField(_("customer's note"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    signed_by = models.CharField(_("signed by"), max_length=200, blank=True)
    # A PNG data URL drawn on the technician's screen; or the customer ticked the box instead.
    signature = models.TextField(_("signature"), blank=True)
    customer_confirmed = models.BooleanField(_("customer confirmed the work"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="created_work_orders",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["technician", "scheduled_start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_start__isnull=True)
                | models.Q(scheduled_end__gt=models.F("scheduled_start")),
                name="work_order_slot_positive",
            )
        ]

    def __str__(self) -> str:
        return f"WO-{self.pk} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        return f"WO-{self.pk}"


class WorkOrderPart(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("part"), max_length=200)
    part_number = models.CharField(_("part number"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"
