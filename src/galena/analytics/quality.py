"""The quality report: how credible each source's leads are.

For the leads that came in during the period (``scope``: what the reader may see, e.g.
``analytics.filters.lead_scope``; merged leads never count as leads), per source (or
channel, campaign, region, month):

- **pseudo-leads**: rejected by the quality gate, or still held for review
  (``Lead.quality_status``, the quality app's rule), and their share of the leads;
- **verified**: confirmed by e-mail, call, another source or by hand
  (``Lead.verification``), and the share;
- **non-target**: leads whose fit is non-target (``Lead.fit``), and the share;
- **rejected** by sales (a lost stage) and the rejection reasons counted;
- **duplicates**: the leads of the period merged into another lead (the lead they were
  merged into must be in ``scope``), as a share of everything that came in — the leads
  plus the duplicates; and the leads still waiting with an open duplicate candidate
  (``matching.DuplicateCandidate``).

Three GROUP BY queries whatever the number of leads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext

from galena.analytics.speed_measures import (
    empty_label,
    group_key,
    group_labels,
    lead_condition_on,
    ratio,
)
from galena.leads.models import (
    Fit,
    Lead,
    QualityStatus,
    RejectionReason,
    StageKind,
    Verification,
)
from galena.matching.models import DuplicateCandidate, DuplicateStatus

PSEUDO = (QualityStatus.REJECTED, QualityStatus.QUARANTINED)
COUNTS = (
    "leads",
    "pseudo",
    "verified",
    "non_target",
    "rejected",
    "duplicates",
    "suspected_duplicates",
)


@dataclass
class SourceQuality:
    key: Any
    label: str = ""
    leads: int = 0
    pseudo: int = 0
    verified: int = 0
    non_target: int = 0
    rejected: int = 0
    duplicates: int = 0  # leads of the period merged into another
    suspected_duplicates: int = 0  # leads with an open duplicate candidate
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def pseudo_rate(self) -> float | None:
        return ratio(self.pseudo, self.leads)

    @property
    def verified_rate(self) -> float | None:
        return ratio(self.verified, self.leads)

    @property
    def non_target_share(self) -> float | None:
        return ratio(self.non_target, self.leads)

    @property
    def duplicate_rate(self) -> float | None:
        return ratio(self.duplicates, self.leads + self.duplicates)

    def add(self, other: SourceQuality) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, n in other.reasons.items():
            self.reasons[code] = self.reasons.get(code, 0) + n


@dataclass
class QualityFigures:
    group_by: str
    rows: list[SourceQuality]
    total: SourceQuality
    reasons: list[tuple[str, str]]  # (code, label) of the rejection reasons, most first

    @property
    def is_empty(self) -> bool:
        return not (self.total.leads or self.total.duplicates)


def _open_candidate() -> Exists:
    open_pairs = DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN)
    return Exists(open_pairs.filter(lead_id=OuterRef("pk"))) | Exists(
        open_pairs.filter(other_id=OuterRef("pk"))
    )


def quality_figures(
    *, scope: Q, start: dt.datetime, end: dt.datetime, group_by: str = "source"
) -> QualityFigures:
    """Per slice of ``group_by`` (source by default), the quality figures of the leads of
    ``scope`` that came in during [start, end), and their totals."""
    key = group_key(group_by, date_field="created_at")
    if key is None:
        group_by, key = "source", group_key("source")
    rows: dict[Any, SourceQuality] = {}

    def row_for(value: Any) -> SourceQuality:
        if value not in rows:
            rows[value] = SourceQuality(key=value)
        return rows[value]

    arrived = Lead.objects.filter(
        scope, created_at__gte=start, created_at__lt=end, merged_into__isnull=True
    ).order_by()
    counts = (
        arrived.annotate(group=key)
        .values("group")
        .annotate(
            leads=Count("pk"),
            pseudo=Count("pk", filter=Q(quality_status__in=PSEUDO)),
            verified=Count("pk", filter=Q(verification=Verification.VERIFIED)),
            non_target=Count("pk", filter=Q(fit=Fit.NON_TARGET)),
            rejected=Count("pk", filter=Q(stage__kind=StageKind.LOST)),
            suspected_duplicates=Count("pk", filter=_open_candidate()),
        )
    )
    for found in counts:
        target = row_for(found.pop("group"))
        for name, value in found.items():
            setattr(target, name, value)

    reason_totals: dict[str, int] = defaultdict(int)
    for found in (
        arrived.filter(stage__kind=StageKind.LOST)
        .annotate(group=key)
        .values("group", "rejection_reason__code")
        .annotate(n=Count("pk"))
    ):
        code = found["rejection_reason__code"] or ""
        row_for(found["group"]).reasons[code] = found["n"]
        reason_totals[code] += found["n"]

    merged = (
        Lead.objects.filter(
            lead_condition_on(scope, "merged_into"),
            merged_into__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .annotate(group=key)
        .values("group")
        .annotate(n=Count("pk"))
    )
    for found in merged:
        row_for(found["group"]).duplicates = found["n"]

    labels = group_labels(group_by, rows)
    for value, row in rows.items():
        row.label = labels.get(value, value if value not in (None, "") else empty_label(group_by))
    total = SourceQuality(key=None, label=gettext("Total"))
    for row in rows.values():
        total.add(row)
    names = {
        reason.code: reason.label
        for reason in RejectionReason.objects.filter(code__in=list(reason_totals))
    }
    reasons = [
        (code, names.get(code, code) if code else gettext("No reason given"))
        for code in sorted(reason_totals, key=lambda code: (-reason_totals[code], code))
    ]
    if group_by == "month":
        ordered = sorted(rows.values(), key=lambda row: (row.key is None, row.key or dt.date.min))
    else:
        ordered = sorted(
            rows.values(), key=lambda row: (row.key in (None, ""), str(row.label).casefold())
        )
    return QualityFigures(group_by=group_by, rows=ordered, total=total, reasons=reasons)
