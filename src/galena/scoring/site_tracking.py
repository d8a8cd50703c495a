"""What the tracking script on a business's site sends and asks: its batches of events,
stored for the visitor (and the visitor's lead once known), and the greeting a returning
known visitor gets.

A ``glid`` the script picked up from the landing address (a tracked e-mail link) names the
lead: the visitor is that lead from then on, and its anonymous interest is stitched to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from galena.core.errors import Gone, NotFound, ValidationFailed
from galena.scoring import greetings
from galena.scoring.email_tracking import lead_token_read
from galena.scoring.models import TrackedEvent, TrackedKind, TrackedOrigin, TrackingSite
from galena.scoring.tracking import EventInput, events_record, page_category, visitor_identify

# What a browser may report; the rest comes from servers (calls, questions, offers) or from
# Galena itself (e-mail opens and clicks, forms).
BROWSER_KINDS = (
    TrackedKind.PAGE_VIEW,
    TrackedKind.DOWNLOAD,
    TrackedKind.VIDEO,
    TrackedKind.WEBINAR,
    TrackedKind.CUSTOM,
)


def site_for_key(key: str) -> TrackingSite:
    """The active tracked site with this public key."""
    if not key:
        raise ValidationFailed({"site": "Give the site's public key: ?site=…"})
    site = TrackingSite.objects.filter(key=key).first()
    if site is None:
        raise NotFound("No tracked site has this key.", field="site")
    if not site.is_active:
        raise Gone("Tracking is switched off for this site.", field="site")
    return site


def _external_id(site: TrackingSite, visitor_key: str, event_id: str) -> str:
    # A browser's event ids are its own: kept apart per site and visitor, so no page can
    # claim (and so suppress) another sender's id.
    digest = hashlib.sha256(f"{site.pk}\n{visitor_key}\n{event_id}".encode()).hexdigest()
    return f"web:{digest[:40]}"


def site_events_record(
    *,
    site: TrackingSite,
    visitor_key: str,
    events: Sequence[EventInput],
    lead_token: str | None = None,
) -> list[TrackedEvent]:
    """Store a batch from a site's tracking script for the visitor, given to the visitor's
    lead when it is known. A valid ``lead_token`` (glid) identifies the visitor first. An
    event whose id the visitor sent before is not stored again. Returns the events stored."""
    if lead_token and (lead_id := lead_token_read(lead_token)) is not None:
        visitor_identify(lead_id=lead_id, visitor_key=visitor_key)
    namespaced = [
        replace(
            event,
            external_id=(
                _external_id(site, visitor_key, event.external_id) if event.external_id else None
            ),
        )
        for event in events
    ]
    return events_record(events=namespaced, visitor_key=visitor_key, origin=TrackedOrigin.BROWSER)


def site_greeting(
    *,
    site: TrackingSite,
    visitor_key: str,
    page_url: str = "",
    category: str = "",
    lead_token: str | None = None,
) -> greetings.GreetingShown | None:
    """The greeting for a returning known visitor on a page of the site, or None for a
    visitor nobody knows. Reads only: a ``lead_token`` (glid) that arrived with this very
    page names the lead before the script's events have identified the visitor."""
    lead = None
    if lead_token and (lead_id := lead_token_read(lead_token)) is not None:
        lead = greetings.lead_of(lead_id)
    if lead is None:
        lead = greetings.visitor_lead(visitor_key)
    if lead is None:
        return None
    if not category and page_url:
        category = page_category(page_url)
    return greetings.greeting_for_lead(site=site, lead=lead, page_category=category)
