"""The demo's deferred-demand base and nurture, as the nurture services would have written it:
the contact form and the quiz ask for marketing consent too (half the people tick it, the
``consent`` of their ``submission_received`` event), every rejected or deferred lead entered the base
when it left the pipeline, the seeded sequences are on and have enrolled the consenting
leads (the steps already due sent: ``NurtureMessage``, the marketing e-mail and its
``nurture_sent`` event; the next send planned by ``plan_next``), a few people unsubscribed,
recently rejected leads got the farewell questionnaire and some answered, and a few leads
came back to the pipeline when they replied (``reactivated``, their owner told).
Deterministic for a seed; it runs after demo.work (the rejection reasons exist)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.conf import settings

from galena.activities.models import EmailKind, EmailStatus, SentEmail
from galena.consent.intake import submission_consents_record
from galena.consent.models import (
    ConsentMethod,
    ConsentRecord,
    ConsentStatus,
    Purpose,
    Restriction,
)
from galena.consent.services import consent_records_write
from galena.core.bulk import insert_many
from galena.demo import catalogue as cat
from galena.demo.work import DAY, MAIL_DOMAIN, MINUTE, leads_touched
from galena.intake.models import Form, Submission
from galena.leads.models import (
    ActorSource,
    Channel,
    ContactKind,
    ContactPoint,
    EventType,
    Lead,
    LeadEvent,
    Stage,
    StageKind,
)
from galena.notifications.models import Notification, NotificationKind
from galena.nurture.merge import merge
from galena.nurture.models import (
    DeferredDemand,
    EnrollmentStatus,
    FarewellAnswer,
    FarewellInvitation,
    FarewellQuestionnaire,
    MessageStatus,
    NurtureMessage,
    Sequence,
    StopReason,
    Suppression,
    SuppressionMethod,
)
from galena.nurture.models import Enrollment as EnrollmentRow
from galena.nurture.services import (
    MAY_WRITE_LATER,
    ReactivationWhy,
    plan_next,
    step_for,
    unsubscribe_url,
)

CONSENT_FORMS = ("contact", "solar-quiz")
# the channels of the web forms whose consent covers marketing (the contact form on the
# landing pages the searches lead to, and the quiz)
CONSENT_CHANNELS = (Channel.LANDING_PAGE, Channel.QUIZ, Channel.PAID_SEARCH, Channel.ORGANIC_SEARCH)
CONSENT_SHARE = 0.55  # of the people writing in through a web form or an ad form
UNSUBSCRIBE_SHARE = 0.08
FAREWELL_DAYS = 120  # rejected since then got the questionnaire
ANSWER_SHARE = 0.35
REACTIVATED = 3
WHY_NOT_US = {
    "no_budget": "The price",
    "bought_elsewhere": "We chose another company",
    "not_decision_maker": "The offer did not fit our needs",
    "no_need_now": "The timing is not right",
    "unreachable": "Nobody answered us in time",
    "other": "Other",
}
CHANGE_MIND = (
    "A cheaper financing option.",
    "If you could install before spring.",
    "A visit from an engineer first.",
    "",
)


def demo_nurture_wipe() -> None:
    """Forget the demo leads' suppressions and switch the seeded sequences off again (as
    they are seeded); run before the leads go (enrolments and the rest go with them)."""
    Suppression.objects.filter(lead__isnull=False).delete()
    Sequence.objects.update(is_active=False)
    # the ledger is append-only for the application; the demo's whole base goes, and so
    # do its consents and blocks (the base manager deletes without the refusal)
    ConsentRecord._base_manager.all().delete()
    Restriction.objects.all().delete()


def demo_nurture_create(*, seed: int, now: dt.datetime) -> dict[str, int]:
    """Consent, the base, enrolments and their messages, unsubscribes, farewells, returns."""
    rng = random.Random(seed * 15_485_863 + 31)  # noqa: S311 - repeatable demo data
    purpose = settings.NURTURE_CONSENT_PURPOSES[0]
    Form.objects.filter(slug__in=CONSENT_FORMS).update(consent_purposes=["contact", purpose])
    leads = {
        row["id"]: row
        for row in Lead.objects.filter(merged_into__isnull=True).values(
            "id",
            "created_at",
            "first_name",
            "last_name",
            "display_name",
            "company_name",
            "interest",
            "language",
            "temperature",
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "stage__kind",
            "stage__code",
            "rejection_reason__code",
            "rejection_note",
            "rejected_at",
            "recontact_at",
        )
    }
    emails: dict[int, str] = {}
    for lead_id, value in (
        ContactPoint.objects.filter(kind=ContactKind.EMAIL, lead_id__in=list(leads))
        .order_by("lead_id", "-is_primary", "id")
        .values_list("lead_id", "value")
    ):
        emails.setdefault(lead_id, value)
    consented = _consent(rng, leads, purpose)
    entered = _base(leads)
    counts = {"consented": len(consented), "base": len(entered)}
    sent_rows: list[SentEmail] = []
    events: list[LeadEvent] = []
    enrollments = _enrol(rng, now, leads, emails, consented, entered, sent_rows, events)
    counts["enrollments"] = len(enrollments)
    suppressions: list[Suppression] = []
    counts.update(_farewells(rng, now, leads, emails, entered, sent_rows, events, suppressions))
    counts["unsubscribed"] = _unsubscribes(
        rng, now, leads, emails, enrollments, events, suppressions
    )
    counts["reactivated"] = _reactivate(rng, now, leads, emails, enrollments, events, suppressions)
    _write(sent_rows, enrollments, events, suppressions)
    _withdrawals(events)
    leads_touched()
    counts["nurture_sent"] = sum(1 for s in sent_rows if s.event_type == EventType.NURTURE_SENT)
    return counts


def _consent(rng: random.Random, leads: dict, purpose: str) -> set[int]:
    """The submissions of the web forms carry the consent given with them, in their
    ``submission_received`` event as intake writes it (written here when the story had none)."""
    received = {
        event.params.get("submission_id"): event
        for event in LeadEvent.objects.filter(type=EventType.SUBMISSION_RECEIVED).order_by("id")
    }
    consented, changed, added = set(), [], []
    for submission in (
        Submission.objects.filter(channel__in=CONSENT_CHANNELS, lead_id__in=list(leads))
        .order_by("id")
        .only("id", "channel", "adapter", "lead_id", "received_at")
    ):
        lead = leads[submission.lead_id]
        marketing = rng.random() < CONSENT_SHARE
        consent = {
            "purposes": ["contact", purpose] if marketing else ["contact"],
            "text_version": "2026-01",
            "text": cat.DEMO_CONSENT,
            "given_at": lead["created_at"].isoformat(),
            "ip": None,
        }
        event = received.get(submission.pk)
        if event is not None:
            event.params = {**event.params, "consent": consent}
            changed.append(event)
        else:
            added.append(
                LeadEvent(
                    lead_id=submission.lead_id,
                    type=EventType.SUBMISSION_RECEIVED,
                    occurred_at=lead["created_at"],
                    actor_id=None,
                    actor_source=ActorSource.WEB_FORM,
                    params={
                        "submission_id": submission.pk,
                        "channel": submission.channel,
                        "adapter": submission.adapter,
                        "action": "create",
                        "consent": consent,
                    },
                )
            )
        if marketing:
            consented.add(submission.lead_id)
    LeadEvent.objects.bulk_update(changed, ["params"], batch_size=500)
    insert_many(LeadEvent, added)
    # as intake does: the consents go to the ledger
    submission_consents_record([(event, None) for event in [*changed, *added]])
    return consented


def _withdrawals(events: list[LeadEvent]) -> None:
    """Each unsubscribe is a withdrawal of marketing e-mail in the consent ledger."""
    consent_records_write(
        [
            ConsentRecord(
                email=event.params["email"],
                lead_id=event.lead_id,
                purpose=Purpose.MARKETING_EMAIL,
                status=ConsentStatus.WITHDRAWN,
                recorded_at=event.occurred_at,
                method=ConsentMethod.UNSUBSCRIBE,
                evidence={"suppression_method": event.params.get("method", "")},
            )
            for event in events
            if event.type == EventType.UNSUBSCRIBED
        ]
    )


def _base(leads: dict) -> dict[int, dt.datetime]:
    """Each rejected or deferred lead entered the base when its stage changed to it."""
    entered: dict[int, dt.datetime] = {}
    for lead_id, when in (
        LeadEvent.objects.filter(
            type=EventType.STAGE_CHANGED,
            params__to_kind__in=(StageKind.LOST, StageKind.DEFERRED),
            lead__stage__kind__in=(StageKind.LOST, StageKind.DEFERRED),
        )
        .order_by("occurred_at", "id")
        .values_list("lead_id", "occurred_at")
    ):
        if lead_id in leads:
            entered[lead_id] = when
    insert_many(
        DeferredDemand,
        [
            DeferredDemand(
                lead_id=lead_id, entered_at=when, temperature_at_entry=leads[lead_id]["temperature"]
            )
            for lead_id, when in sorted(entered.items())
        ],
    )
    return entered


def _marketing_email(lead, to, subject, body, when, event_type, params, link) -> SentEmail:
    footer = f"\n\n-- \nUnsubscribe: {link}" if link else ""
    return SentEmail(
        lead_id=lead["id"],
        sender_id=None,
        kind=EmailKind.MARKETING,
        event_type=event_type,
        event_params=params,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=[],
        reply_to=getattr(settings, "ACTIVITIES_REPLY_TO", "") or "",
        subject=subject,
        body_text=body + footer,
        body_html="",
        attachments=[],
        headers={"Auto-Submitted": "auto-generated", "List-Unsubscribe": f"<{link}>"}
        if link
        else {"Auto-Submitted": "auto-generated"},
        message_id="",
        status=EmailStatus.SENT,
        attempts=1,
        attempted_at=when,
        created_at=when,
        sent_at=when,
    )


def _values(lead: dict, **extra: str) -> dict[str, str]:
    owner = f"{lead['owner__first_name'] or ''} {lead['owner__last_name'] or ''}".strip()
    return {
        "first_name": lead["first_name"] or lead["display_name"],
        "last_name": lead["last_name"],
        "full_name": lead["display_name"],
        "company": lead["company_name"],
        "interest": lead["interest"],
        "owner_name": owner,
        **extra,
    }


class _Enrolment:
    def __init__(self, row: EnrollmentRow, sequence: Sequence):
        self.row, self.sequence, self.messages = row, sequence, []


def _enrol(rng, now, leads, emails, consented, entered, sent_rows, events) -> list[_Enrolment]:
    Sequence.objects.all().update(is_active=True)  # the business switched them on
    sequences = defaultdict(list)
    for sequence in Sequence.objects.prefetch_related("steps").order_by("id"):
        sequences[sequence.audience].append((sequence, list(sequence.steps.all())))
    enrollments = []
    for lead_id, since in sorted(entered.items()):
        lead = leads[lead_id]
        if lead_id not in consented or lead_id not in emails:
            continue
        audience = "rejected" if lead["stage__kind"] == StageKind.LOST else "deferred"
        for sequence, steps in sequences.get(audience, []):
            reasons = sequence.rejection_reasons or []
            if reasons and lead["rejection_reason__code"] not in reasons:
                continue
            languages = sequence.languages or []
            if languages and lead["language"] not in languages:
                continue
            plan = plan_next(steps, after_order=None, since=since)
            row = EnrollmentRow(
                lead_id=lead_id,
                sequence_id=sequence.pk,
                status=EnrollmentStatus.ACTIVE,
                enrolled_at=since,
            )
            enrolment = _Enrolment(row, sequence)
            while plan.order is not None and plan.send_at <= now:
                when = (plan.send_at + rng.uniform(1, 30) * MINUTE).replace(microsecond=0)
                step = step_for(steps, plan.order, lead["language"])
                if step is not None and when < now:
                    link = unsubscribe_url(lead_id=lead_id, email=emails[lead_id])
                    values = _values(lead, unsubscribe_link=link)
                    subject = merge(step.subject, values).replace("\n", " ")[:200]
                    message = NurtureMessage(
                        lead_id=lead_id,
                        step_id=step.pk,
                        step_order=step.order,
                        email=emails[lead_id],
                        subject=subject,
                        status=MessageStatus.SENT,
                        claimed_at=when,
                        sent_at=when,
                    )
                    enrolment.messages.append(message)
                    sent_rows.append(
                        _marketing_email(
                            lead,
                            emails[lead_id],
                            subject,
                            merge(step.body, values),
                            when,
                            EventType.NURTURE_SENT,
                            {
                                "message": message,
                                "sequence_id": sequence.pk,
                                "sequence": sequence.name,
                                "step": step.order,
                            },
                            link,
                        )
                    )
                    row.last_sent_at = when
                plan = plan_next(steps, after_order=plan.order, since=when)
            row.next_step, row.next_send_at = plan.order, plan.send_at
            if plan.order is None:
                row.status, row.ended_at = EnrollmentStatus.FINISHED, row.last_sent_at or since
            enrollments.append(enrolment)
    return enrollments


def _stop(enrolments, lead_id, when, reason, events, actor_source) -> None:
    names = []
    for enrolment in enrolments:
        row = enrolment.row
        if row.lead_id == lead_id and row.status == EnrollmentStatus.ACTIVE:
            row.status, row.stop_reason, row.ended_at, row.next_send_at = (
                EnrollmentStatus.STOPPED,
                reason,
                when,
                None,
            )
            names.append(enrolment.sequence.name)
    if names:
        events.append(
            LeadEvent(
                lead_id=lead_id,
                type=EventType.NURTURE_STOPPED,
                occurred_at=when,
                actor_id=None,
                actor_source=actor_source,
                params={"reason": reason, "sequences": names},
            )
        )


def _suppress(lead_id, email, when, method, evidence, events, suppressions) -> None:
    suppressions.append(
        Suppression(
            email=email.casefold(),
            lead_id=lead_id,
            created_at=when,
            method=method,
            evidence=evidence,
        )
    )
    events.append(
        LeadEvent(
            lead_id=lead_id,
            type=EventType.UNSUBSCRIBED,
            occurred_at=when,
            actor_id=None,
            actor_source=ActorSource.WEB_FORM,
            params={"email": email.casefold(), "method": method},
        )
    )


def _unsubscribes(rng, now, leads, emails, enrollments, events, suppressions) -> int:
    count, done = 0, set()
    for enrolment in enrollments:
        lead_id = enrolment.row.lead_id
        if not enrolment.messages or lead_id in done or rng.random() >= UNSUBSCRIBE_SHARE:
            continue
        when = (enrolment.messages[-1].sent_at + rng.uniform(10, 600) * MINUTE).replace(
            microsecond=0
        )
        if when >= now:
            continue
        done.add(lead_id)
        _suppress(
            lead_id,
            emails[lead_id],
            when,
            SuppressionMethod.LINK,
            {"page": "unsubscribe"},
            events,
            suppressions,
        )
        _stop(enrollments, lead_id, when, StopReason.UNSUBSCRIBED, events, ActorSource.WEB_FORM)
        count += 1
    return count


def _farewells(rng, now, leads, emails, entered, sent_rows, events, suppressions) -> dict[str, int]:
    questionnaire = (
        FarewellQuestionnaire.objects.filter(is_active=True).order_by("name", "id").first()
    )
    if questionnaire is None:
        return {"farewells": 0, "farewell_answers": 0}
    reasons = questionnaire.auto_send_reasons or []
    invitations, answers = [], []
    for lead_id, since in sorted(entered.items()):
        lead = leads[lead_id]
        if (
            lead["stage__kind"] != StageKind.LOST
            or lead_id not in emails
            or since < now - FAREWELL_DAYS * DAY
            or (reasons and lead["rejection_reason__code"] not in reasons)
        ):
            continue
        sent_at = since + rng.uniform(1, 5) * MINUTE
        invitation = FarewellInvitation(
            lead_id=lead_id,
            questionnaire_id=questionnaire.pk,
            email=emails[lead_id],
            language=lead["language"],
            rejection_reason_code=lead["rejection_reason__code"] or "",
            sent_at=sent_at.replace(microsecond=0),
            sent_by_id=None,
        )
        invitations.append(invitation)
        answered_at = invitation.sent_at + rng.uniform(30, 4320) * MINUTE
        if rng.random() < ANSWER_SHARE and answered_at < now:
            may_write = "Yes" if rng.random() < 0.7 else "No"
            given = {
                "why_not_us": WHY_NOT_US.get(lead["rejection_reason__code"], "Other"),
                "handling": rng.choice((3, 4, 4, 5, 5, 2)),
                MAY_WRITE_LATER: may_write,
            }
            text = rng.choice(CHANGE_MIND)
            if text:
                given["change_mind"] = text
            answers.append((invitation, given, answered_at.replace(microsecond=0)))
    insert_many(FarewellInvitation, invitations)
    link_of = {}
    for invitation in invitations:
        lead = leads[invitation.lead_id]
        link = unsubscribe_url(lead_id=lead["id"], email=invitation.email)
        link_of[invitation.pk] = link
        values = _values(lead, unsubscribe_link=link, questionnaire_link="")
        sent_rows.append(
            _marketing_email(
                lead,
                invitation.email,
                merge(questionnaire.subject, values).replace("\n", " "),
                merge(questionnaire.body, values),
                invitation.sent_at,
                EventType.FAREWELL_SENT,
                {
                    "invitation_id": invitation.pk,
                    "questionnaire": questionnaire.name,
                    "automatic": True,
                },
                link,
            )
        )
    rows, changed = [], []
    for invitation, given, when in answers:
        rows.append(
            FarewellAnswer(
                invitation_id=invitation.pk,
                lead_id=invitation.lead_id,
                answers=given,
                answered_at=when,
                may_write_later=given[MAY_WRITE_LATER] != "No",
            )
        )
        events.append(
            LeadEvent(
                lead_id=invitation.lead_id,
                type=EventType.FAREWELL_ANSWERED,
                occurred_at=when,
                actor_id=None,
                actor_source=ActorSource.WEB_FORM,
                params={"invitation_id": invitation.pk, "answers": given},
            )
        )
        changed.append((invitation.lead_id, {**given, "answered_at": when.isoformat()}))
        if given[MAY_WRITE_LATER] == "No":
            _suppress(
                invitation.lead_id,
                invitation.email,
                when,
                SuppressionMethod.QUESTIONNAIRE,
                {"invitation_id": invitation.pk},
                events,
                suppressions,
            )
    insert_many(FarewellAnswer, rows)
    by_id = Lead.objects.in_bulk([lead_id for lead_id, _given in changed])
    for lead_id, farewell in changed:
        lead = by_id[lead_id]
        lead.attributes = {**(lead.attributes or {}), "farewell": farewell}
    Lead.objects.bulk_update(list(by_id.values()), ["attributes"], batch_size=500)
    return {"farewells": len(invitations), "farewell_answers": len(rows)}


def _reactivate(rng, now, leads, emails, enrollments, events, suppressions) -> int:
    """A few people in the base wrote again: back to the first stage, their owner told."""
    initial = Stage.objects.filter(is_initial=True).first()
    if initial is None:
        return 0
    suppressed = {s.lead_id for s in suppressions}
    candidates = [
        lead
        for lead in leads.values()
        if lead["stage__kind"] in (StageKind.LOST, StageKind.DEFERRED)
        and lead["owner_id"]
        and lead["id"] in emails
        and lead["id"] not in suppressed
    ]
    candidates.sort(key=lambda lead: lead["id"])
    chosen = rng.sample(candidates, min(REACTIVATED, len(candidates)))
    notifications, changed = [], []
    for number, lead in enumerate(chosen):
        # replies of the last day, a few hours apart: their owners' notices are still unread
        hours = (number + 1) * 23 / (len(chosen) + 1) + rng.uniform(-1, 1)
        when = (now - hours * dt.timedelta(hours=1)).replace(microsecond=0)
        events.append(
            LeadEvent(
                lead_id=lead["id"],
                type=EventType.EMAIL_RECEIVED,
                occurred_at=when - MINUTE,
                actor_id=None,
                actor_source=ActorSource.EMAIL,
                params={
                    "from": emails[lead["id"]],
                    "name": lead["display_name"],
                    "to": f"sales@{MAIL_DOMAIN}",
                    "subject": "Still interested",
                    "body": "We have the budget now. Can you send a new offer?",
                    "message_id": f"<back.{lead['id']}@mail.example>",
                    "in_reply_to": "",
                    "references": [],
                    "date": (when - MINUTE).isoformat(),
                    "attachments": [],
                },
            )
        )
        _stop(enrollments, lead["id"], when, StopReason.ANSWERED, events, ActorSource.EMAIL)
        # what lead_change_stage clears on leaving the stage (KEPT_WHILE_IN), in its order
        if lead["stage__kind"] == StageKind.LOST:
            cleared = {"rejection_reason": lead["rejection_reason__code"]}
            if lead["rejection_note"]:
                cleared["rejection_note"] = lead["rejection_note"]
            cleared["rejected_at"] = lead["rejected_at"].isoformat()
        else:
            cleared = {"recontact_at": lead["recontact_at"].isoformat()}
        events.append(
            LeadEvent(
                lead_id=lead["id"],
                type=EventType.STAGE_CHANGED,
                occurred_at=when,
                actor_id=None,
                actor_source=ActorSource.EMAIL,
                params={
                    "from": lead["stage__code"],
                    "to": initial.code,
                    "to_kind": initial.kind,
                    "reason": f"Back in the pipeline: {ReactivationWhy.EMAIL_REPLY}",
                    "cleared": cleared,
                },
            )
        )
        events.append(
            LeadEvent(
                lead_id=lead["id"],
                type=EventType.REACTIVATED,
                occurred_at=when,
                actor_id=None,
                actor_source=ActorSource.EMAIL,
                params={
                    "why": ReactivationWhy.EMAIL_REPLY,
                    "from": lead["stage__code"],
                    "from_kind": lead["stage__kind"],
                    "rejection_reason": lead["rejection_reason__code"] or None,
                    "temperature": lead["temperature"],
                },
            )
        )
        notifications.append(
            Notification(
                user_id=lead["owner_id"],
                kind=NotificationKind.LEAD_REACTIVATED,
                lead_id=lead["id"],
                params={"why": ReactivationWhy.EMAIL_REPLY},
                created_at=when,
                in_app=True,
                email_wanted=False,
            )
        )
        changed.append((lead["id"], when))
    by_id = Lead.objects.in_bulk([lead_id for lead_id, _when in changed])
    for lead_id, when in changed:
        lead = by_id[lead_id]
        lead.stage_id = initial.pk
        lead.rejection_reason_id, lead.rejection_note, lead.rejected_at = None, "", None
        lead.recontact_at, lead.updated_at = None, when
    Lead.objects.bulk_update(
        list(by_id.values()),
        [
            "stage_id",
            "rejection_reason_id",
            "rejection_note",
            "rejected_at",
            "recontact_at",
            "updated_at",
        ],
    )
    for lead_id, when in changed:
        DeferredDemand.objects.filter(lead_id=lead_id).update(left_at=when)
    insert_many(Notification, notifications)
    return len(changed)


def _write(sent_rows, enrollments, events, suppressions) -> None:
    rows = insert_many(EnrollmentRow, [e.row for e in enrollments])
    messages = []
    for enrolment, row in zip(enrollments, rows, strict=True):
        for message in enrolment.messages:
            message.enrollment_id = row.pk
            messages.append(message)
    insert_many(NurtureMessage, messages)
    for number, sent in enumerate(sent_rows):
        sent.message_id = f"<demo.nurture.{sent.lead_id}.{number}@{MAIL_DOMAIN}>"
        params = sent.event_params
        if "message" in params:
            message = params.pop("message")
            params["message_id"] = message.pk
    insert_many(SentEmail, sent_rows)
    for sent in sent_rows:
        events.append(
            LeadEvent(
                lead_id=sent.lead_id,
                type=sent.event_type,
                occurred_at=sent.sent_at,
                actor_id=None,
                actor_source=ActorSource.SYSTEM,
                params={
                    "sent_email_id": sent.pk,
                    "to": sent.to,
                    "subject": sent.subject,
                    "excerpt": sent.body_text[:300],
                    "kind": sent.kind,
                    **sent.event_params,
                },
            )
        )
    insert_many(Suppression, _dedupe(suppressions))
    insert_many(LeadEvent, events)


def _dedupe(suppressions: list[Suppression]) -> list[Suppression]:
    seen, unique = set(), []
    for suppression in suppressions:
        if suppression.email not in seen:
            seen.add(suppression.email)
            unique.append(suppression)
    return unique
