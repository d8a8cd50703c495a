"""Leads as the quality stage leaves them: a submission with its outcome and reasons, the
lead with its quality status and reasons, one DecisionReason row per reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from galena.intake.models import DecisionReason, Submission, SubmissionStatus
from galena.leads.models import ContactKind, QualityStatus
from tests.factories import ContactPointFactory, LeadFactory

OUTCOME_OF = {
    QualityStatus.ACCEPTED: "created",
    QualityStatus.QUARANTINED: "quarantined",
    QualityStatus.REJECTED: "rejected",
}

TOO_FAST = {
    "stage": "quality",
    "code": "too_fast",
    "message": "Submitted faster than a person can type.",
    "evidence": {"time_to_submit_ms": 420, "min_ms": 2500},
    "points": 60,
    "suggestion": "",
}
EMAIL_TYPO = {
    "stage": "quality",
    "code": "email_typo",
    "message": "The e-mail domain looks mistyped.",
    "evidence": "ana@gmial.com",
    "points": 20,
    "suggestion": "ana@gmail.com",
}
HONEYPOT = {
    "stage": "quality",
    "code": "honeypot",
    "message": "The hidden field was filled in.",
    "evidence": {"honeypot": "http://spam.example"},
    "points": 100,
    "suggestion": "",
}


def submitted_lead(
    *,
    status: str = QualityStatus.QUARANTINED,
    source=None,
    reasons: list[dict[str, Any]] | None = None,
    received_at: dt.datetime | None = None,
    outcome: str | None = None,
    team=None,
    owner=None,
    verification: str = "unverified",
    email: str | None = None,
    **fields: Any,
):
    """A lead that came in through intake with the given verdict, as the writer stores it."""
    received_at = received_at or timezone.now()
    reasons = list(reasons or [])
    lead = LeadFactory(
        quality_status=status,
        quality_reasons=reasons,
        source=source,
        team=team,
        owner=owner,
        created_at=received_at,
        verification=verification,
        **fields,
    )
    ContactPointFactory(
        lead=lead, kind=ContactKind.EMAIL, **({"value_raw": email, "value": email} if email else {})
    )
    outcome = outcome or OUTCOME_OF[status]
    submission = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        status=SubmissionStatus.PROCESSED,
        outcome=outcome,
        received_at=received_at,
        source=source,
        lead=lead,
    )
    DecisionReason.objects.bulk_create(
        DecisionReason(
            submission=submission,
            lead=lead,
            source=source,
            stage=reason["stage"],
            code=reason["code"],
            outcome=outcome,
            points=reason["points"],
            received_at=received_at,
        )
        for reason in reasons
    )
    return lead


def interest(*, source=None, received_at=None, reasons=()) -> Submission:
    """A submission kept as an interest: no lead."""
    received_at = received_at or timezone.now()
    submission = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        status=SubmissionStatus.PROCESSED,
        outcome="interest",
        received_at=received_at,
        source=source,
    )
    for reason in reasons:
        DecisionReason.objects.create(
            submission=submission,
            source=source,
            stage=reason["stage"],
            code=reason["code"],
            outcome="interest",
            points=reason["points"],
            received_at=received_at,
        )
    return submission
