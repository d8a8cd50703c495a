"""Background work of scoring. Thin tasks: they take ids and call a service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from galena.scoring import tracking
from galena.scoring.services import scores_decay_sweep


@shared_task(acks_late=True)
def submission_tracked(*, lead_id: int, submission_id: int, channel: str = "") -> int:
    """A repeat inquiry is behaviour: record it as the lead's "form submitted" event and
    rescore; idempotent (the submission's event is stored once)."""
    return tracking.submission_track(lead_id=lead_id, submission_id=submission_id, channel=channel)


@shared_task(acks_late=True)
def visitor_identified(*, lead_id: int, visitor_key: str, submission_id: int | None = None) -> int:
    """The visitor who sent a new lead's form is that lead: stitch the visitor's anonymous
    events to it and rescore; idempotent."""
    return tracking.visitor_identify(lead_id=lead_id, visitor_key=visitor_key)


@shared_task
def decay_scores() -> int:
    """Periodic: bring stored scores and temperatures up to date with time."""
    return scores_decay_sweep()


@shared_task
def recompute_scores() -> int:
    """Rebuild every lead's score with the active rules (after the rules changed): a task
    per chunk of leads, so every worker process takes a share of a big base (without a
    broker they run here, one after another). Returns how many chunks were queued."""
    from galena.scoring.services import recompute_plan

    now = timezone.now().isoformat()
    spans = recompute_plan()
    for span in spans:
        recompute_scores_chunk.delay(lead_ids=span, now=now)
    return len(spans)


@shared_task(acks_late=True)
def recompute_scores_chunk(*, lead_ids: list[int], now: str) -> int:
    """One chunk of ``recompute_scores``: idempotent (run again, it writes nothing)."""
    from galena.scoring.services import leads_scores_recompute_chunk

    return leads_scores_recompute_chunk(lead_ids, now=dt.datetime.fromisoformat(now))


@shared_task
def train_model() -> str:
    """Periodic: retrain the predictive model on the latest outcomes (too few: say so)."""
    from galena.scoring import predictive
    from galena.scoring.training import model_train

    try:
        result = model_train()
    except predictive.NotEnoughOutcomes as error:
        return str(error)
    return f"model {result.model.pk}: {result.predicted} leads predicted"


@shared_task
def predict_open_leads() -> int:
    """Periodic: open leads' probabilities follow their behaviour."""
    from galena.scoring.training import leads_predict

    return leads_predict()
