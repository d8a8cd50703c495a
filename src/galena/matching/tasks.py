"""Background work of matching. Thin tasks: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from galena.matching.duplicates import duplicates_record
from galena.matching.models import DuplicateFoundBy


@shared_task(acks_late=True)
def duplicates_found(*, lead_id: int, pairs: list[list], submission_id: int | None = None) -> int:
    """Queue the possible duplicates the intake stage found for a new lead for review;
    idempotent (a pair already queued or decided is left as it is)."""
    return duplicates_record(
        pairs=[(lead_id, int(other), float(p), explanation) for other, p, explanation in pairs],
        found_by=DuplicateFoundBy.INTAKE,
    )
