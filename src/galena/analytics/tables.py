"""A report's figures as one table, and the same table as CSV, XLSX and JSON.

Column kinds say how a value is shown and exported:
``text`` (str), ``int``, ``money`` (Decimal, the currency in the column's label or the
notes), ``percent`` (a number of per cent: 12.5 means 12.5 %), ``duration`` (seconds).
``None`` is "no figure" (a rate with nothing to divide by): an empty cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from galena.core.spreadsheets import spreadsheet_safe

KINDS = ("text", "int", "money", "percent", "duration")
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}")

    @property
    def is_number(self) -> bool:
        return self.kind != "text"


@dataclass
class ReportTable:
    code: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def cells(self, row: dict[str, Any]) -> list[tuple[Column, Any]]:
        return [(column, row.get(column.key)) for column in self.columns]


def percent(part: float | int | None, whole: float | int | None, digits: int = 1) -> float | None:
    """``part`` of ``whole`` in per cent, rounded; None when there is no whole."""
    if part is None or not whole:
        return None
    return round(part * 100 / whole, digits)


# --- exports ------------------------------------------------------------------------------


def _export_label(column: Column) -> str:
    return f"{column.label} ({_('days')})" if column.kind == "duration" else str(column.label)


def _export_value(column: Column, value: Any) -> Any:
    """A number stays a number (it cannot run as a formula); text is made safe."""
    if value is None:
        return None
    if column.kind == "duration" and isinstance(value, int | float):
        return round(value / SECONDS_PER_DAY, 2)
    if column.kind == "duration" and isinstance(value, dt.timedelta):
        return round(value.total_seconds() / SECONDS_PER_DAY, 2)
    if (
        column.is_number
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        return value
    return spreadsheet_safe(value)


def _export_rows(table: ReportTable) -> list[list[Any]]:
    rows = [
        [_export_value(column, value) for column, value in table.cells(row)] for row in table.rows
    ]
    if table.totals is not None:
        rows.append([_export_value(column, value) for column, value in table.cells(table.totals)])
    return rows


def _filename(table: ReportTable, extension: str) -> str:
    return f"galena-{table.code}-{dt.date.today().isoformat()}.{extension}"


def table_csv(table: ReportTable) -> HttpResponse:
    """The table as a CSV download (UTF-8 with BOM so spreadsheets read the accents)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(_export_label(column)) for column in table.columns])
    for row in _export_rows(table):
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "csv")}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_xlsx(table: ReportTable) -> HttpResponse:
    """The table as an Excel workbook: numbers as numbers, text made safe."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=spreadsheet_safe(table.title)[:31] or table.code)
    sheet.append([spreadsheet_safe(_export_label(column)) for column in table.columns])
    for row in _export_rows(table):
        sheet.append([float(value) if isinstance(value, Decimal) else value for value in row])
    for note in table.notes:
        sheet.append([])
        sheet.append([spreadsheet_safe(note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "xlsx")}"'
    return response


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def table_json(table: ReportTable) -> dict[str, Any]:
    """The table for the API: columns with their kinds, rows and totals keyed by column,
    money as decimal strings, durations in seconds, percentages as numbers of per cent."""

    def row_json(row: dict[str, Any]) -> dict[str, Any]:
        return {column.key: _json_value(row.get(column.key)) for column in table.columns}

    return {
        "code": table.code,
        "title": str(table.title),
        "columns": [
            {"key": column.key, "label": str(column.label), "kind": column.kind}
            for column in table.columns
        ],
        "rows": [row_json(row) for row in table.rows],
        "totals": row_json(table.totals) if table.totals is not None else None,
        "notes": [str(note) for note in table.notes],
    }
