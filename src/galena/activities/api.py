"""Activities's part of the JSON API: e-mail templates, e-mails and meetings of a lead, and
the signed-in person's day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from galena.activities import selectors, services
from galena.activities.merge import MERGE_FIELDS
from galena.activities.models import Document, EmailTemplate, SentEmail
from galena.core.api import ErrorOut
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import ActorSource, CallOutcome, Task
from galena.leads.services import Actor

router = Router(tags=["activities"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=_user(request), source=ActorSource.API)


class Out(Schema):
    model_config = ConfigDict(use_enum_values=True)


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class MergeFieldOut(Out):
    name: str
    description: str


class EmailTemplateOut(Out):
    id: int
    name: str
    label: str = Field(description="The name in the request's language")
    purpose: str
    language: str
    subject: str
    body: str


class EmailTemplatesOut(Out):
    items: list[EmailTemplateOut]
    merge_fields: list[MergeFieldOut]


class AttachmentOut(Out):
    name: str
    content_type: str
    size: int
    document_id: int | None = None


class SentEmailOut(Out):
    id: int
    lead_id: int
    to: str
    subject: str
    body_text: str
    kind: str
    status: str = Field(description="sent, failed (see error; POST …/retry), or sending")
    error: str
    attempts: int
    message_id: str
    template_id: int | None
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    sent_at: dt.datetime | None


class EmailIn(In):
    template_id: int | None = Field(
        None, description="Take subject and body from this template when they are not given."
    )
    subject: str | None = Field(None, max_length=255)
    body: str | None = Field(None, max_length=50_000)
    to: str | None = Field(None, description="One of the lead's e-mails; the primary by default.")
    document_ids: list[int] = Field(
        default_factory=list, description="Documents to attach: an offer_sent event names them."
    )


class MeetingIn(In):
    title: str = Field(max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str = Field(
        "", description="IANA name, e.g. Europe/Bucharest; the site's by default"
    )
    location: str = ""
    video_url: str = ""
    description: str = ""
    attendees: list[str] = Field(default_factory=list, description="Other people to invite")
    send_invitation: bool = True


class MeetingOut(Out):
    id: int
    lead_id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    location: str
    video_url: str
    attendees: list[str]
    uid: str
    sequence: int
    status: str
    task_id: int | None
    invitation: SentEmailOut | None = None


class CallIn(In):
    outcome: CallOutcome
    note: str = Field("", max_length=2000)
    duration_seconds: int | None = Field(None, ge=0, le=8 * 3600)
    callback_at: dt.datetime | None = Field(
        None, description="Required for call_back: a call task is planned then."
    )
    task_id: int | None = Field(None, description="The planned call task this call completes.")


class CallOut(Out):
    event_id: int
    occurred_at: dt.datetime
    outcome: str
    callback_task_id: int | None
    completed_task_id: int | None


class LeadRef(Out):
    id: int
    display_name: str


class DayTaskOut(Out):
    id: int
    kind: str
    title: str
    due_at: dt.datetime | None
    lead: LeadRef


class DayMeetingOut(Out):
    id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    video_url: str
    lead: LeadRef


class DayLeadOut(Out):
    id: int
    display_name: str
    temperature: str
    response_due_at: dt.datetime | None


class DayReplyOut(Out):
    event_id: int
    occurred_at: dt.datetime
    subject: str
    lead: LeadRef


class DayOut(Out):
    user_id: int
    start: dt.datetime
    end: dt.datetime
    overdue: list[DayTaskOut]
    calls: list[DayTaskOut]
    today: list[DayTaskOut]
    meetings: list[DayMeetingOut]
    waiting: list[DayLeadOut]
    replies: list[DayReplyOut]
    failed_email_ids: list[int]


@router.get(
    "/email-templates",
    response={200: EmailTemplatesOut, 401: ErrorOut},
    summary="E-mail templates and their merge fields",
)
def list_email_templates(request: HttpRequest, language: str = ""):
    """Active templates (in ``language`` or for any language first), and the merge fields a
    subject or body may use."""
    templates = EmailTemplate.objects.filter(is_active=True).order_by("order", "name", "id")
    if language:
        templates = templates.filter(language__in=["", language.split("-")[0].lower()])
    return {
        "items": list(templates),
        "merge_fields": [
            {"name": name, "description": str(text)} for name, text in MERGE_FIELDS.items()
        ],
    }


def _documents(ids: list[int]) -> list[Document]:
    found = {d.pk: d for d in Document.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({"document_ids": f"No document with id {missing[0]}."})
    return [found[i] for i in ids]


@router.post(
    "/leads/{lead_id}/emails",
    response={201: SentEmailOut, **WRITE_ERRORS},
    summary="E-mail a lead",
)
def send_email(request: HttpRequest, lead_id: int, payload: EmailIn):
    """Send the lead an e-mail (with documents: an offer). Subject and body may hold merge
    fields. The answer is 201 whether the mail server took it or not: ``status`` says
    ``sent`` or ``failed`` (with ``error``; POST /emails/{id}/retry sends it again)."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    template = None
    if payload.template_id is not None:
        template = EmailTemplate.objects.filter(pk=payload.template_id, is_active=True).first()
        if template is None:
            raise ValidationFailed(
                {"template_id": "No active template with this id: GET /email-templates."}
            )
    subject = payload.subject if payload.subject is not None else getattr(template, "subject", "")
    body = payload.body if payload.body is not None else getattr(template, "body", "")
    arguments = {
        "actor": _actor(request),
        "lead": lead,
        "template": template,
        "subject": subject,
        "body": body,
        "to": payload.to,
    }
    if payload.document_ids:
        sent = services.offer_send(documents=_documents(payload.document_ids), **arguments)
    else:
        sent = services.email_send(**arguments)
    return Status(201, sent)


@router.get(
    "/leads/{lead_id}/emails",
    response={200: list[SentEmailOut], **READ_ERRORS},
    summary="E-mails sent to a lead",
)
def list_emails(request: HttpRequest, lead_id: int):
    """The e-mails sent (or tried) to the lead, newest first (the last 100)."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    return selectors.lead_sent_emails(lead=lead, limit=100)


@router.post(
    "/emails/{email_id}/retry",
    response={200: SentEmailOut, **WRITE_ERRORS},
    summary="Send a failed e-mail again",
)
def retry_email(request: HttpRequest, email_id: int):
    """Send again an e-mail whose sending failed: same message, same Message-ID."""
    sent = SentEmail.objects.filter(pk=email_id).first()
    if sent is None:
        raise NotFound("No e-mail with this id.")
    access.lead_get_for(user=_user(request), lead_id=sent.lead_id)
    return services.email_retry(actor=_actor(request), sent_email=sent)


@router.post(
    "/leads/{lead_id}/calls",
    response={201: CallOut, **WRITE_ERRORS},
    summary="Log a call",
)
def log_call(request: HttpRequest, lead_id: int, payload: CallIn):
    """Record a call with its outcome (confirmed verifies the lead, wrong_number marks the
    phone invalid), its length and note; call_back plans a call task at ``callback_at``;
    ``task_id`` completes the planned call it was."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    task = None
    if payload.task_id is not None:
        task = Task.objects.filter(pk=payload.task_id, lead=lead).first()
        if task is None:
            raise ValidationFailed({"task_id": "No task with this id on this lead."})
    logged = services.call_log(
        actor=_actor(request),
        lead=lead,
        outcome=payload.outcome,
        note=payload.note,
        duration_seconds=payload.duration_seconds,
        callback_at=payload.callback_at,
        task=task,
    )
    return Status(
        201,
        {
            "event_id": logged.event.pk,
            "occurred_at": logged.event.occurred_at,
            "outcome": payload.outcome,
            "callback_task_id": logged.callback_task.pk if logged.callback_task else None,
            "completed_task_id": logged.completed_task.pk if logged.completed_task else None,
        },
    )


@router.post(
    "/leads/{lead_id}/meetings",
    response={201: MeetingOut, **WRITE_ERRORS},
    summary="Schedule a meeting with a lead",
)
def schedule_meeting(request: HttpRequest, lead_id: int, payload: MeetingIn):
    """A meeting task for the organiser (the caller), a meeting_scheduled event and, unless
    ``send_invitation`` is false, an .ics invitation e-mailed to the lead (``invitation``
    tells whether it went)."""
    lead = access.lead_get_for(user=_user(request), lead_id=lead_id)
    result = services.meeting_schedule(actor=_actor(request), lead=lead, **payload.model_dump())
    meeting = result.meeting
    meeting.invitation = result.invitation
    return Status(201, meeting)


def _ref(lead) -> dict[str, Any]:
    return {"id": lead.pk, "display_name": lead.display_name}


@router.get("/me/day", response={200: DayOut, **READ_ERRORS}, summary="My day")
def my_day(request: HttpRequest, user_id: int | None = None):
    """The caller's day (a head of sales or admin may ask for a team member's with
    ``user_id``): overdue tasks, calls and other tasks due today, meetings today, leads
    waiting for a first answer, replies of the last three days, failed e-mails."""
    user = _user(request)
    access.require_lead_access(user)
    if user_id is not None and user_id != user.pk:
        if not access.can_assign(user):
            raise PermissionDenied("Only a head of sales or an admin sees another person's day.")
        user = access.assignable_owners(user).filter(pk=user_id).first()
        if user is None:
            raise NotFound("Nobody by this id in your team.")
    day = selectors.my_day(user=user)

    def tasks(items):
        return [
            {"id": t.pk, "kind": t.kind, "title": t.title, "due_at": t.due_at, "lead": _ref(t.lead)}
            for t in items
        ]

    return {
        "user_id": user.pk,
        "start": day.start,
        "end": day.end,
        "overdue": tasks(day.overdue),
        "calls": tasks(day.calls),
        "today": tasks(day.today),
        "meetings": [
            {
                "id": m.pk,
                "title": m.title,
                "starts_at": m.starts_at,
                "ends_at": m.ends_at,
                "location": m.location,
                "video_url": m.video_url,
                "lead": _ref(m.lead),
            }
            for m in day.meetings
        ],
        "waiting": list(day.waiting),
        "replies": [
            {
                "event_id": e.pk,
                "occurred_at": e.occurred_at,
                "subject": (e.params or {}).get("subject") or "",
                "lead": _ref(e.lead),
            }
            for e in day.replies
        ],
        "failed_email_ids": [s.pk for s in day.failed_emails],
    }
