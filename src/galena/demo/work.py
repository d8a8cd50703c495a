"""The demo's work on the leads, as the lead and activities services would have written it:
every rejected lead gets its reason (``leads.lead_reject``: the reason and a note now and
then, named in the ``stage_changed`` event), every deferred lead its come-back date with the
call task ``leads.lead_defer`` plans (some due in the next days, a few overdue), the calls
the managers made get their ``call`` events with outcome and duration
(``activities.call_log``), the e-mails and offers their ``SentEmail`` rows from the seeded
templates with ``email_sent``/``offer_sent`` events (a couple failed, to send again), some
replies, the price lists as documents, the meetings (past, today, coming) with their tasks,
and each person's e-mail signature. Written in bulk, deterministic for a seed; it runs after
the leads and clients exist."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import OuterRef, Subquery

from galena.accounts.models import Role
from galena.activities import merge
from galena.activities.models import (
    Document,
    DocumentKind,
    EmailKind,
    EmailStatus,
    EmailTemplate,
    Meeting,
    MeetingStatus,
    SentEmail,
    Signature,
)
from galena.core.bulk import insert_many
from galena.demo import catalogue as cat
from galena.leads.models import (
    ActorSource,
    CallOutcome,
    ContactKind,
    ContactPoint,
    EventType,
    Lead,
    LeadEvent,
    RejectionReason,
    StageKind,
    Task,
    TaskKind,
)

MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
MAIL_DOMAIN = "demo.galena.local"
# the models written here whose times the loader keeps as given (no auto_now)
WORK_MODELS = (Meeting, SentEmail, Signature, Document)
DEFERRED_TASK_TITLE = "Call back (deferred lead)"  # what lead_defer names the task

# the loader's rejection notes ("Rejected: …") → the reason a manager picks for them
REASON_OF_NOTE = {
    "Budget too small": "no_budget",
    "Chose a competitor": "bought_elsewhere",
    "No longer interested": "no_need_now",
    "Roof not suitable": "other",
    "Unreachable after five attempts": "unreachable",
    "Non-target: wrong number": "unreachable",
    "Non-target: asks for an off-grid camping kit, which we do not sell": "other",
    "Non-target: tenant, cannot decide on the roof": "not_decision_maker",
}
# a lead rejected without a note: the mix by temperature
# no_budget, bought_elsewhere, not_decision_maker, no_need_now, unreachable, other
REASON_MIX = {
    "hot": (30, 35, 10, 10, 10, 5),
    "warm": (25, 25, 15, 20, 10, 5),
    "cold": (15, 10, 15, 30, 25, 5),
    "unknown": (10, 5, 10, 25, 40, 10),
}
REASON_CODES = (
    "no_budget",
    "bought_elsewhere",
    "not_decision_maker",
    "no_need_now",
    "unreachable",
    "other",
)
REJECTION_NOTES = {
    "no_budget": ("Asked for 30% less than our lowest offer.", "Will look again with a loan."),
    "bought_elsewhere": ("Signed with a local installer last week.", "Competitor was cheaper."),
    "not_decision_maker": ("The owner of the house is abroad.", "The board decides, not him."),
    "no_need_now": ("Roof to be renovated first.", "Moving house next year."),
    "unreachable": ("Five calls, two e-mails, no answer.",),
    "other": ("Roof faces north: not worth it.", "Shaded by the neighbours' trees."),
}
CALL_OUTCOME_OF_TASK = {
    cat.NO_ANSWER: CallOutcome.NO_ANSWER,
    cat.WRONG_NUMBER: CallOutcome.WRONG_NUMBER,
}
REPLY_TEXTS = (
    "Thank you, the offer looks good. Can we talk on Thursday?",
    "Could you send the warranty terms as well?",
    "We are still comparing; I will come back to you next week.",
    "Please call me after 5 pm.",
)
FAILED_ERROR = "SMTPRecipientsRefused: {'%s': (550, b'5.1.1 Mailbox unavailable')}"
MEETING_TITLES = ("Site survey", "Offer presentation", "Meeting at the office", "Video call")
PRICE_LISTS = (
    # title, kind, file name
    ("Price list 2026 — residential", DocumentKind.PRICE_LIST, "price-list-residential.pdf"),
    ("Price list 2026 — commercial", DocumentKind.PRICE_LIST, "price-list-commercial.pdf"),
    ("Warranty and service terms", DocumentKind.OTHER, "warranty-terms.pdf"),
)


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small real one-page PDF with the lines as text."""
    text = "BT /F1 16 Tf 50 790 Td (" + title.encode("ascii", "replace").decode() + ") Tj"
    for line in lines:
        text += " /F1 11 Tf 0 -22 Td (" + line + ") Tj"
    text += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = "%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("ascii")


def _documents_create(now: dt.datetime, uploader_id: int | None) -> list[Document]:
    documents = []
    for title, kind, name in PRICE_LISTS:
        content = _pdf(
            title.replace("—", "-"),
            [
                "Helios Solar",
                "Panels 410 W: 165 EUR",
                "Inverter 5 kW: 890 EUR",
                "Mounting: 60 EUR/kWp",
            ],
        )
        stored = default_storage.save(f"documents/{now:%Y/%m}/demo-{name}", ContentFile(content))
        documents.append(
            Document(
                title=title,
                kind=kind,
                file=stored,
                original_name=name,
                size=len(content),
                content_type="application/pdf",
                uploaded_by_id=uploader_id,
                created_at=now - 150 * DAY,
                updated_at=now - 150 * DAY,
            )
        )
    return insert_many(Document, documents)


def demo_work_wipe() -> None:
    """The demo's documents (files too) and signatures; the rest goes with the leads."""
    for document in Document.objects.filter(original_name__in=[p[2] for p in PRICE_LISTS]):
        document.file.delete(save=False)
        document.delete()
    Signature.objects.filter(user__username__in=cat.DEMO_USERNAMES).delete()


def demo_work_create(*, seed: int, now: dt.datetime) -> dict[str, int]:
    """Reasons, come-back dates, calls, e-mails, offers, replies, meetings and signatures."""
    rng = random.Random(seed * 104_729 + 23)  # noqa: S311 - repeatable demo data, not secrets
    people = {
        u["id"]: u
        for u in Lead.owner.field.related_model.objects.filter(
            username__in=cat.DEMO_USERNAMES
        ).values("id", "username", "first_name", "last_name", "email", "profile__role")
    }
    counts: dict[str, int] = {}
    counts["signatures"] = _signatures(people, now)
    counts.update(_rejections(rng))
    counts.update(_deferrals(rng, now))
    counts.update(_activities(rng, now, people))
    leads_touched()
    return counts


def leads_touched() -> None:
    """Each lead's updated_at is its last event's time, as the services leave it."""
    last = (
        LeadEvent.objects.filter(lead_id=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    Lead.objects.update(updated_at=Subquery(last))


def _signatures(people: dict, now: dt.datetime) -> int:
    rows = [
        Signature(
            user_id=pk,
            text=f"{p['first_name']} {p['last_name']}\nHelios Solar\n{p['email']}",
            created_at=now - 170 * DAY,
            updated_at=now - 170 * DAY,
        )
        for pk, p in people.items()
        if p["profile__role"] != Role.ADMIN
    ]
    insert_many(Signature, rows)
    return len(rows)


def _stage_events(kind: str) -> dict[int, LeadEvent]:
    """The event that moved each lead to its current stage of this kind (the last one)."""
    events: dict[int, LeadEvent] = {}
    for event in LeadEvent.objects.filter(
        type=EventType.STAGE_CHANGED, params__to_kind=kind, lead__stage__kind=kind
    ).order_by("occurred_at", "id"):
        events[event.lead_id] = event
    return events


def _notes(prefix: str) -> dict[int, LeadEvent]:
    return {
        e.lead_id: e
        for e in LeadEvent.objects.filter(
            type=EventType.NOTE_ADDED, params__text__startswith=prefix
        ).order_by("occurred_at", "id")
    }


def _rejections(rng: random.Random) -> dict[str, int]:
    reasons = {r.code: r for r in RejectionReason.objects.all()}
    if not reasons:
        return {"rejected": 0}
    leads = {
        lead.pk: lead
        for lead in Lead.objects.filter(stage__kind=StageKind.LOST).only(
            "id", "temperature", "rejection_reason_id", "rejection_note"
        )
    }
    events, notes = _stage_events(StageKind.LOST), _notes("Rejected: ")
    changed_events = []
    for lead_id, lead in sorted(leads.items()):
        note_event = notes.get(lead_id)
        said = (
            note_event.params["text"].removeprefix("Rejected: ").rstrip(".") if note_event else ""
        )
        code = (
            REASON_OF_NOTE.get(said)
            or rng.choices(REASON_CODES, REASON_MIX.get(lead.temperature, REASON_MIX["unknown"]))[0]
        )
        if code not in reasons:
            code = next(iter(reasons))
        lead.rejection_reason_id = reasons[code].pk
        lead.rejection_note = rng.choice(REJECTION_NOTES[code]) if rng.random() < 0.3 else ""
        event = events.get(lead_id)
        if event is not None:
            # what lead_change_stage names for a rejection
            event.params = {**event.params, "rejection_reason": code}
            if lead.rejection_note:
                event.params["note"] = lead.rejection_note
            changed_events.append(event)
    Lead.objects.bulk_update(
        list(leads.values()), ["rejection_reason_id", "rejection_note"], batch_size=500
    )
    LeadEvent.objects.bulk_update(changed_events, ["params"], batch_size=500)
    return {"rejected": len(leads)}


def _deferrals(rng: random.Random, now: dt.datetime) -> dict[str, int]:
    """A come-back date after each deferral: most weeks or months ahead, some in the next
    days, a few overdue; lead_defer's call task due then, its note in the stage event."""
    leads = {
        lead.pk: lead
        for lead in Lead.objects.filter(stage__kind=StageKind.DEFERRED).only(
            "id", "owner_id", "recontact_at", "updated_at"
        )
    }
    events, notes = _stage_events(StageKind.DEFERRED), _notes("Deferred: ")
    # lead_defer writes the date in the stage event, not as a separate update
    LeadEvent.objects.filter(
        lead_id__in=list(leads), type=EventType.UPDATED, params__has_key="changes"
    ).filter(params__changes__has_key="recontact_at").delete()
    tasks, task_events, changed, overdue, soon = [], [], [], 0, 0
    for lead_id, lead in sorted(leads.items()):
        event = events.get(lead_id)
        if event is None:
            continue
        deferred_at = event.occurred_at
        draw = rng.random()
        if draw < 0.06 and deferred_at < now - 6 * DAY:
            come_back = now - rng.uniform(1, 5) * DAY  # overdue: nobody called yet
            overdue += 1
        elif draw < 0.25:
            come_back = now + rng.uniform(0.2, 7) * DAY
            soon += 1
        else:
            come_back = max(
                deferred_at + rng.uniform(30, 150) * DAY, now + rng.uniform(8, 120) * DAY
            )
        come_back = come_back.replace(
            hour=rng.choice((9, 10, 11, 14, 15)), minute=0, second=0, microsecond=0
        )
        if come_back <= deferred_at:
            come_back = deferred_at + DAY
        lead.recontact_at = come_back
        note_event = notes.get(lead_id)
        note = note_event.params["text"].removeprefix("Deferred: ") if note_event else ""
        if note_event is not None:
            # lead_defer keeps the note in the stage event
            note_event.delete()
        event.params = {**event.params, "recontact_at": come_back.isoformat()}
        if note:
            event.params["note"] = note
        changed.append(event)
        if lead.owner_id is None:
            continue
        at = deferred_at + dt.timedelta(seconds=1)
        tasks.append(
            Task(
                lead_id=lead_id,
                kind=TaskKind.CALL,
                title=DEFERRED_TASK_TITLE,
                description=note,
                due_at=come_back,
                assignee_id=lead.owner_id,
                created_by_id=lead.owner_id,
                created_at=at,
                updated_at=at,
            )
        )
    insert_many(Task, tasks)
    for task in tasks:
        task_events.append(_task_created(task))
    insert_many(LeadEvent, task_events)
    Lead.objects.bulk_update(list(leads.values()), ["recontact_at"], batch_size=500)
    LeadEvent.objects.bulk_update(changed, ["params"], batch_size=500)
    return {"deferred": len(leads), "recontact_soon": soon, "recontact_overdue": overdue}


def _activities(rng: random.Random, now: dt.datetime, people: dict) -> dict[str, int]:
    leads = {
        row["id"]: row
        for row in Lead.objects.filter(merged_into__isnull=True, owner__isnull=False).values(
            "id",
            "first_name",
            "last_name",
            "display_name",
            "company_name",
            "position",
            "city",
            "interest",
            "owner_id",
            "created_at",
            "stage__kind",
            "stage__code",
            "temperature",
            "verification_method",
            "verified_at",
        )
    }
    phones, emails = {}, {}
    for lead_id, kind, value in (
        ContactPoint.objects.filter(is_primary=True, lead_id__in=list(leads))
        .order_by("id")
        .values_list("lead_id", "kind", "value")
    ):
        (phones if kind == ContactKind.PHONE else emails if kind == ContactKind.EMAIL else {})[
            lead_id
        ] = value
    # the seeded templates by name (those for any language last, so a language's wins)
    templates = {
        t.name: t for t in EmailTemplate.objects.filter(is_active=True).order_by("-language")
    }
    signatures = {s.user_id: s.text for s in Signature.objects.all()}
    head = next((pk for pk, p in people.items() if p["profile__role"] == Role.HEAD_OF_SALES), None)
    documents = _documents_create(now, head)

    def fields(lead: dict, sender_id: int, when: dt.datetime) -> dict[str, str]:
        sender = people.get(sender_id, {})
        name = f"{sender.get('first_name', '')} {sender.get('last_name', '')}".strip()
        return {
            "first_name": lead["first_name"],
            "last_name": lead["last_name"],
            "full_name": lead["display_name"],
            "company": lead["company_name"],
            "position": lead["position"],
            "city": lead["city"],
            "interest": lead["interest"],
            "owner_name": name,
            "owner_first_name": sender.get("first_name", ""),
            "owner_email": sender.get("email", ""),
            "owner_phone": "",
            "signature": signatures.get(sender_id, name),
            "today": f"{when:%Y-%m-%d}",
        }

    events: list[LeadEvent] = []
    emails_out: list[SentEmail | None] = []
    calls = 0
    done = Task.objects.filter(
        lead_id__in=list(leads), done_at__isnull=False, done_at__lte=now
    ).order_by("done_at", "id")
    for task in done.only("id", "lead_id", "kind", "title", "done_at", "outcome", "assignee_id"):
        lead = leads[task.lead_id]
        actor = task.assignee_id or lead["owner_id"]
        if task.kind == TaskKind.CALL and task.lead_id in phones:
            outcome = CALL_OUTCOME_OF_TASK.get(task.outcome, CallOutcome.REACHED)
            if (
                outcome == CallOutcome.REACHED
                and lead["verification_method"] == "call"
                and lead["verified_at"] == task.done_at
            ):
                outcome = CallOutcome.CONFIRMED
            seconds = (
                rng.randint(15, 45)
                if outcome == CallOutcome.NO_ANSWER
                else rng.randint(20, 90)
                if outcome == CallOutcome.WRONG_NUMBER
                else int(rng.lognormvariate(5.6, 0.6))
            )
            events.append(
                LeadEvent(
                    lead_id=task.lead_id,
                    type=EventType.CALL,
                    occurred_at=task.done_at,
                    actor_id=actor,
                    actor_source=ActorSource.CALL,
                    params={
                        "outcome": outcome,
                        "note": "",
                        "phone": phones[task.lead_id],
                        "duration_seconds": min(seconds, 3600),
                        "task_id": task.pk,
                    },
                )
            )
            calls += 1
        elif task.lead_id in emails and task.kind in (
            TaskKind.EMAIL,
            TaskKind.OFFER,
            TaskKind.PRICE_LIST,
        ):
            if task.kind == TaskKind.EMAIL:
                template = templates.get(
                    "First contact after an inquiry"
                    if task.title.startswith("First")
                    else "Could not reach you by phone"
                )
                attached: list[Document] = []
            else:
                template = templates.get(
                    "Commercial offer" if task.kind == TaskKind.OFFER else "Price list"
                )
                residential = not lead["company_name"]
                attached = [documents[0 if residential else 1]]
                if rng.random() < 0.4:
                    attached.append(documents[2])
            if template is None:
                continue
            emails_out.append(
                _sent_email(lead, actor, template, attached, task.done_at, emails, fields)
            )
    insert_many(LeadEvent, events)

    # a couple of e-mails of the last hours that the mail server refused: "Send again"
    recent = [
        lead
        for lead in leads.values()
        if lead["stage__kind"] == StageKind.OPEN
        and lead["id"] in emails
        and people.get(lead["owner_id"], {}).get("profile__role") == Role.SALES_MANAGER
    ]
    recent.sort(key=lambda lead: lead["created_at"], reverse=True)
    failed = []
    by_owner: dict[int, int] = defaultdict(int)
    for lead in recent:
        if by_owner[lead["owner_id"]] >= 1 or len(failed) >= 6:
            continue
        by_owner[lead["owner_id"]] += 1
        when = now - rng.uniform(0.5, 5) * dt.timedelta(hours=1)
        if when <= lead["created_at"]:
            continue
        sent = _sent_email(
            lead,
            lead["owner_id"],
            templates.get("Could not reach you by phone"),
            [],
            when,
            emails,
            fields,
        )
        if sent is None:
            continue
        sent.status, sent.sent_at, sent.attempts = EmailStatus.FAILED, None, 1
        sent.error = FAILED_ERROR % sent.to
        failed.append(sent)
    rows = [s for s in emails_out if s is not None] + failed
    for number, sent in enumerate(rows):
        sent.message_id = f"<demo.{sent.lead_id}.{number}@{MAIL_DOMAIN}>"
    insert_many(SentEmail, rows)
    sent_events: list[LeadEvent] = []
    replied: set[int] = set()
    for sent in rows:
        if sent.status != EmailStatus.SENT:
            continue
        params = {
            "sent_email_id": sent.pk,
            "to": sent.to,
            "subject": sent.subject,
            "excerpt": sent.body_text[:300],
            "kind": sent.kind,
            "template_id": sent.template_id,
        }
        event_type = EventType.EMAIL_SENT
        if sent.attachments:
            params["attachments"] = [a["name"] for a in sent.attachments]
            params["documents"] = [
                {"id": a["document_id"], "title": a["title"], "kind": a["kind"]}
                for a in sent.attachments
            ]
            event_type = EventType.OFFER_SENT
        sent_events.append(
            LeadEvent(
                lead_id=sent.lead_id,
                type=event_type,
                occurred_at=sent.sent_at,
                actor_id=sent.sender_id,
                actor_source=ActorSource.MANUAL,
                params=params,
            )
        )
        # people answer some e-mails, a day or two later
        if rng.random() < 0.15:
            when = sent.sent_at + rng.uniform(20, 2880) * MINUTE
            if when < now:
                sent_events.append(_reply(rng, sent, leads[sent.lead_id], when))
                replied.add(sent.lead_id)
    # and each manager's latest offer or e-mail to an open lead got its answer in the last
    # days (My day's replies)
    latest: dict[int, SentEmail] = {}
    for sent in rows:
        lead = leads[sent.lead_id]
        if (
            sent.status == EmailStatus.SENT
            and lead["stage__kind"] == StageKind.OPEN
            and sent.lead_id not in replied
            and people.get(sent.sender_id, {}).get("profile__role") == Role.SALES_MANAGER
        ):
            latest[sent.sender_id] = sent  # rows are in time order: the last one wins
    for _sender, sent in sorted(latest.items()):
        when = now - rng.uniform(1, 60) * dt.timedelta(hours=1)
        if when > sent.sent_at:
            sent_events.append(_reply(rng, sent, leads[sent.lead_id], when))
            replied.add(sent.lead_id)
    insert_many(LeadEvent, sent_events)
    meetings = _meetings(rng, now, leads, people)
    return {
        "calls": calls,
        "emails_sent": sum(1 for s in rows if s.status == EmailStatus.SENT),
        "emails_failed": len(failed),
        "offers_sent": sum(1 for s in rows if s.attachments),
        "replies": len(replied),
        "documents": len(documents),
        "meetings": meetings,
    }


def _task_created(task: Task) -> LeadEvent:
    """The ``task_created`` event the task service writes, for a demo task."""
    return LeadEvent(
        lead_id=task.lead_id,
        type=EventType.TASK_CREATED,
        occurred_at=task.created_at,
        actor_id=task.created_by_id,
        actor_source=ActorSource.MANUAL,
        params={
            "task_id": task.pk,
            "kind": task.kind,
            "title": task.title,
            "due_at": task.due_at.isoformat(),
            "assignee_id": task.assignee_id,
        },
    )


def _reply(rng: random.Random, sent: SentEmail, lead: dict, when: dt.datetime) -> LeadEvent:
    """The lead's answer to an e-mail, as intake's e-mail adapter records it."""
    when = when.replace(microsecond=0)
    return LeadEvent(
        lead_id=sent.lead_id,
        type=EventType.EMAIL_RECEIVED,
        occurred_at=when,
        actor_id=None,
        actor_source=ActorSource.EMAIL,
        params={
            "from": sent.to,
            "name": lead["display_name"],
            "to": sent.reply_to,
            "subject": f"Re: {sent.subject}",
            "body": rng.choice(REPLY_TEXTS),
            "message_id": f"<reply.{sent.pk}@mail.example>",
            "in_reply_to": sent.message_id,
            "references": [sent.message_id],
            "date": when.isoformat(),
            "attachments": [],
            "reply": True,
        },
    )


def _sent_email(lead, sender_id, template, attached, when, emails, fields) -> SentEmail | None:
    if template is None:
        return None
    rendered = merge.render(
        subject=template.subject, body=template.body, fields=fields(lead, sender_id, when)
    )
    return SentEmail(
        lead_id=lead["id"],
        sender_id=sender_id,
        template_id=template.pk,
        kind=EmailKind.PERSONAL,
        event_type=EventType.OFFER_SENT if attached else EventType.EMAIL_SENT,
        event_params=(
            {"documents": [{"id": d.pk, "title": d.title, "kind": d.kind} for d in attached]}
            if attached
            else {}
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=emails[lead["id"]],
        cc=[],
        reply_to=getattr(settings, "ACTIVITIES_REPLY_TO", "") or "",
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        attachments=[
            {
                "document_id": d.pk,
                "name": d.original_name,
                "title": d.title,
                "kind": d.kind,
                "content_type": d.content_type,
                "size": d.size,
            }
            for d in attached
        ],
        headers={},
        message_id="",
        status=EmailStatus.SENT,
        attempts=1,
        attempted_at=when,
        created_at=when,
        sent_at=when,
    )


def _meetings(rng: random.Random, now: dt.datetime, leads: dict, people: dict) -> int:
    """The site surveys the loader planned become meetings; open leads of the managers get
    meetings today and in the coming days (a meeting task for each, as meeting_schedule)."""
    zone = settings.TIME_ZONE
    local = zoneinfo.ZoneInfo(zone)
    meetings, tasks, events = [], [], []
    survey_tasks = Task.objects.filter(lead_id__in=list(leads), kind=TaskKind.MEETING).order_by(
        "id"
    )
    for task in survey_tasks:
        starts = task.due_at
        meetings.append(
            (
                Meeting(
                    lead_id=task.lead_id,
                    organizer_id=task.assignee_id,
                    title=task.title,
                    starts_at=starts,
                    ends_at=starts + rng.choice((60, 90)) * MINUTE,
                    time_zone=zone,
                    location=leads[task.lead_id]["city"],
                    attendees=[],
                    uid=f"demo-meeting-task-{task.pk}@{MAIL_DOMAIN}",
                    task_id=task.pk,
                    status=MeetingStatus.SCHEDULED,
                    created_at=task.created_at,
                    updated_at=task.created_at,
                ),
                None,
            )
        )
    # coming meetings: one or two today for every manager, more over the next days
    open_by_owner: dict[int, list[dict]] = defaultdict(list)
    for lead in sorted(leads.values(), key=lambda lead: lead["id"]):
        if lead["stage__code"] in ("in_work", "qualified"):
            open_by_owner[lead["owner_id"]].append(lead)
    today = now.astimezone(local).date()
    for owner_id, owned in sorted(open_by_owner.items()):
        if people.get(owner_id, {}).get("profile__role") not in (
            Role.SALES_MANAGER,
            Role.HEAD_OF_SALES,
        ):
            continue
        picks = rng.sample(owned, min(len(owned), rng.randint(3, 5)))
        for number, lead in enumerate(picks):
            day = today + dt.timedelta(days=0 if number < 2 else rng.randint(1, 6))
            hour = (10, 15, 11, 12, 16)[number]
            starts = dt.datetime.combine(day, dt.time(hour, rng.choice((0, 30))), local)
            planned = min(now - rng.uniform(1, 72) * dt.timedelta(hours=1), starts)
            planned = max(planned, lead["created_at"] + MINUTE).replace(microsecond=0)
            title = rng.choice(MEETING_TITLES)
            video = title == "Video call"
            meetings.append(
                (
                    Meeting(
                        lead_id=lead["id"],
                        organizer_id=owner_id,
                        title=title,
                        starts_at=starts,
                        ends_at=starts + rng.choice((30, 60, 90)) * MINUTE,
                        time_zone=zone,
                        location="" if video else lead["city"],
                        video_url=f"https://meet.example.com/helios-{lead['id']}" if video else "",
                        description="Roof, consumption and the offer's options.",
                        attendees=[],
                        uid=f"demo-meeting-{lead['id']}-{number}@{MAIL_DOMAIN}",
                        status=MeetingStatus.SCHEDULED,
                        created_at=planned,
                        updated_at=planned,
                    ),
                    Task(
                        lead_id=lead["id"],
                        kind=TaskKind.MEETING,
                        title=title,
                        due_at=starts,
                        assignee_id=owner_id,
                        created_by_id=owner_id,
                        created_at=planned,
                        updated_at=planned,
                    ),
                )
            )
    new_tasks = [task for _meeting, task in meetings if task is not None]
    for _meeting, task in meetings:
        if task is not None:
            task.description = (
                f"{_meeting.starts_at.astimezone(local):%Y-%m-%d %H:%M}–"
                f"{_meeting.ends_at.astimezone(local):%H:%M} ({zone})"
            )
    insert_many(Task, new_tasks)
    for meeting, task in meetings:
        if task is not None:
            meeting.task_id = task.pk
            tasks.append(task)
    rows = insert_many(Meeting, [meeting for meeting, _task in meetings])
    for meeting in rows:
        actor = meeting.organizer_id
        events.append(
            LeadEvent(
                lead_id=meeting.lead_id,
                type=EventType.MEETING_SCHEDULED,
                occurred_at=meeting.created_at,
                actor_id=actor,
                actor_source=ActorSource.MANUAL,
                params={
                    "meeting_id": meeting.pk,
                    "action": "scheduled",
                    "title": meeting.title,
                    "starts_at": meeting.starts_at.isoformat(),
                    "ends_at": meeting.ends_at.isoformat(),
                    "time_zone": meeting.time_zone,
                    "location": meeting.location,
                    "video_url": meeting.video_url,
                    "sequence": 0,
                },
            )
        )
    for task in tasks:
        events.append(_task_created(task))
    insert_many(LeadEvent, events)
    return len(rows)
