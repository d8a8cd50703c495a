"""The list's bulk actions offer their fields when a row is first ticked: the page carries
the actions and a placeholder (htmx fetches the fields), the fragment is the fields for
who may use the list; without JavaScript ?bulk=fields puts them on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.leads.models import Lead, StageKind
from tests.pages.conftest import create_lead

FIELDS_URL = reverse("lead-bulk-fields")


@pytest.fixture
def leads(manager, colleague):
    return [create_lead(manager), create_lead(colleague, first_name="Pekka", phone="+358401")]


def test_the_list_offers_the_actions_and_a_placeholder_not_the_fields(head_client, leads):
    response = head_client.get(reverse("lead-list"))

    assert response.status_code == 200
    assert 'id="bulk-action"' in response.text
    for value in ("assign", "stage", "task", "export_csv", "export_xlsx"):
        assert f'<option value="{value}">' in response.text
    assert f'hx-get="{FIELDS_URL}" hx-trigger="bulk-open once"' in response.text
    for field in ("bulk-owner", "bulk-stage", "bulk-rejection_reason", "bulk-task_title"):
        assert f'id="{field}"' not in response.text


def test_the_list_reads_no_choices_for_the_bulk_fields(head_client, leads):
    with CaptureQueriesContext(connection) as queries:
        head_client.get(reverse("lead-list"))

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "leads_rejectionreason"' not in sql


def test_the_fields_come_alone_for_a_head(head_client, head, manager, colleague, leads):
    response = head_client.get(FIELDS_URL)

    assert response.status_code == 200
    assert '<span class="bulk-action-fields" id="bulk-action-fields">' in response.text
    assert "<html" not in response.text
    assert 'id="bulk-owner"' in response.text
    assert f'<option value="{manager.pk}">' in response.text
    assert f'<option value="{colleague.pk}">' in response.text
    for field in ("bulk-stage", "bulk-rejection_reason", "bulk-recontact_day", "bulk-note"):
        assert f'id="{field}"' in response.text
    assert 'name="task_due"' in response.text and 'name="task_kind"' in response.text
    assert f'data-kind="{StageKind.WON}"' not in response.text  # converting is one by one


def test_a_manager_s_fields_have_no_new_owner(manager_client, leads):
    response = manager_client.get(FIELDS_URL)

    assert response.status_code == 200
    assert 'name="owner"' not in response.text
    assert 'id="bulk-stage"' in response.text


def test_the_fields_need_a_login(client):
    response = client.get(FIELDS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_marketer_gets_no_bulk_fields(marketer_client):
    assert marketer_client.get(FIELDS_URL).status_code == 403


def test_the_fields_are_only_read(head_client):
    assert head_client.post(FIELDS_URL).status_code == 405


def test_without_javascript_bulk_fields_puts_them_on_the_page(head_client, leads):
    listing = head_client.get(reverse("lead-list") + "?q=Pekka")
    assert 'href="?q=Pekka&amp;bulk=fields#bulk-form"' in listing.text

    response = head_client.get(reverse("lead-list") + "?q=Pekka&bulk=fields")

    assert 'id="bulk-owner"' in response.text and 'id="bulk-stage"' in response.text
    assert f'hx-get="{FIELDS_URL}"' not in response.text
    # the filter the actions apply to, and a filter saved from here, leave it out
    assert response.context["query"] == "q=Pekka"


def test_the_fields_from_the_page_still_act(head_client, head, colleague, leads):
    lead = leads[0]

    response = head_client.post(
        reverse("lead-bulk"),
        {"action": "assign", "ids": [lead.pk], "owner": colleague.pk, "note": "Holiday"},
    )

    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).owner == colleague
