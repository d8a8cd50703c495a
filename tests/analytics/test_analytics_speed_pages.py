"""The speed report's page, exports and API, and who may see which figures."""

from __future__ import annotations

import datetime as dt

import pytest

from galena.leads.models import EventType, LeadEvent
from galena.routing.models import SlaClock
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
QUERY = "from=2025-03-01&to=2025-03-31"


@pytest.fixture
def answered(team, manager, colleague):
    """The manager answered in 4 minutes, the colleague in 20 (a 15-minute deadline)."""
    for owner, minutes in ((manager, 4), (colleague, 20)):
        lead = LeadFactory(
            owner=owner,
            team=team,
            created_at=NOON,
            first_response_at=NOON + dt.timedelta(minutes=minutes),
            response_due_at=NOON + dt.timedelta(minutes=15),
        )
        SlaClock.objects.create(
            lead=lead,
            started_at=NOON,
            due_at=lead.response_due_at,
            met_at=lead.first_response_at,
        )


def test_the_page_shows_the_figures_charts_and_stage_table(
    client, admin_user, manager, colleague, answered
):
    client.force_login(admin_user)

    response = client.get(f"/analytics/speed/?{QUERY}&group_by=owner")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Median first response" in page
    assert "<svg" in page
    assert 'hx-get="?from=2025-03-01&amp;to=2025-03-31&amp;group_by=owner&amp;part=stages"' in page
    table = response.context["table"]
    assert {row["label"]: row["response_median"] for row in table.rows} == {
        colleague.get_full_name(): 20 * 60,
        manager.get_full_name(): 4 * 60,
    }
    assert table.totals["leads"] == 2
    assert table.totals["within_sla"] == 50.0


def test_a_manager_sees_only_their_own_leads(client, manager, answered):
    client.force_login(manager)

    table = client.get(f"/analytics/speed/?{QUERY}").context["table"]

    assert table.totals["leads"] == 1
    assert table.totals["response_median"] == 4 * 60
    assert table.totals["within_sla"] == 100.0


def test_a_marketer_sees_the_business_but_cannot_group_by_person(client, marketer, answered):
    client.force_login(marketer)

    allowed = client.get(f"/analytics/speed/?{QUERY}&group_by=source")
    refused = client.get(f"/analytics/speed/?{QUERY}&group_by=owner")

    assert allowed.context["table"].totals["leads"] == 2
    assert refused.status_code == 200
    assert refused.context["form"].errors["group_by"]


def test_a_user_without_a_role_is_refused(client, db):
    nobody = UserFactory(username="nobody")
    nobody.profile.delete()
    client.force_login(nobody)

    assert client.get("/analytics/speed/").status_code == 403


def test_the_csv_export_has_the_same_figures(client, head, answered):
    client.force_login(head)

    response = client.get(f"/analytics/speed/?{QUERY}&format=csv")

    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Channel,Leads to sales,Answered,Median first response (days)")
    assert lines[-1].startswith("Total,2,2,0.01,")


def test_the_api_answers_the_table(api_as, admin_user, answered):
    response = api_as(admin_user).get(f"/api/v1/analytics/speed?{QUERY}&group_by=owner")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "speed"
    assert body["totals"]["leads"] == 2
    assert body["totals"]["response_median"] == 12 * 60  # the median of 4 and 20 minutes
    assert sorted(row["response_median"] for row in body["rows"]) == [4 * 60, 20 * 60]


def test_the_api_refuses_a_person_grouping_to_a_marketer(api_as, marketer, answered):
    response = api_as(marketer).get(f"/api/v1/analytics/speed?{QUERY}&group_by=owner")

    assert response.status_code == 400
    assert "group_by" in response.json()["error"]["fields"]


def test_the_time_in_each_stage_comes_as_a_part_of_the_page(client, manager, answered):
    lead = LeadFactory(owner=manager, created_at=NOON)
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.STAGE_CHANGED,
        occurred_at=NOON + dt.timedelta(hours=3),
        actor_source="manual",
        params={"from": "new", "to": "in_work", "to_kind": "open"},
    )
    client.force_login(manager)

    part = client.get(f"/analytics/speed/?{QUERY}&part=stages", headers={"HX-Request": "true"})
    alone = client.get(f"/analytics/speed/?{QUERY}&part=stages")

    assert part.status_code == 200
    assert "<html" not in part.content.decode()
    rows = part.context["stages"].rows
    assert [(row["stage"], row["exits"], row["median"]) for row in rows] == [("new", 1, 3 * 3600)]
    assert "<html" in alone.content.decode()
    assert 'id="stage-table"' in alone.content.decode()


def test_a_user_without_a_role_is_refused_the_stages_part(client, db):
    nobody = UserFactory(username="nobody")
    nobody.profile.delete()
    client.force_login(nobody)

    assert client.get("/analytics/speed/?part=stages").status_code == 403
