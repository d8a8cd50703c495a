"""Reads of the quality gate: the review queue and the per-source credibility report.

The report counts what came in through intake in a period, per source, in a constant number
of GROUP BY queries whatever the number of sources or submissions:
- submissions (Submission, refused requests left out) by outcome, joined to their lead's
  current quality status and verification, so a review's release or rejection shows up;
- the reasons the stages gave (DecisionReason), per code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from galena.accounts.roles import can_see_marketing
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.models import DecisionReason, Submission, SubmissionOutcome, SubmissionStatus
from galena.leads import access
from galena.leads.models import ContactPoint, Lead, QualityStatus, Source, Verification
from galena.quality.models import QualityCheck

DEFAULT_REPORT_DAYS = 30
# new leads: every submission that became a lead of its own (not an attachment, not an interest)
NEW_LEAD_OUTCOMES = (
    SubmissionOutcome.CREATED,
    SubmissionOutcome.QUARANTINED,
    SubmissionOutcome.REJECTED,
)
SENT_TO_SALES = (QualityStatus.ACCEPTED, QualityStatus.UNKNOWN)


# --- the review queue -----------------------------------------------------------------


@dataclass
class QueueFilters:
    source: int | None = None
    reason: str = ""  # a reason code


def require_reviewer(user) -> None:
    """Refuse users who may not decide on quarantined leads."""
    if not access.can_assign(user):
        raise PermissionDenied("Only a head of sales or an admin reviews quarantined leads.")


def quarantined_leads(*, user) -> QuerySet[Lead]:
    """The quarantined leads the user may see (unordered, unfiltered)."""
    return access.leads_visible_to(user).filter(quality_status=QualityStatus.QUARANTINED)


def quarantine_count(*, user) -> int:
    """How many quarantined leads wait for this reviewer (0 for those who do not review)."""
    if not access.can_assign(user):
        return 0
    return quarantined_leads(user=user).count()


def review_queue(*, user, filters: QueueFilters) -> QuerySet[Lead]:
    """Quarantined leads the reviewer may see, newest first, with their source and
    contacts loaded (two queries per page whatever its size)."""
    require_reviewer(user)
    leads = quarantined_leads(user=user)
    if filters.source:
        leads = leads.filter(source_id=filters.source)
    if filters.reason:
        leads = leads.filter(
            pk__in=DecisionReason.objects.filter(code=filters.reason, lead_id__isnull=False).values(
                "lead_id"
            )
        )
    return (
        leads.select_related("source", "owner")
        .prefetch_related(
            Prefetch(
                "contact_points",
                queryset=ContactPoint.objects.order_by("-is_primary", "kind", "id"),
                to_attr="queue_contacts",
            )
        )
        .order_by("-created_at", "-id")
    )


def queue_reason_codes(*, user) -> list[str]:
    """The reason codes of the quarantined leads the user may see, for the filter."""
    return list(
        DecisionReason.objects.filter(lead__in=quarantined_leads(user=user))
        .values_list("code", flat=True)
        .distinct()
        .order_by("code")
    )


def reason_labels() -> dict[str, str]:
    """Each check's code with its name as configured in the admin, in the reader's language
    when it is still the seeded name (a business's own wording is shown as written)."""
    return {code: gettext(name) for code, name in QualityCheck.objects.values_list("code", "name")}


def reason_label(code: str, labels: dict[str, str]) -> str:
    return labels.get(code) or code.replace("_", " ").replace("-", " ").capitalize()


def present_reasons(reasons: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    """A lead's stored reasons as the queue and the card show them: each with its label,
    message, evidence (as name/value pairs when structured) and suggested fix."""
    presented = []
    for reason in reasons or []:
        if not isinstance(reason, dict):
            presented.append({"code": str(reason), "label": reason_label(str(reason), labels)})
            continue
        code = str(reason.get("code") or "")
        evidence = reason.get("evidence")
        if isinstance(evidence, dict):
            evidence_items = [(str(k).replace("_", " "), v) for k, v in evidence.items()]
            evidence_text = ""
        else:
            evidence_items = []
            evidence_text = "" if evidence in (None, "", []) else str(evidence)
        presented.append(
            {
                "code": code,
                "stage": str(reason.get("stage") or ""),
                "label": reason_label(code, labels) if code else str(reason.get("name") or ""),
                "message": str(reason.get("message") or ""),
                "evidence_items": evidence_items,
                "evidence": evidence_text,
                "points": reason.get("points") or 0,
                "suggestion": str(reason.get("suggestion") or ""),
            }
        )
    return presented


# --- the per-source credibility report ------------------------------------------------


@dataclass
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def default(cls, *, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1), end=today)

    @classmethod
    def of(cls, start: dt.date | None, end: dt.date | None) -> Period:
        default = cls.default()
        period = cls(start=start or default.start, end=end or default.end)
        if start is None and end is not None:
            period.start = end - dt.timedelta(days=DEFAULT_REPORT_DAYS - 1)
        if period.start > period.end:
            raise ValidationFailed({"from": "The period starts after it ends."})
        return period

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as [start, end) moments in the business's time zone."""
        start = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        return start, end


@dataclass
class SourceCredibility:
    """One source's figures for the period (or the totals when source_id is None and
    is_total is set)."""

    source_id: int | None
    name: str
    vendor: str = ""
    channel: str = ""
    is_total: bool = False
    submissions: int = 0
    leads: int = 0  # new leads: created, quarantined or rejected at intake
    accepted: int = 0  # of the new leads, sent to sales now (released ones included)
    interests: int = 0
    attached: int = 0  # repeat inquiries from known leads
    quarantined: int = 0  # held for review at intake
    waiting: int = 0  # of those, still waiting
    released: int = 0  # of those, released to sales by a reviewer
    rejected: int = 0  # of the new leads, rejected as pseudo-leads now (intake or review)
    rejected_in_review: int = 0
    verified: int = 0  # of the new leads, verified now
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def pseudo(self) -> int:
        """Pseudo-leads: rejected, or still held for review."""
        return self.rejected + self.waiting

    @property
    def pseudo_rate(self) -> float | None:
        return self.pseudo / self.leads if self.leads else None

    @property
    def verified_rate(self) -> float | None:
        return self.verified / self.leads if self.leads else None

    def add(self, other: SourceCredibility) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, n in other.reasons.items():
            self.reasons[code] = self.reasons.get(code, 0) + n


COUNT_FIELDS = (
    "submissions",
    "leads",
    "accepted",
    "interests",
    "attached",
    "quarantined",
    "waiting",
    "released",
    "rejected",
    "rejected_in_review",
    "verified",
)

REPORT_SORTS = ("name", "submissions", "leads", "pseudo_rate", "verified_rate")
DEFAULT_REPORT_SORT = "-pseudo_rate"


@dataclass
class CredibilityReport:
    period: Period
    sort: str
    rows: list[SourceCredibility]
    total: SourceCredibility
    reason_codes: list[str]  # the codes that occur, most frequent first


def _count(
    row: SourceCredibility, outcome: str, status: str | None, verification: str | None, n: int
) -> None:
    row.submissions += n
    if outcome == SubmissionOutcome.INTEREST:
        row.interests += n
    elif outcome == SubmissionOutcome.ATTACHED:
        row.attached += n
    if outcome not in NEW_LEAD_OUTCOMES:
        return
    row.leads += n
    if outcome == SubmissionOutcome.QUARANTINED:
        row.quarantined += n
        if status == QualityStatus.QUARANTINED:
            row.waiting += n
        elif status in SENT_TO_SALES:
            row.released += n
    # a lead removed since counts as what intake decided
    status = status or (
        QualityStatus.REJECTED if outcome == SubmissionOutcome.REJECTED else QualityStatus.ACCEPTED
    )
    if status == QualityStatus.REJECTED:
        row.rejected += n
        if outcome != SubmissionOutcome.REJECTED:
            row.rejected_in_review += n
    elif status in SENT_TO_SALES:
        row.accepted += n
    if verification == Verification.VERIFIED:
        row.verified += n


def _sort_key(sort: str):
    """The key function and direction for sorted(): rows without a figure (no leads) go
    last in either direction, ties by name."""
    key = sort.lstrip("-")
    if key not in REPORT_SORTS:
        raise ValidationFailed(
            {"sort": f"Sort by one of: {', '.join(REPORT_SORTS)} (prefix - to reverse)."}
        )
    descending = sort.startswith("-")
    if key == "name":
        return (lambda row: (row.name.casefold(), row.source_id or 0)), descending

    def value(row: SourceCredibility) -> tuple:
        figure = getattr(row, key)
        if figure is None:
            return (True, 0, row.name.casefold())
        return (False, -figure if descending else figure, row.name.casefold())

    return value, False


def source_credibility(
    *, user, period: Period, sort: str = DEFAULT_REPORT_SORT
) -> CredibilityReport:
    """Per source, for the period: submissions, new leads accepted, interests, quarantined,
    released, rejected, pseudo-lead and verified rates, and the reasons by code. Three
    queries whatever the data."""
    if not can_see_marketing(user):
        raise PermissionDenied(
            "The source credibility report is for admins, heads of sales and marketers."
        )
    key, reverse = _sort_key(sort or DEFAULT_REPORT_SORT)
    start, end = period.bounds()
    rows: dict[int | None, SourceCredibility] = {}

    def row_for(source_id: int | None) -> SourceCredibility:
        if source_id not in rows:
            rows[source_id] = SourceCredibility(source_id=source_id, name="")
        return rows[source_id]

    counts = (
        Submission.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(status=SubmissionStatus.REFUSED)
        .values_list("source_id", "outcome", "lead__quality_status", "lead__verification")
        .annotate(n=Count("id"))
        .order_by()
    )
    for source_id, outcome, status, verification, n in counts:
        _count(row_for(source_id), outcome, status, verification, n)

    reason_totals: dict[str, int] = defaultdict(int)
    for source_id, code, n in (
        # the quality gate's reasons: a verification's "matched another source" is good news,
        # not a column beside the pseudo-lead checks
        DecisionReason.objects.filter(received_at__gte=start, received_at__lt=end, stage="quality")
        .values_list("source_id", "code")
        .annotate(n=Count("submission_id", distinct=True))
        .order_by()
    ):
        row = row_for(source_id)
        row.reasons[code] = n
        reason_totals[code] += n

    known = {
        source["pk"]: source
        for source in Source.objects.filter(pk__in=[i for i in rows if i is not None]).values(
            "pk", "name", "vendor", "channel"
        )
    }
    for source_id, row in rows.items():
        source = known.get(source_id)
        if source is not None:
            row.name, row.vendor, row.channel = source["name"], source["vendor"], source["channel"]
        else:
            row.name = ""  # no source (or one since deleted)

    total = SourceCredibility(source_id=None, name="", is_total=True)
    for row in rows.values():
        total.add(row)
    ordered = sorted(rows.values(), key=key, reverse=reverse)
    codes = sorted(reason_totals, key=lambda code: (-reason_totals[code], code))
    return CredibilityReport(
        period=period,
        sort=sort or DEFAULT_REPORT_SORT,
        rows=ordered,
        total=total,
        reason_codes=codes,
    )
