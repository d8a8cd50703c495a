"""Behaviour tracking's writes: events recorded for a visitor or a lead, visitors stitched
to the lead they turn out to be, and the lead rescored on what it did.

An event from a browser nobody has identified yet is kept as *interest* (``lead`` empty);
when the visitor identifies — sends a form with the same visitor id, follows a tracked
e-mail link — every event of that visitor is given to the lead and scored then, at the
moments they happened (so a visit a month ago counts as a month old).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from django.db import IntegrityError, transaction
from django.utils import timezone

from galena.leads.models import Lead
from galena.scoring.attribution import first_touch
from galena.scoring.models import (
    PageCategoryRule,
    TrackedEvent,
    TrackedKind,
    TrackedOrigin,
    Visitor,
)
from galena.scoring.services import lead_events_score

MAX_URL = 2000


@dataclass(frozen=True)
class EventInput:
    """One event as a sender describes it (the tracking script, a server, an e-mail)."""

    kind: str
    occurred_at: dt.datetime | None = None
    category: str = ""
    url: str = ""
    title: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    external_id: str | None = None


def page_category(url: str, rules: Sequence[tuple[str, str]] | None = None) -> str:
    """The category of a page by its address (``PageCategoryRule``, first match wins)."""
    if not url:
        return ""
    if rules is None:
        rules = list(PageCategoryRule.objects.values_list("url_contains", "category"))
    folded = unquote(url).casefold()  # a Cyrillic address arrives percent-encoded
    for needle, category in rules:
        if needle and needle.casefold() in folded:
            return category
    return ""


def _lead_of(lead: Lead | None) -> Lead | None:
    while lead is not None and lead.merged_into_id is not None:
        lead = Lead.objects.get(pk=lead.merged_into_id)
    return lead


def _first_page(events: Sequence[EventInput]) -> EventInput | None:
    """The batch's earliest page view (a browser's first visit starts with one)."""
    pages = [e for e in events if e.kind == TrackedKind.PAGE_VIEW and e.url]
    return min(pages, key=lambda e: e.occurred_at or timezone.now(), default=None)


def _visitor_touch(key: str, now: dt.datetime, events: Sequence[EventInput]) -> Visitor:
    """The visitor of ``key``, seen now; a new one gets its first touch from the batch's
    first page view (where the visit came from: ``attribution.first_touch``)."""
    visitor = Visitor.objects.filter(key=key).first()
    if visitor is not None:
        Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=now)
        return visitor
    defaults: dict[str, Any] = {"first_seen_at": now, "last_seen_at": now}
    page = _first_page(events)
    if page is not None:
        referrer = str(page.properties.get("referrer") or "")[:MAX_URL]
        defaults.update(
            first_touch(page.url, referrer).fields(),
            landing_page=page.url[:MAX_URL],
            referrer=referrer,
        )
    visitor, _created = Visitor.objects.get_or_create(key=key, defaults=defaults)
    return visitor


def events_record(
    *,
    events: Sequence[EventInput],
    visitor_key: str = "",
    lead: Lead | None = None,
    origin: str = TrackedOrigin.BROWSER,
) -> list[TrackedEvent]:
    """Store events of a visitor or a lead (the visitor's lead when it is known) and score
    those that belong to a lead. An event whose ``external_id`` was stored before is not
    stored again. Returns the events stored now."""
    now = timezone.now()
    rules = None
    with transaction.atomic():
        if visitor_key:
            visitor = _visitor_touch(visitor_key, now, events)
            if lead is None and visitor.lead_id is not None:
                lead = visitor.lead
        lead = _lead_of(lead)
        stored: list[TrackedEvent] = []
        for item in events:
            category = item.category
            if not category and item.kind == TrackedKind.PAGE_VIEW and item.url:
                if rules is None:
                    rules = list(PageCategoryRule.objects.values_list("url_contains", "category"))
                category = page_category(item.url, rules)
            event = TrackedEvent(
                visitor_key=visitor_key,
                lead=lead,
                kind=item.kind,
                category=category[:40],
                url=item.url[:MAX_URL],
                title=item.title[:300],
                origin=origin,
                properties=dict(item.properties),
                occurred_at=min(item.occurred_at or now, now),
                received_at=now,
                external_id=item.external_id,
            )
            if item.external_id:
                try:
                    with transaction.atomic():
                        event.save()
                except IntegrityError:
                    continue  # sent before: stored once
            else:
                event.save()
            stored.append(event)
        if lead is not None and stored:
            lead_events_score(lead=lead, events=stored)
    return stored


def visitor_identify(*, lead_id: int, visitor_key: str) -> int:
    """The visitor is this lead: link them and give the lead every anonymous event the
    visitor had, scored at the moments they happened. Idempotent; returns how many events
    were stitched."""
    if not visitor_key:
        return 0
    now = timezone.now()
    with transaction.atomic():
        lead = _lead_of(Lead.objects.filter(pk=lead_id).first())
        if lead is None:
            return 0
        visitor, _created = Visitor.objects.get_or_create(
            key=visitor_key, defaults={"first_seen_at": now, "last_seen_at": now}
        )
        visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
        if visitor.lead_id != lead.pk:
            visitor.lead = lead
            visitor.identified_at = now
            visitor.save(update_fields=["lead", "identified_at"])
        anonymous = list(
            TrackedEvent.objects.select_for_update()
            .filter(visitor_key=visitor_key, lead__isnull=True)
            .order_by("occurred_at", "id")
        )
        if not anonymous:
            return 0
        TrackedEvent.objects.filter(pk__in=[e.pk for e in anonymous]).update(lead=lead)
        for event in anonymous:
            event.lead = lead
        lead_events_score(lead=lead, events=anonymous)
    return len(anonymous)


def submission_track(*, lead_id: int, submission_id: int, channel: str = "") -> int:
    """A submission that reached a known lead (a repeat inquiry, a reply) as that lead's
    "form submitted" event; stored once per submission. Returns 1 when stored now."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return 0
    stored = events_record(
        events=[
            EventInput(
                kind=TrackedKind.FORM_SUBMIT,
                properties={"channel": channel, "submission_id": submission_id},
                external_id=f"submission:{submission_id}",
            )
        ],
        lead=lead,
        origin=TrackedOrigin.SERVER,
    )
    return len(stored)
