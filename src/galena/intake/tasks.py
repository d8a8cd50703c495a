"""Background intake work: thin tasks that take ids and call a service."""

from celery import shared_task

from galena.intake import services


@shared_task(acks_late=True)
def process_submission(submission_id: int) -> str:
    """Process one stored submission; safe to run twice (a processed one is left alone)."""
    submission = services.submission_process(submission_id=submission_id)
    return submission.status if submission is not None else "missing"


@shared_task(acks_late=True)
def drain_submissions() -> int:
    """Process every waiting submission, in batches (queued once per wake-up, see
    intake.batching)."""
    from galena.intake.batching import submissions_drain

    return submissions_drain()


@shared_task
def process_stuck_submissions() -> dict[str, int]:
    """Periodic sweep: submissions left received or processing (a crash, a broker outage)
    are processed. Failed ones wait for `galena intake retry` or the admin's button."""
    return services.submissions_retry(stuck_only=True)


@shared_task
def fetch_mail() -> dict[str, int]:
    """Poll the configured IMAP mailbox (scheduled by CELERY_BEAT_SCHEDULE when set)."""
    from galena.intake.mail import fetch_mail as fetch

    result = fetch()
    return {"fetched": result.fetched, "stored": result.stored, "failed": result.failed}


# File imports run on the worker too: importing their task here registers it there.
from galena.intake.importing.tasks import run_import_job  # noqa: E402, F401
