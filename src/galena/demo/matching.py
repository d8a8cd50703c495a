"""The demo's duplicates: some people of the demo wrote twice before matching was switched
on (an import, a second form, a nickname, a typo), so the possible-duplicate review queue
has realistic pairs to compare and merge. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from galena.core.bulk import insert_many
from galena.demo import catalogue as cat
from galena.intake.models import Submission, SubmissionOutcome, SubmissionStatus
from galena.leads.contact_values import transliterate
from galena.leads.models import (
    ActorSource,
    ContactKind,
    ContactPoint,
    EventType,
    Lead,
    LeadEvent,
    QualityStatus,
    Stage,
)
from galena.matching.keys import leads_keys_write
from galena.matching.models import DuplicateFoundBy
from galena.matching.nicknames import other_forms

# not copied: a second lead is new, nobody has worked it or promised to answer it yet
SKIPPED = {
    "id",
    "display_name",
    "search_text",
    "name_translit",
    "merged_into",
    "original_owner",
    "response_due_at",
}


def _other_form(first: str, rng: random.Random) -> str:
    """Another form of the given name (Alexandru → Sandu), or the name itself."""
    forms = other_forms(first)
    return rng.choice(forms).capitalize() if forms else first


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    at = rng.randrange(1, len(text) - 2)
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def _variant(lead: Lead, rng: random.Random) -> tuple[str, str]:
    first, last = lead.first_name, lead.last_name
    kind = rng.choice(("nickname", "typo", "swapped", "latin", "same"))
    if kind == "nickname":
        return _other_form(first, rng), last
    if kind == "typo":
        return first, _typo(last, rng)
    if kind == "swapped":
        return last, first
    if kind == "latin":
        return transliterate(first).capitalize(), transliterate(last).capitalize()
    return first, last


def duplicates_count(leads: int) -> int:
    """How many of the demo's leads are second leads of one person: one in eighty."""
    return leads // 80


def demo_duplicates_create(*, seed: int, count: int, endpoint: str) -> int:
    """Write ``count`` second leads of demo people, then queue the possible duplicates that
    ``galena dedupe`` finds; returns how many pairs were queued."""
    from galena.matching.duplicates import base_duplicates, duplicates_record
    from galena.matching.weights import match_model

    rng = random.Random(seed * 31 + 5)  # noqa: S311 - demo data
    originals = list(
        Lead.objects.filter(quality_status=QualityStatus.ACCEPTED)
        .exclude(first_name="")
        .exclude(last_name="")
        .order_by("pk")
    )
    if not originals:
        return 0
    chosen = rng.sample(originals, min(count, len(originals)))
    contacts: dict[int, list[ContactPoint]] = {}
    # the primary points first: a copy keeping one point keeps a primary one, and a copy
    # keeping all keeps one primary of each kind, as the original has
    for point in ContactPoint.objects.filter(
        lead__in=chosen, kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
    ).order_by("lead_id", "-is_primary", "id"):
        contacts.setdefault(point.lead_id, []).append(point)
    now = timezone.now()
    initial = Stage.objects.get(is_initial=True)
    copies, points = [], []
    for original in chosen:
        values = {
            f.attname: getattr(original, f.attname)
            for f in Lead._meta.concrete_fields
            if f.name not in SKIPPED
        }
        copy = Lead(**values)
        copy.first_name, copy.last_name = _variant(original, rng)
        copy.display_name = f"{copy.first_name} {copy.last_name}"
        copy.search_text = f"{copy.first_name} {copy.last_name}".lower()
        copy.name_translit = transliterate(copy.display_name)
        later = original.created_at + dt.timedelta(days=rng.uniform(1, 40))
        copy.created_at = min(later, now - dt.timedelta(minutes=rng.randrange(10, 600)))
        # a new lead: nobody has worked it yet
        copy.owner_id = None
        copy.stage_id = initial.pk
        copy.updated_at = copy.created_at
        copy.quality_reasons = []
        for name in cat.WORK_TIMESTAMPS:
            setattr(copy, name, None)
        copies.append((copy, contacts.get(original.pk, [])))
    insert_many(Lead, [copy for copy, _ in copies])
    for copy, kept in copies:
        for point in kept[: rng.choice((1, len(kept) or 1))]:
            points.append(
                ContactPoint(
                    lead=copy,
                    kind=point.kind,
                    value_raw=point.value_raw,
                    value=point.value,
                    status=point.status,
                    line_type=point.line_type,
                    is_primary=point.is_primary,
                    created_at=copy.created_at,
                )
            )
    insert_many(ContactPoint, points)
    # each came in as a submission, like every demo lead: an import row, stored as received
    insert_many(
        Submission,
        [
            Submission(
                channel=copy.channel,
                adapter="demo",
                endpoint=endpoint,
                payload={"first_name": copy.first_name, "last_name": copy.last_name},
                received_at=copy.created_at,
                status=SubmissionStatus.PROCESSED,
                outcome=SubmissionOutcome.CREATED,
                decision={"action": "create", "reasons": []},
                attempts=1,
                processed_at=copy.created_at,
                lead=copy,
                source_id=copy.source_id,
            )
            for copy, _ in copies
        ],
    )
    insert_many(
        LeadEvent,
        [
            LeadEvent(
                lead=copy,
                type=EventType.CREATED,
                occurred_at=copy.created_at,
                actor_source=ActorSource.IMPORT,
                params={
                    "fields": {"first_name": copy.first_name, "last_name": copy.last_name},
                    "contacts": [
                        {"kind": p.kind, "value": p.value} for p in points if p.lead is copy
                    ],
                },
            )
            for copy, _ in copies
        ],
    )
    leads_keys_write(leads=[copy for copy, _ in copies])
    _, _, pairs = base_duplicates(model=match_model(cached=False))
    return duplicates_record(pairs=pairs, found_by=DuplicateFoundBy.BATCH)
