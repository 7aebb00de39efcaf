"""Analytics keeps no copy of tickets: only the business calendar laid out as UTC spans (so
business time is a SQL join) and the scheduled e-mail reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opora.sla.models import BusinessCalendar


class WorkingSpan(models.Model):
    """One working interval of a business calendar, in UTC: ``[starts_at, ends_at)``."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["calendar", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "starts_at"], name="working_span_unique")
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class SpanCoverage(models.Model):
    """Which days of a calendar are laid out, and from which version of the calendar."""

    calendar = models.OneToOneField(BusinessCalendar, on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    calendar_updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.calendar_id}: {self.first_day}..{self.last_day}"


class ReportKind(models.TextChoices):
    SUMMARY = "summary", _("Key figures")
    VOLUME = "volume", _("Contact volume")
    CSAT = "csat", _("CSAT breakdown")
    REASONS = "reasons", _("Top contact reasons")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly (Mondays)")


class ScheduledReport(models.Model):
    """A report e-mailed as an XLSX file, computed with its owner's permissions."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduled_reports"
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    recipients = models.JSONField(_("recipients"), default=list)
    # The same filter keys as the dashboard's query string (team, channel, agent, reason).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    period_days = models.PositiveSmallIntegerField(_("period (days)"), default=7)
    is_active = models.BooleanField(_("active"), default=True)
    last_sent_on = models.DateField(_("last sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- daily rollups
# Reports over long periods read these instead of every ticket (opora/analytics/rollups.py).
# Dimension columns hold plain keys, not foreign keys: a rollup is a report, not a reference.


class Grain(models.TextChoices):
    """How finely a rollup row is split: all tickets of the day, one dimension, or a cell."""

    ALL = "all", _("All")
    TEAM = "team", _("Team")
    CHANNEL = "channel", _("Channel")
    REASON = "reason", _("Contact reason")
    CELL = "cell", _("Team, channel and reason")


class RollupDay(models.Model):
    """A day whose rollups are built, and with which business calendar version."""

    day = models.DateField(primary_key=True)
    built_at = models.DateTimeField()
    calendar_id = models.IntegerField(null=True)
    calendar_updated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.day}"


class DailyTicketRollup(models.Model):
    """Ticket figures of one day (site time zone) for one grain and key. Tickets count on the
    day of the event each figure is about: created, solved, SLA target started, chat queued,
    call started. ``histograms`` maps a duration name to its histogram in the dense form of
    histogram.dense: ``[first bucket, count, …]``."""

    day = models.DateField()
    grain = models.CharField(max_length=8, choices=Grain.choices)
    team = models.IntegerField(null=True)
    # NULL, not "": like the raw reports' outer join, no ticket (a ticketless chat) has none.
    channel = models.CharField(max_length=20, null=True)  # noqa: DJ001
    reason = models.IntegerField(null=True)
    created = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    first_contact = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    chat_offered = models.PositiveIntegerField(default=0)
    chat_answered = models.PositiveIntegerField(default=0)
    chat_abandoned = models.PositiveIntegerField(default=0)
    phone_offered = models.PositiveIntegerField(default=0)
    phone_answered = models.PositiveIntegerField(default=0)
    # {duration name: [count, sum of seconds]} for frt, resolution, business, chat_wait,
    # chat_handle, phone_wait, phone_handle.
    sums = models.JSONField(default=dict)
    histograms = models.JSONField(default=dict)
    created_by_hour = models.JSONField(default=dict)
    # {target kind: [met, missed]}
    sla = models.JSONField(default=dict)

    class Meta:
        # Reports read one grain over a range of days; the job replaces one day.
        indexes = [models.Index(fields=["grain", "day"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.team}/{self.channel}/{self.reason}"


class DailyResponseRollup(models.Model):
    """Survey responses answered on one day, counted per score and the surveyed ticket's
    channel, team, assignee and reason (all empty for relationship surveys)."""

    day = models.DateField()
    kind = models.CharField(max_length=10)
    score = models.SmallIntegerField()
    channel = models.CharField(max_length=20, null=True)  # noqa: DJ001 (see DailyTicketRollup)
    team = models.IntegerField(null=True)
    agent = models.IntegerField(null=True)
    reason = models.IntegerField(null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "kind"])]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.score}: {self.count}"
