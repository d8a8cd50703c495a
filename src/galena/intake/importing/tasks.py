"""Running an import job in the background: on a Celery worker when a broker is
configured, else in a thread of the web process (INTAKE_IMPORT_IN_THREAD)."""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connection

from galena.core.errors import ValidationFailed

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_import_job(job_id: int, dry_run: bool = False) -> str:
    """Dry-run or import one job; safe to run twice (an import resumes at its checkpoint)."""
    from galena.intake.importing.services import import_job_run

    try:
        return import_job_run(job_id=job_id, dry_run=dry_run).status
    except ValidationFailed as error:  # e.g. already done, or started twice
        logger.warning("import %s not run: %s", job_id, error.message)
        return "refused"


def _in_thread(job_id: int, dry_run: bool) -> None:
    try:
        run_import_job(job_id, dry_run)
    finally:
        connection.close()


def import_job_start(*, job_id: int, dry_run: bool = False) -> None:
    """Start the job's dry run or import in the background."""
    if settings.INTAKE_IMPORT_IN_THREAD:
        threading.Thread(
            target=_in_thread, args=(job_id, dry_run), name=f"import-{job_id}", daemon=True
        ).start()
    else:
        run_import_job.delay(job_id, dry_run)
