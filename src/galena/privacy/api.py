"""The privacy API (administrators): find a person, their whole report as JSON, erase them,
and the retention dry run."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from galena.core import audit
from galena.core.api import ErrorOut
from galena.core.errors import ValidationFailed
from galena.privacy.access import require_subject_handler, subject_counts, subject_report
from galena.privacy.erasure import erase_subject
from galena.privacy.retention import retention_plan
from galena.privacy.subjects import Subject, find_subject

router = Router(tags=["privacy"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class Who(Schema):
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    lead_id: int | None = None


class EraseIn(Who):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=1, max_length=500)


class TableCount(Schema):
    table: str
    category: str
    rows: int


class SubjectOut(Schema):
    emails: list[str]
    phones: list[str]
    lead_ids: list[int]
    contact_ids: list[int]
    tables: list[TableCount]


class ErasureOut(Schema):
    erasure_id: int
    rows: int
    tables: dict[str, int]
    files_deleted: int


class PlanOut(Schema):
    purpose: str
    label: str
    days: int
    cutoff: str
    count: int
    sample_ids: list[int]


def _subject(request: HttpRequest, who: Who) -> Subject:
    require_subject_handler(_user(request))
    if not (who.email.strip() or who.phone.strip() or who.lead_id):
        raise ValidationFailed({"email": "Give email, phone or lead_id."})
    return find_subject(
        email=who.email.strip() or None, phone=who.phone.strip() or None, lead_id=who.lead_id
    )


@router.get("/privacy/subject", response={200: SubjectOut, **ERRORS}, summary="Find a person")
def subject_find(request: HttpRequest, who: Query[Who]):
    """The person's leads, client contacts, addresses and numbers, and how many rows of each
    table hold their data."""
    subject = _subject(request, who)
    return {
        "emails": sorted(subject.emails),
        "phones": sorted(subject.phones),
        "lead_ids": sorted(subject.lead_ids),
        "contact_ids": sorted(subject.contact_ids),
        "tables": [
            {"table": label, "category": category, "rows": rows}
            for label, category, rows in subject_counts(subject)
        ],
    }


@router.get("/privacy/report", response={200: dict, **ERRORS}, summary="A person's data report")
def subject_report_get(request: HttpRequest, who: Query[Who]):
    """Everything held about the person, table by table (the page's JSON download)."""
    subject = _subject(request, who)
    report = subject_report(subject, actor=_user(request))
    audit.record(
        actor=_user(request),
        action="subject_export",
        object_type="privacy.subject",
        count=report.rows_total,
        params={"lead_ids": sorted(subject.lead_ids), "contact_ids": sorted(subject.contact_ids)},
        request=request,
    )
    return report.as_dict()


@router.post("/privacy/erase", response={200: ErasureOut, **ERRORS}, summary="Erase a person")
def subject_erase(request: HttpRequest, payload: EraseIn):
    """Remove or anonymise everything held about the person for good; the figures stay and the
    erasure is recorded without the values."""
    subject = _subject(request, payload)
    result = erase_subject(subject, actor=_user(request), reason=payload.reason)
    rows = sum(result.counts.values())
    audit.record(
        actor=_user(request),
        action="erasure",
        object_type="privacy.subject",
        count=rows,
        params={"erasure_id": result.erasure.pk, "lead_ids": sorted(subject.lead_ids)},
        request=request,
    )
    return {
        "erasure_id": result.erasure.pk,
        "rows": rows,
        "tables": result.counts,
        "files_deleted": result.files_deleted,
    }


@router.get(
    "/privacy/retention", response={200: list[PlanOut], **ERRORS}, summary="Retention dry run"
)
def retention_dry_run(request: HttpRequest):
    """What the retention sweep would depersonalise now, per purpose (writes nothing)."""
    require_subject_handler(_user(request))
    return [
        {
            "purpose": plan.purpose,
            "label": plan.label,
            "days": plan.days,
            "cutoff": plan.cutoff.isoformat(),
            "count": plan.count,
            "sample_ids": [row["pk"] for row in plan.sample],
        }
        for plan in retention_plan()
    ]
