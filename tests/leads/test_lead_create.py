import pytest

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import ActorSource, ContactPoint, EventType, Lead, LeadEvent
from galena.leads.services import Actor, ContactInput, lead_create


def create(actor, **kwargs):
    data = {"first_name": "Ioana", "last_name": "Popescu", "company_name": "Solaris SRL"}
    data.update(kwargs.pop("data", {}))
    contacts = kwargs.pop("contacts", [ContactInput(kind="phone", value="0722 123 456")])
    return lead_create(actor=actor, data=data, contacts=contacts, **kwargs)


def test_creates_lead_with_normalised_contacts_and_event(manager):
    lead = create(
        Actor(user=manager, source=ActorSource.MANUAL),
        data={"country": "ro"},
        contacts=[
            ContactInput(kind="phone", value="0722 123 456"),
            ContactInput(kind="email", value="Ioana.Popescu@Example.RO"),
        ],
    )

    assert lead.display_name == "Ioana Popescu"
    assert lead.country == "RO"
    assert lead.stage.code == "new"
    points = {p.kind: p for p in lead.contact_points.all()}
    assert points["phone"].value == "+40722123456"
    assert points["phone"].value_raw == "0722 123 456"
    assert points["phone"].is_primary and points["phone"].is_valid
    assert points["email"].value == "ioana.popescu@example.ro"
    assert "+40722123456" in lead.search_text and "popescu" in lead.search_text
    created = LeadEvent.objects.get(lead=lead, type=EventType.CREATED)
    assert created.actor == manager
    assert created.actor_source == ActorSource.MANUAL
    assert created.params["contacts"] == [
        {"kind": "phone", "value": "+40722123456"},
        {"kind": "email", "value": "ioana.popescu@example.ro"},
    ]


def test_manager_entering_a_lead_owns_it(manager, team):
    lead = create(Actor(user=manager))

    assert lead.owner == manager
    assert lead.team == team
    assert lead.assigned_at == lead.created_at
    assigned = LeadEvent.objects.get(lead=lead, type=EventType.ASSIGNED)
    assert assigned.params["to"] == manager.pk


def test_head_of_sales_creates_unassigned_team_lead(head, team):
    lead = create(Actor(user=head))

    assert lead.owner is None
    assert lead.team == team
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).exists()


def test_system_actor_creates_lead_without_user(db):
    lead = create(Actor.system())

    assert lead.owner is None
    assert LeadEvent.objects.get(lead=lead).actor_source == ActorSource.SYSTEM


def test_duplicate_contacts_in_one_submission_are_stored_once(manager):
    lead = create(
        Actor(user=manager),
        contacts=[
            ContactInput(kind="phone", value="+40 722 123 456"),
            ContactInput(kind="phone", value="0722-123-456"),
        ],
    )

    assert lead.contact_points.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"data": {"first_name": "", "last_name": ""}}, "first_name"),
        ({"contacts": []}, "contacts"),
        ({"contacts": [ContactInput(kind="fax", value="1")]}, "contacts[0].kind"),
        ({"contacts": [ContactInput(kind="email", value="  ")]}, "contacts[0].value"),
        ({"data": {"temperature": "boiling"}}, "temperature"),
        ({"data": {"no_such_field": "x"}}, "no_such_field"),
        ({"data": {"source_id": 999999}}, "source_id"),
        ({"data": {"attributes": ["not", "an", "object"]}}, "attributes"),
        ({"data": {"country": "ROU"}}, "country"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(manager, kwargs, field):
    with pytest.raises(ValidationFailed) as error:
        create(Actor(user=manager), **kwargs)

    assert field in error.value.errors
    assert Lead.objects.count() == 0
    assert ContactPoint.objects.count() == 0
    assert LeadEvent.objects.count() == 0


def test_marketer_cannot_create_leads(marketer):
    with pytest.raises(PermissionDenied):
        create(Actor(user=marketer))

    assert Lead.objects.count() == 0


def test_manager_cannot_give_a_new_lead_to_a_colleague(manager, colleague):
    with pytest.raises(PermissionDenied):
        create(Actor(user=manager), owner=colleague)

    assert Lead.objects.count() == 0
