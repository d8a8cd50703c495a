"""The activities API: templates, e-mails, meetings and My day."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.activities.models import EmailTemplate, Meeting, SentEmail
from galena.leads.models import Task, TaskKind
from galena.leads.services import task_create
from tests.activities.helpers import create_lead, manual
from tests.api.helpers import ApiClient

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


@pytest.fixture
def lead(manager):
    return create_lead(actor=manual(manager), company_name="Solaris", interest="Solar panels")


def test_templates_list_with_their_merge_fields(manager):
    response = api(manager).get("/api/v1/email-templates?language=en")

    assert response.status_code == 200
    body = response.json()
    assert "First contact after an inquiry" in [t["name"] for t in body["items"]]
    assert {"name": "first_name", "description": "The lead's first name"} in body["merge_fields"]


def test_templates_need_authentication(db):
    assert ApiClient().get("/api/v1/email-templates").status_code == 401


def test_an_e_mail_from_a_template(manager, lead):
    template = EmailTemplate.objects.get(name="Commercial offer")

    response = api(manager).post(f"/api/v1/leads/{lead.pk}/emails", {"template_id": template.pk})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "sent" and body["subject"] == "Our offer for Solaris"
    assert body["template_id"] == template.pk
    assert mail.outbox[0].to == ["ana@solaris.example"]


def test_a_refused_e_mail_says_why_and_writes_nothing(manager, lead):
    response = api(manager).post(
        f"/api/v1/leads/{lead.pk}/emails", {"subject": "Hi", "body": "{% debug %}"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"
    assert SentEmail.objects.count() == 0


def test_another_manager_s_lead_is_404(colleague, lead):
    response = api(colleague).post(
        f"/api/v1/leads/{lead.pk}/emails", {"subject": "Hi", "body": "x"}
    )

    assert response.status_code == 404
    assert mail.outbox == []


def test_a_failed_send_is_201_with_its_error_and_retryable(manager, lead, settings):
    settings.EMAIL_BACKEND = "tests.activities.helpers.RefusingBackend"
    client = api(manager)

    body = client.post(f"/api/v1/leads/{lead.pk}/emails", {"subject": "Hi", "body": "x"}).json()

    assert body["status"] == "failed" and "Connection refused" in body["error"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = client.post(f"/api/v1/emails/{body['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "sent"


def test_a_meeting_is_scheduled_with_its_invitation(manager, lead):
    starts = timezone.now() + dt.timedelta(days=3)

    response = api(manager).post(
        f"/api/v1/leads/{lead.pk}/meetings",
        {
            "title": "Site visit",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            "time_zone": "Europe/Bucharest",
            "location": "Cluj",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    meeting = Meeting.objects.get()
    assert body["uid"] == meeting.uid and body["task_id"] == meeting.task_id
    assert body["invitation"]["status"] == "sent"
    assert mail.outbox[0].attachments[0][0] == "invite.ics"


def test_my_day(manager, lead):
    task_create(
        actor=manual(manager),
        lead=lead,
        kind=TaskKind.CALL,
        title="Call Ana",
        due_at=timezone.now() - dt.timedelta(minutes=30),
    )

    response = api(manager).get("/api/v1/me/day")

    assert response.status_code == 200
    body = response.json()
    assert [t["title"] for t in body["overdue"]] == ["Call Ana"]
    assert body["overdue"][0]["lead"] == {"id": lead.pk, "display_name": "Ana Marin"}


def test_a_manager_cannot_read_a_colleague_s_day(manager, colleague):
    response = api(colleague).get(f"/api/v1/me/day?user_id={manager.pk}")

    assert response.status_code == 403


def test_a_call_back_logged_through_the_api_plans_the_task(manager, lead):
    at = timezone.now() + dt.timedelta(hours=3)

    response = api(manager).post(
        f"/api/v1/leads/{lead.pk}/calls",
        {"outcome": "call_back", "duration_seconds": 40, "callback_at": at.isoformat()},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == "call_back" and body["completed_task_id"] is None
    task = Task.objects.get(pk=body["callback_task_id"])
    assert (task.kind, task.due_at) == ("call", at)


def test_an_unknown_call_outcome_is_refused(manager, lead):
    response = api(manager).post(f"/api/v1/leads/{lead.pk}/calls", {"outcome": "maybe"})

    assert response.status_code == 400
