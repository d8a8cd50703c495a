"""Background work of the privacy app. Thin tasks: they call a service and are idempotent."""

from __future__ import annotations

from celery import shared_task

from galena.privacy import retention


@shared_task(acks_late=True)
def retention_sweep() -> dict:
    """Depersonalise the leads and submissions past their retention period (in batches; a
    lead already erased is never taken again, so a repeated run does nothing more)."""
    result = retention.retention_sweep()
    return {"leads": result.leads, "submissions": result.submissions}
