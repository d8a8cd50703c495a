"""Merge fields in nurture's texts: ``{{ first_name }}`` and the like, replaced by plain
values (no template engine, so a text cannot reach anything but the names below)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

# name -> what it stands for, shown in the admin
MERGE_FIELDS: dict[str, object] = {
    "first_name": _("The lead's first name"),
    "last_name": _("The lead's last name"),
    "full_name": _("The lead's full name"),
    "company": _("The lead's company"),
    "interest": _("What the lead asked about"),
    "owner_name": _("The lead's owner, by full name"),
    "questionnaire_link": _("The farewell questionnaire's link (farewell e-mail only)"),
    "unsubscribe_link": _("The unsubscribe link"),
}

_FIELD = re.compile(r"\{\{\s*([a-zA-Z_]+)\s*\}\}")


def unknown_fields(text: str) -> list[str]:
    """The merge fields a text uses that do not exist."""
    return sorted({name for name in _FIELD.findall(text or "") if name not in MERGE_FIELDS})


def uses(text: str, name: str) -> bool:
    return name in _FIELD.findall(text or "")


def merge(text: str, values: Mapping[str, str]) -> str:
    """The text with each merge field replaced by its value (unknown ones by nothing)."""
    return _FIELD.sub(lambda match: str(values.get(match.group(1), "") or ""), text or "")


def lead_values(lead, **extra: str) -> dict[str, str]:
    """The merge fields' values for one lead (its owner read through ``lead.owner``)."""
    owner = lead.owner
    return {
        "first_name": lead.first_name or lead.display_name,
        "last_name": lead.last_name,
        "full_name": lead.full_name or lead.display_name,
        "company": lead.company_name,
        "interest": lead.interest,
        "owner_name": (owner.get_full_name() or owner.get_username()) if owner else "",
        **extra,
    }
