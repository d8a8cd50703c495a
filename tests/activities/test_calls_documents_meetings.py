"""Calls with duration and call-backs, documents sent as offers, meetings with .ics."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from galena.activities import ics
from galena.activities.models import DocumentKind, EmailStatus, Meeting, MeetingStatus
from galena.activities.services import (
    call_log,
    document_upload,
    meeting_cancel,
    meeting_invitation,
    meeting_reschedule,
    meeting_schedule,
    offer_send,
)
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import EventType, LeadEvent, Task, TaskKind
from galena.leads.services import task_create
from tests.activities.helpers import create_lead, manual

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lead(manager):
    manager.first_name, manager.last_name, manager.email = "Mara", "Pop", "mara@galena.example"
    manager.save()
    return create_lead(actor=manual(manager), company_name="Solaris")


# --- calls -------------------------------------------------------------------------------


def test_call_back_later_plans_a_call_task_at_the_chosen_time(manager, lead):
    at = timezone.now() + dt.timedelta(days=1)

    logged = call_log(
        actor=manual(manager),
        lead=lead,
        outcome="call_back",
        note="Busy, call tomorrow",
        duration_seconds=45,
        callback_at=at,
    )

    assert logged.event.params["duration_seconds"] == 45
    assert logged.event.params["callback_at"] == at.isoformat()
    task = logged.callback_task
    assert (task.kind, task.due_at, task.assignee, task.done_at) == ("call", at, manager, None)


def test_call_back_needs_a_time(manager, lead):
    with pytest.raises(ValidationFailed) as refused:
        call_log(actor=manual(manager), lead=lead, outcome="call_back")

    assert refused.value.field == "callback_at"
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.CALL).exists()


def test_logging_a_planned_call_completes_its_task(manager, lead):
    task = task_create(actor=manual(manager), lead=lead, kind=TaskKind.CALL, title="First call")

    logged = call_log(
        actor=manual(manager), lead=lead, outcome="reached", note="Interested", task=task
    )

    task.refresh_from_db()
    assert task.done_at is not None
    assert task.outcome == "Reached: Interested"
    assert logged.event.params["task_id"] == task.pk
    assert logged.callback_task is None


def test_a_task_of_another_lead_is_refused_and_nothing_is_written(manager, lead):
    other = create_lead(actor=manual(manager), first_name="Ion", email="ion@x.example", phone="")
    task = task_create(actor=manual(manager), lead=other, kind=TaskKind.CALL)

    with pytest.raises(ValidationFailed):
        call_log(actor=manual(manager), lead=lead, outcome="reached", task=task)

    assert not LeadEvent.objects.filter(lead=lead, type=EventType.CALL).exists()


# --- documents -----------------------------------------------------------------------------


def upload(name="offer.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_upload_stores_the_file_with_its_size_and_type(manager, lead):
    document = document_upload(
        actor=manual(manager), title="Offer 42", kind=DocumentKind.OFFER, file=upload(), lead=lead
    )

    assert (document.size, document.content_type, document.original_name) == (
        len(PDF),
        "application/pdf",
        "offer.pdf",
    )
    assert document.file.read() == PDF
    assert document.uploaded_by == manager and document.lead == lead


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("virus.exe", b"MZ...", "not a document"),
        ("offer.pdf", b"MZ not a pdf", "not really a PDF"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_upload_refuses_what_is_not_a_document(manager, lead, name, content, says):
    with pytest.raises(ValidationFailed) as refused:
        document_upload(
            actor=manual(manager), title="", kind="offer", file=upload(name, content), lead=lead
        )

    assert says in refused.value.message


def test_upload_refuses_a_file_over_the_limit(manager, lead, settings):
    settings.ACTIVITIES_DOCUMENT_MAX_BYTES = 10

    with pytest.raises(ValidationFailed) as refused:
        document_upload(actor=manual(manager), title="Big", kind="offer", file=upload(), lead=lead)

    assert "the limit is" in refused.value.message


def test_only_heads_of_sales_and_admins_add_documents_for_everyone(manager, head):
    with pytest.raises(PermissionDenied):
        document_upload(actor=manual(manager), title="Prices", kind="price_list", file=upload())

    shared = document_upload(actor=manual(head), title="Prices", kind="price_list", file=upload())
    assert shared.lead is None


def test_offer_sent_attaches_the_documents_and_names_them(manager, head, lead):
    offer = document_upload(
        actor=manual(manager), title="Offer 42", kind="offer", file=upload(), lead=lead
    )
    prices = document_upload(
        actor=manual(head), title="Prices 2026", kind="price_list", file=upload("prices.pdf")
    )

    sent = offer_send(
        actor=manual(manager),
        lead=lead,
        documents=[offer, prices],
        subject="Our offer",
        body="Attached, {{ first_name }}.",
    )

    assert sent.status == EmailStatus.SENT
    (message,) = mail.outbox
    assert [(name, content) for name, content, _type in message.attachments] == [
        ("offer.pdf", PDF),
        ("prices.pdf", PDF),
    ]
    (event,) = LeadEvent.objects.filter(lead=lead, type=EventType.OFFER_SENT)
    assert [d["title"] for d in event.params["documents"]] == ["Offer 42", "Prices 2026"]


def test_another_lead_s_offer_cannot_be_sent(manager, lead):
    other = create_lead(actor=manual(manager), first_name="Ion", email="ion@x.example", phone="")
    theirs = document_upload(
        actor=manual(manager), title="Ion's offer", kind="offer", file=upload(), lead=other
    )

    with pytest.raises(PermissionDenied):
        offer_send(actor=manual(manager), lead=lead, documents=[theirs], subject="x", body="y")

    assert mail.outbox == []


# --- meetings ---------------------------------------------------------------------------


def schedule(manager, lead, **kwargs):
    starts = dt.datetime(2030, 5, 14, 10, 0, tzinfo=dt.UTC)
    values = {
        "title": "Demo, with; specials",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "time_zone": "Europe/Bucharest",
        "location": "Office, Str. Lunga 5",
        "video_url": "https://meet.example/abc",
        "attendees": ["colleague@galena.example"],
        **kwargs,
    }
    return meeting_schedule(actor=manual(manager), lead=lead, **values)


def text_of(content):
    return content.decode() if isinstance(content, bytes) else content


def parsed(text):
    return {name: (params, value) for name, params, value in ics.properties(text)}


def test_scheduling_creates_the_task_the_event_and_sends_the_invitation(manager, lead):
    result = schedule(manager, lead)

    meeting = result.meeting
    task = Task.objects.get(pk=meeting.task_id)
    assert (task.kind, task.due_at, task.assignee) == ("meeting", meeting.starts_at, manager)
    (event,) = LeadEvent.objects.filter(lead=lead, type=EventType.MEETING_SCHEDULED)
    assert event.params["action"] == "scheduled" and event.params["meeting_id"] == meeting.pk
    assert result.invitation.status == EmailStatus.SENT
    (message,) = mail.outbox
    assert message.to == ["ana@solaris.example"]
    assert message.cc == ["colleague@galena.example"]  # the other attendee is invited too
    ((name, content, mimetype),) = message.attachments
    assert name == "invite.ics" and mimetype.startswith("text/calendar; method=REQUEST")
    properties = parsed(text_of(content))
    assert properties["METHOD"][1] == "REQUEST"
    assert properties["UID"][1] == meeting.uid
    assert properties["SEQUENCE"][1] == "0"
    assert properties["DTSTART"][1] == "20300514T100000Z"
    assert properties["DTEND"][1] == "20300514T110000Z"
    assert ics.unescape_text(properties["SUMMARY"][1]) == "Demo, with; specials"
    assert properties["SUMMARY"][1] == "Demo\\, with\\; specials"
    assert properties["ORGANIZER"] == ({"CN": "Mara Pop"}, "mailto:mara@galena.example")
    assert "DTSTAMP" in properties


def test_every_line_of_the_invitation_is_folded_at_75_octets(manager, lead):
    meeting = schedule(manager, lead, description="Ünïcödé agenda " * 40).meeting

    text = meeting_invitation(meeting)

    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    description = next(v for n, _p, v in ics.properties(text) if n == "DESCRIPTION")
    assert ics.unescape_text(description).startswith("Ünïcödé agenda Ünïcödé")
    attendees = [v for n, _p, v in ics.properties(text) if n == "ATTENDEE"]
    assert attendees == ["mailto:ana@solaris.example", "mailto:colleague@galena.example"]


def test_rescheduling_moves_the_task_and_sends_an_update(manager, lead):
    meeting = schedule(manager, lead).meeting
    later = meeting.starts_at + dt.timedelta(days=1)

    result = meeting_reschedule(
        actor=manual(manager),
        meeting=meeting,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=2),
    )

    assert result.meeting.sequence == 1
    assert Task.objects.get(pk=meeting.task_id).due_at == later
    properties = parsed(text_of(mail.outbox[-1].attachments[0][1]))
    assert properties["SEQUENCE"][1] == "1"
    assert properties["UID"][1] == meeting.uid
    assert properties["DTSTART"][1] == "20300515T100000Z"


def test_cancelling_closes_the_task_and_sends_a_cancel(manager, lead):
    meeting = schedule(manager, lead).meeting

    meeting_cancel(actor=manual(manager), meeting=meeting, reason="Client ill")

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.sequence == 1
    assert Task.objects.get(pk=meeting.task_id).done_at is not None
    properties = parsed(text_of(mail.outbox[-1].attachments[0][1]))
    assert properties["METHOD"][1] == "CANCEL" and properties["STATUS"][1] == "CANCELLED"
    with pytest.raises(ValidationFailed):
        meeting_cancel(actor=manual(manager), meeting=meeting)


def test_a_meeting_must_end_after_it_starts(manager, lead):
    starts = timezone.now() + dt.timedelta(days=1)

    with pytest.raises(ValidationFailed) as refused:
        schedule(manager, lead, starts_at=starts, ends_at=starts)

    assert refused.value.field == "ends_at"
    assert Meeting.objects.count() == 0 and mail.outbox == []


def test_an_unknown_time_zone_is_refused(manager, lead):
    with pytest.raises(ValidationFailed) as refused:
        schedule(manager, lead, time_zone="Mars/Olympus")

    assert refused.value.field == "time_zone"
