"""Writes on leads through the API: create, change, assign, move, note, add a contact.

Each success records an event with the API as its source; each refusal writes nothing.
"""

import pytest

from galena.leads.models import ActorSource, ContactPoint, EventType, Lead, LeadEvent
from tests.api.helpers import error
from tests.factories import ContactPointFactory, LeadFactory, SourceFactory

ANA = {
    "first_name": "Ana",
    "last_name": "Pop",
    "country": "ro",
    "temperature": "warm",
    "contacts": [
        {"kind": "phone", "value": "0721 000 000", "label": "mobile"},
        {"kind": "email", "value": "Ana@Example.com"},
    ],
}
NOT_YOURS = error("not_found", "No lead with this id, or it is not yours to see.")


def events_of(lead) -> list[tuple[str, str]]:
    return list(
        LeadEvent.objects.filter(lead=lead).order_by("id").values_list("type", "actor_source")
    )


# --- create ---------------------------------------------------------------------------


def test_a_manager_creates_a_lead_and_owns_it(api_as, manager, team):
    response = api_as(manager).post("/api/v1/leads", ANA)

    assert response.status_code == 201
    lead = Lead.objects.get()
    body = response.json()
    assert body["id"] == lead.pk
    assert (body["display_name"], body["country"], body["temperature"], body["stage"]) == (
        "Ana Pop",
        "RO",
        "warm",
        "new",
    )
    assert body["owner"] == {"id": manager.pk, "username": "manager"}
    assert body["team_id"] == team.pk
    assert [(c["kind"], c["value"], c["label"]) for c in body["contact_points"]] == [
        ("email", "ana@example.com", ""),
        ("phone", "+40721000000", "mobile"),
    ]
    assert events_of(lead) == [
        (EventType.CREATED, ActorSource.API),
        (EventType.ASSIGNED, ActorSource.API),
    ]
    assert LeadEvent.objects.filter(lead=lead, actor=manager).count() == 2


def test_a_head_creates_a_lead_for_a_member_of_the_team(api_as, head, manager):
    response = api_as(head).post("/api/v1/leads", {**ANA, "owner_id": manager.pk})

    assert response.status_code == 201
    assert Lead.objects.get().owner == manager


def test_a_lead_is_created_with_its_attribution(api_as, admin_user):
    source = SourceFactory()

    response = api_as(admin_user).post(
        "/api/v1/leads",
        {**ANA, "source_id": source.pk, "channel": "quiz", "utm_campaign": "spring"},
    )

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.source, lead.channel, lead.utm_campaign) == (source, "quiz", "spring")


def test_creating_without_contacts_is_refused(api_as, manager):
    response = api_as(manager).post("/api/v1/leads", {**ANA, "contacts": []})

    assert response.status_code == 400
    assert response.json() == error(
        "invalid",
        "Give at least one way to reach the person: phone, e-mail or profile.",
        field="contacts",
    )
    assert Lead.objects.count() == 0
    assert LeadEvent.objects.count() == 0


def test_creating_with_an_empty_contact_value_names_it(api_as, manager):
    response = api_as(manager).post(
        "/api/v1/leads", {**ANA, "contacts": [{"kind": "email", "value": "  "}]}
    )

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "This contact value is empty.", field="contacts[0].value"
    )
    assert Lead.objects.count() == 0


def test_creating_with_an_unknown_owner_is_refused(api_as, head):
    response = api_as(head).post("/api/v1/leads", {**ANA, "owner_id": 999999})

    assert response.status_code == 400
    assert response.json() == error("invalid", "No active user with id 999999.", field="owner_id")
    assert Lead.objects.count() == 0


def test_a_manager_may_not_create_a_lead_for_a_colleague(api_as, manager, colleague):
    response = api_as(manager).post("/api/v1/leads", {**ANA, "owner_id": colleague.pk})

    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", "You cannot make colleague the owner of a lead.", field="owner_id"
    )
    assert Lead.objects.count() == 0


def test_creating_with_an_unknown_source_names_the_field(api_as, manager):
    response = api_as(manager).post("/api/v1/leads", {**ANA, "source_id": 999999})

    assert response.status_code == 400
    assert response.json() == error("invalid", "No source with id 999999.", field="source_id")
    assert Lead.objects.count() == 0


def test_a_marketer_may_not_create_leads(api_as, marketer):
    response = api_as(marketer).post("/api/v1/leads", ANA)

    assert response.status_code == 403
    assert response.json() == error("forbidden", "Your role does not give access to leads.")
    assert Lead.objects.count() == 0


# --- update ---------------------------------------------------------------------------


@pytest.fixture
def lead(manager, team):
    return LeadFactory(
        first_name="Ana", last_name="Pop", company_name="Acme", owner=manager, team=team
    )


def test_a_patch_changes_only_the_fields_sent(api_as, manager, lead):
    response = api_as(manager).patch(
        f"/api/v1/leads/{lead.pk}", {"position": "CTO", "temperature": "hot"}
    )

    assert response.status_code == 200
    assert (response.json()["position"], response.json()["temperature"]) == ("CTO", "hot")
    lead.refresh_from_db()
    assert (lead.first_name, lead.company_name, lead.position, lead.temperature) == (
        "Ana",
        "Acme",
        "CTO",
        "hot",
    )
    event = LeadEvent.objects.get(lead=lead)
    assert (event.type, event.actor, event.actor_source) == (
        EventType.UPDATED,
        manager,
        ActorSource.API,
    )
    assert event.params == {"changes": {"position": ["", "CTO"], "temperature": ["unknown", "hot"]}}


def test_a_patch_with_null_clears_a_text_field(api_as, manager, lead):
    response = api_as(manager).patch(f"/api/v1/leads/{lead.pk}", {"company_name": None})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.company_name == ""


def test_a_patch_that_changes_nothing_records_nothing(api_as, manager, lead):
    response = api_as(manager).patch(f"/api/v1/leads/{lead.pk}", {"first_name": "Ana"})

    assert response.status_code == 200
    assert LeadEvent.objects.count() == 0


def test_a_patch_may_not_null_a_classification(api_as, manager, lead):
    response = api_as(manager).patch(f"/api/v1/leads/{lead.pk}", {"temperature": None})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "temperature"
    assert LeadEvent.objects.count() == 0


def test_a_patch_of_a_field_that_cannot_be_set_is_refused(api_as, manager, lead):
    response = api_as(manager).patch(f"/api/v1/leads/{lead.pk}", {"score": 100})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "score"
    lead.refresh_from_db()
    assert lead.score == 0


def test_a_patch_removing_the_last_name_is_refused(api_as, manager, lead):
    lead.display_name = ""
    lead.save()

    response = api_as(manager).patch(
        f"/api/v1/leads/{lead.pk}", {"first_name": "", "last_name": ""}
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "first_name"
    lead.refresh_from_db()
    assert lead.first_name == "Ana"


def test_a_patch_of_another_managers_lead_is_not_found_and_writes_nothing(api_as, colleague, lead):
    response = api_as(colleague).patch(f"/api/v1/leads/{lead.pk}", {"position": "CEO"})

    assert response.status_code == 404
    assert response.json() == NOT_YOURS
    lead.refresh_from_db()
    assert lead.position == ""
    assert LeadEvent.objects.count() == 0


# --- assign ---------------------------------------------------------------------------


def test_a_head_assigns_a_lead(api_as, head, colleague, lead):
    response = api_as(head).post(
        f"/api/v1/leads/{lead.pk}/assign", {"owner_id": colleague.pk, "reason": "speaks ro"}
    )

    assert response.status_code == 200
    assert response.json()["owner"] == {"id": colleague.pk, "username": "colleague"}
    event = LeadEvent.objects.get(lead=lead)
    assert (event.type, event.actor_source, event.params) == (
        EventType.ASSIGNED,
        ActorSource.API,
        {"from": lead.owner_id, "to": colleague.pk, "to_name": "colleague", "reason": "speaks ro"},
    )


def test_a_manager_may_not_assign_a_lead_to_a_colleague(api_as, manager, colleague, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": colleague.pk})

    assert response.status_code == 403
    assert response.json() == error(
        "forbidden", "Only a head of sales or an admin can assign leads to others."
    )
    lead.refresh_from_db()
    assert lead.owner_id != colleague.pk
    assert LeadEvent.objects.count() == 0


def test_a_manager_takes_an_unassigned_lead_of_the_team(api_as, manager, team):
    unassigned = LeadFactory(owner=None, team=team)

    response = api_as(manager).post(
        f"/api/v1/leads/{unassigned.pk}/assign", {"owner_id": manager.pk}
    )

    assert response.status_code == 200
    unassigned.refresh_from_db()
    assert unassigned.owner == manager


def test_a_head_unassigns_a_lead_with_null(api_as, head, lead):
    response = api_as(head).post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": None})

    assert response.status_code == 200
    assert response.json()["owner"] is None


def test_assign_requires_the_owner_field(api_as, head, lead):
    response = api_as(head).post(f"/api/v1/leads/{lead.pk}/assign", {"reason": "x"})

    assert response.status_code == 400
    assert response.json() == error("invalid", "This field is required.", field="owner_id")


def test_assigning_to_an_unknown_user_names_the_owner_field(api_as, head, lead):
    response = api_as(head).post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": 999999})

    assert response.status_code == 400
    assert response.json() == error("invalid", "No active user with id 999999.", field="owner_id")
    assert LeadEvent.objects.count() == 0


def test_a_manager_cannot_take_a_colleagues_lead(api_as, colleague, lead):
    response = api_as(colleague).post(f"/api/v1/leads/{lead.pk}/assign", {"owner_id": colleague.pk})

    assert response.status_code == 404
    assert LeadEvent.objects.count() == 0


# --- stage ----------------------------------------------------------------------------


def test_moving_to_a_won_stage_stamps_the_conversion(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/stage", {"stage": "converted"})

    assert response.status_code == 200
    assert response.json()["stage"] == "converted"
    assert response.json()["converted_at"] is not None
    event = LeadEvent.objects.get(lead=lead)
    assert (event.type, event.params) == (
        EventType.STAGE_CHANGED,
        {"from": "new", "to": "converted", "to_kind": "won"},
    )


def test_moving_to_an_unknown_stage_is_refused(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/stage", {"stage": "heaven"})

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "No stage with code 'heaven': GET /api/v1/stages lists them.", field="stage"
    )
    assert LeadEvent.objects.count() == 0


# --- notes ----------------------------------------------------------------------------


def test_a_note_is_added_to_the_timeline(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/notes", {"text": " Called. "})

    assert response.status_code == 201
    event = LeadEvent.objects.get(lead=lead)
    assert response.json() == {
        "id": event.pk,
        "type": "note_added",
        "occurred_at": response.json()["occurred_at"],
        "actor": {"id": manager.pk, "username": "manager"},
        "actor_source": "api",
        "params": {"text": "Called."},
    }


def test_an_empty_note_is_refused(api_as, manager, lead):
    response = api_as(manager).post(f"/api/v1/leads/{lead.pk}/notes", {"text": "  "})

    assert response.status_code == 400
    assert response.json() == error("invalid", "The note is empty.", field="text")
    assert LeadEvent.objects.count() == 0


def test_a_note_on_an_invisible_lead_is_not_found(api_as, colleague, lead):
    response = api_as(colleague).post(f"/api/v1/leads/{lead.pk}/notes", {"text": "hi"})

    assert response.status_code == 404
    assert LeadEvent.objects.count() == 0


# --- contacts -------------------------------------------------------------------------


def test_a_contact_is_added(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/contacts",
        {"kind": "email", "value": "Ana@Acme.example", "label": "work"},
    )

    assert response.status_code == 201
    point = ContactPoint.objects.get(lead=lead)
    assert response.json() | {"created_at": None} == {
        "id": point.pk,
        "kind": "email",
        "value": "ana@acme.example",
        "value_raw": "Ana@Acme.example",
        "label": "work",
        "is_primary": True,
        "is_valid": True,
        "verified": False,
        "verified_at": None,
        "created_at": None,
    }
    assert LeadEvent.objects.get(lead=lead).type == EventType.CONTACT_ADDED


def test_a_contact_the_lead_has_is_refused(api_as, manager, lead):
    ContactPointFactory(lead=lead, kind="email", value_raw="ana@acme.example")

    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/contacts", {"kind": "email", "value": "ANA@acme.example"}
    )

    assert response.status_code == 400
    assert response.json() == error("invalid", "This lead already has this contact.", field="value")
    assert ContactPoint.objects.filter(lead=lead).count() == 1
    assert LeadEvent.objects.count() == 0


def test_an_empty_contact_value_names_the_value_field(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/contacts", {"kind": "phone", "value": " "}
    )

    assert response.status_code == 400
    assert response.json() == error("invalid", "This contact value is empty.", field="value")


def test_an_unknown_contact_kind_is_refused(api_as, manager, lead):
    response = api_as(manager).post(
        f"/api/v1/leads/{lead.pk}/contacts", {"kind": "fax", "value": "123"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "kind"
    assert ContactPoint.objects.count() == 0
