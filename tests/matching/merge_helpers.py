"""Leads with a history, made the way the app makes them, for the merge tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from galena.intake.models import DecisionReason, Submission, SubmissionOutcome, SubmissionStatus
from galena.leads.services import note_add, task_create
from tests.quality.verification_helpers import create_lead, manual

__all__ = ["manual", "person", "submission_for", "with_history"]


def person(user, first_name="Ana", last_name="Marin", *, phone=None, email=None, **data: Any):
    """A lead created through the service by ``user`` (its CREATED event included); an
    e-mail made from the name when no contact is given."""
    if not (phone or email):
        email = f"{first_name}.{last_name}@x.example".lower()
    return create_lead(
        actor=manual(user),
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
        **data,
    )


def submission_for(lead, *, source=None, code: str = "too_fast") -> Submission:
    """The submission that brought the lead, with one reason the quality stage gave."""
    submission = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        status=SubmissionStatus.PROCESSED,
        outcome=SubmissionOutcome.CREATED,
        lead=lead,
        source=source,
        received_at=timezone.now(),
    )
    DecisionReason.objects.create(
        submission=submission, lead=lead, source=source, stage="quality", code=code, points=10
    )
    return submission


def with_history(user, lead, *, notes: int = 1, tasks: int = 1):
    """Notes and tasks on the lead, as a manager leaves them."""
    for n in range(notes):
        note_add(actor=manual(user), lead=lead, text=f"note {n}")
    for n in range(tasks):
        task_create(actor=manual(user), lead=lead, title=f"Call {n}")
    return lead
