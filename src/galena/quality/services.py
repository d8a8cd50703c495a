"""Writes of the quality gate: the review queue's decisions (release a quarantined lead to
sales, or reject it as a pseudo-lead). Each runs in one transaction, checks the actor's
rights, locks the leads and records a QUALITY_DECIDED event per lead."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.core.net import network_of
from galena.intake.models import DecisionReason, Submission, SubmissionOutcome, SubmissionStatus
from galena.leads import access
from galena.leads.models import ActorSource, EventType, Lead, LeadEvent, QualityStatus
from galena.leads.services import Actor, _change_hooks

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
    """Release quarantined leads to sales (quality accepted); others are skipped. Later apps
    hear of each release as a change of ``quality_status`` (the SLA clock starts)."""
    outcome = _decide(
        actor=actor,
        leads=leads,
        allowed={QualityStatus.QUARANTINED},
        after=QualityStatus.ACCEPTED,
        decision="released",
        note=note,
    )
    outcome.changed = [_change_hooks(lead, actor, {"quality_status"}) for lead in outcome.changed]
    return outcome


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


# --------------------------------------------------------------------------- bursts found late

BURST_CODES = ("burst_address", "burst_device", "farmed_network")
BURST_KEY_KINDS = ("address", "device", "network")
# What a person on the sales side does to a lead. A lead with any of these, or with any
# event made by hand, has been worked: a burst found afterwards only flags it.
WORKED_EVENT_TYPES = (
    EventType.STAGE_CHANGED,
    EventType.NOTE_ADDED,
    EventType.CALL,
    EventType.CHAT,
    EventType.TASK_COMPLETED,
)


@dataclass
class BurstOutcome:
    """What a late burst catch did: leads moved to quarantine, and leads already worked by
    sales that were only flagged."""

    quarantined: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)


def leads_worked(lead_ids: Iterable[int]) -> set[int]:
    """The leads sales has touched: a stage change, a note, a call or chat logged, a task
    done, or anything a person did by hand (an edit, an assignment, a review's release)."""
    return set(
        LeadEvent.objects.filter(lead_id__in=list(lead_ids))
        .filter(Q(type__in=WORKED_EVENT_TYPES) | Q(actor_source=ActorSource.MANUAL))
        .values_list("lead_id", flat=True)
        .order_by()  # else the events' ordering columns join what DISTINCT compares
        .distinct()
    )


def _burst_submissions(
    *, key_kind: str, key: str, since, until, source_id: int | None, exclude_submission_id
):
    submissions = Submission.objects.filter(
        received_at__gte=since,
        received_at__lte=until,
        status=SubmissionStatus.PROCESSED,
        # the leads the burst made: a submission attached to a known lead (a bot replaying
        # a real customer's details) does not make that customer's lead a pseudo-lead
        outcome=SubmissionOutcome.CREATED,
        lead__isnull=False,
    )
    if key_kind == "address":
        # through the (network, received_at) index, then the address itself
        submissions = submissions.filter(network=network_of(key), remote_addr=key)
    elif key_kind == "device":
        submissions = submissions.filter(device=key)
    else:
        submissions = submissions.filter(network=key)
    if source_id is not None:
        submissions = submissions.annotate(group_source=Coalesce("source_id", "form__source_id"))
        submissions = submissions.filter(group_source=source_id)
    if exclude_submission_id is not None:
        submissions = submissions.exclude(pk=exclude_submission_id)
    return list(
        submissions.order_by("received_at", "pk").values_list(
            "pk", "lead_id", "source_id", "form__source_id", "received_at"
        )
    )


def _same_burst(reasons: list, code: str, key_kind: str, key: str) -> bool:
    return any(
        isinstance(r, dict)
        and r.get("code") == code
        and (r.get("evidence") or {}).get("found_after_accepted")
        and (r.get("evidence") or {}).get("key") == key
        and (r.get("evidence") or {}).get("key_kind") == key_kind
        for r in reasons or []
    )


@transaction.atomic
def leads_quarantine_burst(
    *,
    key_kind: str,
    key: str,
    since: dt.datetime,
    until: dt.datetime,
    reason: dict,
    source_id: int | None = None,
    exclude_submission_id: int | None = None,
) -> BurstOutcome:
    """Quarantine the earlier leads of a burst (one address, device or network — for one
    source when ``source_id`` is given — between ``since`` and ``until``) that were accepted
    before the burst reached its threshold and that sales has not touched; worked leads are
    only flagged. Idempotent: a lead already held, or already flagged for the same burst,
    is left as it is."""
    if key_kind not in BURST_KEY_KINDS or not key:
        raise ValidationFailed({"key_kind": f"Give one of {', '.join(BURST_KEY_KINDS)} and a key."})
    code = str(reason.get("code") or "")
    if code not in BURST_CODES:
        raise ValidationFailed({"reason": f"A burst reason is one of {', '.join(BURST_CODES)}."})
    outcome = BurstOutcome()
    rows = _burst_submissions(
        key_kind=key_kind,
        key=key,
        since=since,
        until=until,
        source_id=source_id,
        exclude_submission_id=exclude_submission_id,
    )
    if not rows:
        return outcome
    count = len(rows) + (1 if exclude_submission_id is not None else 0)
    by_lead: dict[int, list[tuple]] = {}
    for row in rows:
        by_lead.setdefault(row[1], []).append(row)
    # locked in id order, so two workers catching the same burst cannot deadlock; the
    # second one finds the leads already held and leaves them
    leads = list(
        Lead.objects.select_for_update()
        .filter(pk__in=list(by_lead), quality_status=QualityStatus.ACCEPTED)
        .order_by("pk")
    )
    if not leads:
        return outcome
    worked = leads_worked(lead.pk for lead in leads)
    now = timezone.now()
    shown = key if key_kind != "device" else key[:12] + "…"
    message = _(
        "Part of a burst of %(count)s submissions from one %(kind)s (%(key)s) between "
        "%(since)s and %(until)s UTC, found after it was accepted."
    ) % {
        "count": count,
        "kind": {"address": _("address"), "device": _("device"), "network": _("network")}[key_kind],
        "key": shown,
        "since": f"{since:%Y-%m-%d %H:%M}",
        "until": f"{until:%H:%M}",
    }
    worked_note = _("Already worked by sales: left as it is.")
    events, decision_rows, changed = [], [], []
    for lead in leads:
        left_alone = lead.pk in worked
        if _same_burst(lead.quality_reasons, code, key_kind, key):
            continue
        late = {
            **reason,
            "message": f"{message} {worked_note}" if left_alone else message,
            "points": 0 if left_alone else int(reason.get("points") or 0),
            "evidence": {
                **(reason.get("evidence") or {}),
                "key_kind": key_kind,
                "key": key,
                "count": count,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "found_after_accepted": True,
                "left_alone": left_alone,
            },
        }
        lead.quality_reasons = [*(lead.quality_reasons or []), late]
        before = lead.quality_status
        if not left_alone:
            lead.quality_status = QualityStatus.QUARANTINED
            outcome.quarantined.append(lead.pk)
        else:
            outcome.flagged.append(lead.pk)
        lead.updated_at = now
        changed.append(lead)
        events.append(
            LeadEvent(
                lead=lead,
                type=EventType.QUALITY_DECIDED,
                occurred_at=now,
                actor=None,
                actor_source=ActorSource.RULE,
                params={
                    "decision": "flagged" if left_alone else "quarantined",
                    "before": before,
                    "after": lead.quality_status,
                    "found_after_accepted": True,
                    "worked_by_sales": left_alone,
                    "reasons": [late],
                },
            )
        )
        if left_alone:
            continue
        for submission_id, _lead_id, own_source, form_source, received_at in by_lead[lead.pk]:
            decision_rows.append(
                DecisionReason(
                    submission_id=submission_id,
                    lead_id=lead.pk,
                    source_id=own_source or form_source,
                    stage=str(reason.get("stage") or "quality"),
                    code=code,
                    outcome=SubmissionOutcome.QUARANTINED,
                    points=int(reason.get("points") or 0),
                    received_at=received_at,
                )
            )
    if changed:
        Lead.objects.bulk_update(changed, ["quality_status", "quality_reasons", "updated_at"])
        LeadEvent.objects.bulk_create(events)
        DecisionReason.objects.bulk_create(decision_rows)
    return outcome
