"""The unsubscribe link: signed, a page with a button (GET writes nothing), one POST
suppresses the address, stops every enrolment and is recorded once."""

import pytest
from django.core import signing
from django.urls import reverse

from galena.leads.models import EventType, LeadEvent
from galena.leads.services import Actor
from galena.nurture.models import Enrollment, Suppression
from galena.nurture.services import suppression_add, unsubscribe_token
from tests.nurture.conftest import make_lead, make_sequence

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(lead):
    sequence = make_sequence()
    Enrollment.objects.create(lead=lead, sequence=sequence, next_step=1)
    return lead


def url(lead, email="ana@example.com"):
    return reverse("nurture-unsubscribe", args=[unsubscribe_token(lead_id=lead.pk, email=email)])


def test_the_page_asks_first_and_writes_nothing(client, enrolled):
    response = client.get(url(enrolled))
    assert response.status_code == 200
    assert "Unsubscribe me" in response.text
    assert "a…a@example.com" in response.text  # masked: a stranger does not learn it whole
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not Suppression.objects.exists()


def test_the_button_unsubscribes_once(client, enrolled):
    first = client.post(url(enrolled))
    second = client.post(url(enrolled))

    assert "You are unsubscribed" in first.text
    assert "Already unsubscribed" in second.text
    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.method, suppression.lead) == (
        "ana@example.com",
        "link",
        enrolled,
    )
    assert "ip" in suppression.evidence
    assert LeadEvent.objects.filter(lead=enrolled, type=EventType.UNSUBSCRIBED).count() == 1
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "unsubscribed")


def test_a_mail_clients_one_click_post_unsubscribes(client, enrolled):
    response = client.post(url(enrolled), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Suppression.objects.get().method == "one_click"


def test_a_tampered_token_is_refused_and_writes_nothing(client, enrolled):
    token = unsubscribe_token(lead_id=enrolled.pk, email="ana@example.com")
    response = client.post(reverse("nurture-unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "not valid" in response.text
    assert not Suppression.objects.exists()


def test_a_token_for_another_lead_cannot_be_made_without_the_key(client, enrolled):
    forged = signing.dumps({"l": enrolled.pk, "e": "0" * 32}, salt="other", key="not-ours")
    assert client.post(reverse("nurture-unsubscribe", args=[forged])).status_code == 400


def test_every_lead_with_the_address_is_suppressed(manager, team):
    first = make_lead(owner=manager, team=team, email="same@example.com")
    second = make_lead(owner=manager, team=team, email="same@example.com")
    suppression_add(actor=Actor.system(), email="Same@Example.com", method="by_hand")
    assert set(
        LeadEvent.objects.filter(type=EventType.UNSUBSCRIBED).values_list("lead_id", flat=True)
    ) == {first.pk, second.pk}
