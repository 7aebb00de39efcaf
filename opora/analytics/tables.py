"""Every analytics report as a table (title, headers, rows): the one shape the CSV/XLSX
downloads and the scheduled e-mails share (opora.core.spreadsheets writes it)."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from opora.core.errors import InvalidInput

from . import services
from .models import ReportKind


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def summary_table(viewer: services.Viewer, filters: services.Filters, by: str | None) -> Table:
    rows = [
        [
            row.label,
            _rounded(row.change.current, 2),
            _rounded(row.change.previous, 2),
            _rounded(row.change.delta, 2),
            _rounded(row.change.percent),
        ]
        for row in services.headlines(viewer, filters)
    ]
    headers = [_("Figure"), _("This period"), _("Previous period"), _("Change"), _("Change, %")]
    return Table(_("Key figures"), headers, rows)


def volume_table(viewer: services.Viewer, filters: services.Filters, by: str | None) -> Table:
    by = by or "channel"
    counts = services.period_report(viewer, filters).volume(by)
    return Table(
        _("Contact volume"),
        [_("Group"), _("Tickets")],
        [[row.label, row.count] for row in counts],
    )


def csat_table(viewer: services.Viewer, filters: services.Filters, by: str | None) -> Table:
    breakdown = services.csat_breakdown(viewer, filters, by or "channel")
    rows = []
    for row in breakdown:
        interval = row.result.confidence_interval
        rows.append(
            [
                row.label,
                row.result.responses,
                _rounded(row.result.csat_percent),
                _rounded(interval.low) if interval else None,
                _rounded(interval.high) if interval else None,
            ]
        )
    headers = [_("Group"), _("Responses"), _("CSAT, %"), _("95% interval from"), _("to")]
    return Table(_("CSAT breakdown"), headers, rows)


def reasons_table(viewer: services.Viewer, filters: services.Filters, by: str | None) -> Table:
    rows = [
        [row.label, row.change.current, row.change.previous, _rounded(row.change.percent)]
        for row in services.top_reasons(viewer, filters, limit=50)
    ]
    headers = [_("Contact reason"), _("Tickets"), _("Previous period"), _("Change, %")]
    return Table(_("Top contact reasons"), headers, rows)


BUILDERS = {
    ReportKind.SUMMARY: summary_table,
    ReportKind.VOLUME: volume_table,
    ReportKind.CSAT: csat_table,
    ReportKind.REASONS: reasons_table,
}


def build(
    kind: str, viewer: services.Viewer, filters: services.Filters, by: str | None = None
) -> Table:
    if kind not in BUILDERS:
        raise InvalidInput(_("Unknown report"), fields={"report": "invalid"})
    return BUILDERS[kind](viewer, filters, by)
