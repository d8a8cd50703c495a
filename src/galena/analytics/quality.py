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
  merged into must be in the reader's and the filter's people, the duplicate itself in the
  filter's channel, source, campaign and region), as a share of everything that came in — the leads
  plus the duplicates; and the leads still waiting with an open duplicate candidate
  (``matching.DuplicateCandidate``).

Two GROUP BY queries over the leads whatever their number, and two over the open
duplicate candidates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext

from galena.analytics.charts import Chart, bar_chart
from galena.analytics.facts import fact_plan, facts_refresh
from galena.analytics.filters import (
    GROUP_BY_LABELS,
    ReportFilter,
    attribute_condition,
    lead_scope,
    people_scope,
    require_report,
)
from galena.analytics.models import FactKind, QualityFact
from galena.analytics.speed_measures import (
    empty_label,
    group_key,
    group_labels,
    label_order,
    lead_condition_on,
    ratio,
)
from galena.analytics.tables import Column, ReportTable, percent
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


class _Rows(dict[Any, SourceQuality]):
    """The report's rows by slice value, each made when first counted in."""

    def row_for(self, value: Any) -> SourceQuality:
        if value not in self:
            self[value] = SourceQuality(key=value)
        return self[value]


def quality_figures(
    *,
    scope: Q,
    start: dt.datetime,
    end: dt.datetime,
    group_by: str = "source",
    own: Q | None = None,
) -> QualityFigures:
    """Per slice of ``group_by`` (source by default), the quality figures of the leads of
    ``scope`` and ``own`` that came in during [start, end), and their totals. A duplicate
    (a lead of the period merged into another) counts when the lead it was merged into is
    in ``scope`` (the people: role, team, owner) and it is in ``own`` itself (its own
    channel, source, campaign and region, as it is grouped by its own)."""
    own = own or Q()
    scope_here = scope & own
    key = group_key(group_by, date_field="created_at")
    if key is None:
        group_by, key = "source", group_key("source")
    rows = _Rows()
    row_for = rows.row_for

    arrived = Lead.objects.filter(
        scope_here, created_at__gte=start, created_at__lt=end, merged_into__isnull=True
    ).order_by()
    # one pass: per slice and rejection reason (only rejected leads keep a reason)
    reason_totals: dict[str, int] = defaultdict(int)
    counts = (
        arrived.annotate(group=key)
        .values("group", "rejection_reason__code")
        .annotate(
            leads=Count("pk"),
            pseudo=Count("pk", filter=Q(quality_status__in=PSEUDO)),
            verified=Count("pk", filter=Q(verification=Verification.VERIFIED)),
            non_target=Count("pk", filter=Q(fit=Fit.NON_TARGET)),
            rejected=Count("pk", filter=Q(stage__kind=StageKind.LOST)),
        )
    )
    for found in counts:
        target = row_for(found["group"])
        for name in ("leads", "pseudo", "verified", "non_target", "rejected"):
            setattr(target, name, getattr(target, name) + found[name])
        if found["rejected"]:
            code = found["rejection_reason__code"] or ""
            target.reasons[code] = target.reasons.get(code, 0) + found["rejected"]
            reason_totals[code] += found["rejected"]

    _suspected(rows, scope=scope_here, start=start, end=end, group_by=group_by)

    merged = (
        Lead.objects.filter(
            lead_condition_on(scope, "merged_into"),
            own,
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
    return _figures(group_by, rows, reason_totals)


def _suspected(rows: _Rows, *, scope: Q, start: dt.datetime, end: dt.datetime, group_by: str):
    """The leads of the period waiting with an open duplicate candidate, per row."""
    # the open duplicate candidates are few (a review queue): read from their side
    waiting: dict[Any, set[int]] = defaultdict(set)
    arrived_here = scope & Q(created_at__gte=start, created_at__lt=end, merged_into__isnull=True)
    for side in ("lead", "other"):
        side_key = group_key(group_by, prefix=f"{side}__", date_field=f"{side}__created_at")
        pairs = (
            DuplicateCandidate.objects.filter(
                lead_condition_on(arrived_here, side), status=DuplicateStatus.OPEN
            )
            .annotate(group=side_key)
            .values_list(f"{side}_id", "group")
        )
        for lead_id, value in pairs:
            waiting[value].add(lead_id)
    for value, ids in waiting.items():
        rows.row_for(value).suspected_duplicates = len(ids)


def _figures(
    group_by: str, rows: dict[Any, SourceQuality], reason_totals: dict[str, int]
) -> QualityFigures:
    """The rows labelled and ordered, their totals and the rejection reasons, most first."""
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
        ordered = sorted(rows.values(), key=lambda row: label_order(row.key, row.label))
    return QualityFigures(group_by=group_by, rows=ordered, total=total, reasons=reasons)


# --- the page, the API and the exports ---------------------------------------------------

CODE = "quality"
GROUP_BY = ("source", "channel", "campaign", "region", "month")


def quality_report(user, f: ReportFilter) -> QualityFigures:
    """The quality figures of the leads the user may see for the filter: from the daily
    facts when they answer, else from the leads. A duplicate is counted by its own channel,
    source, campaign and region, with the surviving lead's people (``quality_figures``)."""
    require_report(user, CODE)
    group_by = f.group_by if f.group_by in GROUP_BY else GROUP_BY[0]
    plan = fact_plan(user, f, group_by=group_by)
    if plan is None:
        return quality_figures(
            scope=people_scope(user, f),
            own=attribute_condition(f),
            start=f.start_at(),
            end=f.end_at(),
            group_by=group_by,
        )
    facts_refresh([FactKind.LEAD])
    rows = _Rows()
    row_for = rows.row_for

    reason_totals: dict[str, int] = defaultdict(int)
    codes = dict(RejectionReason.objects.values_list("pk", "code"))
    names = ("leads", "pseudo", "verified", "non_target", "rejected", "duplicates")
    found = (
        plan.rows(QualityFact, f)
        .values(plan.group, "reason_id")
        .annotate(**{f"n_{name}": Sum(name) for name in names})
    )
    for values in found:
        target = row_for(plan.key(values))
        for name in names:
            setattr(target, name, getattr(target, name) + values[f"n_{name}"])
        if values["n_rejected"]:
            code = codes.get(values["reason_id"]) or ""
            target.reasons[code] = target.reasons.get(code, 0) + values["n_rejected"]
            reason_totals[code] += values["n_rejected"]
    _suspected(
        rows,
        scope=lead_scope(user, f),
        start=f.start_at(),
        end=f.end_at(),
        group_by=group_by,
    )
    return _figures(group_by, rows, reason_totals)


def _shown(row: SourceQuality, codes: list[str]) -> dict[str, Any]:
    return {
        "label": str(row.label),
        "leads": row.leads,
        "pseudo": row.pseudo,
        "pseudo_rate": percent(row.pseudo, row.leads),
        "verified": row.verified,
        "verified_rate": percent(row.verified, row.leads),
        "non_target": row.non_target,
        "non_target_share": percent(row.non_target, row.leads),
        "rejected": row.rejected,
        "rejected_rate": percent(row.rejected, row.leads),
        **{f"reason_{code}": row.reasons.get(code, 0) for code in codes},
        "duplicates": row.duplicates,
        "duplicate_rate": percent(row.duplicates, row.leads + row.duplicates),
        "suspected_duplicates": row.suspected_duplicates,
    }


def quality_table(user, f: ReportFilter, *, figures: QualityFigures | None = None) -> ReportTable:
    """The quality report's table: one row per source (or the chosen slice) and the totals."""
    figures = figures or quality_report(user, f)
    codes = [code for code, _label in figures.reasons]
    columns = [
        Column("label", str(GROUP_BY_LABELS.get(figures.group_by, gettext("Source"))), "text"),
        Column("leads", gettext("Leads"), "int"),
        Column("pseudo", gettext("Pseudo-leads"), "int"),
        Column("pseudo_rate", gettext("Pseudo-lead rate"), "percent"),
        Column("verified", gettext("Verified"), "int"),
        Column("verified_rate", gettext("Verification rate"), "percent"),
        Column("non_target", gettext("Non-target"), "int"),
        Column("non_target_share", gettext("Non-target share"), "percent"),
        Column("rejected", gettext("Rejected by sales"), "int"),
        Column("rejected_rate", gettext("Rejection rate"), "percent"),
        *[
            Column(f"reason_{code}", gettext("Rejected: %(reason)s") % {"reason": label}, "int")
            for code, label in figures.reasons
        ],
        Column("duplicates", gettext("Duplicates merged"), "int"),
        Column("duplicate_rate", gettext("Duplicate rate"), "percent"),
        Column("suspected_duplicates", gettext("Possible duplicates to review"), "int"),
    ]
    return ReportTable(
        code=CODE,
        title=gettext("Quality"),
        columns=columns,
        rows=[_shown(row, codes) for row in figures.rows],
        totals=_shown(figures.total, codes),
        notes=[
            gettext(
                "The leads that came in during the period (each lead merged into another "
                "counts once, as the lead it was merged into). Pseudo-leads: rejected by the "
                "quality checks or still held for review."
            ),
            gettext(
                "Duplicate rate: the leads of the period merged into another lead, of all that "
                "came in (the leads and those duplicates). Possible duplicates: leads with a "
                "duplicate candidate still waiting for review."
            ),
        ],
    )


def quality_charts(table: ReportTable) -> list[Chart]:
    """The credibility of each source: its pseudo-lead, non-target, duplicate and
    verification rates side by side."""
    labels = [row["label"] for row in table.rows]
    return [
        bar_chart(
            labels,
            {
                gettext("Pseudo-lead rate"): [row["pseudo_rate"] or 0 for row in table.rows],
                gettext("Non-target share"): [row["non_target_share"] or 0 for row in table.rows],
                gettext("Duplicate rate"): [row["duplicate_rate"] or 0 for row in table.rows],
                gettext("Verification rate"): [row["verified_rate"] or 0 for row in table.rows],
            },
            unit="%",
            title=gettext("Source credibility, %"),
        )
    ]
