"""GET /api/v1/scoring/calibration: the calibration report's figures as JSON."""

import math

import pytest
from django.utils import timezone

from galena.accounts.services import api_token_create
from tests.api.helpers import ApiClient, error
from tests.scoring.calibration_helpers import (
    DAY,
    lost,
    no_seeded_rules,  # noqa: F401
    profile_points,
    profile_rule,
    rejection_event,
    won,
)

pytestmark = pytest.mark.usefixtures("no_seeded_rules")

URL = "/api/v1/scoring/calibration"


@pytest.fixture
def api_as(db):
    """api_as(user) -> a client with a fresh personal token of that user."""

    def make(user) -> ApiClient:
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


@pytest.fixture
def closed(team):
    director = profile_rule("Director", points=15)
    for i in range(12):
        lead = won(score=60 + i, deal_value=str(100 * (i + 1)), team=team)
        if i < 10:
            profile_points(lead, director)
    for i in range(12):
        lead = lost(score=20 + i, team=team)
        if i < 2:
            profile_points(lead, director)
    hot_lost = lost(score=88, team=team, display_name="Hot but lost")
    rejection_event(hot_lost, reason="Chose a competitor")
    return {"director": director, "hot_lost": hot_lost}


def test_the_report_needs_authentication(db):
    response = ApiClient().get(URL)

    assert response.status_code == 401


@pytest.mark.parametrize("role_user", ["manager", "marketer"])
def test_other_roles_are_refused(api_as, role_user, request):
    response = api_as(request.getfixturevalue(role_user)).get(URL)

    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", "The calibration report is for heads of sales and admins."
    )


def test_the_figures(api_as, head, closed):
    response = api_as(head).get(URL)

    assert response.status_code == 200
    body = response.json()
    today = timezone.localdate()
    assert body["from"] == (today - 364 * DAY).isoformat()
    assert body["to"] == today.isoformat()
    assert (body["band_mode"], body["edges"], body["warm"], body["hot"]) == (
        "thresholds",
        [30, 60],
        30,
        60,
    )
    assert body["summary"]["closed"] == 25
    assert body["summary"]["win_rate"]["rate"] == pytest.approx(12 / 25)
    assert [(b["label"], b["closed"], b["won"]) for b in body["bands"]] == [
        ("< 30", 10, 0),
        ("30–59", 2, 0),
        ("≥ 60", 13, 12),
    ]
    score = body["discrimination"][0]
    assert score["key"] == "score"
    # every won lead (60–71) outscores every lost one (20–31) except the lost 88: 12 of the
    # 12 × 13 pairs are ranked the wrong way
    assert score["auc"] == pytest.approx((12 * 13 - 12) / (12 * 13))
    model = body["discrimination"][1]
    assert (model["key"], model["status"], model["auc"]) == ("model", "no_leads", None)
    lost_part = body["lost_high_scored"]
    assert (lost_part["min_score"], lost_part["total"], lost_part["not_listed"]) == (60, 1, 0)
    assert lost_part["leads"][0]["name"] == "Hot but lost"
    assert lost_part["leads"][0]["reason"] == "Chose a competitor"
    assert lost_part["leads"][0]["reason_source"] == "stage"
    (director,) = body["rules"]["checks"]
    assert director["rule_id"] == closed["director"].pk
    assert director["with_rule"]["successes"] == 10
    assert director["log_odds"] == pytest.approx(math.log((10.5 / 2.5) / (2.5 / 11.5)))
    assert director["status"] == "ok"
    assert body["activity"]["currency"] == "EUR"
    assert body["activity"]["deals"] == 12
    assert body["activity"]["bands"][0]["median"] == "650.00"  # all with no activity
    assert body["score_mapping"]["status"] == "ok"
    assert [r["score"] for r in body["score_mapping"]["rates"]] == [30, 60]


def test_the_period_and_the_bands_can_be_chosen(api_as, head):
    won(score=15, days_ago=20)
    lost(score=45, days_ago=40)
    today = timezone.localdate()

    body = (
        api_as(head)
        .get(
            URL,
            {"from": (today - 30 * DAY).isoformat(), "bands": "custom", "edges": "10,40"},
        )
        .json()
    )

    assert body["summary"]["closed"] == 1
    assert [b["label"] for b in body["bands"]] == ["< 10", "10–39", "≥ 40"]


def test_lost_leads_from_a_score_and_how_many(api_as, admin_user):
    for score in (40, 50, 70):
        lost(score=score)

    body = api_as(admin_user).get(URL, {"min_score": 45, "lost_limit": 1}).json()

    part = body["lost_high_scored"]
    assert (part["min_score"], part["total"]) == (45, 2)
    assert [lead["score"] for lead in part["leads"]] == [70]


def test_the_last_ninety_days(api_as, head):
    won(days_ago=20)
    won(days_ago=120)

    body = api_as(head).get(URL, {"days": 90}).json()

    assert body["summary"]["closed"] == 1
    assert body["from"] == (timezone.localdate() - 89 * DAY).isoformat()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"bands": "tertiles"}, "bands"),
        ({"bands": "custom"}, "edges"),
        ({"bands": "custom", "edges": "ten"}, "edges"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
    ],
)
def test_wrong_choices_are_refused(api_as, head, query, field):
    response = api_as(head).get(URL, query)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_the_endpoint_is_in_the_openapi_document(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "days", "bands"}
    assert set(operation["responses"]) >= {"200", "401", "403"}
    out = schema["components"]["schemas"]["CalibrationOut"]
    assert {"from", "to", "bands", "discrimination", "lost_high_scored", "profile", "rules"} <= set(
        out["properties"]
    )
