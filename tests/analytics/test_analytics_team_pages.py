"""The team report's page, exports and API: who sees whose row, and the comparison."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)
BEFORE = NOON - dt.timedelta(days=31)  # in the previous period (29 January – 28 February)
QUERY = "from=2025-03-01&to=2025-03-31"
MINUTE = dt.timedelta(minutes=1)


def answered(owner, at, minutes, **fields):
    return LeadFactory(
        owner=owner,
        team=owner.profile.team,
        created_at=at,
        first_response_at=at + minutes * MINUTE,
        **fields,
    )


@pytest.fixture
def worked(manager, colleague, telemarketer, outsider):
    answered(manager, NOON, 10)
    answered(manager, NOON, 30)
    answered(manager, BEFORE, 50)
    # the telemarketer first had this one; the colleague owns it now
    answered(colleague, NOON, 6, original_owner=telemarketer)
    answered(telemarketer, NOON, 2)
    answered(outsider, NOON, 60)


def rows(response) -> dict[str, dict]:
    return {row["label"]: row for row in response.context["table"].rows}


def test_an_admin_sees_everyone_with_the_previous_period_and_the_change(
    client, admin_user, manager, colleague, telemarketer, outsider, worked
):
    client.force_login(admin_user)

    response = client.get(f"/analytics/team/?{QUERY}")

    assert response.status_code == 200
    found = rows(response)
    assert set(found) == {
        person.get_full_name() for person in (manager, colleague, telemarketer, outsider)
    }
    mine = found[manager.get_full_name()]
    assert (mine["leads"], mine["leads_previous"], mine["leads_change"]) == (2, 1, 1)
    assert mine["response_median"] == 20 * 60
    assert mine["response_median_previous"] == 50 * 60
    assert mine["response_median_change"] == -30 * 60
    assert mine["role"] == "Sales manager"
    assert found[telemarketer.get_full_name()]["handed_off"] == 1
    assert response.context["table"].totals["leads"] == 5
    assert "<svg" in response.content.decode()


def test_a_head_of_sales_sees_their_team(client, head, manager, outsider, worked):
    client.force_login(head)

    found = rows(client.get(f"/analytics/team/?{QUERY}"))

    assert outsider.get_full_name() not in found
    assert manager.get_full_name() in found


def test_a_manager_sees_only_their_own_row(client, manager, worked):
    client.force_login(manager)

    response = client.get(f"/analytics/team/?{QUERY}")

    assert list(rows(response)) == [manager.get_full_name()]
    assert response.context["table"].totals["leads"] == 2
    assert "group_by" not in response.context["form"].fields


def test_a_telemarketer_sees_only_their_own_row(client, telemarketer, worked):
    client.force_login(telemarketer)

    found = rows(client.get(f"/analytics/team/?{QUERY}"))

    # the lead they handed off is now the colleague's: theirs to see, not the colleague's row
    assert list(found) == [telemarketer.get_full_name()]
    assert (
        found[telemarketer.get_full_name()]["leads"],
        found[telemarketer.get_full_name()]["handed_off"],
    ) == (1, 1)


def test_a_marketer_is_refused_the_page_and_the_api(client, api_as, marketer, worked):
    client.force_login(marketer)

    assert client.get(f"/analytics/team/?{QUERY}").status_code == 403
    assert api_as(marketer).get(f"/api/v1/analytics/team?{QUERY}").status_code == 403


def test_the_index_lists_the_team_report_only_to_roles_that_may_open_it(client, manager, marketer):
    client.force_login(manager)
    assert "/analytics/team/" in client.get("/analytics/").content.decode()
    client.force_login(marketer)
    assert "/analytics/team/" not in client.get("/analytics/").content.decode()


def test_the_api_answers_the_manager_their_own_row(api_as, manager, worked):
    response = api_as(manager).get(f"/api/v1/analytics/team?{QUERY}")

    assert response.status_code == 200
    body = response.json()
    assert [row["label"] for row in body["rows"]] == [manager.get_full_name()]
    assert body["rows"][0]["leads_change"] == 1
    assert body["rows"][0]["deal_value"] == "0.00"


def test_the_xlsx_export_downloads(client, head, worked):
    client.force_login(head)

    response = client.get(f"/analytics/team/?{QUERY}&format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
