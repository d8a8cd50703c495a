"""Bulk reassignment and the hand-off through the API."""
# ruff: noqa: F811 (the API fixture, imported for these tests)

from galena.accounts.models import Role
from galena.leads.models import Lead, Stage
from galena.leads.services import Actor, lead_change_stage
from tests.api.conftest import api_as  # noqa: F401
from tests.factories import LeadFactory, UserFactory
from tests.routing.conftest import member


def test_a_head_of_sales_reassigns_many_leads(api_as, team):
    head = UserFactory(username="head", role=Role.HEAD_OF_SALES, team=team)
    ana, bob = member("ana", team), member("bob", team)
    leads = [LeadFactory(owner=ana, team=team) for _ in range(3)]
    response = api_as(head).post(
        "/api/v1/routing/reassign",
        {"lead_ids": [lead.pk for lead in leads], "owner_id": bob.pk, "reason": "Ana is away"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 3}
    assert set(Lead.objects.values_list("owner_id", flat=True)) == {bob.pk}


def test_a_manager_cannot_reassign_and_nothing_changes(api_as, team):
    ana, bob = member("ana", team), member("bob", team)
    lead = LeadFactory(owner=ana, team=team)
    response = api_as(ana).post(
        "/api/v1/routing/reassign", {"lead_ids": [lead.pk], "owner_id": bob.pk}
    )
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.owner == ana


def test_too_many_or_no_leads_name_the_field(api_as, team):
    head = UserFactory(username="head", role=Role.HEAD_OF_SALES, team=team)
    response = api_as(head).post("/api/v1/routing/reassign", {"lead_ids": [], "owner_id": None})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "lead_ids"


def test_a_telemarketer_hands_a_qualified_lead_to_sales(api_as, team):
    tele = member("tele", team, role=Role.TELEMARKETER)
    seller = member("seller", team)
    lead = LeadFactory(owner=tele, team=team)
    lead_change_stage(actor=Actor.system(), lead=lead, stage=Stage.objects.get(code="qualified"))
    response = api_as(tele).post(
        f"/api/v1/leads/{lead.pk}/hand-off", {"to_id": seller.pk, "note": "Budget approved"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owner_id"] == seller.pk and body["original_owner_id"] == tele.pk
