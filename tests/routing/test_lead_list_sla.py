"""The lead list's SLA column and its "due first" sort, on the page and in the API."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.leads.selectors import LeadFilters, lead_list
from tests.api.helpers import ApiClient
from tests.factories import LeadFactory

LIST = reverse("lead-list")
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def leads(manager, team):
    """Unanswered: one 12 minutes overdue, one due in 10 minutes, one due in an hour, one
    without a deadline; answered: one in time an hour ago, one late two hours ago."""
    now = timezone.now()

    def lead(name, **fields):
        return LeadFactory(display_name=name, owner=manager, team=team, **fields)

    return {
        "later": lead("Due later", response_due_at=now + 60 * MINUTE),
        "overdue": lead("Overdue", response_due_at=now - 12 * MINUTE - 30 * SECOND),
        "none": lead("No deadline"),
        "soon": lead("Due soon", response_due_at=now + 10 * MINUTE + 30 * SECOND),
        "met": lead(
            "Met",
            response_due_at=now - 50 * MINUTE,
            first_response_at=now - 60 * MINUTE,
        ),
        "late": lead(
            "Late",
            response_due_at=now - 150 * MINUTE,
            first_response_at=now - 120 * MINUTE,
        ),
    }


def names(response) -> list[str]:
    return [lead.display_name for lead in response.context["leads"]]


def row_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a>")
    return page[start : page.index("</tr>", start)]


def test_the_list_has_an_sla_column_with_the_state_and_time(client, manager, leads):
    client.force_login(manager)

    page = client.get(LIST).text

    assert ">SLA<" in page
    assert "due" in row_of(page, "Due soon") and "in 10\xa0minutes" in row_of(page, "Due soon")
    overdue = row_of(page, "Overdue")
    assert "breached" in overdue and "12\xa0minutes overdue" in overdue
    assert "badge-ok" in row_of(page, "Met") and "overdue" not in row_of(page, "Met")
    assert "breached" in row_of(page, "Late")
    assert 'data-label="SLA" class="cell-sla"><span class="muted">—' in row_of(page, "No deadline")


def test_due_first_puts_what_must_be_answered_first_on_top(client, manager, leads):
    client.force_login(manager)

    due_first = client.get(LIST, {"sort": "due"})
    reversed_ = client.get(LIST, {"sort": "-due"})

    expected = ["Overdue", "Due soon", "Due later", "No deadline", "Met", "Late"]
    assert names(due_first) == expected
    assert names(reversed_) == expected[::-1]


def test_the_sla_heading_sorts_due_first(client, manager, leads):
    client.force_login(manager)

    columns = client.get(LIST).context["columns"]

    sla = next(column for column in columns if column["heading"] == "SLA")
    assert sla["next_sort"] == "due"


def test_the_selector_sorts_the_same_on_every_database(manager, leads):
    found = lead_list(user=manager, filters=LeadFilters(sort="due"))

    assert [lead.display_name for lead in found][:4] == [
        "Overdue",
        "Due soon",
        "Due later",
        "No deadline",
    ]


def test_the_sla_column_costs_no_query(client, head, team, manager, django_assert_num_queries):
    def add_leads(count, **fields):
        for _ in range(count):
            LeadFactory(owner=manager, team=team, **fields)

    client.force_login(head)
    add_leads(2)
    with CaptureQueriesContext(connection) as without_deadlines:
        client.get(LIST)
    now = timezone.now()
    add_leads(10, response_due_at=now + 5 * MINUTE)
    add_leads(10, response_due_at=now - 5 * MINUTE, first_response_at=now - 9 * MINUTE)

    with django_assert_num_queries(len(without_deadlines.captured_queries)):
        response = client.get(LIST, {"sort": "due"})
    assert len(response.context["leads"]) == 22


def test_the_api_gives_the_deadline_and_its_state(admin_user, leads):
    _, key = api_token_create(user=admin_user, name="tests")

    body = ApiClient(key).get("/api/v1/leads?sort=due&limit=6").json()

    assert [(item["display_name"], item["sla_status"]) for item in body["items"]] == [
        ("Overdue", "breached"),
        ("Due soon", "due"),
        ("Due later", "due"),
        ("No deadline", None),
        ("Met", "met"),
        ("Late", "breached"),
    ]
    first = body["items"][0]
    assert first["response_due_at"] is not None and first["first_response_at"] is None


def test_the_api_detail_gives_the_deadline_and_its_state(admin_user, leads):
    _, key = api_token_create(user=admin_user, name="tests")

    body = ApiClient(key).get(f"/api/v1/leads/{leads['met'].pk}").json()

    assert body["sla_status"] == "met"
    assert body["response_due_at"] is not None and body["first_response_at"] is not None
