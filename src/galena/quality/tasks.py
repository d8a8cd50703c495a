"""Background work of the quality gate. Thin tasks: they take ids and call a service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from galena.core.errors import ApplicationError
from galena.leads.models import Lead
from galena.leads.services import Actor
from galena.quality import services, verification

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_confirmation(
    *, lead_id: int, submission_id: int | None = None, email: str | None = None, **params
) -> bool:
    """E-mail the double opt-in link for a new lead; once per submission however often it
    runs (a retry after a crash, a redelivered message)."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return False
    try:
        event = verification.lead_confirmation_send(
            lead=lead, email=email, actor=Actor.system(), submission_id=submission_id
        )
    except ApplicationError as error:
        logger.info("quality: no confirmation e-mail for lead %s: %s", lead_id, error.message)
        return False
    return event is not None


@shared_task(acks_late=True)
def verify_matched_lead(
    *, lead_id: int, matched_lead_id: int, submission_id: int | None = None, **params
) -> bool:
    """Verify the earlier lead a new submission from another source matched; idempotent
    (a verified lead stays as it is)."""
    return verification.lead_verify_by_source_match(
        lead_id=lead_id, matched_lead_id=matched_lead_id, submission_id=submission_id
    )


@shared_task(acks_late=True)
def quarantine_burst(
    *,
    lead_id: int,
    key_kind: str,
    key: str,
    since: str,
    until: str,
    reason: dict,
    submission_id: int | None = None,
    source_id: int | None = None,
    **params,
) -> dict:
    """A burst was recognised on a submission: hold the burst's earlier leads that were
    accepted before it reached its threshold (the quality stage queues this after commit).
    Idempotent: run twice, the second run finds them held."""
    outcome = services.leads_quarantine_burst(
        key_kind=key_kind,
        key=key,
        since=dt.datetime.fromisoformat(since),
        until=dt.datetime.fromisoformat(until),
        reason=reason,
        source_id=source_id,
        exclude_submission_id=submission_id,
    )
    return {"quarantined": outcome.quarantined, "flagged": outcome.flagged}
