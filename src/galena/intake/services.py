"""Intake writes: store a submission exactly as received (committed before it is answered),
then turn it into a lead through the configured stages. Failures leave it stored and
retryable; nothing is dropped."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from galena.consent.intake import inquiry_withheld, submission_consents_record
from galena.core.errors import Gone, NotFound, PayloadTooLarge, ValidationFailed
from galena.core.net import network_of
from galena.intake.adapters import capture
from galena.intake.contract import Action, Decision, ParsedSubmission
from galena.intake.group_commit import group_commit_wanted, submission_store
from galena.intake.models import (
    DecisionReason,
    Form,
    Submission,
    SubmissionOutcome,
    SubmissionStatus,
)
from galena.intake.pipeline import run_stages
from galena.leads.models import ActorSource, Channel, EventType, Lead, LeadEvent, QualityStatus
from galena.leads.services import (
    STAGE_FIELDS,
    Actor,
    ContactInput,
    LeadDraft,
    contact_point_add,
    lead_create,
    task_create,
)
from galena.notifications.models import NotificationKind
from galena.notifications.services import notify

logger = logging.getLogger(__name__)

ACTOR_SOURCES = {
    Channel.INBOUND_EMAIL: ActorSource.EMAIL,
    Channel.PHONE_CALL: ActorSource.CALL,
    Channel.IMPORT: ActorSource.IMPORT,
    Channel.BOUGHT_LIST: ActorSource.IMPORT,
    Channel.AD_LEAD_FORM: ActorSource.API,
    Channel.CHAT: ActorSource.API,
}

OUTCOMES = {
    Action.CREATE: SubmissionOutcome.CREATED,
    Action.ATTACH: SubmissionOutcome.ATTACHED,
    Action.INTEREST: SubmissionOutcome.INTEREST,
    Action.QUARANTINE: SubmissionOutcome.QUARANTINED,
    Action.REJECT: SubmissionOutcome.REJECTED,
}
QUALITY = {
    Action.CREATE: QualityStatus.ACCEPTED,
    Action.QUARANTINE: QualityStatus.QUARANTINED,
    Action.REJECT: QualityStatus.REJECTED,
}


def submission_receive(
    *,
    adapter: str,
    channel: str,
    endpoint: str = "",
    form: Form | None = None,
    content_type: str = "",
    raw_body: str = "",
    payload: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    remote_addr: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[Submission, bool]:
    """Store a submission durably; returns it and whether it is new. A repeated idempotency
    key on the same endpoint returns the first submission and stores nothing."""
    fields = {
        "adapter": adapter,
        "channel": channel,
        "endpoint": endpoint,
        "form": form,
        "content_type": content_type[:200],
        "raw_body": raw_body,
        "payload": dict(payload or {}),
        "headers": dict(headers or {}),
        "remote_addr": remote_addr,
        "network": network_of(remote_addr),
        "idempotency_key": idempotency_key or None,
    }
    if idempotency_key:
        existing = Submission.objects.filter(
            endpoint=endpoint, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing, False
    try:
        if group_commit_wanted():
            return submission_store(fields), True
        with transaction.atomic():
            return Submission.objects.create(**fields), True
    except IntegrityError:
        if not idempotency_key:
            raise
        # the same key raced us and won: answer with its submission
        return Submission.objects.get(endpoint=endpoint, idempotency_key=idempotency_key), False


def _processed_one_by_one(submission: Submission) -> bool:
    # in-process (no broker), or an adapter that fetches over the network first
    return settings.CELERY_TASK_ALWAYS_EAGER or submission.adapter in (
        settings.INTAKE_ADAPTER_PREPARE
    )


def submissions_wake(submissions: list[Submission]) -> None:
    """Called by the group-commit writer once a batch is committed: one wake-up of the
    workers for the whole batch, instead of one per request."""
    from galena.intake import batching
    from galena.intake.tasks import drain_submissions

    batched = [s for s in submissions if not _processed_one_by_one(s)]
    if not batched:
        return
    for submission in batched:
        submission.workers_woken = True
    try:
        if batching.drain_wanted():
            drain_submissions.delay()
    except Exception:
        # stored and committed: the periodic sweep takes them (see submission_enqueue)
        logger.exception("intake: could not wake the workers for %s submissions", len(batched))


def submission_enqueue(submission: Submission) -> None:
    """Process the submission after the transaction that stored it commits (in-process in
    the embedded default, on a worker when a broker is configured)."""
    from galena.intake import batching
    from galena.intake.tasks import drain_submissions, process_submission

    if getattr(submission, "workers_woken", False):
        return  # the group-commit writer already woke them for its batch

    def send() -> None:
        try:
            if _processed_one_by_one(submission):
                process_submission.delay(submission.pk)
            elif batching.drain_wanted():
                # workers take waiting submissions in batches: one wake-up is enough
                drain_submissions.delay()
        except Exception:
            # The submission is stored; a broker that is down (or a crash in in-process
            # work) must not turn an accepted submission into an error. It stays received
            # and the periodic sweep (intake.tasks.process_stuck_submissions) takes it.
            logger.exception("intake: could not queue submission %s", submission.pk)

    transaction.on_commit(send)


def parse(submission: Submission) -> ParsedSubmission:
    parser_path = settings.INTAKE_ADAPTERS.get(submission.adapter)
    if parser_path is None:
        raise LookupError(f"No intake adapter named {submission.adapter!r}.")
    parsed = import_string(parser_path)(submission)
    parsed.submission_id = submission.pk
    parsed.form_id = submission.form_id
    # the request's own evidence, from the row at hand: the quality stage need not read it
    headers = submission.headers if isinstance(submission.headers, dict) else {}
    signals = parsed.signals
    signals.accept_language = str(headers.get("Accept-Language", ""))
    signals.hidden_field_sent = isinstance(submission.payload, dict) and "_hp" in submission.payload
    signals.over_http = bool(submission.content_type or submission.headers)
    return parsed


def _prepare(submission_id: int) -> None:
    """Run the adapter's prepare step, if it has one (e.g. fetch the lead's fields from an
    ad platform), outside the processing transaction so no lock is held over the network.
    It returns the payload to store, or None when it has nothing (more) to fetch."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.status == SubmissionStatus.PROCESSED:
        return
    prepare_path = settings.INTAKE_ADAPTER_PREPARE.get(submission.adapter)
    if prepare_path is None:
        return
    payload = import_string(prepare_path)(submission)
    if payload is not None:
        Submission.objects.filter(pk=submission_id).update(payload=payload)


def submission_process(*, submission_id: int) -> Submission:
    """Turn one stored submission into a lead (or an event, or an interest). Never raises for
    a bad submission: the error is stored, the submission stays failed and retryable."""
    try:
        _prepare(submission_id)
    except Exception as error:
        logger.exception("intake: preparing submission %s failed", submission_id)
        Submission.objects.filter(pk=submission_id).exclude(
            status=SubmissionStatus.PROCESSED
        ).update(
            status=SubmissionStatus.FAILED,
            error=f"{type(error).__name__}: {error}",
            attempts=F("attempts") + 1,
        )
        return Submission.objects.filter(pk=submission_id).first()
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("form")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None or submission.status == SubmissionStatus.PROCESSED:
            return submission
        submission.status = SubmissionStatus.PROCESSING
        submission.attempts += 1
        try:
            parsed = parse(submission)
            (decision,) = run_stages([parsed])
            if decision.error:
                raise StageFailed(decision.error)
            with transaction.atomic():
                _write(submission, decision)
        except Exception as error:
            logger.exception("intake: submission %s failed", submission.pk)
            submission.status = SubmissionStatus.FAILED
            submission.error = (
                error.args[0] if isinstance(error, StageFailed) else traceback.format_exc()
            )
            submission.save(update_fields=["status", "error", "attempts"])
            return submission
        submission.status = SubmissionStatus.PROCESSED
        submission.error = ""
        submission.processed_at = timezone.now()
        submission.save()
    return submission


class StageFailed(Exception):
    pass


def _lead_data(decision: Decision) -> dict[str, Any]:
    """The new lead's fields: what the channel gave, with what the stages decided."""
    data = _parsed_lead_data(decision.parsed)
    data.update({k: v for k, v in decision.lead_fields.items() if k not in STAGE_FIELDS})
    return data


def _stage_fields(decision: Decision) -> dict[str, Any]:
    return {k: v for k, v in decision.lead_fields.items() if k in STAGE_FIELDS}


def lead_draft(decision: Decision) -> LeadDraft:
    """The new lead a decision asks for, for leads_build (the bulk paths)."""
    parsed = decision.parsed
    return LeadDraft(
        data=_lead_data(decision),
        contacts=parsed.contacts,
        created_at=parsed.received_at,
        team_id=parsed.team_id,
        quality_status=QUALITY.get(decision.action, QualityStatus.UNKNOWN),
        quality_reasons=[asdict(reason) for reason in decision.reasons],
        stage_fields=_stage_fields(decision),
    )


def _parsed_lead_data(parsed: ParsedSubmission) -> dict[str, Any]:
    person = parsed.person
    first, last = person.first_name, person.last_name
    display = ""
    if not (first or last) and person.full_name:
        display = person.full_name.strip()
        first, _, last = display.partition(" ")
    if not (first or last or display) and parsed.contacts:
        display = parsed.contacts[0].value.strip()  # e.g. a callback with a number only
    attribution = parsed.attribution
    data = {
        "first_name": first,
        "middle_name": person.middle_name,
        "last_name": last,
        "display_name": display,
        "company_name": person.company_name,
        "position": person.position,
        "language": person.language,
        "country": person.country,
        "region": person.region,
        "city": person.city,
        "interest": parsed.interest,
        "comment": parsed.comment,
        "preferred_contact_time": parsed.preferred_contact_time,
        "attributes": parsed.attributes,
        "channel": attribution.channel,
        "source_id": attribution.source_id,
        "campaign_id": attribution.campaign_id,
        "offline_event_id": attribution.offline_event_id,
        "utm_source": attribution.utm_source,
        "utm_medium": attribution.utm_medium,
        "utm_campaign": attribution.utm_campaign,
        "utm_term": attribution.utm_term,
        "utm_content": attribution.utm_content,
        "referrer": attribution.referrer,
        "landing_page": attribution.landing_page,
    }
    return {k: v for k, v in data.items() if v not in ("", None, {})}


def _received_params(submission: Submission, decision: Decision) -> dict[str, Any]:
    parsed = decision.parsed
    params: dict[str, Any] = {
        "submission_id": submission.pk,
        "channel": submission.channel,
        "adapter": submission.adapter,
        "action": str(decision.action),
    }
    if parsed.attribution.tracking_number:
        params["tracking_number"] = parsed.attribution.tracking_number
    if parsed.consent is not None:
        params["consent"] = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in asdict(parsed.consent).items()
        }
    if decision.reasons:
        params["reasons"] = [asdict(r) for r in decision.reasons]
    return params


def _unlinked_hooks(submission: Submission, parsed: ParsedSubmission) -> None:
    """Tell later apps (settings.INTAKE_UNLINKED_HOOKS: privacy indexes the person's contacts
    for their requests) that the submission made no lead."""
    for hook in getattr(settings, "INTAKE_UNLINKED_HOOKS", []):
        import_string(hook)(submission=submission, contacts=parsed.contacts)


def _write(submission: Submission, decision: Decision) -> None:
    parsed = decision.parsed
    actor = Actor(user=None, source=ACTOR_SOURCES.get(submission.channel, ActorSource.WEB_FORM))
    if parsed.existing_lead_id and decision.action == Action.CREATE:
        # the adapter knows the lead (a reply from its address, its caller, its dialog)
        decision = decision.but(action=Action.ATTACH)
    submission_record_decision(submission, decision)
    lead: Lead | None = None
    if decision.action == Action.ATTACH:
        lead = Lead.objects.get(pk=parsed.existing_lead_id)
        while lead.merged_into_id is not None:  # merged since: the survivor stands for it
            lead = Lead.objects.get(pk=lead.merged_into_id)
        _contacts_add_new(actor, lead, parsed.contacts)
    elif decision.action != Action.INTEREST:
        if not parsed.contacts:
            submission.outcome = SubmissionOutcome.INTEREST
            DecisionReason.objects.bulk_create(decision_reasons(submission, decision, None))
            _unlinked_hooks(submission, parsed)
            return
        owner = (
            get_user_model().objects.filter(pk=parsed.owner_id, is_active=True).first()
            if parsed.owner_id
            else None
        )
        lead = lead_create(
            actor=actor,
            data=_lead_data(decision),
            contacts=parsed.contacts,
            owner=owner,
            team=None,
            created_at=parsed.received_at,
            verdict={
                "team_id": parsed.team_id,
                "quality_status": QUALITY.get(decision.action, QualityStatus.UNKNOWN),
                "quality_reasons": [asdict(r) for r in decision.reasons],
                "stage_fields": _stage_fields(decision),
            },
        )
    DecisionReason.objects.bulk_create(decision_reasons(submission, decision, lead))
    if lead is None:
        _unlinked_hooks(submission, parsed)
        return
    submission.lead = lead
    follow_ups_queue(decision, lead_id=lead.pk, submission_id=submission.pk)
    received = LeadEvent.objects.create(
        lead=lead,
        type=EventType.SUBMISSION_RECEIVED,
        occurred_at=parsed.received_at,
        actor_source=actor.source,
        params=_received_params(submission, decision),
    )
    submission_consents_record([(received, submission)])
    for entry in parsed.timeline:
        LeadEvent.objects.create(
            lead=lead,
            type=entry.type,
            occurred_at=entry.occurred_at or parsed.received_at,
            actor_source=actor.source,
            params=entry.params,
        )
    repeat = lead.owner_id and any(e.type == EventType.REPEAT_INQUIRY for e in parsed.timeline)
    replied = decision.action == Action.ATTACH and any(map(_is_reply, parsed.timeline))
    telling = replied or repeat or parsed.tasks
    if telling and inquiry_withheld(
        lead=lead,
        actor=actor,
        tasks=[request.title for request in parsed.tasks],
        notices=[NotificationKind.REPEAT_INQUIRY] if repeat else [],
    ):
        return  # a blocked person: stored, and nobody is told (the timeline says why)
    if replied:
        _inquiry_hooks(lead, actor, parsed.timeline)
    if repeat:
        # the owner hears that their lead wrote again (routing re-routes an absent owner's)
        notify(
            kind=NotificationKind.REPEAT_INQUIRY,
            user_ids=[lead.owner_id],
            lead_id=lead.pk,
            params={"channel": parsed.channel},
        )
    for request in parsed.tasks:
        task_create(
            actor=actor,
            lead=lead,
            kind=request.kind,
            title=request.title,
            description=request.description,
            due_at=request.due_at,
        )


def _inquiry_hooks(lead: Lead, actor: Actor, timeline: list) -> None:
    """Tell later apps (settings.LEAD_INQUIRY_HOOKS: nurture stops, reactivation) that the
    person wrote to us again: an e-mail attached to the lead (a reply to one Galena sent,
    or a new one from the lead's address), not an auto-reply."""
    for _reply in filter(_is_reply, timeline):
        for hook in getattr(settings, "LEAD_INQUIRY_HOOKS", []):
            import_string(hook)(lead=lead, actor=actor, kind="email_reply")


def _is_reply(entry) -> bool:
    """An e-mail from the person on the timeline, not an auto-reply."""
    return entry.type == EventType.EMAIL_RECEIVED and not (entry.params or {}).get("auto_submitted")


def _contacts_add_new(actor: Actor, lead: Lead, contacts: list[ContactInput]) -> None:
    """A repeat inquiry or a reply may bring a new phone or address: the lead gains it."""
    known = set(lead.contact_points.values_list("kind", "value"))
    for contact in contacts:
        value = contact.normalised or contact.value
        if (contact.kind, value) in known:
            continue
        try:
            with transaction.atomic():
                contact_point_add(actor=actor, lead=lead, contact=contact)
        except ValidationFailed:
            continue  # a value the lead has under another spelling, or one not worth keeping
        known.add((contact.kind, value))


def submission_record_decision(submission: Submission, decision: Decision) -> None:
    """Copy the stages' verdict onto the submission (the caller saves it)."""
    submission.decision = {
        "action": str(decision.action),
        "reasons": [asdict(r) for r in decision.reasons],
    }
    submission.outcome = OUTCOMES[decision.action]
    submission.source_id = decision.parsed.attribution.source_id
    for name, value in decision.submission_fields.items():
        setattr(submission, name, value[:64])


def decision_reasons(
    submission: Submission, decision: Decision, lead: Lead | None
) -> list[DecisionReason]:
    """One row per reason, for the per-source report and the review queue (unsaved)."""
    return [
        DecisionReason(
            submission_id=submission.pk,
            lead=lead,
            source_id=decision.parsed.attribution.source_id,
            stage=reason.stage[:40],
            code=reason.code[:60],
            outcome=submission.outcome,
            points=reason.points,
            received_at=submission.received_at,
        )
        for reason in decision.reasons
    ]


def follow_ups_queue(decision: Decision, *, lead_id: int, submission_id: int) -> None:
    """Queue the work the stages asked for, once the lead is committed."""
    for follow_up in decision.follow_ups:

        def send(follow_up=follow_up) -> None:
            try:
                import_string(follow_up.task).delay(
                    lead_id=lead_id, submission_id=submission_id, **follow_up.params
                )
            except Exception:
                # the lead is stored; a follow-up that cannot be queued is logged, and the
                # person acting on the lead can redo it (e.g. resend the confirmation)
                logger.exception("intake: could not queue %s for lead %s", follow_up.task, lead_id)

        transaction.on_commit(send)


def submissions_to_retry(*, ids: Iterable[int] | None = None):
    """Failed submissions, and those stuck half-way (received or processing for longer than
    INTAKE_STUCK_AFTER_SECONDS, e.g. after a crash): the ones a retry should take."""
    stuck_before = timezone.now() - dt.timedelta(seconds=settings.INTAKE_STUCK_AFTER_SECONDS)
    queryset = Submission.objects.filter(
        Q(status=SubmissionStatus.FAILED)
        | Q(
            status__in=[SubmissionStatus.RECEIVED, SubmissionStatus.PROCESSING],
            received_at__lt=stuck_before,
        )
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.order_by("pk")


def submissions_retry(
    *, ids: Iterable[int] | None = None, stuck_only: bool = False
) -> dict[str, int]:
    """Reprocess what submissions_to_retry selects (only the stuck ones with stuck_only);
    returns counts by new status."""
    counts: dict[str, int] = {}
    queryset = submissions_to_retry(ids=ids)
    if stuck_only:
        queryset = queryset.exclude(status=SubmissionStatus.FAILED)
    for submission_id in queryset.values_list("pk", flat=True).iterator():
        status = submission_process(submission_id=submission_id).status
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- the public capture endpoint ------------------------------------------------------

KEPT_HEADERS = (
    "User-Agent",
    "Referer",
    "Origin",
    "Accept-Language",
    "Content-Type",
    "Idempotency-Key",
    "X-Forwarded-For",
)


def parse_body(body: bytes, content_type: str, form_data: Mapping[str, list[str]] | None) -> dict:
    """The posted fields as a dict: a JSON object, or form-encoded fields (repeated fields
    become lists)."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or (not media_type and body.strip().startswith(b"{")):
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValidationFailed(
                {"__all__": f"The body is not valid JSON ({error}); send a JSON object."}
            ) from error
        if not isinstance(data, dict):
            raise ValidationFailed({"__all__": "Send a JSON object of field: value."})
        return data
    if form_data is not None:
        return {k: v[0] if len(v) == 1 else v for k, v in form_data.items()}
    raise ValidationFailed(
        {
            "__all__": "Send the fields as JSON (application/json) or as a form "
            "(application/x-www-form-urlencoded or multipart/form-data)."
        }
    )


@dataclass
class CaptureResult:
    submission: Submission
    created: bool
    form: Form


# form key -> (form, monotonic time it was read): public endpoints read a form per request,
# and a form changes rarely; a change (e.g. switched off) takes effect within the TTL.
_FORMS: dict[str, tuple[Form | None, float]] = {}


def _form_by_key(form_key: str) -> Form | None:
    ttl = settings.INTAKE_FORM_CACHE_SECONDS
    now = time.monotonic()
    cached = _FORMS.get(form_key)
    if ttl > 0 and cached is not None and now - cached[1] < ttl:
        return cached[0]
    form = Form.objects.select_related("source").filter(key=form_key).first()
    if ttl > 0:
        if len(_FORMS) > 10_000:  # keys probed at random must not grow it without end
            _FORMS.clear()
        _FORMS[form_key] = (form, now)
    return form


def capture_form_for(form_key: str) -> Form:
    """The active form a public key names: 404 when unknown, 410 when switched off."""
    form = _form_by_key(form_key)
    if form is None:
        raise NotFound("No form has this key: check the key in the form's embed snippet.")
    if not form.is_active:
        raise Gone("This form is disabled and takes no submissions.")
    return form


def capture_submit(
    *,
    form: Form,
    body: bytes,
    content_type: str,
    form_data: Mapping[str, list[str]] | None,
    headers: Mapping[str, str],
    remote_addr: str | None,
    idempotency_key: str | None,
) -> CaptureResult:
    """Validate a public form submission, store it as received, queue its processing."""
    if len(body) > settings.INTAKE_MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The submission is {len(body)} bytes; the limit is {settings.INTAKE_MAX_BODY_BYTES}."
        )
    if idempotency_key and len(idempotency_key) > 200:
        raise ValidationFailed({"Idempotency-Key": "Use at most 200 characters."})
    if idempotency_key:
        existing = Submission.objects.filter(endpoint=form.key, idempotency_key=idempotency_key)
        if (first := existing.first()) is not None:
            return CaptureResult(first, False, form)
    data = parse_body(body, content_type, form_data)
    required = [
        spec["name"] for spec in form.visitor_fields if spec.get("required") and spec.get("name")
    ]
    errors = capture.validate(data, required=required)
    if errors:
        raise ValidationFailed(errors)
    submission, created = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        content_type=content_type,
        raw_body=body.decode("utf-8", errors="replace"),
        payload=data,
        headers={k: headers[k] for k in KEPT_HEADERS if k in headers},
        remote_addr=remote_addr,
        idempotency_key=idempotency_key,
    )
    if created:
        submission_enqueue(submission)
    return CaptureResult(submission, created, form)
