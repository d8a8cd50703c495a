"""Verification by call: logging a call with its outcome, from the service and the card."""

import pytest
from django.urls import reverse

from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads.models import ActorSource, EventType, LeadEvent
from galena.leads.services import ContactInput, contact_point_add
from galena.quality.verification import lead_call_log
from tests.quality.verification_helpers import create_lead, manual

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(manager):
    return create_lead(actor=manual(manager))


def events(lead, type=None):
    queryset = LeadEvent.objects.filter(lead=lead)
    if type:
        queryset = queryset.filter(type=type)
    return list(queryset)


def test_reached_and_confirmed_verifies_the_lead_and_its_phones(manager, lead):
    contact_point_add(
        actor=manual(manager), lead=lead, contact=ContactInput(kind="phone", value="+40733111222")
    )

    call = lead_call_log(actor=manual(manager), lead=lead, outcome="confirmed", note="All right")

    lead.refresh_from_db()
    assert (lead.verification, lead.verification_method) == ("verified", "call")
    assert lead.verified_at == call.occurred_at
    phones = lead.contact_points.filter(kind="phone")
    assert [p.verified for p in phones] == [True, True]
    assert not lead.contact_points.get(kind="email").verified
    assert call.type == EventType.CALL
    assert call.params == {"outcome": "confirmed", "note": "All right", "phone": "+40722123456"}
    assert call.actor == manager and call.actor_source == ActorSource.MANUAL
    (verified,) = events(lead, EventType.VERIFIED)
    assert verified.params["method"] == "call"
    assert sorted(verified.params["phones"]) == ["+40722123456", "+40733111222"]
    assert verified.params["call_event_id"] == call.pk


@pytest.mark.parametrize("outcome", ["reached", "no_answer", "call_back"])
def test_other_outcomes_record_the_call_and_verify_nothing(manager, lead, outcome):
    call = lead_call_log(actor=manual(manager), lead=lead, outcome=outcome)

    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert lead.verification_method == ""
    assert not lead.contact_points.get(kind="phone").verified
    assert call.params["outcome"] == outcome
    assert events(lead, EventType.VERIFIED) == []


def test_the_first_call_is_the_first_response(manager, lead):
    first = lead_call_log(actor=manual(manager), lead=lead, outcome="no_answer")
    lead_call_log(actor=manual(manager), lead=lead, outcome="reached")

    lead.refresh_from_db()
    assert lead.first_response_at == first.occurred_at


def test_wrong_number_marks_the_primary_phone_invalid(manager, lead):
    call = lead_call_log(actor=manual(manager), lead=lead, outcome="wrong_number")

    phone = lead.contact_points.get(kind="phone")
    assert (phone.is_valid, phone.status) == (False, "invalid")
    assert call.params["marked_invalid"] == "+40722123456"
    lead.refresh_from_db()
    assert lead.verification == "unverified"


def test_wrong_number_without_a_phone_is_refused_and_writes_nothing(manager):
    lead = create_lead(actor=manual(manager), phone="")
    before = len(events(lead))

    with pytest.raises(ValidationFailed) as refused:
        lead_call_log(actor=manual(manager), lead=lead, outcome="wrong_number")

    assert refused.value.field == "outcome"
    assert len(events(lead)) == before


def test_a_confirmed_call_on_a_verified_lead_keeps_its_method(manager, lead):
    lead.verification, lead.verification_method = "verified", "email"
    lead.save()

    lead_call_log(actor=manual(manager), lead=lead, outcome="confirmed")

    lead.refresh_from_db()
    assert lead.verification_method == "email"
    assert lead.contact_points.get(kind="phone").verified
    (verified,) = events(lead, EventType.VERIFIED)
    assert verified.params["lead_verified"] is False


@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [("hung_up", "", "outcome"), ("", "", "outcome"), ("reached", "x" * 2001, "note")],
)
def test_bad_input_is_refused_and_writes_nothing(manager, lead, outcome, note, field):
    before = len(events(lead))

    with pytest.raises(ValidationFailed) as refused:
        lead_call_log(actor=manual(manager), lead=lead, outcome=outcome, note=note)

    assert refused.value.field == field
    assert len(events(lead)) == before


def test_someone_who_may_not_see_the_lead_cannot_log_a_call(outsider, lead):
    with pytest.raises(NotFound):
        lead_call_log(actor=manual(outsider), lead=lead, outcome="confirmed")

    lead.refresh_from_db()
    assert lead.verification == "unverified"
    assert events(lead, EventType.CALL) == []


def test_a_marketer_cannot_log_a_call(marketer, lead):
    with pytest.raises(PermissionDenied):
        lead_call_log(actor=manual(marketer), lead=lead, outcome="confirmed")

    assert events(lead, EventType.CALL) == []


def test_a_head_of_sales_logs_calls_on_the_teams_leads(head, lead):
    lead_call_log(actor=manual(head), lead=lead, outcome="reached")

    assert len(events(lead, EventType.CALL)) == 1


# --- the card's form -------------------------------------------------------------------


def call_url(lead):
    return reverse("lead-call-log", args=[lead.pk])


def test_the_card_form_logs_a_confirmed_call(client, manager, lead):
    client.force_login(manager)

    response = client.post(
        call_url(lead), {"outcome": "confirmed", "note": "Wants a quote"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("lead-detail", args=[lead.pk])
    assert "The lead is verified by call" in response.text
    lead.refresh_from_db()
    assert lead.verification_method == "call"
    (call,) = events(lead, EventType.CALL)
    assert call.params["note"] == "Wants a quote"


def test_the_card_form_refuses_a_missing_outcome(client, manager, lead):
    client.force_login(manager)

    response = client.post(call_url(lead), {"note": "?"}, follow=True)

    assert response.status_code == 200
    assert "This field is required" in response.text
    assert events(lead, EventType.CALL) == []


def test_the_card_form_is_not_found_for_an_outsider(client, outsider, lead):
    client.force_login(outsider)

    assert client.post(call_url(lead), {"outcome": "confirmed"}).status_code == 404
    assert events(lead, EventType.CALL) == []


def test_the_card_form_is_forbidden_for_a_marketer(client, marketer, lead):
    client.force_login(marketer)

    assert client.post(call_url(lead), {"outcome": "confirmed"}).status_code == 403
    assert events(lead, EventType.CALL) == []


def test_the_card_form_needs_a_login(client, lead):
    response = client.post(call_url(lead), {"outcome": "confirmed"})

    assert response.status_code == 302 and "/login" in response["Location"]
    assert events(lead, EventType.CALL) == []


def test_the_timeline_says_how_the_call_went_in_words(client, manager, lead):
    lead_call_log(actor=manual(manager), lead=lead, outcome="confirmed", note="Asked for an offer")
    client.force_login(manager)

    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    timeline = page[page.index('<ol class="timeline">') :]

    assert "Reached — details confirmed" in timeline
    assert "Asked for an offer" in timeline
    assert "Outcome:" not in timeline  # no raw outcome code shown
