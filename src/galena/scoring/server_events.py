"""Behaviour that happens away from the browser — a call answered, the qualifying questions
answered, an offer viewed, a webinar attended — reported by Galena's own apps or by the
business's systems through the API, recorded as the lead's tracked events and scored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from galena.core.errors import NotFound, ValidationFailed
from galena.leads import access
from galena.leads.models import ContactKind, ContactPoint, Lead
from galena.leads.normalise import normalise_contact
from galena.scoring.models import TrackedEvent, TrackedKind, TrackedOrigin
from galena.scoring.tracking import EventInput, events_record

# E-mail opens and clicks come from Galena's own tracked links and image.
SERVER_KINDS = tuple(
    kind
    for kind in TrackedKind.values
    if kind not in (TrackedKind.EMAIL_OPEN, TrackedKind.EMAIL_CLICK)
)
MAX_PROPERTIES_BYTES = 8 * 1024


def server_event_errors(
    *, kind: str, occurred_at: dt.datetime | None, properties: Mapping[str, Any]
) -> dict[str, str]:
    """What is wrong with a server event, by field; empty when nothing is."""
    errors = {}
    if kind not in SERVER_KINDS:
        errors["kind"] = (
            f"{kind!r} is not a kind of server event: use one of {', '.join(SERVER_KINDS)}."
        )
    if occurred_at is not None and timezone.is_naive(occurred_at):
        errors["occurred_at"] = "Give the time with its zone, e.g. 2026-05-01T15:00:00+03:00."
    try:
        size = len(json.dumps(dict(properties)))
    except (TypeError, ValueError):
        errors["properties"] = "Properties are a JSON object."
    else:
        if size > MAX_PROPERTIES_BYTES:
            errors["properties"] = (
                f"Properties are {size} bytes of JSON; the limit is {MAX_PROPERTIES_BYTES}."
            )
    return errors


def server_event_record(
    *,
    lead: Lead,
    kind: str,
    occurred_at: dt.datetime | None = None,
    properties: Mapping[str, Any] | None = None,
    category: str = "",
    url: str = "",
    title: str = "",
    external_id: str | None = None,
) -> TrackedEvent | None:
    """Record something a lead did outside the browser (``call_answered``,
    ``questions_answered``, ``offer_viewed``, ``webinar``…) and rescore the lead. An event
    whose ``external_id`` was stored before is not stored again: None then."""
    properties = dict(properties or {})
    if errors := server_event_errors(kind=kind, occurred_at=occurred_at, properties=properties):
        raise ValidationFailed(errors)
    stored = events_record(
        events=[
            EventInput(
                kind=kind,
                occurred_at=occurred_at,
                category=category,
                url=url,
                title=title,
                properties=properties,
                external_id=external_id or None,
            )
        ],
        lead=lead,
        origin=TrackedOrigin.SERVER,
    )
    return stored[0] if stored else None


def lead_find_for(
    *, user: Any, lead_id: int | None = None, email: str = "", phone: str = ""
) -> Lead:
    """The lead a server event is about, named by id or by an e-mail or phone of its contact
    points (compared in their normalised form), among the leads ``user`` may see. A merged
    lead's events go to the lead it was merged into."""
    if lead_id is not None:
        return access.lead_get_for(user=user, lead_id=lead_id)
    if email:
        field, kind, raw = "email", ContactKind.EMAIL, email
    elif phone:
        field, kind, raw = "phone", ContactKind.PHONE, phone
    else:
        raise ValidationFailed({"lead_id": "Name the lead: give lead_id, email or phone."})
    value = normalise_contact(kind, raw, region=settings.DEFAULT_REGION).value
    visible = access.leads_visible_to(user)
    lead_ids = sorted(
        set(
            ContactPoint.objects.filter(kind=kind, value=value, lead__in=visible).values_list(
                "lead_id", flat=True
            )
        )
    )
    if not lead_ids:
        raise NotFound(f"No lead you may see has this {field}.", field=field)
    if len(lead_ids) > 1:
        listed = ", ".join(str(pk) for pk in lead_ids[:10])
        raise ValidationFailed(
            {field: f"Several leads have this {field} ({listed}): send lead_id instead."}
        )
    return Lead.objects.get(pk=lead_ids[0])
