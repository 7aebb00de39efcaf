"""opora.core.spreadsheets: the shared CSV/XLSX export helper."""

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from opora.core.errors import InvalidInput
from opora.core.spreadsheets import csv_text, tabular_response, xlsx_bytes


def test_formulas_are_written_as_text_in_both_formats():
    rows = [['=HYPERLINK("http://x")', 3, None], ["Обычный текст", 2.5, "-1"]]
    parsed = list(csv.reader(io.StringIO(csv_text(["A", "B", "C"], rows))))
    assert parsed[1] == ['\'=HYPERLINK("http://x")', "3", ""]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["A", "B", "C"], rows, "T[1]"))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == ('\'=HYPERLINK("http://x")', 3, None)
    assert values[2] == ("Обычный текст", 2.5, "'-1")
    assert sheet.title == "T1"


def test_aware_datetimes_become_local_wall_clock_and_unknown_formats_are_refused():
    sheet = load_workbook(
        io.BytesIO(xlsx_bytes(["when"], [[datetime(2026, 3, 2, 9, tzinfo=UTC)]]))
    ).active
    # Europe/Moscow wall-clock time, naive because XLSX has no zones.
    assert sheet["A2"].value == datetime(2026, 3, 2, 12, tzinfo=UTC).replace(tzinfo=None)
    with pytest.raises(InvalidInput):
        tabular_response(["a"], [], "x", "pdf")
    response = tabular_response(["a"], [[1]], "report", "csv")
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert response.content.decode("utf-8-sig") == "a\r\n1\r\n"
