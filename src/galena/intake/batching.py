"""Processing waiting submissions in batches, for the worker under load.

One capture request stores its submission and returns; the worker takes the waiting
submissions a batch at a time: parses them, runs the stages over the whole batch (their
``prepare`` reads happen once), and writes plain new leads with multi-row inserts
(``leads.services.leads_create_bulk``). A submission that needs more than a plain new lead
(attach to a known lead, an owner to notify, tasks, timeline entries, an interest) goes
through the one-by-one writer in its own savepoint, so the two paths write the same rows.

Wake-ups are debounced: a request queues a drain task only when none is queued
(``cache.add`` on a short-lived key); the drain deletes the key *before* it looks for work,
so a submission stored while a drain runs is either seen by it or queues the next one.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from galena.consent.intake import submission_consents_record
from galena.core.bulk import insert_many, update_many
from galena.core.errors import ValidationFailed
from galena.core.planner import planner_settings
from galena.intake.contract import Action, Decision
from galena.intake.models import DecisionReason, Submission, SubmissionStatus
from galena.intake.pipeline import run_stages
from galena.intake.services import (
    ACTOR_SOURCES,
    _received_params,
    _write,
    decision_reasons,
    follow_ups_queue,
    lead_draft,
    parse,
    submission_record_decision,
)
from galena.leads.models import ActorSource, EventType, LeadEvent
from galena.leads.services import Actor, leads_build, leads_create_bulk

logger = logging.getLogger(__name__)

DRAIN_KEY = "galena:intake:drain-queued"
SAVED_FIELDS = [
    "status",
    "outcome",
    "decision",
    "error",
    "attempts",
    "processed_at",
    "lead",
    "source",
    "device",
    "content_hash",
]


def drain_wanted() -> bool:
    """True when no drain is queued yet (and marks one queued): the caller queues it."""
    return cache.add(DRAIN_KEY, 1, timeout=settings.INTAKE_DRAIN_KEY_SECONDS)


def submissions_drain(*, batch_size: int | None = None) -> int:
    """Process waiting submissions batch after batch until none is left; returns how many."""
    batch_size = batch_size or settings.INTAKE_BATCH_SIZE
    total = 0
    while True:
        cache.delete(DRAIN_KEY)  # before looking: see the docstring of this module
        done = submissions_process_pending(limit=batch_size)
        total += done
        if done < batch_size:
            return total


def _plain(decision: Decision) -> bool:
    """A new lead and nothing else: what the bulk path writes."""
    parsed = decision.parsed
    return (
        decision.action in (Action.CREATE, Action.QUARANTINE, Action.REJECT)
        and parsed.existing_lead_id is None
        and parsed.owner_id is None
        and parsed.contacts
        and not parsed.tasks
        and not parsed.timeline
    )


def _failed(submission: Submission, error: str) -> None:
    submission.status = SubmissionStatus.FAILED
    submission.error = error


def submissions_process_pending(*, limit: int) -> int:
    """Claim up to ``limit`` waiting submissions (others' claims are skipped, never waited
    for) and process them in one transaction; returns how many."""
    with transaction.atomic():
        batch = _claim(limit)
        if batch:
            _process(batch)
    return len(batch)


# The status as a literal, not a parameter: the statement is kept prepared (decision 0010),
# and only a plan made for 'received' can read the partial index of waiting submissions.
_WAITING = RawSQL(  # noqa: S611 - a constant
    f"intake_submission.status = '{SubmissionStatus.RECEIVED}'", (), output_field=BooleanField()
)


def _claim(limit: int) -> list[Submission]:
    """The first waiting submissions in order, locked. On PostgreSQL by an index scan of
    ``submission_waiting``: a processed submission leaves its entry there until a vacuum,
    tens of thousands at a few hundred a second, and a bitmap scan (what the planner picks
    for a few rows) visits every one of them at every claim (2–10 ms a batch, seen with
    auto_explain), where an index scan marks them dead once for all later scans."""
    waiting = (
        Submission.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("form")
        .filter(_WAITING)
        .exclude(adapter__in=list(settings.INTAKE_ADAPTER_PREPARE))  # fetched: one by one
        .order_by("pk")[:limit]
    )
    with planner_settings(enable_bitmapscan="off"):
        return list(waiting)


def _process(batch: list[Submission]) -> None:
    now = timezone.now()
    decided: list[tuple[Submission, Decision]] = []
    parsed = []
    for submission in batch:
        submission.attempts += 1
        try:
            parsed.append((submission, parse(submission)))
        except Exception:
            logger.exception("intake: submission %s could not be parsed", submission.pk)
            _failed(submission, traceback.format_exc())
    decisions = run_stages([p for _, p in parsed])
    for (submission, _), decision in zip(parsed, decisions, strict=True):
        if decision.error:
            _failed(submission, decision.error)
        else:
            decided.append((submission, decision))

    plain = [(s, d) for s, d in decided if _plain(d)]
    other = [(s, d) for s, d in decided if not _plain(d)]
    try:
        with transaction.atomic():
            _write_plain(plain)
    except Exception:
        # a database error in the multi-row path: write these one by one instead, so the
        # failure stays with the submission that caused it
        logger.exception("intake: batch write failed; writing one by one")
        for submission, _ in plain:
            submission.lead = None
            submission.status = SubmissionStatus.RECEIVED
        other += plain
    for submission, decision in other:
        try:
            with transaction.atomic():
                _write(submission, decision)
            submission.status = SubmissionStatus.PROCESSED
        except Exception:
            logger.exception("intake: submission %s failed", submission.pk)
            _failed(submission, traceback.format_exc())
    for submission in batch:
        if submission.status == SubmissionStatus.PROCESSED:
            submission.error = ""
            submission.processed_at = now
    update_many(Submission, batch, SAVED_FIELDS)


def _write_plain(plain: list[tuple[Submission, Decision]]) -> None:
    drafts = [lead_draft(decision) for _, decision in plain]
    by_source: dict[str, list] = defaultdict(list)
    for (submission, decision), built in zip(plain, leads_build(drafts=drafts), strict=True):
        if isinstance(built, ValidationFailed):
            _failed(submission, f"The lead could not be created: {built.errors}")
            continue
        source = ACTOR_SOURCES.get(submission.channel, ActorSource.WEB_FORM)
        by_source[source].append((submission, decision, built))
    events = []
    received = []
    reasons = []
    for source, items in by_source.items():
        leads_create_bulk(actor=Actor(user=None, source=source), built=[b for _, _, b in items])
        for submission, decision, built in items:
            submission.lead = built.lead
            submission.status = SubmissionStatus.PROCESSED
            submission_record_decision(submission, decision)
            reasons += decision_reasons(submission, decision, built.lead)
            follow_ups_queue(decision, lead_id=built.lead.pk, submission_id=submission.pk)
            events.append(
                LeadEvent(
                    lead=built.lead,
                    type=EventType.SUBMISSION_RECEIVED,
                    occurred_at=decision.parsed.received_at,
                    actor_source=source,
                    params=_received_params(submission, decision),
                )
            )
            received.append((events[-1], submission))
    insert_many(LeadEvent, events)
    submission_consents_record(received)
    insert_many(DecisionReason, reasons, keys=False)
