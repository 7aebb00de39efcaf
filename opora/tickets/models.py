"""The ticket core: conversations, their messages, and the history of every change."""

from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from opora.accounts.models import Team
from opora.customers.models import Customer, Organisation


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    PORTAL = "portal", _("Customer portal")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", _("Telegram")
    API = "api", _("API")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending customer")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# Statuses in which the ticket still needs work from support.
UNSOLVED_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")
    QUESTION = "question", _("Question")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")


class ResolutionCode(models.TextChoices):
    """How an incident was resolved, after Apple's definition of a resolved incident."""

    INFORMATION = "information", _("Information given")
    SOFTWARE_FIX = "software_fix", _("Software fix or instructions")
    KNOWN_ISSUE = "known_issue", _("Known issue or incompatibility")
    UPDATE = "update", _("Fixed by updating to a newer version")
    HARDWARE = "hardware", _("Hardware problem (repair)")
    THIRD_PARTY = "third_party", _("Third-party product")


class BilingualName(models.Model):
    """Reference data named in both first-class languages."""

    name = models.CharField(_("name (Russian)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        if (get_language() or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ContactReason(BilingualName):
    """Why the customer got in touch: a tree, the basis of root-cause analysis."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["parent_id", "name"]
        verbose_name = _("contact reason")
        verbose_name_plural = _("contact reasons")

    @property
    def path_label(self) -> str:
        """ "Billing › Refund": callers select_related the parent to keep this query-free."""
        return f"{self.parent.label} › {self.label}" if self.parent_id else self.label

    def __str__(self) -> str:
        return self.path_label


class Tag(models.Model):
    name = models.SlugField(_("name"), max_length=60, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    CHECKBOX = "checkbox", _("Checkbox")


class CustomField(BilingualName):
    """An extra ticket field an admin defines; values live in Ticket.custom_fields by key."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomFieldKind.choices, default=CustomFieldKind.TEXT
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.key


class TicketQuerySet(models.QuerySet):
    def unsolved(self) -> "TicketQuerySet":
        return self.filter(status__in=UNSOLVED_STATUSES)

    def for_list(self) -> "TicketQuerySet":
        """Everything a ticket list row shows, in a constant number of queries."""
        return self.select_related(
            "customer", "organisation", "team", "assignee", "reason", "reason__parent"
        ).prefetch_related("tags")


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=250)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    # Copied from the customer at creation so that moving a person between companies keeps history.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    type = models.CharField(
        _("type"), max_length=20, choices=TicketType.choices, default=TicketType.QUESTION
    )
    reason = models.ForeignKey(
        ContactReason,
        verbose_name=_("contact reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # "One owner": exactly one accountable agent, however many collaborators help.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collaborators"),
        blank=True,
        related_name="collaborating_tickets",
    )
    product = models.CharField(_("product"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    resolution_code = models.CharField(
        _("resolution code"), max_length=20, choices=ResolutionCode.choices, blank=True
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
    )
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "team"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["-updated_at"]),
            # API and desk lists: newest first, filtered by status; without it the database
            # sorts every ticket of that status to show one page.
            models.Index(fields=["status", "-created_at"], name="tickets_status_created"),
            # Reports select solved tickets by when they were solved (opora.analytics).
            models.Index(fields=["solved_at"], name="tickets_ticket_solved_at"),
        ]

    @property
    def number(self) -> int:
        return self.pk

    @property
    def reference(self) -> str:
        """The tag put in e-mail subjects so replies thread back: [#12345]."""
        return f"[#{self.pk}]"

    @property
    def is_unsolved(self) -> bool:
        return self.status in UNSOLVED_STATUSES

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(
        _("kind"), max_length=10, choices=MessageKind.choices, default=MessageKind.REPLY
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_messages",
    )
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    body = models.TextField(_("text"))
    # Sanitised (nh3) HTML as received from outside; empty when the message was plain text.
    body_html = models.TextField(blank=True)
    # Quoted history and signature from e-mail: collapsed in the timeline, never thrown away.
    quoted_text = models.TextField(blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.REPLY

    @property
    def from_customer(self) -> bool:
        return self.author_customer_id is not None

    @property
    def author_name(self) -> str:
        if self.author_user_id:
            return str(self.author_user)
        if self.author_customer_id:
            return str(self.author_customer)
        return "Opora"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never reuses the uploaded one: no path tricks, no collisions.
    return f"attachments/{instance.message.ticket_id}/{instance.checksum[:16]}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    checksum = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.filename


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate of")
    FOLLOW_UP = "follow_up", _("Follow-up of")
    SPLIT = "split", _("Split from")
    MERGED = "merged", _("Merged into")


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} {self.get_kind_display()} #{self.target_id}"


class AuditAction(models.TextChoices):
    CREATED = "created", _("created the ticket")
    CHANGED = "changed", _("changed")
    REPLIED = "replied", _("replied")
    NOTED = "noted", _("added an internal note")
    REOPENED = "reopened", _("reopened")
    ESCALATED = "escalated", _("escalated")
    MERGED = "merged", _("merged")
    LINKED = "linked", _("linked")
    SPLIT = "split", _("split")
    ATTACHED = "attached", _("attached a file")
    NOTIFIED = "notified", _("notified the customer")


@cache
def _audit_labels_of_other_areas() -> dict:
    """Other areas audit their own records on a ticket ("compensation", "work_order"…) and name
    them in their AppConfig's ``audit_field_labels``."""
    labels = {}
    for config in apps.get_app_configs():
        labels.update(getattr(config, "audit_field_labels", {}))
    return labels


class AuditEvent(models.Model):
    """Who changed what on a ticket, when, and from which value to which. Never edited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    via = models.CharField(max_length=20, default="web")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    field = models.CharField(max_length=60, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.action} {self.field}".strip()

    @property
    def field_label(self) -> str:
        """The changed field as people call it ("assignee" → "Исполнитель"), else its key."""
        try:
            return str(Ticket._meta.get_field(self.field).verbose_name)
        except FieldDoesNotExist:
            return str(_audit_labels_of_other_areas().get(self.field, self.field))

    @property
    def actor_name(self) -> str:
        if self.actor_id:
            return str(self.actor)
        if self.actor_customer_id:
            return str(self.actor_customer)
        return "Opora"


class CannedResponse(models.Model):
    """A reply template; {{ customer.name }}-style placeholders are filled per ticket."""

    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"))
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    language = models.CharField(_("language"), max_length=8, default="ru")

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.title


class SavedView(models.Model):
    """An agent's own ticket list: a name for a set of filters."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=500)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketViewer(models.Model):
    """Who has a ticket open right now, for collision notices. Rows older than a minute are stale."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    is_replying = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticket_viewer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on #{self.ticket_id}"
