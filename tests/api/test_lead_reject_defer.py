"""Rejecting and deferring through the API, the rejection reasons, and required fields."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.leads.models import ActorSource, EventType, LeadEvent, Stage, Task
from tests.factories import LeadFactory


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team)


def test_the_rejection_reasons_are_listed_in_order(api_as, manager):
    response = api_as(manager).get("/api/v1/rejection-reasons")

    assert response.status_code == 200
    assert response.json()[:2] == [
        {"code": "no_budget", "name": "No budget", "order": 10},
        {"code": "bought_elsewhere", "name": "Bought elsewhere", "order": 20},
    ]
    assert len(response.json()) == 6


def test_stages_show_what_they_require(api_as, manager):
    response = api_as(manager).get("/api/v1/stages")

    required = {row["code"]: row["required_fields"] for row in response.json()}
    assert required["rejected"] == ["rejection_reason"]
    assert required["deferred"] == ["recontact_at"]


def test_reject_with_a_reason(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/reject", {"reason": "bought_elsewhere", "note": "Went to X"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["rejection_reason"], body["rejection_note"]) == (
        "rejected",
        "bought_elsewhere",
        "Went to X",
    )
    event = LeadEvent.objects.get(lead=lead)
    assert (event.type, event.actor_source) == (EventType.STAGE_CHANGED, ActorSource.API)


def test_reject_with_an_unknown_reason_names_the_field_and_writes_nothing(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/reject", {"reason": "moon"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "rejection_reason"
    assert "no_budget" in response.json()["error"]["message"]
    assert not LeadEvent.objects.exists()


def test_reject_someone_elses_lead_is_not_found(api_as, colleague, lead):
    response = api_as(colleague).post(f"/api/v1/leads/{lead.pk}/reject", {"reason": "other"})

    assert response.status_code == 404
    assert not LeadEvent.objects.exists()


def test_defer_to_a_day(api_as, manager, lead):
    day = timezone.localdate() + dt.timedelta(days=14)

    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/defer", {"recontact_at": day.isoformat(), "note": "Budget in Q1"}
    )

    assert response.status_code == 200
    assert response.json()["stage"] == "deferred"
    assert timezone.localtime(Task.objects.get(lead=lead).due_at).date() == day


def test_defer_to_the_past_is_refused(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/defer", {"recontact_at": "2020-01-01T10:00:00Z"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "recontact_at"
    assert not Task.objects.exists()


def test_a_stage_move_missing_required_fields_names_them(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/stage", {"stage": "rejected"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["rejection_reason"]
    assert not LeadEvent.objects.exists()


def test_a_stage_move_can_fill_in_what_the_stage_requires(api_as, manager, lead):
    qualified = Stage.objects.get(code="qualified")
    qualified.required_fields = ["interest"]
    qualified.save()

    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/stage",
        {"stage": "qualified", "fields": {"interest": "Heat pump"}},
    )

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["interest"]) == ("qualified", "Heat pump")
