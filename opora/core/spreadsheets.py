"""Tabular exports any app can offer: the same headers and rows as CSV or XLSX.

``tabular_response(headers, rows, filename, fmt)`` answers a download; ``xlsx_bytes`` is the
workbook alone (e-mail attachments). Values are written as they are (numbers stay numbers in
XLSX); text that a spreadsheet would run as a formula is neutralised in both formats."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .errors import InvalidInput

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with these is a formula in Excel and LibreOffice ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, datetime) and value.tzinfo is not None:
        # XLSX has no time zones; the file shows the wall-clock time of the site's zone.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(header)) for header in headers])
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return buffer.getvalue()


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "") -> bytes:
    workbook = Workbook(write_only=True)
    # Sheet titles may not hold []:*?/\ and are at most 31 characters.
    sheet = workbook.create_sheet(
        "".join(ch for ch in (title or "Report") if ch not in "[]:*?/\\")[:31] or "Report"
    )
    sheet.append([str(header) for header in headers])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tabular_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, fmt: str
) -> HttpResponse:
    """A download of ``rows`` as ``filename``.csv or ``filename``.xlsx."""
    if fmt not in FORMATS:
        raise InvalidInput(
            _("Unknown export format %(format)s") % {"format": fmt}, fields={"format": "unknown"}
        )
    if fmt == "csv":
        # The BOM makes Excel read Cyrillic as UTF-8.
        response = HttpResponse(
            "\ufeff" + csv_text(headers, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(xlsx_bytes(headers, rows, filename), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
