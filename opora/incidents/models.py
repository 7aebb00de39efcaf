"""Incidents (problems): many tickets, one message to every affected customer, one resolution,
an outage banner while it is public, a timeline and a post-incident note."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from opora.tickets.models import Message, ResolutionCode, Ticket


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("internal description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    # Public: customers see the outage banner in the portal while the incident is open.
    is_public = models.BooleanField(_("show an outage banner"), default=False)
    banner_title = models.CharField(_("banner title (Russian)"), max_length=200, blank=True)
    banner_title_en = models.CharField(_("banner title (English)"), max_length=200, blank=True)
    banner_body = models.TextField(_("banner text (Russian)"), blank=True)
    banner_body_en = models.TextField(_("banner text (English)"), blank=True)
    post_incident_note = models.TextField(_("post-incident note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    tickets = models.ManyToManyField(
        Ticket, through="IncidentTicket", related_name="incidents", verbose_name=_("tickets")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["status", "is_public"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN

    def banner(self) -> dict[str, str]:
        """The banner in the active language, falling back to the other one."""
        english = (get_language() or "ru").startswith("en")
        first, second = (
            ((self.banner_title_en, self.banner_body_en), (self.banner_title, self.banner_body))
            if english
            else (
                (self.banner_title, self.banner_body),
                (self.banner_title_en, self.banner_body_en),
            )
        )
        title = first[0] or second[0] or self.title
        return {"title": title, "body": first[1] or second[1]}


class IncidentTicket(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="incident_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_ticket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ↔ #{self.ticket_id}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("opened the incident")
    LINKED = "linked", _("linked tickets")
    UNLINKED = "unlinked", _("unlinked a ticket")
    BROADCAST = "broadcast", _("messaged the affected customers")
    UPDATED = "updated", _("updated the incident")
    RESOLVED = "resolved", _("resolved the incident")
    NOTE = "note", _("wrote the post-incident note")


class IncidentEvent(models.Model):
    """The incident's timeline. Never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"


class Broadcast(models.Model):
    """One message to every ticket linked when it was sent; resolving sends one that solves."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="broadcasts")
    body = models.TextField(_("message"))
    solves = models.BooleanField(default=False)
    resolution_code = models.CharField(max_length=20, choices=ResolutionCode.choices, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.body[:40]}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("skipped")


class BroadcastDelivery(models.Model):
    """One ticket's copy of a broadcast. The row makes delivery idempotent: a retried task finds
    it sent and does not write to the customer twice."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "ticket"], name="broadcast_ticket_unique")
        ]
        indexes = [models.Index(fields=["broadcast", "state"])]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → #{self.ticket_id}: {self.state}"
