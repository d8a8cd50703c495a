import pytest

from galena.core.errors import NotFound, ValidationFailed
from galena.leads.models import EventType, LeadEvent
from galena.leads.services import Actor, ContactInput, contact_point_add, lead_update, note_add
from tests.factories import ContactPointFactory, LeadFactory


@pytest.fixture
def lead(manager, team):
    return LeadFactory(
        owner=manager, team=team, first_name="Olga", last_name="Ivanova", company_name="Vega"
    )


def test_update_records_each_field_before_and_after(manager, lead):
    lead_update(
        actor=Actor(user=manager),
        lead=lead,
        data={"company_name": "Vega LLC", "temperature": "hot", "position": "CFO"},
    )

    lead.refresh_from_db()
    assert (lead.company_name, lead.temperature, lead.position) == ("Vega LLC", "hot", "CFO")
    event = LeadEvent.objects.get(lead=lead, type=EventType.UPDATED)
    assert event.params["changes"] == {
        "company_name": ["Vega", "Vega LLC"],
        "temperature": ["unknown", "hot"],
        "position": ["", "CFO"],
    }


def test_renaming_recomputes_display_name_and_search_text(manager, lead):
    ContactPointFactory(lead=lead, kind="email", value_raw="o@vega.ru", value="o@vega.ru")

    lead_update(actor=Actor(user=manager), lead=lead, data={"last_name": "Smirnova"})

    lead.refresh_from_db()
    assert lead.display_name == "Olga Smirnova"
    assert "smirnova" in lead.search_text and "o@vega.ru" in lead.search_text


def test_update_without_change_writes_no_event(manager, lead):
    lead_update(actor=Actor(user=manager), lead=lead, data={"company_name": "Vega"})

    assert not LeadEvent.objects.filter(lead=lead).exists()


def test_invalid_update_writes_nothing(manager, lead):
    with pytest.raises(ValidationFailed) as error:
        lead_update(actor=Actor(user=manager), lead=lead, data={"fit": "perfect"})

    assert "fit" in error.value.errors
    lead.refresh_from_db()
    assert lead.fit == "unknown"
    assert not LeadEvent.objects.filter(lead=lead).exists()


def test_removing_the_name_is_refused(manager, lead):
    with pytest.raises(ValidationFailed) as error:
        lead_update(
            actor=Actor(user=manager),
            lead=lead,
            data={"first_name": "", "last_name": "", "display_name": ""},
        )

    assert "first_name" in error.value.errors


def test_colleague_cannot_update_and_nothing_is_written(colleague, lead):
    with pytest.raises(NotFound):
        lead_update(actor=Actor(user=colleague), lead=lead, data={"company_name": "Hacked"})

    lead.refresh_from_db()
    assert lead.company_name == "Vega"
    assert not LeadEvent.objects.exists()


def test_add_contact_normalises_and_refuses_a_known_value(manager, lead):
    point = contact_point_add(
        actor=Actor(user=manager),
        lead=lead,
        contact=ContactInput(kind="phone", value="8 (916) 123-45-67"),
    )

    assert point.is_primary
    assert LeadEvent.objects.filter(lead=lead, type=EventType.CONTACT_ADDED).count() == 1
    with pytest.raises(ValidationFailed):
        contact_point_add(
            actor=Actor(user=manager),
            lead=lead,
            contact=ContactInput(kind="phone", value=point.value),
        )
    assert lead.contact_points.count() == 1


def test_note_is_an_event_and_empty_note_is_refused(manager, lead):
    note_add(actor=Actor(user=manager), lead=lead, text="  Asked for the price list  ")

    assert LeadEvent.objects.get(type=EventType.NOTE_ADDED).params == {
        "text": "Asked for the price list"
    }
    with pytest.raises(ValidationFailed):
        note_add(actor=Actor(user=manager), lead=lead, text="   ")
    assert LeadEvent.objects.filter(type=EventType.NOTE_ADDED).count() == 1
