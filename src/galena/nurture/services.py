"""Every write of the deferred-demand base: suppressions and unsubscribes, the farewell
questionnaire, nurture enrolments and their sweep, and reactivation.

Who may be written to:
- nurture e-mails (marketing) only with consent for e-mail marketing, not withdrawn, to a
  valid address that is not suppressed (``consent.marketing_email_allowed``), checked when
  a lead is enrolled and again before every e-mail;
- the farewell e-mail is not marketing: it is one service message that closes the person's
  own inquiry. It still goes only to a valid, unsuppressed address, at most once per lead,
  only to a rejected lead, and carries an unsubscribe link; its "may we write later?"
  answered "no" suppresses the address. Being conservative, it needs no marketing consent
  but respects every refusal the person gave.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from galena.consent import services as consent_services
from galena.core.errors import ValidationFailed
from galena.leads import access
from galena.leads.models import (
    ActorSource,
    ContactKind,
    ContactPoint,
    EventType,
    Lead,
    LeadEvent,
    RejectionReason,
    Stage,
    StageKind,
    Temperature,
)
from galena.leads.services import Actor, lead_change_stage
from galena.nurture import consent
from galena.nurture.merge import lead_values, merge, uses
from galena.nurture.models import (
    Audience,
    DeferredDemand,
    Enrollment,
    EnrollmentStatus,
    FarewellAnswer,
    FarewellInvitation,
    FarewellQuestionnaire,
    MessageStatus,
    NurtureMessage,
    QuestionKind,
    Sequence,
    SequenceStep,
    StopReason,
    Suppression,
    SuppressionMethod,
)
from galena.nurture.sender import OutgoingEmail, email_deliver
from galena.quality.verification import email_digest, language_for

logger = logging.getLogger(__name__)

FAREWELL_SALT = "galena.nurture.farewell"
UNSUBSCRIBE_SALT = "galena.nurture.unsubscribe"
# the reason the farewell is not sent for unless a questionnaire names it
NEVER_BY_DEFAULT = frozenset({"unreachable"})
TEXT_ANSWER_LENGTH = 2000
# the question whose "no" means: do not write to me again
MAY_WRITE_LATER = "may_write_later"
NO_ANSWERS = frozenset({"no", "No"})
DEFERRED_KINDS = (StageKind.LOST, StageKind.DEFERRED)


def _event(lead_id: int, actor: Actor, type: str, **params: Any) -> LeadEvent:
    return LeadEvent.objects.create(
        lead_id=lead_id,
        type=type,
        actor=actor.user,
        actor_source=actor.source,
        params=params,
    )


def _lock_lead(actor: Actor, lead: Lead) -> Lead:
    """The lead, locked, if the actor may change it (a forbidden lead is NotFound)."""
    if actor.user is None:
        return Lead.objects.select_for_update().get(pk=lead.pk)
    return access.lead_get_for(user=actor.user, lead_id=lead.pk, for_update=True)


def _stage_kind(lead: Lead) -> str:
    """The kind of the lead's stage as stored now (a caller's copy may be older)."""
    return Lead.objects.filter(pk=lead.pk).values_list("stage__kind", flat=True).first() or ""


def _rejection_reason_code(lead: Lead) -> str:
    return lead.rejection_reason.code if lead.rejection_reason_id else ""


# --- signed links ---------------------------------------------------------------------


def unsubscribe_token(*, lead_id: int, email: str) -> str:
    """A signed token for one address of one lead; it does not expire (an unsubscribe
    link must keep working), and the address is bound by a keyed digest, not written."""
    return signing.dumps({"l": lead_id, "e": email_digest(email)}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, lead_id: int, email: str) -> str:
    token = unsubscribe_token(lead_id=lead_id, email=email)
    return settings.SITE_URL + reverse("nurture-unsubscribe", kwargs={"token": token})


def farewell_token(invitation: FarewellInvitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=FAREWELL_SALT)


def farewell_url(invitation: FarewellInvitation) -> str:
    token = farewell_token(invitation)
    return settings.SITE_URL + reverse("nurture-questionnaire", kwargs={"token": token})


# --- suppression and unsubscribe ------------------------------------------------------


def _normalise_email(email: str) -> str:
    email = (email or "").strip().casefold()
    if "@" not in email or len(email) > 320:
        raise ValidationFailed({"email": _("Give a valid e-mail address.")})
    return email


@transaction.atomic
def suppression_add(
    *,
    actor: Actor,
    email: str,
    method: str,
    lead: Lead | None = None,
    evidence: Mapping[str, Any] | None = None,
    note: str = "",
) -> tuple[Suppression, bool]:
    """Write nothing to this address again: every lead with it gets an ``unsubscribed``
    event and its nurture stops. Idempotent: (suppression, created)."""
    email = _normalise_email(email)
    if method not in SuppressionMethod.values:
        raise ValidationFailed({"method": f"Use one of: {', '.join(SuppressionMethod.values)}."})
    suppression, created = Suppression.objects.get_or_create(
        email=email,
        defaults={
            "lead": lead,
            "method": method,
            "evidence": dict(evidence or {}),
            "created_by": actor.user,
            "note": (note or "")[:500],
        },
    )
    if not created:
        return suppression, False
    consent_services.marketing_withdrawn(
        actor=actor, email=email, method=method, lead=lead, evidence=evidence
    )
    lead_ids = set(
        ContactPoint.objects.filter(kind=ContactKind.EMAIL, value=email).values_list(
            "lead_id", flat=True
        )
    )
    if lead is not None:
        lead_ids.add(lead.pk)
    for lead_id in sorted(lead_ids):
        _event(lead_id, actor, EventType.UNSUBSCRIBED, email=email, method=method)
        _enrollments_stop(lead_id, actor, StopReason.UNSUBSCRIBED)
    return suppression, True


class LinkState(StrEnum):
    READY = "ready"  # valid and not used: the page offers its button or form
    DONE = "done"  # the POST just did it
    ALREADY = "already"  # done before: nothing more happens
    EXPIRED = "expired"  # ours, but too old
    INVALID = "invalid"  # not signed by us
    GONE = "gone"  # the lead or the address is no longer on file


LINK_STATUS = {
    LinkState.READY: 200,
    LinkState.DONE: 200,
    LinkState.ALREADY: 200,
    LinkState.EXPIRED: 410,
    LinkState.INVALID: 400,
    LinkState.GONE: 410,
}


@dataclass(frozen=True)
class Unsubscribe:
    state: LinkState
    email: str = ""
    language: str = ""


def _unsubscribe_resolve(token: str) -> tuple[LinkState, Lead | None, str]:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return LinkState.INVALID, None, ""
    if not isinstance(payload, dict):
        return LinkState.INVALID, None, ""
    lead_id, digest = payload.get("l"), payload.get("e")
    if not isinstance(lead_id, int) or not isinstance(digest, str):
        return LinkState.INVALID, None, ""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return LinkState.GONE, None, ""
    emails = lead.contact_points.filter(kind=ContactKind.EMAIL).values_list("value", flat=True)
    email = next((e for e in emails if email_digest(e) == digest), "")
    if not email:
        return LinkState.GONE, lead, ""
    if Suppression.objects.filter(email=email.casefold()).exists():
        return LinkState.ALREADY, lead, email
    return LinkState.READY, lead, email


def _masked(email: str) -> str:
    """ana.pop@example.com → a…p@example.com: the page confirms whose address, not all of it."""
    local, _at, domain = email.partition("@")
    if len(local) <= 2:
        return f"{local[:1]}…@{domain}"
    return f"{local[0]}…{local[-1]}@{domain}"


def unsubscribe_check(*, token: str) -> Unsubscribe:
    """What an unsubscribe link stands for, writing nothing (the page's GET)."""
    state, lead, email = _unsubscribe_resolve(token)
    return Unsubscribe(state, _masked(email) if email else "", lead.language if lead else "")


@transaction.atomic
def unsubscribe(*, token: str, method: str, evidence: Mapping[str, Any]) -> Unsubscribe:
    """Follow an unsubscribe link (the page's button, or a mail client's one-click POST):
    the address is suppressed once; a second use changes nothing."""
    state, lead, email = _unsubscribe_resolve(token)
    if state != LinkState.READY:
        return Unsubscribe(state, _masked(email) if email else "", lead.language if lead else "")
    _suppression, created = suppression_add(
        actor=Actor(user=None, source=ActorSource.EMAIL),
        email=email,
        method=method,
        lead=lead,
        evidence=evidence,
    )
    return Unsubscribe(
        LinkState.DONE if created else LinkState.ALREADY, _masked(email), lead.language
    )


# --- enrolment ------------------------------------------------------------------------


def audience_of(stage_kind: str, temperature: str) -> str | None:
    """Which nurture audience a lead in this stage kind and temperature belongs to."""
    if stage_kind == StageKind.LOST:
        return Audience.REJECTED
    if stage_kind == StageKind.DEFERRED:
        return Audience.DEFERRED
    if stage_kind == StageKind.OPEN and temperature == Temperature.COLD:
        return Audience.COLD
    return None


@dataclass(frozen=True)
class LeadFacts:
    """What a sequence's audience rules read of a lead."""

    audience: str | None
    rejection_reason: str
    source_id: int | None
    language: str


def sequence_takes(sequence: Sequence, source_ids: set[int], facts: LeadFacts) -> bool:
    """Whether a sequence's audience rules take a lead (pure)."""
    if not sequence.is_active or facts.audience != sequence.audience:
        return False
    if (
        sequence.audience == Audience.REJECTED
        and sequence.rejection_reasons
        and facts.rejection_reason not in sequence.rejection_reasons
    ):
        return False
    if source_ids and facts.source_id not in source_ids:
        return False
    if sequence.languages:
        language = (facts.language or "").lower().split("-")[0]
        if language not in {code.lower() for code in sequence.languages}:
            return False
    return True


def _facts(leads: Iterable[Lead]) -> dict[int, LeadFacts]:
    leads = list(leads)
    kinds = dict(
        Stage.objects.filter(pk__in={lead.stage_id for lead in leads}).values_list("pk", "kind")
    )
    reason_ids = {lead.rejection_reason_id for lead in leads if lead.rejection_reason_id}
    codes = (
        dict(RejectionReason.objects.filter(pk__in=reason_ids).values_list("pk", "code"))
        if reason_ids
        else {}
    )
    return {
        lead.pk: LeadFacts(
            audience=audience_of(kinds.get(lead.stage_id, ""), lead.temperature),
            rejection_reason=codes.get(lead.rejection_reason_id, ""),
            source_id=lead.source_id,
            language=lead.language,
        )
        for lead in leads
    }


@dataclass(frozen=True)
class StepPlan:
    """The next e-mail of an enrolment: its order and when; None order: finished."""

    order: int | None
    send_at: dt.datetime | None


def _send_moment(day: dt.date) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(settings.NURTURE_SEND_HOUR))
    return timezone.make_aware(local, timezone.get_default_timezone())


def _dated(step: SequenceStep, after: dt.datetime) -> dt.datetime | None:
    """When a dated step goes out next, at or after ``after``; None when its day is past."""
    moment = _send_moment(step.send_on)
    if moment >= after:
        return moment
    if not step.repeat_yearly:
        return None
    local_after = timezone.localtime(after)
    for year in (local_after.year, local_after.year + 1):
        try:
            moment = _send_moment(step.send_on.replace(year=year))
        except ValueError:  # 29 February in a common year: the day before
            moment = _send_moment(step.send_on.replace(year=year, day=28))
        if moment >= after:
            return moment
    return None


def plan_next(
    steps: list[SequenceStep], *, after_order: int | None, since: dt.datetime
) -> StepPlan:
    """The first step after ``after_order`` that can still go out, and when (pure): a
    dated step whose day has passed (not yearly) is skipped."""
    orders = sorted({s.order for s in steps if after_order is None or s.order > after_order})
    for order in orders:
        step = next(s for s in steps if s.order == order)
        if step.send_on is None:
            return StepPlan(order, since + dt.timedelta(days=step.wait_days or 0))
        moment = _dated(step, since)
        if moment is not None:
            return StepPlan(order, moment)
    return StepPlan(None, None)


def step_for(steps: list[SequenceStep], order: int, language: str) -> SequenceStep | None:
    """The version of step ``order`` in the lead's language, else the one for every
    language, else none (the lead skips it)."""
    language = (language or "").lower().split("-")[0]
    versions = [s for s in steps if s.order == order]
    return next((s for s in versions if s.language.lower() == language), None) or next(
        (s for s in versions if not s.language), None
    )


def _sequences_with_steps(audience: str | None = None) -> list[tuple[Sequence, set[int], list]]:
    sequences = Sequence.objects.filter(is_active=True).prefetch_related("steps", "sources")
    if audience:
        sequences = sequences.filter(audience=audience)
    return [
        (sequence, {source.pk for source in sequence.sources.all()}, list(sequence.steps.all()))
        for sequence in sequences
    ]


def leads_enroll(
    *, leads: Iterable[Lead], audience: str | None = None, record_refusals: bool = False
) -> list[Enrollment]:
    """Enrol leads in every active sequence whose audience takes them, when they may get
    marketing e-mail; returns the enrolments made. ``record_refusals``: a lead refused for
    consent gets a stopped enrolment saying why (so a periodic scan passes it by)."""
    leads = list(leads)
    if not leads:
        return []
    sequences = _sequences_with_steps(audience)
    if not sequences:
        return []
    facts = _facts(leads)
    permissions = consent.marketing_email_allowed_many(lead.pk for lead in leads)
    active = set(
        Enrollment.objects.filter(
            lead_id__in=[lead.pk for lead in leads], status=EnrollmentStatus.ACTIVE
        ).values_list("lead_id", "sequence_id")
    )
    now = timezone.now()
    rows = []
    for lead in leads:
        for sequence, source_ids, steps in sequences:
            if (lead.pk, sequence.pk) in active or not sequence_takes(
                sequence, source_ids, facts[lead.pk]
            ):
                continue
            permission = permissions[lead.pk]
            plan = plan_next(steps, after_order=None, since=now)
            if not permission.allowed:
                if record_refusals:
                    rows.append(_refused(lead, sequence, permission.reason, now))
                continue
            if plan.order is None:
                continue
            rows.append(
                Enrollment(
                    lead=lead,
                    sequence=sequence,
                    next_step=plan.order,
                    next_send_at=plan.send_at,
                    enrolled_at=now,
                )
            )
    made = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # enrolled at the same moment by another process
            continue
        made.append(row)
    return [row for row in made if row.status == EnrollmentStatus.ACTIVE]


def _refused(lead: Lead, sequence: Sequence, reason: str, now: dt.datetime) -> Enrollment:
    # a blocked person (consent.Refusal.RESTRICTED) may not be processed: as without consent
    refused = ("no_consent", "withdrawn", "restricted")
    stop = StopReason.NO_CONSENT if reason in refused else StopReason.NO_EMAIL
    if reason == "suppressed":
        stop = StopReason.UNSUBSCRIBED
    return Enrollment(
        lead=lead,
        sequence=sequence,
        status=EnrollmentStatus.STOPPED,
        stop_reason=stop,
        enrolled_at=now,
        ended_at=now,
    )


@transaction.atomic
def enrollment_create(*, actor: Actor, lead: Lead, sequence: Sequence) -> Enrollment:
    """Enrol one lead in a sequence by hand (from the card); refused without consent for
    marketing e-mail, in an inactive sequence, or when already enrolled."""
    lead = _lock_lead(actor, lead)
    if not sequence.is_active:
        raise ValidationFailed({"sequence": _("This sequence is switched off.")})
    allowed, reason = consent.marketing_email_allowed(lead)
    if not allowed:
        raise ValidationFailed({"sequence": refusal_text(reason)})
    if Enrollment.objects.filter(
        lead=lead, sequence=sequence, status=EnrollmentStatus.ACTIVE
    ).exists():
        raise ValidationFailed({"sequence": _("The lead is already in this sequence.")})
    now = timezone.now()
    plan = plan_next(list(sequence.steps.all()), after_order=None, since=now)
    if plan.order is None:
        raise ValidationFailed(
            {"sequence": _("This sequence has no e-mail left to send: add steps in the admin.")}
        )
    try:
        with transaction.atomic():
            return Enrollment.objects.create(
                lead=lead,
                sequence=sequence,
                next_step=plan.order,
                next_send_at=plan.send_at,
                enrolled_at=now,
            )
    except IntegrityError as error:
        raise ValidationFailed({"sequence": _("The lead is already in this sequence.")}) from error


def refusal_text(reason: str) -> str:
    """Why a lead may not get marketing e-mail, for people."""
    texts = {
        consent.Refusal.NO_EMAIL: _("The lead has no e-mail address: add one first."),
        consent.Refusal.INVALID_EMAIL: _("The lead's e-mail address is invalid: correct it."),
        consent.Refusal.NO_CONSENT: _(
            "The person has not agreed to marketing e-mail: ask for consent first."
        ),
        consent.Refusal.WITHDRAWN: _("The person unsubscribed from our e-mails."),
        consent.Refusal.SUPPRESSED: _("This address is on the do-not-write list."),
        consent.Refusal.RESTRICTED: _(
            "Processing of this person's data is blocked at their request: do not write."
        ),
    }
    return texts.get(reason, _("E-mail to this lead is not allowed."))


def _enrollments_stop(
    lead_id: int, actor: Actor, reason: str, sequence_id: int | None = None
) -> int:
    active = Enrollment.objects.filter(lead_id=lead_id, status=EnrollmentStatus.ACTIVE)
    if sequence_id is not None:
        active = active.filter(sequence_id=sequence_id)
    names = list(active.values_list("sequence__name", flat=True))
    if not names:
        return 0
    stopped = active.update(
        status=EnrollmentStatus.STOPPED,
        stop_reason=reason,
        ended_at=timezone.now(),
        next_send_at=None,
    )
    _event(lead_id, actor, EventType.NURTURE_STOPPED, reason=reason, sequences=names)
    return stopped


@transaction.atomic
def enrollments_stop(
    *, actor: Actor, lead: Lead, reason: str = StopReason.BY_HAND, sequence: Sequence | None = None
) -> int:
    """Stop the lead's active nurture (one sequence or all); how many were stopped."""
    lead = _lock_lead(actor, lead)
    if reason not in StopReason.values or not reason:
        raise ValidationFailed({"reason": f"Use one of: {', '.join(StopReason.values[1:])}."})
    return _enrollments_stop(lead.pk, actor, reason, sequence.pk if sequence else None)


# --- the sweep: due e-mails, sent at most once -----------------------------------------


@dataclass
class SweepResult:
    sent: int = 0
    failed: int = 0
    stopped: int = 0
    finished: int = 0


def _claim(batch_size: int, now: dt.datetime) -> list[Enrollment]:
    due = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, next_send_at__lte=now).order_by(
        "next_send_at", "id"
    )
    if connection.features.has_select_for_update_skip_locked:
        # two workers sweeping at once take different rows, neither waits
        due = due.select_for_update(skip_locked=True, of=("self",))
    return list(due[:batch_size])


def _prepare(enrollments: list[Enrollment], now: dt.datetime, result: SweepResult):
    """Decide each claimed enrolment: stop it, finish it, or record its message (before
    anything is sent) and move it to its next step. Returns the messages to send."""
    leads = Lead.objects.select_related("owner").in_bulk([e.lead_id for e in enrollments])
    facts = _facts(leads.values())
    permissions = consent.marketing_email_allowed_many(leads)
    sequences = {
        sequence.pk: (sequence, source_ids, steps)
        for sequence, source_ids, steps in _sequences_with_steps()
    }
    system = Actor.system()
    outgoing: list[tuple[NurtureMessage, OutgoingEmail]] = []
    for enrollment in enrollments:
        lead = leads[enrollment.lead_id]
        found = sequences.get(enrollment.sequence_id)
        stop = None
        if found is None:
            stop = StopReason.SEQUENCE_OFF
        elif lead.merged_into_id is not None or not sequence_takes(
            found[0], found[1], facts[lead.pk]
        ):
            stop = StopReason.LEFT_AUDIENCE
        elif not permissions[lead.pk].allowed:
            reason = permissions[lead.pk].reason
            stop = _refused(lead, found[0], reason, now).stop_reason
        if stop:
            _enrollments_stop(lead.pk, system, stop, enrollment.sequence_id)
            result.stopped += 1
            continue
        steps = found[2]
        step = step_for(steps, enrollment.next_step, lead.language)
        plan = plan_next(steps, after_order=enrollment.next_step, since=now)
        if step is not None:
            message = _message(enrollment, lead, step, permissions[lead.pk].email, now)
            if message is not None:
                outgoing.append(message)
                enrollment.last_sent_at = now
        enrollment.next_step, enrollment.next_send_at = plan.order, plan.send_at
        if plan.order is None:
            enrollment.status, enrollment.ended_at = EnrollmentStatus.FINISHED, now
            result.finished += 1
        enrollment.save(
            update_fields=["next_step", "next_send_at", "last_sent_at", "status", "ended_at"]
        )
    return outgoing


def _message(
    enrollment: Enrollment, lead: Lead, step: SequenceStep, email: str, now: dt.datetime
) -> tuple[NurtureMessage, OutgoingEmail] | None:
    link = unsubscribe_url(lead_id=lead.pk, email=email)
    values = lead_values(lead, unsubscribe_link=link)
    subject = merge(step.subject, values).replace("\n", " ")[:200]
    try:
        with transaction.atomic():
            message = NurtureMessage.objects.create(
                enrollment=enrollment,
                lead=lead,
                step=step,
                step_order=step.order,
                email=email,
                subject=subject,
                claimed_at=now,
            )
    except IntegrityError:  # this step was recorded before: it is never sent twice
        return None
    return message, OutgoingEmail(
        to=email,
        subject=subject,
        body=merge(step.body, values),
        lead_id=lead.pk,
        unsubscribe_url=link,
        event_type=EventType.NURTURE_SENT,
        event_params={
            "message_id": message.pk,
            "sequence_id": enrollment.sequence_id,
            "sequence": enrollment.sequence.name,
            "step": step.order,
        },
    )


def _deliver_all(outgoing: list[tuple[NurtureMessage, OutgoingEmail]], result: SweepResult):
    """Send the recorded messages, one by one (each writes its ``nurture_sent`` event once
    it left), and mark them sent or failed."""
    sent, failed = [], []
    for message, email in outgoing:
        try:
            email_deliver(email)
        except Exception as error:  # refused: recorded, never sent again blindly
            logger.warning(
                "nurture: message %s to lead %s failed: %s", message.pk, email.lead_id, error
            )
            failed.append((message, str(error)[:500]))
        else:
            sent.append(message)
    with transaction.atomic():
        if sent:
            NurtureMessage.objects.filter(pk__in=[m.pk for m in sent]).update(
                status=MessageStatus.SENT, sent_at=timezone.now()
            )
        for message, error in failed:
            NurtureMessage.objects.filter(pk=message.pk).update(
                status=MessageStatus.FAILED, error=error
            )
    result.sent += len(sent)
    result.failed += len(failed)


def nurture_sweep(*, batch_size: int | None = None, max_batches: int = 50) -> SweepResult:
    """Send the nurture e-mails that are due, batch by batch. Each batch claims its
    enrolments, records every message and moves the enrolments on in one transaction, and
    only then sends: a crash mid-batch loses an e-mail at worst, it never sends one twice."""
    batch_size = batch_size or settings.NURTURE_BATCH_SIZE
    result = SweepResult()
    for _batch in range(max_batches):
        now = timezone.now()
        with transaction.atomic():
            claimed = _claim(batch_size, now)
            if not claimed:
                break
            outgoing = _prepare(claimed, now, result)
        _deliver_all(outgoing, result)
        if len(claimed) < batch_size:
            break
    return result


def cold_leads_enroll(*, limit: int | None = None) -> int:
    """Enrol cold leads of the open stages in the active cold-lead sequences; a lead is
    considered once per sequence (a refusal for consent is recorded as a stopped enrolment)."""
    limit = limit or settings.NURTURE_COLD_BATCH
    sequence_ids = list(
        Sequence.objects.filter(is_active=True, audience=Audience.COLD).values_list("pk", flat=True)
    )
    if not sequence_ids:
        return 0
    open_stages = Stage.objects.filter(kind=StageKind.OPEN).values_list("pk", flat=True)
    made = 0
    for sequence_id in sequence_ids:
        leads = list(
            Lead.objects.filter(
                temperature=Temperature.COLD,
                stage_id__in=list(open_stages),
                merged_into__isnull=True,
            )
            .exclude(enrollments__sequence_id=sequence_id)
            .order_by("pk")[:limit]
        )
        with transaction.atomic():
            made += len(leads_enroll(leads=leads, audience=Audience.COLD, record_refusals=True))
    return made


# --- the stage hook -------------------------------------------------------------------


def lead_stage_changed(*, lead: Lead, actor: Actor, previous: Stage) -> Lead:
    """LEAD_STAGE_HOOKS: a rejected or deferred lead enters the deferred-demand base (its
    nurture starts, a rejected one may get the farewell e-mail); a lead leaving it, back
    in the pipeline or converted, has its nurture stopped."""
    kind = lead.stage.kind  # lead_change_stage hands over the lead with its new stage
    now = timezone.now()
    if kind in DEFERRED_KINDS:
        DeferredDemand.objects.update_or_create(
            lead=lead,
            defaults={
                "entered_at": now,
                "temperature_at_entry": lead.temperature,
                "left_at": None,
            },
        )
        audience = Audience.REJECTED if kind == StageKind.LOST else Audience.DEFERRED
        # the audience changed (deferred → rejected, say): the old sequences no longer fit
        _enrollments_stop(lead.pk, actor, StopReason.LEFT_AUDIENCE)
        leads_enroll(leads=[lead], audience=audience)
        if kind == StageKind.LOST:
            from galena.nurture.tasks import farewell_send_automatic

            lead_id = lead.pk
            transaction.on_commit(lambda: farewell_send_automatic.delay(lead_id=lead_id))
    elif previous.kind in DEFERRED_KINDS or kind == StageKind.WON:
        reason = StopReason.CONVERTED if kind == StageKind.WON else StopReason.REENTERED
        _enrollments_stop(lead.pk, actor, reason)
        DeferredDemand.objects.filter(lead=lead, left_at__isnull=True).update(left_at=now)
    return lead


# --- the farewell questionnaire -------------------------------------------------------


def farewell_questionnaire_for(
    reason_code: str, *, automatic: bool
) -> FarewellQuestionnaire | None:
    """The questionnaire a rejection for this reason gets: the first active one (by name)
    that is sent automatically for the reason, or by hand the first active one."""
    for questionnaire in FarewellQuestionnaire.objects.filter(is_active=True):
        if not automatic:
            return questionnaire
        if not questionnaire.auto_send:
            continue
        reasons = questionnaire.auto_send_reasons or []
        if (reason_code in reasons) if reasons else (reason_code not in NEVER_BY_DEFAULT):
            return questionnaire
    return None


@transaction.atomic
def farewell_send(
    *,
    actor: Actor,
    lead: Lead,
    questionnaire: FarewellQuestionnaire | None = None,
    automatic: bool = False,
) -> FarewellInvitation | None:
    """Send a rejected lead the farewell e-mail with its questionnaire link, once. By hand
    a refusal says why; ``automatic`` (on rejection) quietly sends nothing when the
    reason's rule, the address or an earlier farewell says no."""
    try:
        lead = _lock_lead(actor, lead)
        if _stage_kind(lead) != StageKind.LOST:
            raise ValidationFailed({"lead": _("Only a rejected lead gets the farewell e-mail.")})
        sent = FarewellInvitation.objects.filter(lead=lead).first()
        if sent is not None:
            raise ValidationFailed(
                {
                    "lead": _("The farewell e-mail went to this lead on %(when)s.")
                    % {"when": timezone.localtime(sent.sent_at).strftime("%Y-%m-%d %H:%M")}
                }
            )
        reason_code = _rejection_reason_code(lead)
        if questionnaire is None:
            questionnaire = farewell_questionnaire_for(reason_code, automatic=automatic)
            if questionnaire is None:
                if automatic:
                    return None
                raise ValidationFailed(
                    {"questionnaire": _("No active farewell questionnaire: add one in the admin.")}
                )
        elif not questionnaire.is_active:
            raise ValidationFailed({"questionnaire": _("This questionnaire is switched off.")})
        permission = consent.service_email_allowed_many([lead.pk])[lead.pk]
        if not permission.allowed:
            raise ValidationFailed({"lead": refusal_text(permission.reason)})
    except ValidationFailed:
        if automatic:
            return None
        raise
    invitation = FarewellInvitation.objects.create(
        lead=lead,
        questionnaire=questionnaire,
        email=permission.email,
        language=language_for(lead.language),
        rejection_reason_code=reason_code,
        sent_by=actor.user,
    )
    outgoing = _farewell_email(invitation, lead, automatic=automatic)
    transaction.on_commit(lambda: _deliver_farewell(invitation.pk, outgoing))
    return invitation


def _farewell_email(
    invitation: FarewellInvitation, lead: Lead, *, automatic: bool
) -> OutgoingEmail:
    questionnaire = invitation.questionnaire
    link = unsubscribe_url(lead_id=lead.pk, email=invitation.email)
    answer_link = farewell_url(invitation)
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        values = lead_values(lead, unsubscribe_link=link, questionnaire_link=answer_link)
        subject = merge(_(questionnaire.subject), values).replace("\n", " ")
        body = merge(_(questionnaire.body), values)
        if not uses(questionnaire.body, "questionnaire_link"):
            body += "\n\n" + answer_link
    return OutgoingEmail(
        to=invitation.email,
        subject=subject,
        body=body,
        lead_id=lead.pk,
        unsubscribe_url=link,
        # it answers the person's own inquiry once: no marketing consent needed
        consent_purpose="",
        event_type=EventType.FAREWELL_SENT,
        event_params={
            "invitation_id": invitation.pk,
            "questionnaire": questionnaire.name,
            "automatic": automatic,
        },
    )


def _deliver_farewell(invitation_id: int, outgoing: OutgoingEmail) -> None:
    try:
        email_deliver(outgoing)
    except Exception:  # the invitation stays; the lead's e-mails show the failure to retry
        logger.exception("nurture: the farewell e-mail of invitation %s failed", invitation_id)


@dataclass(frozen=True)
class FarewellLink:
    state: LinkState
    invitation: FarewellInvitation | None = None
    questions: tuple = ()
    answer: FarewellAnswer | None = None


def farewell_link(*, token: str) -> FarewellLink:
    """What a questionnaire link stands for, writing nothing (the page's GET)."""
    expired = False
    max_age = dt.timedelta(days=settings.NURTURE_FAREWELL_LINK_DAYS)
    try:
        payload = signing.loads(token, salt=FAREWELL_SALT, max_age=max_age)
    except signing.SignatureExpired:
        expired = True
        try:
            payload = signing.loads(token, salt=FAREWELL_SALT)
        except signing.BadSignature:
            return FarewellLink(LinkState.INVALID)
    except signing.BadSignature:
        return FarewellLink(LinkState.INVALID)
    invitation_id = payload.get("i") if isinstance(payload, dict) else None
    if not isinstance(invitation_id, int):
        return FarewellLink(LinkState.INVALID)
    invitation = (
        FarewellInvitation.objects.select_related("questionnaire", "lead")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return FarewellLink(LinkState.GONE)
    answer = FarewellAnswer.objects.filter(invitation=invitation).first()
    questions = tuple(invitation.questionnaire.questions.all())
    if answer is not None:
        return FarewellLink(LinkState.ALREADY, invitation, questions, answer)
    if expired:
        return FarewellLink(LinkState.EXPIRED, invitation, questions)
    return FarewellLink(LinkState.READY, invitation, questions)


def answers_clean(questions: Iterable, data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers a form gave, checked against the questions (pure): question code →
    the choice, the scale's number or the text; unanswered optional questions left out."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        raw = data.get(question.code)
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            if question.required:
                errors[question.code] = _("Please answer this question.")
            continue
        if question.kind == QuestionKind.CHOICE:
            if value not in question.choices:
                errors[question.code] = _("Choose one of the answers offered.")
                continue
        elif question.kind == QuestionKind.SCALE:
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = 0
            if not 1 <= value <= 5:
                errors[question.code] = _("Choose a number from 1 to 5.")
                continue
        else:
            value = str(value)
            if len(value) > TEXT_ANSWER_LENGTH:
                errors[question.code] = _("Please use at most 2,000 characters.")
                continue
        answers[question.code] = value
    if errors:
        raise ValidationFailed(errors)
    return answers


class AlreadyAnswered(ValidationFailed):
    def __init__(self) -> None:
        super().__init__({"__all__": _("This questionnaire was already answered. Thank you!")})


@transaction.atomic
def farewell_answer(
    *, token: str, data: Mapping[str, Any], evidence: Mapping[str, Any] | None = None
) -> FarewellAnswer:
    """Store a person's answers to their farewell questionnaire, once (a second answer is
    refused: the first is the record), on the lead's attributes too; a "no" to writing
    later suppresses the address."""
    link = farewell_link(token=token)
    if link.state == LinkState.ALREADY:
        raise AlreadyAnswered()
    if link.state != LinkState.READY:
        raise ValidationFailed({"__all__": _("This link no longer works.")})
    answers = answers_clean(link.questions, data)
    invitation = FarewellInvitation.objects.select_for_update().get(pk=link.invitation.pk)
    may_write = answers.get(MAY_WRITE_LATER)
    may_write_later = None if may_write is None else may_write not in NO_ANSWERS
    now = timezone.now()
    try:
        with transaction.atomic():
            answer = FarewellAnswer.objects.create(
                invitation=invitation,
                lead_id=invitation.lead_id,
                answers=answers,
                answered_at=now,
                may_write_later=may_write_later,
            )
    except IntegrityError as error:
        raise AlreadyAnswered() from error
    lead = Lead.objects.select_for_update().get(pk=invitation.lead_id)
    lead.attributes = {
        **(lead.attributes or {}),
        "farewell": {**answers, "answered_at": now.isoformat()},
    }
    lead.save(update_fields=["attributes", "updated_at"])
    person = Actor(user=None, source=ActorSource.WEB_FORM)
    _event(
        lead.pk,
        person,
        EventType.FAREWELL_ANSWERED,
        invitation_id=invitation.pk,
        answers=answers,
    )
    if may_write_later is False:
        suppression_add(
            actor=person,
            email=invitation.email,
            method=SuppressionMethod.QUESTIONNAIRE,
            lead=lead,
            evidence={**(evidence or {}), "invitation_id": invitation.pk},
        )
    return answer


# --- reactivation ---------------------------------------------------------------------


class ReactivationWhy:
    """Why a lead came back (the ``reactivated`` event's ``why``)."""

    REPEAT_INQUIRY = "repeat_inquiry"
    EMAIL_REPLY = "email_reply"
    WARMED = "warmed"
    BY_HAND = "by_hand"


@transaction.atomic
def lead_reactivate(
    *, actor: Actor, lead: Lead, why: str, detail: Mapping[str, Any] | None = None
) -> Lead | None:
    """Bring a rejected or deferred lead back to the pipeline's first stage (its nurture
    stops) and tell its owner why, or route it anew when the owner is gone; None when
    the lead was not in the deferred-demand base."""
    lead = _lock_lead(actor, lead)
    previous = Stage.objects.get(pk=lead.stage_id)
    if previous.kind not in DEFERRED_KINDS or lead.merged_into_id is not None:
        return None
    reason_code = _rejection_reason_code(lead)
    initial = Stage.objects.get(is_initial=True)
    lead = lead_change_stage(
        actor=actor,
        lead=lead,
        stage=initial,
        reason=_("Back in the pipeline: %(why)s") % {"why": why},
    )
    _event(
        lead.pk,
        actor,
        EventType.REACTIVATED,
        why=why,
        **{"from": previous.code, "from_kind": previous.kind},
        rejection_reason=reason_code or None,
        temperature=lead.temperature,
        **dict(detail or {}),
    )
    _owner_tell(lead, actor, why)
    return lead


def _owner_tell(lead: Lead, actor: Actor, why: str) -> None:
    from galena.notifications.models import NotificationKind
    from galena.notifications.services import notify

    owner_active = (
        lead.owner_id is not None
        and get_user_model().objects.filter(pk=lead.owner_id, is_active=True).exists()
    )
    if not owner_active:
        from galena.routing.services import lead_reroute

        gone = [lead.owner_id] if lead.owner_id else []
        lead = lead_reroute(
            lead=lead, actor=actor, exclude_user_ids=gone, reason=_("Back in the pipeline")
        )
    if lead.owner_id:
        notify(
            kind=NotificationKind.LEAD_REACTIVATED,
            user_ids=[lead.owner_id],
            lead_id=lead.pk,
            params={"why": why},
        )


def lead_inquired(*, lead: Lead, actor: Actor, kind: str) -> None:
    """LEAD_INQUIRY_HOOKS: the lead wrote or called again: its nurture stops (it answered),
    and a rejected or deferred lead returns to the pipeline."""
    with transaction.atomic():
        _enrollments_stop(lead.pk, actor, StopReason.ANSWERED)
        if _stage_kind(lead) in DEFERRED_KINDS:
            lead_reactivate(actor=Actor(user=None, source=actor.source), lead=lead, why=kind)


def reactivation_sweep(*, limit: int = 500) -> int:
    """Rejected and deferred leads that warmed up (warm or hot now, cold or unknown when
    they left the pipeline) return to it; how many did. One indexed query
    (temperature, stage) finds them."""
    stage_ids = list(Stage.objects.filter(kind__in=DEFERRED_KINDS).values_list("pk", flat=True))
    lead_ids = list(
        Lead.objects.filter(
            temperature__in=(Temperature.WARM, Temperature.HOT),
            stage_id__in=stage_ids,
            merged_into__isnull=True,
            deferred_demand__left_at__isnull=True,
        )
        .filter(
            Q(deferred_demand__temperature_at_entry__in=("", Temperature.UNKNOWN, Temperature.COLD))
        )
        .values_list("pk", flat=True)[:limit]
    )
    back = 0
    for lead_id in lead_ids:
        lead = Lead.objects.get(pk=lead_id)
        done = lead_reactivate(
            actor=Actor(user=None, source=ActorSource.RULE),
            lead=lead,
            why=ReactivationWhy.WARMED,
            detail={"score": lead.score},
        )
        back += done is not None
    return back
