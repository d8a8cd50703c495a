"""What the lead card's verification panel shows besides the lead's own fields."""

from __future__ import annotations

from typing import Any

from django import template

from galena.leads.models import ContactKind, EventType
from galena.quality.verification import CALL_NOTE_MAX, CallOutcome

register = template.Library()

PANEL_EVENTS = (EventType.VERIFICATION_SENT, EventType.VERIFIED, EventType.CALL)
PANEL_EVENT_LIMIT = 8


@register.simple_tag
def verification_panel(lead, contacts=None) -> dict[str, Any]:
    """The recent confirmation, verification and call events (one query), the addresses a
    confirmation can go to, and the call outcomes."""
    points = list(contacts) if contacts is not None else list(lead.contact_points.all())
    events = list(
        lead.events.filter(type__in=PANEL_EVENTS)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:PANEL_EVENT_LIMIT]
    )
    outcomes = dict(CallOutcome.choices)
    for event in events:
        event.outcome_label = outcomes.get(event.params.get("outcome"), "")
    match = next(
        (
            reason.get("evidence") or {}
            for reason in lead.quality_reasons or []
            if isinstance(reason, dict) and reason.get("code") == "source_match"
        ),
        None,
    )
    return {
        "events": events,
        "match": match,
        "emails": [
            p for p in points if p.kind == ContactKind.EMAIL and p.is_valid and not p.verified
        ],
        "has_phone": any(p.kind == ContactKind.PHONE for p in points),
        "outcomes": CallOutcome.choices,
        "note_max": CALL_NOTE_MAX,
    }
