"""Writes of the quality gate: the review queue's decisions (release a quarantined lead to
sales, or reject it as a pseudo-lead). Each runs in one transaction, checks the actor's
rights, locks the leads and records a QUALITY_DECIDED event per lead."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import EventType, Lead, LeadEvent, QualityStatus
from galena.leads.services import Actor

# A review may decide on a page of the queue at once, not on an unbounded selection.
REVIEW_BATCH_LIMIT = 500
NOTE_MAX_LENGTH = 1000
REASON_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")
NO_LEADS_CHOSEN = "Choose at least one lead."


@dataclass
class ReviewOutcome:
    """What a release or reject did: the leads it changed, and the ids it left alone
    because they were no longer in a state to change (e.g. another reviewer was quicker)."""

    changed: list[Lead] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def _lead_ids(leads: Iterable[Lead | int]) -> list[int]:
    ids: list[int] = []
    for lead in leads:
        lead_id = lead.pk if isinstance(lead, Lead) else lead
        if isinstance(lead_id, bool) or not isinstance(lead_id, int):
            raise ValidationFailed({"lead_ids": "Give the leads by their ids (whole numbers)."})
        if lead_id not in ids:
            ids.append(lead_id)
    if not ids:
        raise ValidationFailed({"lead_ids": NO_LEADS_CHOSEN})
    if len(ids) > REVIEW_BATCH_LIMIT:
        raise ValidationFailed(
            {"lead_ids": f"Decide on at most {REVIEW_BATCH_LIMIT} leads at a time."}
        )
    return ids


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed({"note": f"Keep the note to {NOTE_MAX_LENGTH} characters."})
    return note


def _require_reviewer(actor: Actor) -> None:
    if actor.user is not None and not access.can_assign(actor.user):
        raise PermissionDenied(
            "Only a head of sales or an admin can release or reject quarantined leads."
        )


def _locked_leads(actor: Actor, ids: list[int]) -> list[Lead]:
    """The leads, locked in id order (so two reviewers cannot deadlock), through the actor's
    visibility; any id the actor may not see is NotFound, so its existence is not revealed."""
    leads = Lead.objects.all() if actor.user is None else access.leads_visible_to(actor.user)
    found = list(leads.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {lead.pk for lead in found})
        raise NotFound(
            f"No lead with id {missing[0]}, or it is not yours to see. Nothing was changed."
        )
    return found


def _decide(
    *,
    actor: Actor,
    leads: Iterable[Lead | int],
    allowed: set[str],
    after: str,
    decision: str,
    note: str,
    extra: dict | None = None,
) -> ReviewOutcome:
    _require_reviewer(actor)
    ids = _lead_ids(leads)
    note = _clean_note(note)
    outcome = ReviewOutcome()
    now = timezone.now()
    events = []
    for lead in _locked_leads(actor, ids):
        if lead.quality_status not in allowed:
            outcome.skipped.append(lead.pk)
            continue
        before = lead.quality_status
        lead.quality_status = after
        lead.updated_at = now
        outcome.changed.append(lead)
        events.append(
            LeadEvent(
                lead=lead,
                type=EventType.QUALITY_DECIDED,
                occurred_at=now,
                actor=actor.user,
                actor_source=actor.source,
                params={
                    "decision": decision,
                    "before": before,
                    "after": after,
                    "note": note,
                    **(extra or {}),
                    "reasons": list(lead.quality_reasons or []),
                },
            )
        )
    if outcome.changed:
        Lead.objects.filter(pk__in=[lead.pk for lead in outcome.changed]).update(
            quality_status=after, updated_at=now
        )
        LeadEvent.objects.bulk_create(events)
    # keep the caller's order of the changed leads, the order the reviewer chose them in
    position = {lead_id: index for index, lead_id in enumerate(ids)}
    outcome.changed.sort(key=lambda lead: position[lead.pk])
    outcome.skipped.sort(key=lambda lead_id: position[lead_id])
    return outcome


@transaction.atomic
def lead_quality_release(
    *, actor: Actor, leads: Iterable[Lead | int], note: str = ""
) -> ReviewOutcome:
    """Release quarantined leads to sales (quality accepted); others are skipped."""
    return _decide(
        actor=actor,
        leads=leads,
        allowed={QualityStatus.QUARANTINED},
        after=QualityStatus.ACCEPTED,
        decision="released",
        note=note,
    )


@transaction.atomic
def lead_quality_reject(
    *, actor: Actor, leads: Iterable[Lead | int], reason_code: str = "", note: str = ""
) -> ReviewOutcome:
    """Reject quarantined or accepted leads as pseudo-leads: kept, but not sent to sales."""
    reason_code = (reason_code or "").strip()
    if reason_code and not REASON_CODE.match(reason_code):
        raise ValidationFailed(
            {"reason_code": "Use a check's code: lower-case letters, digits, _ . or -."}
        )
    return _decide(
        actor=actor,
        leads=leads,
        allowed={QualityStatus.QUARANTINED, QualityStatus.ACCEPTED, QualityStatus.UNKNOWN},
        after=QualityStatus.REJECTED,
        decision="rejected",
        note=note,
        extra={"reason_code": reason_code},
    )


def quality_checks_sync(*, model: type | None = None) -> list[str]:
    """Create a QualityCheck row, with the registry's defaults, for every check that has
    none; rows that exist keep their settings. Returns the codes created. ``model`` is the
    historical model when a migration calls it."""
    from galena.quality.checks import REGISTRY
    from galena.quality.models import QualityCheck

    model = model or QualityCheck
    with transaction.atomic():
        existing = set(model.objects.values_list("code", flat=True))
        missing = [check for code, check in REGISTRY.items() if code not in existing]
        model.objects.bulk_create(
            [
                model(
                    code=check.code,
                    group=str(check.group),
                    name=str(check.name),
                    description=str(check.description),
                    enabled=True,
                    weight=check.weight,
                    params=dict(check.params),
                )
                for check in missing
            ],
            ignore_conflicts=True,  # a concurrent sync created it first: that row stands
        )
    return [check.code for check in missing]
