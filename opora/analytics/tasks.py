"""Background work of the analytics app, through Django's tasks framework."""

from datetime import date

from django.utils import timezone
from django_tasks import task

from . import rollups, schedules
from .models import ScheduledReport


@task()
def send_scheduled_report(report_id: int, day: str) -> bool:
    return schedules.send_report(report_id, date.fromisoformat(day))


def send_due_reports() -> int:
    """The periodic job (``opora scheduler`` / cron): queue every report due today; sending
    twice on one day is impossible (see schedules.send_report). Returns how many were queued."""
    today = timezone.localdate()
    due = [
        report.pk
        for report in ScheduledReport.objects.filter(is_active=True).exclude(last_sent_on=today)
        if schedules.is_due(report, today)
    ]
    for pk in due:
        send_scheduled_report.enqueue(pk, today.isoformat())
    return len(due)


@task()
def refresh_rollups() -> int:
    return rollups.refresh_rollups(timezone.now())


def queue_rollup_refresh() -> None:
    """The periodic job (``opora scheduler``, hourly): rebuild the daily rollups in the
    background (rollups.refresh_rollups: idempotent, so a repeated or late run is harmless)."""
    refresh_rollups.enqueue()
