"""How a report's cell reads on the page (the exports keep the raw values)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


def duration_text(seconds: float) -> str:
    """A duration as people say it: "45 min", "5.5 h", "3.2 d"."""
    if seconds < 3600:
        return _("%(n)s min") % {"n": number_format(round(seconds / 60), 0)}
    if seconds < 86400:
        return _("%(n)s h") % {"n": number_format(seconds / 3600, 1)}
    return _("%(n)s d") % {"n": number_format(seconds / 86400, 1)}


@register.filter
def report_cell(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "int":
        return number_format(value, 0, force_grouping=True)
    if kind == "money":
        return number_format(Decimal(value), 2, force_grouping=True)
    if kind == "percent":
        return f"{number_format(value, 1)} %"
    if kind == "duration":
        seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
        return duration_text(seconds)
    return str(value)


@register.simple_tag
def report_cells(table, row) -> list:
    return table.cells(row)
