"""Quarantined and rejected-as-pseudo leads are not sent to sales: the lead list and the API
leave them out unless a reviewer asks for them."""

import pytest
from django.urls import reverse

from galena.accounts.services import api_token_create
from tests.api.helpers import ApiClient
from tests.quality.review_helpers import submitted_lead

STATUSES = ("accepted", "quarantined", "rejected", "unknown")


@pytest.fixture
def api_as(db):
    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


@pytest.fixture
def leads(team):
    return {
        status: submitted_lead(team=team, status=status, display_name=f"Lead {status}")
        for status in ("accepted", "quarantined", "rejected")
    }


@pytest.fixture
def unchecked(team):
    return submitted_lead(
        team=team, status="unknown", outcome="created", display_name="Lead unknown"
    )


def names(response) -> set[str]:
    return {f"Lead {status}" for status in STATUSES if f"Lead {status}" in response.text}


def test_the_list_shows_only_leads_sent_to_sales_by_default(client, head, leads, unchecked):
    client.force_login(head)

    assert names(client.get(reverse("lead-list"))) == {"Lead accepted", "Lead unknown"}


@pytest.mark.parametrize(
    ("quality", "expected"),
    [
        ("quarantined", {"Lead quarantined"}),
        ("rejected", {"Lead rejected"}),
        ("all", {"Lead accepted", "Lead quarantined", "Lead rejected", "Lead unknown"}),
        ("accepted", {"Lead accepted", "Lead unknown"}),
    ],
)
def test_reviewers_filter_by_quality(client, head, leads, unchecked, quality, expected):
    client.force_login(head)

    response = client.get(reverse("lead-list"), {"quality": quality})

    assert names(response) == expected


def test_managers_have_no_quality_filter_and_never_see_held_leads(client, manager, leads):
    client.force_login(manager)

    response = client.get(reverse("lead-list"), {"quality": "all"})

    assert 'name="quality"' not in response.text
    assert names(response) == {"Lead accepted"}


def test_reviewers_see_the_quality_filter(client, head, leads):
    client.force_login(head)

    assert 'name="quality"' in client.get(reverse("lead-list")).text


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_the_api_list_leaves_held_leads_out_by_default(api_as, head, leads):
    response = api_as(head).get("/api/v1/leads")

    assert ids(response) == [leads["accepted"].pk]


def test_reviewers_ask_the_api_for_quarantined_leads(api_as, head, leads):
    response = api_as(head).get("/api/v1/leads", {"quality": "quarantined"})

    assert ids(response) == [leads["quarantined"].pk]


def test_the_api_refuses_held_leads_to_managers(api_as, manager, leads):
    response = api_as(manager).get("/api/v1/leads", {"quality": "rejected"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_the_api_refuses_an_unknown_quality(api_as, head, leads):
    response = api_as(head).get("/api/v1/leads", {"quality": "maybe"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "quality"
