"""The composer's forms come when opened: the card carries a placeholder for each, the
fragment is the form (with a refused draft's values), for those who may see the lead."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.activities.models import SentEmail
from galena.leads.models import TaskKind
from galena.leads.services import task_create
from tests.activities.helpers import create_lead, manual

pytestmark = pytest.mark.django_db

FORMS = {
    "call": "activity-call-log",
    "email": "activity-email-send",
    "meeting": "activity-meeting-schedule",
}


@pytest.fixture
def lead(manager):
    return create_lead(actor=manual(manager), company_name="Solaris", interest="Solar panels")


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def form_url(lead, name):
    return reverse("activity-composer-form", args=[lead.pk, name])


def test_the_card_carries_placeholders_not_the_composer_forms(signed_in, lead):
    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get(reverse("lead-detail", args=[lead.pk])).text

    for name, action in FORMS.items():
        assert f'hx-get="{form_url(lead, name)}"' in html
        assert reverse(action, args=[lead.pk]) not in html
    assert not any('FROM "activities_emailtemplate"' in q["sql"] for q in queries)


@pytest.mark.parametrize(("name", "action"), FORMS.items())
def test_each_composer_form_comes_when_opened(signed_in, lead, name, action):
    response = signed_in.get(form_url(lead, name))

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert f'action="{reverse(action, args=[lead.pk])}"' in response.text
    assert "<html" not in response.text


def test_the_call_form_offers_the_planned_calls(signed_in, manager, lead):
    task_create(actor=manual(manager), lead=lead, kind=TaskKind.CALL, title="Call at noon")

    response = signed_in.get(form_url(lead, "call"))

    assert "Call at noon" in response.text


def test_the_offer_without_documents_says_how_to_add_one(signed_in, lead):
    response = signed_in.get(form_url(lead, "offer"))

    assert response.status_code == 200
    assert "No documents yet" in response.text


def test_a_refused_draft_comes_back_in_the_fetched_form(signed_in, lead):
    signed_in.post(
        reverse("activity-email-send", args=[lead.pk]),
        {"email-subject": "Offer", "email-body": "Dear {{ nonsense }}, my long text"},
    )

    response = signed_in.get(form_url(lead, "email"))

    assert "Dear {{ nonsense }}, my long text" in response.text
    assert SentEmail.objects.count() == 0


def test_without_javascript_open_builds_that_form_on_the_card(signed_in, lead):
    html = signed_in.get(reverse("lead-detail", args=[lead.pk]) + "?open=meeting").text

    assert '<details class="action" id="activity-meeting" data-shortcut="g" open>' in html
    assert reverse("activity-meeting-schedule", args=[lead.pk]) in html
    assert reverse("activity-call-log", args=[lead.pk]) not in html


def test_an_unknown_form_is_404(signed_in, lead):
    assert signed_in.get(form_url(lead, "upload")).status_code == 404


def test_a_form_needs_a_login(client, lead):
    response = client.get(form_url(lead, "email"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_someone_elses_lead_has_no_composer(client, colleague, lead):
    client.force_login(colleague)

    response = client.get(form_url(lead, "email"))

    assert response.status_code == 404
    assert "Solaris" not in response.text


def test_a_marketer_gets_no_composer(client, marketer, lead):
    client.force_login(marketer)

    assert client.get(form_url(lead, "call")).status_code == 403
