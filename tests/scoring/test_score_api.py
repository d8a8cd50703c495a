"""GET /api/v1/leads/{id}/score: the breakdown, the temperature's reason and the model's
probability, for those who may see the lead."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.leads.services import Actor, ContactInput, lead_create
from galena.scoring.models import Frequency, RuleKind, ScoreRule, ScoreSettings, TrackedKind
from galena.scoring.tracking import EventInput, events_record
from tests.api.helpers import ApiClient


def client_of(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


@pytest.fixture
def scored_lead(manager):
    ScoreRule.objects.all().delete()
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(half_life_days=10, warm_threshold=20, hot_threshold=40)
    ScoreRule.objects.create(
        name="Director",
        kind=RuleKind.PROFILE,
        conditions=[{"field": "position", "operator": "contains", "value": ["director"]}],
        points=15,
    )
    ScoreRule.objects.create(
        name="Viewed the prices",
        kind=RuleKind.BEHAVIOUR,
        event_kind=TrackedKind.PAGE_VIEW,
        conditions=[{"field": "category", "operator": "eq", "value": "pricing"}],
        points=10,
        frequency=Frequency.EACH,
    )
    lead = lead_create(
        actor=Actor(user=manager),
        data={"first_name": "Ana", "last_name": "Marin", "position": "Director"},
        contacts=[ContactInput(kind="email", value="ana@example.com")],
    )
    events_record(
        events=[
            EventInput(
                kind=TrackedKind.PAGE_VIEW,
                category="pricing",
                occurred_at=timezone.now() - dt.timedelta(days=10),
            )
        ],
        lead=lead,
    )
    return lead


def test_the_breakdown_says_which_rule_gave_what_and_what_it_is_worth_now(manager, scored_lead):
    response = client_of(manager).get(f"/api/v1/leads/{scored_lead.pk}/score")

    assert response.status_code == 200
    body = response.json()
    assert body["lead_id"] == scored_lead.pk
    assert (body["score"], body["temperature"]) == (20, "warm")
    assert body["temperature_reason"] == "20 points ≥ 20"
    assert (body["fit"], body["engagement"]) == (15, pytest.approx(5, abs=0.01))
    assert [(line["rule"], line["points"], line["worth_now"]) for line in body["lines"]] == [
        ("Director", 15, 15),
        ("Viewed the prices", 10, pytest.approx(5, abs=0.01)),
    ]
    assert body["prediction"] is None  # no model trained yet


def test_a_lead_of_another_team_is_not_found(outsider, scored_lead):
    response = client_of(outsider).get(f"/api/v1/leads/{scored_lead.pk}/score")

    assert response.status_code == 404


def test_without_a_token_nothing_is_said(scored_lead):
    assert ApiClient().get(f"/api/v1/leads/{scored_lead.pk}/score").status_code == 401
