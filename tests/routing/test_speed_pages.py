"""The speed-to-lead report's page at /routing/speed/ and GET /api/v1/routing/speed."""
# ruff: noqa: F811 (the business fixture, imported for these tests)

import pytest
from django.urls import reverse

from galena.accounts.services import api_token_create
from galena.routing.templatetags.sla_tags import duration
from tests.api.helpers import ApiClient, error
from tests.routing.speed_fixtures import END, START, business, minutes  # noqa: F401

PAGE = "/routing/speed/"
API = "/api/v1/routing/speed"
PERIOD = f"from={START}&to={END}"


def api_as(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, "—"),
        (0, "0 s"),
        (45, "45 s"),
        (59.6, "1 min"),
        (minutes(4.2), "4 min"),
        (minutes(59.9), "1 h"),
        (minutes(72), "1 h 12 min"),
        (minutes(24 * 60 - 0.2), "1 d"),
        (minutes(51 * 60), "2 d 3 h"),
    ],
)
def test_durations_read_in_human_units(seconds, words):
    assert duration(seconds) == words


# --- the page -------------------------------------------------------------------------


def test_the_page_has_a_name():
    assert reverse("routing-speed") == PAGE


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role_user", ["manager", "telemarketer", "marketer"])
def test_other_roles_are_refused(client, role_user, request):
    client.force_login(request.getfixturevalue(role_user))

    assert client.get(PAGE).status_code == 403


def test_an_admin_sees_every_team_and_manager(client, admin_user, business, manager, outsider):
    client.force_login(admin_user)

    response = client.get(f"{PAGE}?{PERIOD}")

    assert response.status_code == 200
    page = response.text
    assert "Per team" in page and "North" in page and "South" in page
    assert manager.get_full_name() in page and outsider.get_full_name() in page
    assert ">8 min<" in page  # the median of 2 4 6 10 20 30
    assert ">25 min<" in page  # their 90th percentile
    assert "Handed off" in page
    assert response.context["report"].total.leads == 9


def test_a_head_of_sales_sees_only_their_team(client, head, business, outsider, team):
    client.force_login(head)

    response = client.get(f"{PAGE}?{PERIOD}")

    assert response.status_code == 200
    assert "South" not in response.text
    assert outsider.get_full_name() not in response.text
    assert "Per team" not in response.text  # one team: the managers' table says it all
    assert [value for value, _label in response.context["form"].fields["team"].choices] == [
        "",
        team.pk,
    ]
    assert response.context["report"].total.leads == 8


def test_a_head_of_sales_cannot_choose_another_team(client, head, business, other_team):
    client.force_login(head)

    response = client.get(f"{PAGE}?{PERIOD}&team={other_team.pk}")

    assert response.status_code == 200
    assert response.context["form"].errors["team"]
    assert response.context["filters"].team is None
    assert "South" not in response.text


def test_the_period_defaults_to_the_last_30_days(client, admin_user, business):
    client.force_login(admin_user)

    response = client.get(PAGE)

    period = response.context["filters"].period
    assert period.days == 30
    assert response.context["form"]["date_from"].value() == period.start
    assert response.context["report"].is_empty  # the business is from March 2025


def test_an_empty_period_says_so(client, head):
    client.force_login(head)

    response = client.get(PAGE)

    assert "No leads with a first-response deadline in this period." in response.text
    assert "Per manager" not in response.text


def test_a_period_that_ends_before_it_starts_is_explained(client, admin_user, db):
    client.force_login(admin_user)

    response = client.get(f"{PAGE}?from={END}&to={START}")

    assert response.status_code == 200
    assert "The period starts after it ends." in response.text


def test_the_navigation_links_the_report_for_those_who_may_read_it(client, head, manager):
    client.force_login(head)
    assert f'href="{PAGE}"' in client.get(reverse("dashboard")).text

    client.force_login(manager)
    assert f'href="{PAGE}"' not in client.get(reverse("dashboard")).text


# --- the API --------------------------------------------------------------------------


def test_the_api_needs_authentication(db):
    assert ApiClient().get(API).status_code == 401


def test_the_api_refuses_a_sales_manager(manager):
    response = api_as(manager).get(API)

    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", "The speed-to-lead report is for heads of sales and admins."
    )


def test_the_api_gives_the_figures(admin_user, business, team, other_team):
    response = api_as(admin_user).get(f"{API}?{PERIOD}")

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == (str(START), str(END))
    assert [(row["id"], row["name"], row["leads"]) for row in body["teams"]] == [
        (team.pk, "North", 8),
        (other_team.pk, "South", 1),
    ]
    total = body["total"]
    assert total["leads"] == 9 and total["responded"] == 6
    assert total["median_seconds"] == pytest.approx(minutes(8))
    assert total["p90_seconds"] == pytest.approx(minutes(25))
    assert total["within_sla"] == pytest.approx(5 / 9)
    # read now, the lead that had 10 minutes left in March is overdue too
    assert (total["met"], total["breached"], total["overdue_open"]) == (5, 4, 3)
    assert total["handed_off"] == 1
    assert body["managers"][-1]["id"] is None


def test_the_api_gives_a_head_of_sales_their_team_and_refuses_others(head, business, other_team):
    client = api_as(head)

    body = client.get(f"{API}?{PERIOD}").json()
    refused = client.get(f"{API}?{PERIOD}&team={other_team.pk}")

    assert [row["name"] for row in body["teams"]] == ["North"]
    assert body["total"]["leads"] == 8
    assert refused.status_code == 403


def test_the_api_filters_by_temperature_and_channel(admin_user, business):
    client = api_as(admin_user)

    hot = client.get(f"{API}?{PERIOD}&temperature=hot").json()
    fair = client.get(f"{API}?{PERIOD}&channel=exhibition").json()

    assert hot["total"]["leads"] == 3
    assert fair["total"]["leads"] == 1


def test_the_api_refuses_a_period_that_ends_before_it_starts(admin_user, db):
    response = api_as(admin_user).get(f"{API}?from={END}&to={START}")

    assert response.status_code == 400
    assert response.json() == error("invalid", "The period starts after it ends.", field="from")
