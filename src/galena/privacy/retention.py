"""Retention: how long personal data is kept for each purpose, and the sweep that
depersonalises what is past it.

Each purpose (``RetentionPolicy``, edited in the admin, seeded with the defaults below)
selects leads by their stage and a date; a lead past its period is erased as a person's
request would erase it (``erase_subject``), but through its own rows only — a client record
made from it, or another lead of the same person, keeps its own period. Leads are taken in
batches (one erasure, one transaction per batch); an erased lead is marked and never taken
again.

| purpose | which | counted from | default |
| --- | --- | --- | --- |
| pseudo_leads | rejected by the quality gate (spam, bots, tests) | creation | 90 days |
| rejected_leads | in a rejected stage | the rejection | 3 years |
| deferred_leads | in a deferred stage, no event since | the last change | 3 years |
| open_leads | open, no change and no event since | the last change | 2 years |
| converted_leads | converted (the client record stays) | the conversion | 5 years, off |
| unlinked_submissions | submissions that made no lead | receipt | 180 days |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.leads.models import Lead, LeadEvent, QualityStatus, StageKind
from galena.privacy.erasure import erase_subject
from galena.privacy.models import (
    ErasedLead,
    ErasureOrigin,
    RetentionPolicy,
    RetentionPurpose,
    SubmissionContact,
)
from galena.privacy.subjects import subject_for_leads

BATCH_SIZE = 500
SAMPLE_SIZE = 20


def _not_touched_since(cutoff: dt.datetime) -> Q:
    return Q(updated_at__lt=cutoff) & ~Exists(
        LeadEvent.objects.filter(lead=OuterRef("pk"), occurred_at__gte=cutoff)
    )


# purpose -> the leads past the cutoff (before the common exclusions)
LEAD_PURPOSES: dict[str, Callable[[dt.datetime], Q]] = {
    RetentionPurpose.PSEUDO_LEADS: lambda cutoff: Q(
        quality_status=QualityStatus.REJECTED, created_at__lt=cutoff
    ),
    RetentionPurpose.REJECTED_LEADS: lambda cutoff: (
        Q(stage__kind=StageKind.LOST, rejected_at__lt=cutoff)
        & ~Q(quality_status=QualityStatus.REJECTED)
    ),
    RetentionPurpose.DEFERRED_LEADS: lambda cutoff: (
        Q(stage__kind=StageKind.DEFERRED) & _not_touched_since(cutoff)
    ),
    RetentionPurpose.OPEN_LEADS: lambda cutoff: (
        Q(stage__kind=StageKind.OPEN)
        & ~Q(quality_status=QualityStatus.REJECTED)
        & _not_touched_since(cutoff)
    ),
    RetentionPurpose.CONVERTED_LEADS: lambda cutoff: Q(
        stage__kind=StageKind.WON, converted_at__lt=cutoff
    ),
}


def _policies() -> list[RetentionPolicy]:
    return list(RetentionPolicy.objects.filter(is_active=True).order_by("purpose"))


def leads_past(purpose: str, cutoff: dt.datetime) -> QuerySet:
    """The leads of this purpose past the cutoff that still hold personal data (merged
    leads go with their survivor)."""
    return (
        Lead.objects.filter(LEAD_PURPOSES[purpose](cutoff))
        .filter(merged_into__isnull=True)
        .exclude(Exists(ErasedLead.objects.filter(lead=OuterRef("pk"))))
    )


def submissions_past(cutoff: dt.datetime) -> QuerySet:
    """Submissions that made no lead, older than the cutoff, still holding their body."""
    from galena.intake.models import Submission

    return Submission.objects.filter(lead__isnull=True, received_at__lt=cutoff).exclude(
        raw_body="", payload={}, remote_addr__isnull=True
    )


@dataclass
class PurposePlan:
    """What the sweep would do for one purpose."""

    purpose: str
    label: str
    days: int
    cutoff: dt.datetime
    count: int
    oldest: dt.datetime | None
    sample: list[dict[str, Any]] = field(default_factory=list)
    is_submissions: bool = False


def retention_plan(
    *, now: dt.datetime | None = None, sample: int = SAMPLE_SIZE
) -> list[PurposePlan]:
    """The dry run: per active purpose, how many leads (or submissions) are past their
    period, the oldest, and the first few — a count and a short read per purpose."""
    now = now or timezone.now()
    plans = []
    for policy in _policies():
        cutoff = now - dt.timedelta(days=policy.days)
        label = str(policy.get_purpose_display())
        if policy.purpose == RetentionPurpose.UNLINKED_SUBMISSIONS:
            rows = submissions_past(cutoff)
            first = list(
                rows.order_by("received_at").values("pk", "channel", "received_at", "outcome")[
                    :sample
                ]
            )
            plans.append(
                PurposePlan(
                    policy.purpose,
                    label,
                    policy.days,
                    cutoff,
                    rows.count(),
                    first[0]["received_at"] if first else None,
                    first,
                    is_submissions=True,
                )
            )
            continue
        rows = leads_past(policy.purpose, cutoff)
        first = list(
            rows.order_by("created_at").values(
                "pk", "display_name", "stage__name", "channel", "created_at", "updated_at"
            )[:sample]
        )
        plans.append(
            PurposePlan(
                policy.purpose,
                label,
                policy.days,
                cutoff,
                rows.count(),
                first[0]["created_at"] if first else None,
                first,
            )
        )
    return plans


@dataclass
class SweepResult:
    leads: dict[str, int] = field(default_factory=dict)
    submissions: int = 0
    erasures: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.leads.values()) + self.submissions


def _batches(rows: QuerySet, size: int) -> Iterator[list[int]]:
    # always the first batch of what is left: each batch's leads leave the selection
    while True:
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids


def retention_sweep(
    *,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str, int], None] | None = None,
) -> SweepResult:
    """Depersonalise every lead and submission past its purpose's period, in batches (one
    transaction and one ``Erasure`` each); ``progress(purpose, done)`` after each batch."""
    from galena.intake.models import Submission

    now = now or timezone.now()
    result = SweepResult()
    for policy in _policies():
        cutoff = now - dt.timedelta(days=policy.days)
        if policy.purpose == RetentionPurpose.UNLINKED_SUBMISSIONS:
            for ids in _batches(submissions_past(cutoff), batch_size):
                result.submissions += Submission.objects.filter(pk__in=ids).update(
                    raw_body="",
                    payload={},
                    headers={},
                    remote_addr=None,
                    network="",
                    device="",
                    content_hash="",
                    decision={},
                    error="",
                )
                SubmissionContact.objects.filter(submission_id__in=ids).delete()
                if progress:
                    progress(policy.purpose, len(ids))
            continue
        done = 0
        for ids in _batches(leads_past(policy.purpose, cutoff), batch_size):
            with transaction.atomic():
                erased = erase_subject(
                    subject_for_leads(ids),
                    actor=None,
                    reason=_("Retention period over: %(purpose)s, %(days)d days")
                    % {"purpose": policy.get_purpose_display(), "days": policy.days},
                    origin=ErasureOrigin.RETENTION,
                    purpose=policy.purpose,
                )
            # the merged leads taken along are marked too; count the ones selected
            done += len(ids)
            result.erasures.append(erased.erasure.pk)
            if progress:
                progress(policy.purpose, len(ids))
        if done:
            result.leads[policy.purpose] = done
    return result


def retention_policies() -> dict[str, RetentionPolicy]:
    return {p.purpose: p for p in RetentionPolicy.objects.all()}


def retention_description(
    model_label: str, policies: dict[str, RetentionPolicy] | None = None
) -> str:
    """How long the data of this table is kept, in words (the processing register, the
    access report); ``policies`` from retention_policies() saves the query per table."""
    if policies is None:
        policies = retention_policies()
    label = model_label.lower()
    if label.startswith("clients."):
        return _("As long as the client relationship lasts; erased on request.")
    parts = []
    for purpose in LEAD_PURPOSES:
        policy = policies.get(purpose)
        if policy is not None and policy.is_active:
            parts.append(
                _("%(purpose)s: %(days)d days")
                % {"purpose": policy.get_purpose_display(), "days": policy.days}
            )
    unlinked = policies.get(RetentionPurpose.UNLINKED_SUBMISSIONS)
    if label == "intake.submission" and unlinked is not None and unlinked.is_active:
        parts.append(
            _("%(purpose)s: %(days)d days")
            % {"purpose": unlinked.get_purpose_display(), "days": unlinked.days}
        )
    return "; ".join(parts)
