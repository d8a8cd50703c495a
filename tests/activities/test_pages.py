"""The card's composer, the downloads and My day, through the pages."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.activities.models import EmailStatus, EmailTemplate, SentEmail
from galena.activities.selectors import day_bounds
from galena.activities.services import document_upload, email_send, meeting_schedule
from galena.leads.models import EventType, LeadEvent, Task, TaskKind
from galena.leads.services import task_create
from tests.activities.helpers import RefusingBackend, create_lead, manual

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
assert RefusingBackend


@pytest.fixture
def lead(manager):
    return create_lead(actor=manual(manager), company_name="Solaris", interest="Solar panels")


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def test_the_card_shows_the_composer_and_the_sent_e_mails(signed_in, manager, lead):
    email_send(actor=manual(manager), lead=lead, subject="Hello there", body="Hi")

    html = signed_in.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    email = signed_in.get(reverse("activity-composer-form", args=[lead.pk, "email"])).text
    meeting = signed_in.get(reverse("activity-composer-form", args=[lead.pk, "meeting"])).text

    assert 'id="activities"' in html
    # each form comes when opened
    assert reverse("activity-composer-form", args=[lead.pk, "email"]) in html
    assert reverse("activity-composer-form", args=[lead.pk, "meeting"]) in html
    assert reverse("activity-email-send", args=[lead.pk]) in email
    assert "First contact after an inquiry" in email  # a seeded template to choose
    assert reverse("activity-meeting-schedule", args=[lead.pk]) in meeting
    assert "Hello there" in html  # under Sent e-mails


def test_sending_from_the_card(signed_in, lead):
    template = EmailTemplate.objects.get(name="First contact after an inquiry")

    response = signed_in.post(
        reverse("activity-email-send", args=[lead.pk]),
        {
            "email-template": template.pk,
            "email-subject": template.subject,
            "email-body": template.body,
        },
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Your inquiry about Solar panels"
    assert SentEmail.objects.get().template == template


def test_a_refused_e_mail_keeps_what_was_typed(signed_in, lead):
    signed_in.post(
        reverse("activity-email-send", args=[lead.pk]),
        {"email-subject": "Offer", "email-body": "Dear {{ nonsense }}, my long text"},
    )

    html = signed_in.get(reverse("lead-detail", args=[lead.pk])).content.decode()

    assert "Unknown merge field" in html
    assert "Dear {{ nonsense }}, my long text" in html
    assert mail.outbox == [] and SentEmail.objects.count() == 0


def test_a_failed_send_is_shown_and_can_be_sent_again(signed_in, lead, settings):
    settings.EMAIL_BACKEND = "tests.activities.helpers.RefusingBackend"
    signed_in.post(
        reverse("activity-email-send", args=[lead.pk]),
        {"email-subject": "Offer", "email-body": "Text"},
    )
    sent = SentEmail.objects.get()
    assert sent.status == EmailStatus.FAILED

    html = signed_in.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert "Connection refused" in html
    assert reverse("activity-email-retry", args=[lead.pk, sent.pk]) in html

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    signed_in.post(reverse("activity-email-retry", args=[lead.pk, sent.pk]))
    sent.refresh_from_db()
    assert sent.status == EmailStatus.SENT and len(mail.outbox) == 1


def test_preview_renders_the_merge_fields(signed_in, lead):
    response = signed_in.post(
        reverse("activity-email-preview", args=[lead.pk]),
        {
            "form": "email",
            "email-subject": "For {{ company }}",
            "email-body": "Hi {{ first_name }}",
        },
    )

    html = response.content.decode()
    assert "For Solaris" in html and "Hi Ana" in html
    assert SentEmail.objects.count() == 0


def test_logging_a_call_back_from_the_card_plans_the_task(signed_in, manager, lead):
    response = signed_in.post(
        reverse("activity-call-log", args=[lead.pk]),
        {
            "call-outcome": "call_back",
            "call-duration_minutes": "2.5",
            "call-callback_at": "2031-01-10T15:30",
            "call-note": "In a meeting",
        },
    )

    assert response.status_code == 302
    call = LeadEvent.objects.get(lead=lead, type=EventType.CALL)
    assert call.params["duration_seconds"] == 150
    task = Task.objects.get(lead=lead, kind=TaskKind.CALL)
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2031-01-10 15:30"


def test_someone_else_s_lead_is_404_and_nothing_is_written(client, colleague, lead):
    client.force_login(colleague)

    response = client.post(
        reverse("activity-email-send", args=[lead.pk]),
        {"email-subject": "x", "email-body": "y"},
    )

    assert response.status_code == 404
    assert SentEmail.objects.count() == 0


def test_a_lead_s_document_downloads_only_for_who_sees_the_lead(client, manager, colleague, lead):
    document = document_upload(
        actor=manual(manager),
        title="Offer",
        kind="offer",
        file=SimpleUploadedFile("offer.pdf", PDF),
        lead=lead,
    )
    url = reverse("document-download", args=[document.pk])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_the_meeting_ics_downloads(signed_in, manager, lead):
    starts = timezone.now() + dt.timedelta(days=2)
    meeting = meeting_schedule(
        actor=manual(manager),
        lead=lead,
        title="Demo",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        send_invitation=False,
    ).meeting

    response = signed_in.get(reverse("meeting-ics", args=[meeting.pk]))

    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:{meeting.uid}" in response.content.decode()


# --- my day ---------------------------------------------------------------------------


def plan_day(manager, leads):
    now = timezone.now()
    for index, lead in enumerate(leads):
        task_create(
            actor=manual(manager),
            lead=lead,
            kind=TaskKind.CALL,
            title=f"Overdue call {index}",
            due_at=now - dt.timedelta(hours=1),
        )
        task_create(
            actor=manual(manager),
            lead=lead,
            kind=TaskKind.OTHER,
            title=f"Later {index}",
            due_at=min(now + dt.timedelta(minutes=5), now.replace(hour=23, minute=59)),
        )
        # a meeting today: in ten minutes, or earlier today when that would be tomorrow
        starts_at = now + dt.timedelta(minutes=10)
        if starts_at >= day_bounds(now)[1]:
            starts_at = now - dt.timedelta(minutes=20)
        meeting_schedule(
            actor=manual(manager),
            lead=lead,
            title=f"Meeting {index}",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=30),
            send_invitation=False,
        )


def test_my_day_shows_what_is_late_and_due(signed_in, manager, lead):
    plan_day(manager, [lead])

    html = signed_in.get(reverse("my-day")).content.decode()

    assert "Overdue call 0" in html
    assert "Meeting 0" in html
    assert reverse("my-day-task-complete", args=[Task.objects.get(title="Later 0").pk]) in html


def test_my_day_reads_the_same_number_of_queries_for_one_lead_or_ten(signed_in, manager):
    plan_day(
        manager, [create_lead(actor=manual(manager), email=f"a{i}@x.example") for i in range(1)]
    )
    with CaptureQueriesContext(connection) as one:
        signed_in.get(reverse("my-day"))
    plan_day(
        manager,
        [create_lead(actor=manual(manager), email=f"b{i}@x.example", phone="") for i in range(9)],
    )
    with CaptureQueriesContext(connection) as ten:
        response = signed_in.get(reverse("my-day"))

    assert response.content.decode().count("Overdue call") == 10
    assert len(ten.captured_queries) == len(one.captured_queries)


def test_completing_a_task_from_my_day_answers_in_place(signed_in, manager, lead):
    task = task_create(actor=manual(manager), lead=lead, kind=TaskKind.OTHER, title="Send brochure")

    response = signed_in.post(
        reverse("my-day-task-complete", args=[task.pk]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "is-done" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_head_of_sales_sees_a_team_member_s_day_and_a_manager_does_not(
    client, head, manager, colleague, lead
):
    plan_day(manager, [lead])
    client.force_login(head)

    html = client.get(reverse("my-day") + f"?user={manager.pk}").content.decode()

    assert "Overdue call 0" in html
    client.force_login(colleague)
    assert client.get(reverse("my-day") + f"?user={manager.pk}").status_code == 403


def test_my_day_is_for_people_working_leads(client, marketer):
    client.force_login(marketer)

    assert client.get(reverse("my-day")).status_code == 403


def test_the_documents_page_lists_shared_documents_and_heads_add_them(client, head, manager):
    client.force_login(head)
    response = client.post(
        reverse("document-library"),
        {
            "document-title": "Price list 2026",
            "document-kind": "price_list",
            "document-file": SimpleUploadedFile("prices.pdf", PDF),
        },
    )
    assert response.status_code == 302

    client.force_login(manager)
    html = client.get(reverse("document-library")).content.decode()
    assert "Price list 2026" in html
    assert 'enctype="multipart/form-data"' not in html  # managers only read
    assert client.post(reverse("document-library"), {}).status_code == 403


def test_moving_a_meeting_from_the_card(signed_in, manager, lead):
    starts = timezone.now() + dt.timedelta(days=2)
    meeting = meeting_schedule(
        actor=manual(manager),
        lead=lead,
        title="Demo",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        time_zone="Europe/Bucharest",
    ).meeting

    signed_in.post(
        reverse("meeting-reschedule", args=[meeting.pk]),
        {
            f"move-{meeting.pk}-starts_at": "2031-03-02T09:00",
            f"move-{meeting.pk}-duration_minutes": "30",
        },
    )

    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert meeting.starts_at == dt.datetime(2031, 3, 2, 7, 0, tzinfo=dt.UTC)  # 09:00 in Bucharest
    assert meeting.duration_minutes == 30
    assert "SEQUENCE:1" in mail.outbox[-1].attachments[0][1]


def test_the_card_shows_a_meeting_in_its_own_time_zone(signed_in, manager, lead):
    starts = dt.datetime(2030, 5, 14, 7, 0, tzinfo=dt.UTC)  # 10:00 in Bucharest (summer)
    meeting_schedule(
        actor=manual(manager),
        lead=lead,
        title="Demo",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        time_zone="Europe/Bucharest",
        send_invitation=False,
    )

    html = signed_in.get(reverse("lead-detail", args=[lead.pk])).content.decode()

    assert '10:00–11:00 <span class="muted">(Europe/Bucharest)</span>' in html  # coming
    assert "Tue 14 May 2030, 10:00</time>–11:00" in html  # the timeline's line


def test_a_manager_sets_the_signature_their_e_mails_carry(signed_in, manager, lead):
    response = signed_in.post(reverse("email-signature"), {"text": "Mara Pop\nHelios Solar"})
    assert response.status_code == 302

    email_send(actor=manual(manager), lead=lead, subject="Hi", body="Hello\n\n{{ signature }}")

    assert mail.outbox[0].body == "Hello\n\nMara Pop\nHelios Solar"
    assert "Mara Pop" in signed_in.get(reverse("email-signature")).content.decode()


def test_the_card_s_activities_cost_the_same_queries_for_one_e_mail_or_many(
    signed_in, manager, head, lead
):
    url = reverse("lead-detail", args=[lead.pk])

    def activity():
        email_send(actor=manual(manager), lead=lead, subject="Hi", body="x")
        starts = timezone.now() + dt.timedelta(days=1)
        meeting_schedule(
            actor=manual(manager),
            lead=lead,
            title="Demo",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            send_invitation=False,
        )
        document_upload(
            actor=manual(head),
            title="Prices",
            kind="price_list",
            file=SimpleUploadedFile("prices.pdf", PDF),
        )

    activity()
    signed_in.get(url)
    with CaptureQueriesContext(connection) as one:
        signed_in.get(url)
    # read before the next request: Django empties the query log when a request starts
    one_count = len(one.captured_queries)
    for _ in range(4):
        activity()
    with CaptureQueriesContext(connection) as five:
        signed_in.get(url)
    mine = [q for q in five.captured_queries if "activities_" in q["sql"]]
    five_count = len(five.captured_queries)
    offer = signed_in.get(reverse("activity-composer-form", args=[lead.pk, "offer"])).text

    assert offer.count("Prices ·") == 5  # five price lists to tick, when the offer opens
    assert len(mine) == 3  # documents, sent e-mails, meetings (the forms come when opened)
    assert five_count == one_count
