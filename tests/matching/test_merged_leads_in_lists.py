"""A lead merged into another is in no list, count or search — pages, API and reports —
while its card stays reachable."""

import pytest
from django.urls import reverse

from galena.accounts.services import api_token_create
from galena.leads.selectors import (
    LeadFilters,
    campaigns_with_spend,
    dashboard,
    lead_list,
    marketing_overview,
    sources_with_lead_counts,
)
from galena.matching.services import leads_merge
from galena.quality.selectors import QueueFilters, quarantine_count, review_queue
from tests.api.helpers import ApiClient
from tests.factories import CampaignFactory, ContactPointFactory, LeadFactory
from tests.matching.merge_helpers import manual


@pytest.fixture
def campaign(db):
    return CampaignFactory(name="Spring")


@pytest.fixture
def pair(head, team, campaign):
    """Two leads of one person from one campaign; the second merged into the first."""
    survivor, merged = (
        LeadFactory(
            first_name=name,
            last_name="Marin",
            display_name=f"{name} Marin",
            search_text=f"{name} marin".casefold(),
            team=team,
            source=campaign.source,
            campaign=campaign,
            quality_status="accepted",
        )
        for name in ("Ana", "Anushka")
    )
    ContactPointFactory(lead=merged, value_raw="anushka@x.example")
    leads_merge(survivor=survivor, others=[merged], actor=manual(head))
    return survivor, merged


def ids(leads) -> set[int]:
    return {lead.pk for lead in leads}


def test_the_lead_list_and_its_search_leave_a_merged_lead_out(head, pair):
    survivor, _merged = pair

    assert ids(lead_list(user=head, filters=LeadFilters())) == {survivor.pk}
    assert ids(lead_list(user=head, filters=LeadFilters(q="anushka"))) == {survivor.pk}


def test_the_lead_list_page_leaves_a_merged_lead_out(client, head, pair):
    survivor, _merged = pair
    client.force_login(head)

    response = client.get(reverse("lead-list"))

    assert [lead.pk for lead in response.context["leads"]] == [survivor.pk]


def test_the_dashboards_count_a_merged_lead_nowhere(head, pair):
    assert dashboard(user=head)["new_total"] == 1
    assert sum(row["n"] for row in dashboard(user=head)["open_per_stage"]) == 1
    overview = marketing_overview()
    assert overview["new_total"] == 1
    assert [row["n"] for row in overview["per_source"]] == [1]


def test_sources_and_campaigns_count_a_merged_lead_nowhere(pair, campaign):
    counts = {source.pk: source.lead_count for source in sources_with_lead_counts()}
    assert counts[campaign.source_id] == 1
    assert [c.lead_count for c in campaigns_with_spend() if c.pk == campaign.pk] == [1]


def test_the_review_queue_leaves_a_merged_lead_out(head, team, pair):
    held = [LeadFactory(team=team, quality_status="quarantined") for _ in range(2)]
    leads_merge(survivor=held[0], others=[held[1]], actor=manual(head))

    assert ids(review_queue(user=head, filters=QueueFilters())) == {held[0].pk}
    assert quarantine_count(user=head) == 1


def test_the_api_lists_leave_a_merged_lead_out_and_its_card_answers(head, pair, campaign):
    survivor, merged = pair
    _, key = api_token_create(user=head, name="tests")
    api = ApiClient(key)

    assert [item["id"] for item in api.get("/api/v1/leads").json()["items"]] == [survivor.pk]
    sources = {s["id"]: s["lead_count"] for s in api.get("/api/v1/sources").json()}
    assert sources[campaign.source_id] == 1
    assert api.get(f"/api/v1/leads/{merged.pk}").status_code == 200
