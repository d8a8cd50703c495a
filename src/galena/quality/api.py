"""The quality gate's API: the review queue, its decisions (release, reject) and the
per-source credibility report.

Views are thin: reads go through selectors, writes through services, and every refusal is
an ApplicationError that the API turns into its JSON error envelope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from galena.core.api import ErrorOut, QuerySchema, keyset_page
from galena.leads.models import (
    ActorSource,
    Channel,
    ContactKind,
    ContactStatus,
    Lead,
    QualityStatus,
)
from galena.leads.services import Actor
from galena.quality import selectors, services

router = Router(tags=["quality"])

LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
QUEUE_ORDERING = ("-created_at", "-id")


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=_user(request), source=ActorSource.API)


class Out(Schema):
    model_config = ConfigDict(use_enum_values=True)


class In(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


# --- the queue ------------------------------------------------------------------------


class SourceRef(Out):
    id: int
    name: str
    vendor: str


class ReasonOut(Out):
    stage: str = Field("", description="The pipeline stage that gave the reason.")
    code: str = Field("", description="The check's code, stable for machines.")
    message: str = Field("", description="What the check found, for people.")
    evidence: Any = Field(None, description="What the check saw (values, times, counts).")
    points: int = Field(0, description="Points the check added towards quarantine/rejection.")
    suggestion: str = Field("", description="A suggested fix, e.g. a corrected e-mail domain.")


class QueueContactOut(Out):
    kind: ContactKind
    value: str = Field(description="Normalised.")
    value_raw: str = Field(description="As given.")
    status: ContactStatus = Field(description="valid, possible or invalid.")
    is_primary: bool


class QueueItemOut(Out):
    id: int
    display_name: str
    company_name: str
    quality_status: QualityStatus
    source: SourceRef | None
    channel: Channel
    created_at: dt.datetime = Field(description="When the submission was received.")
    contacts: list[QueueContactOut]
    reasons: list[ReasonOut] = Field(description="Why the lead was held, with evidence.")

    @staticmethod
    def resolve_display_name(lead: Lead) -> str:
        return str(lead)

    @staticmethod
    def resolve_contacts(lead: Lead) -> list[Any]:
        return lead.queue_contacts  # type: ignore[attr-defined]

    @staticmethod
    def resolve_reasons(lead: Lead) -> list[dict[str, Any]]:
        return [
            reason if isinstance(reason, dict) else {"code": str(reason)}
            for reason in lead.quality_reasons or []
        ]


class QueuePageOut(Out):
    items: list[QueueItemOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class QueueQuery(QuerySchema):
    source: int | None = Field(None, description="Only leads from this source id.")
    reason: str | None = Field(None, description="Only leads with a reason of this code.")
    limit: int = Field(
        settings.API_PAGE_SIZE,
        ge=1,
        le=settings.API_MAX_PAGE_SIZE,
        description=f"Items per page, at most {settings.API_MAX_PAGE_SIZE}.",
    )
    cursor: str | None = Field(
        None, description="The previous page's next_cursor; omit for the first page."
    )


@router.get(
    "/quality/queue",
    response={200: QueuePageOut, **LIST_ERRORS},
    summary="The review queue",
)
def list_queue(request: HttpRequest, query: Query[QueueQuery]):
    """Quarantined leads you may see, newest first, with their reasons and evidence. For
    heads of sales and admins."""
    filters = selectors.QueueFilters(source=query.source, reason=query.reason or "")
    leads = selectors.review_queue(user=_user(request), filters=filters)
    items, next_cursor = keyset_page(
        leads,
        ordering=QUEUE_ORDERING,
        scope="quality-queue",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


# --- decisions ------------------------------------------------------------------------


class ReleaseIn(In):
    lead_ids: list[int] = Field(
        description=f"The leads to release, at most {services.REVIEW_BATCH_LIMIT}.",
    )
    note: str = Field("", max_length=services.NOTE_MAX_LENGTH, description="Why, for the timeline.")


class RejectIn(ReleaseIn):
    reason_code: str = Field(
        "", max_length=60, description="The check that best names why, e.g. test_values."
    )


class ReviewOut(Out):
    changed: list[int] = Field(description="The leads decided on now.")
    skipped: list[int] = Field(
        description="Leads left as they were: no longer in a state this decision applies to."
    )


def _review_out(outcome: services.ReviewOutcome) -> dict[str, list[int]]:
    return {"changed": [lead.pk for lead in outcome.changed], "skipped": outcome.skipped}


@router.post(
    "/quality/release",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Release quarantined leads",
)
def release(request: HttpRequest, payload: ReleaseIn):
    """Send quarantined leads to sales (quality accepted). Leads not quarantined any more are
    skipped; a lead you may not see is 404 and nothing is changed."""
    outcome = services.lead_quality_release(
        actor=_actor(request), leads=payload.lead_ids, note=payload.note
    )
    return _review_out(outcome)


@router.post(
    "/quality/reject",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Reject leads as pseudo-leads",
)
def reject(request: HttpRequest, payload: RejectIn):
    """Reject quarantined or accepted leads as pseudo-leads: kept and counted, not sent to
    sales. Leads already rejected are skipped."""
    outcome = services.lead_quality_reject(
        actor=_actor(request),
        leads=payload.lead_ids,
        reason_code=payload.reason_code,
        note=payload.note,
    )
    return _review_out(outcome)


# --- the credibility report -----------------------------------------------------------


class ReportQuery(QuerySchema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date | None = Field(
        None,
        alias="from",
        description=f"First day (default: {selectors.DEFAULT_REPORT_DAYS} days before `to`).",
    )
    date_to: dt.date | None = Field(None, alias="to", description="Last day (default: today).")
    sort: str = Field(
        selectors.DEFAULT_REPORT_SORT,
        description=f"One of {', '.join(selectors.REPORT_SORTS)}; prefix - to reverse.",
    )


class SourceCredibilityOut(Out):
    source: SourceRef | None = Field(description="null for submissions without a source.")
    channel: str
    submissions: int = Field(description="Everything received (refused requests aside).")
    new_leads: int = Field(description="Submissions that became a lead of their own.")
    accepted: int = Field(description="New leads sent to sales now, released ones included.")
    interests: int = Field(description="Submissions kept as interests (no way to reach).")
    repeat_inquiries: int = Field(description="Submissions attached to known leads.")
    quarantined: int = Field(description="New leads held for review by the checks.")
    released: int = Field(description="Of those, released to sales by a reviewer.")
    waiting: int = Field(description="Of those, still waiting for review.")
    rejected: int = Field(description="New leads rejected as pseudo-leads, now.")
    rejected_in_review: int = Field(description="Of those, rejected by a reviewer.")
    verified: int = Field(description="New leads verified (e-mail, call or another source).")
    pseudo_leads: int = Field(description="Rejected plus still waiting.")
    pseudo_lead_rate: float | None = Field(
        description="pseudo_leads / new_leads, 0..1; null without new leads."
    )
    verified_rate: float | None = Field(description="verified / new_leads, 0..1.")
    reasons: dict[str, int] = Field(description="Submissions flagged per reason code.")


class CredibilityOut(Out):
    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    sort: str
    reason_codes: list[str] = Field(description="The codes that occur, most frequent first.")
    sources: list[SourceCredibilityOut]
    total: SourceCredibilityOut


def _row_out(row: selectors.SourceCredibility) -> dict[str, Any]:
    return {
        "source": (
            {"id": row.source_id, "name": row.name, "vendor": row.vendor}
            if row.source_id and row.name
            else None
        ),
        "channel": row.channel,
        "submissions": row.submissions,
        "new_leads": row.leads,
        "accepted": row.accepted,
        "interests": row.interests,
        "repeat_inquiries": row.attached,
        "quarantined": row.quarantined,
        "released": row.released,
        "waiting": row.waiting,
        "rejected": row.rejected,
        "rejected_in_review": row.rejected_in_review,
        "verified": row.verified,
        "pseudo_leads": row.pseudo,
        "pseudo_lead_rate": row.pseudo_rate,
        "verified_rate": row.verified_rate,
        "reasons": dict(row.reasons),
    }


@router.get(
    "/quality/sources",
    response={200: CredibilityOut, **LIST_ERRORS},
    by_alias=True,
    summary="Source credibility",
)
def source_credibility(request: HttpRequest, query: Query[ReportQuery]):
    """Per source, for a period: what came in, how much was accepted, quarantined, released
    and rejected as pseudo-leads, the pseudo-lead and verified rates, and counts per reason.
    For admins, heads of sales and marketers."""
    period = selectors.Period.of(query.date_from, query.date_to)
    report = selectors.source_credibility(user=_user(request), period=period, sort=query.sort)
    return {
        "date_from": report.period.start,
        "date_to": report.period.end,
        "sort": report.sort,
        "reason_codes": report.reason_codes,
        "sources": [_row_out(row) for row in report.rows],
        "total": _row_out(report.total),
    }
