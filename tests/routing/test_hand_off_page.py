"""The lead card's hand-off panel: a telemarketer passes a qualified lead to sales."""

import pytest
from django.urls import reverse

from galena.accounts.models import Role
from galena.leads.models import EventType, Lead, LeadEvent, Stage
from galena.leads.services import Actor, ContactInput, lead_change_stage, lead_create
from tests.routing.conftest import member


@pytest.fixture
def tele(team):
    return member("tele", team, role=Role.TELEMARKETER)


@pytest.fixture
def seller(team):
    user = member("seller", team)
    user.first_name, user.last_name = "Sara", "Seller"
    user.save()
    return user


def _lead(owner, *, qualified=True) -> Lead:
    lead = lead_create(
        actor=Actor(user=owner),
        data={"first_name": "Ion"},
        contacts=[ContactInput(kind="email", value="ion@example.com")],
    )
    if qualified:
        lead = lead_change_stage(
            actor=Actor(user=owner), lead=lead, stage=Stage.objects.get(code="qualified")
        )
    return lead


def test_the_card_offers_a_qualified_lead_to_sales_and_hands_it_off(client, tele, seller):
    lead = _lead(tele)
    client.force_login(tele)

    card = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert 'id="handoff-panel"' in card and "Sara Seller" in card

    response = client.post(
        reverse("routing-hand-off", args=[lead.pk]), {"to": seller.pk, "note": "Wants 10 kW"}
    )

    lead.refresh_from_db()
    assert lead.owner == seller and lead.original_owner == tele
    event = LeadEvent.objects.get(lead=lead, type=EventType.HANDED_OFF)
    assert event.params["note"] == "Wants 10 kW"
    # a telemarketer no longer sees the lead once it is sales': back to the list
    assert response.status_code == 302
    assert response["Location"] in (
        reverse("lead-list"),
        reverse("lead-detail", args=[lead.pk]),
    )


def test_an_unqualified_lead_shows_no_form_and_a_forged_post_writes_nothing(client, tele, seller):
    lead = _lead(tele, qualified=False)
    client.force_login(tele)

    assert (
        'id="handoff-panel"'
        not in client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    )
    response = client.post(reverse("routing-hand-off", args=[lead.pk]), {"to": seller.pk})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.owner == tele and lead.original_owner is None
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.HANDED_OFF).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Qualify the lead first" in page


def test_another_manager_cannot_hand_off_someone_elses_lead(client, tele, seller, team):
    lead = _lead(tele)
    other = member("other", team)
    client.force_login(other)

    response = client.post(reverse("routing-hand-off", args=[lead.pk]), {"to": seller.pk})

    assert response.status_code in (403, 404)
    lead.refresh_from_db()
    assert lead.owner == tele
