"""Editing a card's facts in place, and the card's keyboard help."""

import pytest
from django.urls import reverse

from galena.leads.models import EventType, LeadEvent
from tests.factories import LeadFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team, city="Iasi", company_name="Solaris")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def field_url(lead, name):
    return reverse("lead-field", args=[lead.pk, name])


def test_clicking_a_value_gives_its_input(manager_client, lead):
    response = manager_client.get(field_url(lead, "city"), headers=HTMX)

    assert response.status_code == 200
    assert 'name="city"' in response.text and 'value="Iasi"' in response.text
    assert "data-inline-cancel" in response.text


def test_esc_brings_the_value_back(manager_client, lead):
    response = manager_client.get(field_url(lead, "city") + "?show=1", headers=HTMX)

    assert "Iasi" in response.text and "<input" not in response.text


def test_saving_a_value_changes_only_that_field_and_answers_with_the_card(manager_client, lead):
    response = manager_client.post(field_url(lead, "city"), {"city": "Cluj"}, headers=HTMX)

    assert response["HX-Retarget"] == "#lead-card"
    lead.refresh_from_db()
    assert (lead.city, lead.company_name) == ("Cluj", "Solaris")
    event = LeadEvent.objects.get(type=EventType.UPDATED)
    assert event.params == {"changes": {"city": ["Iasi", "Cluj"]}}


def test_a_choice_is_saved_in_place(manager_client, lead):
    manager_client.post(field_url(lead, "temperature"), {"temperature": "hot"}, headers=HTMX)

    lead.refresh_from_db()
    assert lead.temperature == "hot"


def test_an_invalid_value_is_refused_next_to_the_field(manager_client, lead):
    response = manager_client.post(field_url(lead, "country"), {"country": "ROU"}, headers=HTMX)

    assert response.text.lstrip().startswith('<form class="inline-edit-form"')
    assert 'role="alert"' in response.text
    lead.refresh_from_db()
    assert lead.country == ""
    assert not LeadEvent.objects.exists()


def test_the_same_value_writes_nothing(manager_client, lead):
    response = manager_client.post(field_url(lead, "city"), {"city": "Iasi"}, headers=HTMX)

    assert "Iasi" in response.text
    assert not LeadEvent.objects.exists()


def test_fields_not_editable_in_place_are_not_found(manager_client, lead):
    assert manager_client.get(field_url(lead, "score"), headers=HTMX).status_code == 404


def test_someone_elses_lead_is_not_found(client, colleague, lead):
    client.force_login(colleague)

    response = client.post(field_url(lead, "city"), {"city": "X"}, headers=HTMX)

    assert response.status_code == 404
    assert not LeadEvent.objects.exists()


def test_the_card_lists_its_keys(manager_client, lead):
    html = manager_client.get(reverse("lead-detail", args=[lead.pk])).text

    assert 'id="card-shortcuts"' in html
    for key in ('data-shortcut="n"', 'data-shortcut="t"', 'data-shortcut="e"', 'data-shortcut="s"'):
        assert key in html
    assert html.count("inline-value") >= 10
