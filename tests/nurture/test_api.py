"""Nurture's API: sequences, stopping a lead's nurture, the farewell answers."""

import pytest

from galena.leads.models import EventType, LeadEvent
from galena.nurture.models import Enrollment, FarewellAnswer, FarewellInvitation
from tests.nurture.conftest import make_sequence, rejected, seeded_questionnaire

pytestmark = pytest.mark.django_db


def test_sequences_are_listed_with_their_steps(api_as, manager, team):
    sequence = make_sequence()
    rejected(owner=manager, team=team)
    response = api_as(manager).get("/api/v1/nurture/sequences")
    assert response.status_code == 200
    mine = next(s for s in response.json() if s["id"] == sequence.pk)
    assert mine["active_enrollments"] == 1
    assert [step["order"] for step in mine["steps"]] == [1, 2]


def test_a_leads_nurture_is_stopped(api_as, manager, team):
    make_sequence()
    lead = rejected(owner=manager, team=team)
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/nurture/stop", {})
    assert response.status_code == 200
    assert response.json() == {"stopped": 1}
    assert Enrollment.objects.get().stop_reason == "by_hand"
    event = LeadEvent.objects.get(type=EventType.NURTURE_STOPPED)
    assert (event.actor, event.actor_source) == (manager, "api")


def test_another_managers_lead_is_not_found(api_as, manager, outsider, team):
    make_sequence()
    lead = rejected(owner=manager, team=team)
    response = api_as(outsider).post(f"/api/v1/leads/{lead.pk}/nurture/stop", {})
    assert response.status_code == 404
    assert Enrollment.objects.get().status == "active"


def test_farewell_answers_are_listed_for_marketers(api_as, marketer, manager, team):
    lead = rejected(owner=manager, team=team)
    invitation = FarewellInvitation.objects.create(
        lead=lead,
        questionnaire=seeded_questionnaire(),
        email="ana@example.com",
        rejection_reason_code="no_budget",
    )
    FarewellAnswer.objects.create(
        invitation=invitation, lead=lead, answers={"why_not_us": "The price"}
    )
    response = api_as(marketer).get("/api/v1/nurture/farewell-answers")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["answers"] == {"why_not_us": "The price"}
    assert item["rejection_reason"] == "no_budget"


def test_a_manager_may_not_list_farewell_answers(api_as, manager):
    assert api_as(manager).get("/api/v1/nurture/farewell-answers").status_code == 403
