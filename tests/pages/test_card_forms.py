"""The lead card's forms come when opened: the card carries a placeholder that fetches each
(htmx, on a click or a key), the fragment is the form itself, for those who may see the
lead and use the form; without JavaScript, ?open= builds one on the card."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.leads.models import LeadEvent

FORMS = ["edit", "contact", "note", "task"]


def form_url(lead, name):
    return reverse("lead-card-form", args=[lead.pk, name])


def test_the_card_carries_placeholders_not_the_forms(manager_client, lead):
    response = manager_client.get(reverse("lead-detail", args=[lead.pk]))

    assert response.status_code == 200
    for name in FORMS:
        assert f'hx-get="{form_url(lead, name)}"' in response.text
        assert f'id="{name}-form"' not in response.text
    assert 'hx-trigger="card-form-open once"' in response.text
    assert form_url(lead, "assign") not in response.text  # a manager assigns nobody


@pytest.mark.parametrize("name", FORMS)
def test_each_form_comes_alone_when_opened(manager_client, lead, name):
    response = manager_client.get(form_url(lead, name))

    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<form id="{name}-form"')
    assert "<html" not in response.text


def test_the_edit_form_comes_filled_in_with_the_lead(manager_client, lead):
    response = manager_client.get(form_url(lead, "edit"))

    assert 'value="Solaris SRL"' in response.text
    assert 'name="source"' in response.text and 'name="campaign"' in response.text


def test_the_card_reads_no_choices_for_forms_it_does_not_show(manager_client, lead):
    def reads_sources(url):
        with CaptureQueriesContext(connection) as queries:
            manager_client.get(url)
        return any('FROM "leads_source"' in q["sql"] for q in queries.captured_queries)

    assert not reads_sources(reverse("lead-detail", args=[lead.pk]))
    assert reads_sources(form_url(lead, "edit"))


def test_without_javascript_open_builds_that_form_on_the_card(manager_client, lead):
    response = manager_client.get(reverse("lead-detail", args=[lead.pk]) + "?open=note")

    assert '<details class="action" id="action-note" data-shortcut="n" open>' in response.text
    assert 'id="note-form"' in response.text
    assert 'id="task-form"' not in response.text
    assert f'href="{reverse("lead-detail", args=[lead.pk])}?open=task#action-task"' in (
        response.text
    )


def test_a_head_gets_the_assign_form(head_client, manager, lead):
    response = head_client.get(form_url(lead, "assign"))

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="assign-form"')
    assert f'<option value="{manager.pk}" selected>' in response.text


def test_a_manager_is_refused_the_assign_form(manager_client, lead):
    response = manager_client.get(form_url(lead, "assign"))

    assert response.status_code == 403
    assert 'id="assign-form"' not in response.text


def test_an_unknown_form_is_404(manager_client, lead):
    assert manager_client.get(form_url(lead, "stage")).status_code == 404


def test_a_form_needs_a_login(client, lead):
    response = client.get(form_url(lead, "note"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_colleagues_lead_has_no_forms(manager_client, colleague_lead):
    response = manager_client.get(form_url(colleague_lead, "edit"))

    assert response.status_code == 404
    assert "Solaris" not in response.text


def test_a_marketer_gets_no_form(marketer_client, lead):
    assert marketer_client.get(form_url(lead, "note")).status_code == 403


def test_fetching_a_form_writes_nothing(manager_client, lead):
    before = LeadEvent.objects.count()

    manager_client.get(form_url(lead, "edit"))

    assert LeadEvent.objects.count() == before


def test_a_form_is_only_read(manager_client, lead):
    response = manager_client.post(form_url(lead, "note"), {"text": "x"})

    assert response.status_code == 405
    assert not LeadEvent.objects.filter(lead=lead, type="note_added").exists()
