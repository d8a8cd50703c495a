"""Leads as a spreadsheet (CSV or XLSX): the columns the list shows and a few more, every
text cell made safe against formula injection (core.spreadsheets)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.core.spreadsheets import spreadsheet_safe
from galena.leads.models import ContactKind, Lead


def _primary(lead: Lead, kind: str) -> str:
    points = getattr(lead, "primary_contacts", None)
    if points is None:
        points = [p for p in lead.contact_points.all() if p.is_primary]
    return next((p.value_raw for p in points if p.kind == kind), "")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


# (heading, value of a lead); leads come from selectors.lead_list (stage, owner, source,
# campaign and rejection reason joined, primary contacts prefetched)
COLUMNS: list[tuple[Any, Callable[[Lead], Any]]] = [
    ("ID", lambda lead: lead.pk),
    (_("Name"), lambda lead: lead.display_name),
    (_("Company"), lambda lead: lead.company_name),
    (_("Position"), lambda lead: lead.position),
    (_("Phone"), lambda lead: _primary(lead, ContactKind.PHONE)),
    (_("E-mail"), lambda lead: _primary(lead, ContactKind.EMAIL)),
    (_("Stage"), lambda lead: lead.stage.label),
    (_("Temperature"), lambda lead: lead.get_temperature_display()),
    (_("Fit"), lambda lead: lead.get_fit_display()),
    (_("Score"), lambda lead: lead.score),
    (_("Owner"), lambda lead: _person(lead.owner)),
    (_("Source"), lambda lead: lead.source.name if lead.source_id else ""),
    (_("Channel"), lambda lead: lead.get_channel_display()),
    (_("Campaign"), lambda lead: lead.campaign.name if lead.campaign_id else ""),
    (_("Interest"), lambda lead: lead.interest),
    (_("Country"), lambda lead: lead.country),
    (_("City"), lambda lead: lead.city),
    (_("Created"), lambda lead: _when(lead.created_at)),
    (
        _("Rejection reason"),
        lambda lead: lead.rejection_reason.label if lead.rejection_reason_id else "",
    ),
    (_("Come back on"), lambda lead: _when(lead.recontact_at)),
]


def export_rows(leads: Iterable[Lead]) -> Iterable[list[Any]]:
    """The heading row, then one row per lead; text made safe, numbers left as numbers."""
    yield [str(heading) for heading, _value in COLUMNS]
    for lead in leads:
        row = []
        for _heading, value in COLUMNS:
            cell = value(lead)
            row.append(cell if isinstance(cell, int) else spreadsheet_safe(cell))
        yield row


def export_csv(leads: Iterable[Lead]) -> bytes:
    """The leads as CSV in UTF-8 with a byte-order mark (spreadsheets then read accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(export_rows(leads))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(leads: Iterable[Lead]) -> bytes:
    """The leads as an Excel workbook, every text cell stored as text."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Leads")))
    for row in export_rows(leads):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
