"""Scheduled e-mail reports: an XLSX of one report, computed with its owner's permissions,
sent daily or on Mondays to the chosen recipients.

``opora.analytics.tasks.send_due_reports`` is the periodic job (for `opora scheduler`, or
cron via `opora analytics_reports`): it queues one task per report due today; the task sends it at
most once per day, however often it runs."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from opora.accounts.models import User
from opora.core.errors import Forbidden, InvalidInput, NotFound
from opora.core.spreadsheets import XLSX_TYPE, xlsx_bytes

from . import services, tables
from .models import Frequency, ReportKind, ScheduledReport

MAX_RECIPIENTS = 20
FILTER_KEYS = ("team", "channel", "agent", "reason")


def is_due(report: ScheduledReport, today: date) -> bool:
    if not report.is_active or report.last_sent_on == today:
        return False
    return report.frequency == Frequency.DAILY or today.weekday() == 0


def report_filters(report: ScheduledReport, today: date) -> services.Filters:
    """The report's filters over the ``period_days`` full days before ``today``."""
    until = today - timedelta(days=1)
    params = {key: report.filters.get(key) for key in FILTER_KEYS}
    params |= {
        "since": (until - timedelta(days=report.period_days - 1)).isoformat(),
        "until": until.isoformat(),
    }
    return services.parse_filters(params)


def create_schedule(
    owner: User,
    *,
    name: str,
    kind: str,
    frequency: str,
    recipients: list[str],
    filters: dict[str, str],
    period_days: int = 7,
) -> ScheduledReport:
    services.viewer_of(owner)  # only staff may schedule reports
    errors = {}
    name = name.strip()
    if not name or len(name) > 150:
        errors["name"] = _("Give the report a name (up to 150 characters)")
    if kind not in ReportKind.values:
        errors["kind"] = _("Unknown report")
    if frequency not in Frequency.values:
        errors["frequency"] = _("Unknown frequency")
    if not 1 <= period_days <= 366:
        errors["period_days"] = _("The period must be 1 to 366 days")
    addresses = sorted({address.strip().lower() for address in recipients if address.strip()})
    if not addresses or len(addresses) > MAX_RECIPIENTS:
        errors["recipients"] = _("Give 1 to %(n)s e-mail addresses") % {"n": MAX_RECIPIENTS}
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            errors["recipients"] = _("Not an e-mail address: %(address)s") % {"address": address}
    kept = {key: str(filters[key]) for key in FILTER_KEYS if filters.get(key)}
    try:
        services.parse_filters(kept)
    except InvalidInput as error:
        errors["filters"] = error.message
    if errors:
        raise InvalidInput(_("The report cannot be scheduled"), fields=errors)
    return ScheduledReport.objects.create(
        owner=owner,
        name=name,
        kind=kind,
        frequency=frequency,
        recipients=addresses,
        filters=kept,
        period_days=period_days,
    )


def visible_schedules(user: User):
    """Managers see every schedule; anyone else their own."""
    viewer = services.viewer_of(user)
    reports = ScheduledReport.objects.select_related("owner")
    return reports if viewer.sees_all else reports.filter(owner=user)


def delete_schedule(user: User, pk: int) -> None:
    report = visible_schedules(user).filter(pk=pk).first()
    if report is None:
        raise NotFound(_("Scheduled report not found"))
    report.delete()


def render_attachment(report: ScheduledReport, today: date) -> tuple[str, bytes]:
    viewer = services.viewer_of(report.owner)
    filters = report_filters(report, today)
    table = tables.build(report.kind, viewer, filters)
    filename = f"opora-{report.kind}-{filters.period.start}-{filters.period.end}.xlsx"
    return filename, xlsx_bytes(table.headers, table.rows, table.title)


def send_report(report_id: int, today: date) -> bool:
    """Send one report for ``today`` unless it already went; True when it was sent now."""
    with transaction.atomic():
        report = (
            ScheduledReport.objects.select_for_update()
            .select_related("owner")
            .filter(pk=report_id)
            .first()
        )
        if report is None or not is_due(report, today):
            return False
        try:
            with translation.override(report.owner.language or settings.LANGUAGE_CODE):
                filename, content = render_attachment(report, today)
                subject = _("Opora report: %(name)s") % {"name": report.name}
                body = _("The report «%(name)s» for %(start)s – %(end)s is attached.") % {
                    "name": report.name,
                    "start": report_filters(report, today).period.start.isoformat(),
                    "end": report_filters(report, today).period.end.isoformat(),
                }
        except Forbidden:
            # The owner is no longer staff: the schedule stops rather than leak.
            report.is_active = False
            report.save(update_fields=["is_active"])
            return False
        message = EmailMessage(subject, body, to=report.recipients)
        message.attach(filename, content, XLSX_TYPE)
        message.send()
        report.last_sent_on = today
        report.save(update_fields=["last_sent_on"])
        return True
