"""The line of a conversion on the lead card's timeline (``settings.TIMELINE_PRESENTERS``,
called by the leads app): the client created or linked, the deal, the client's owner and
the lead time, with links to the client's card — no query (names are in the event)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from galena.leads.models import LeadEvent


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def present_conversions(events: list[LeadEvent]) -> None:
    """Give each ``converted`` event its line."""
    for event in events:
        params = event.params or {}
        contact_id = _number(params.get("contact_id"))
        account_id = _number(params.get("account_id"))
        event.template = "clients/_timeline_converted.html"
        event.contact_url = reverse("client-contact", args=[contact_id]) if contact_id else ""
        event.account_url = reverse("client-account", args=[account_id]) if account_id else ""
        seconds = _number(params.get("lead_time_seconds"))
        event.lead_time = dt.timedelta(seconds=seconds) if seconds is not None else None
