"""The lead card's "Personal data" panel and its actions, the API under /api/v1/consent/, and
corrections on request (rectification) — each role allowed and refused."""

import pytest
from django.urls import reverse

from galena.accounts.services import api_token_create
from galena.consent.models import ConsentRecord, Restriction
from galena.consent.services import (
    EVENT_RECTIFIED,
    consent_record,
    is_restricted,
    lead_rectify,
    restrict_subject,
)
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import ContactPoint, EventType, LeadEvent
from galena.leads.services import Actor
from tests.api.helpers import ApiClient
from tests.consent.conftest import make_lead

pytestmark = pytest.mark.django_db


def card(client, lead):
    return client.get(reverse("lead-detail", args=[lead.pk]))


def api(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


# --- the panel -------------------------------------------------------------------------


def test_the_card_shows_the_consent_history_to_whoever_sees_the_lead(client, head, manager, lead):
    consent_record(
        actor=Actor(user=manager),
        lead=lead,
        purpose="marketing_email",
        status="given",
        method="call",
    )
    client.force_login(head)
    response = card(client, lead)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="consent-panel"' in page
    assert "Marketing e-mail" in page and "Consent recorded" in page
    # a head of sales may block; the form is there
    assert reverse("consent-block", args=[lead.pk]) in page


def test_a_manager_sees_no_block_form(client, manager, lead):
    client.force_login(manager)
    page = card(client, lead).content.decode()
    assert "No consent recorded for this person yet." in page
    assert reverse("consent-block", args=[lead.pk]) not in page
    assert "consent-banner" not in page  # not blocked: no banner
    assert reverse("consent-add", args=[lead.pk]) in page


def test_the_owner_records_a_consent_from_the_card(client, manager, lead):
    client.force_login(manager)
    response = client.post(
        reverse("consent-add", args=[lead.pk]),
        {"purpose": "contact_phone", "status": "given", "method": "call", "note": "on the phone"},
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert (record.purpose, record.actor, record.evidence) == (
        "contact_phone",
        manager,
        {"note": "on the phone"},
    )


def test_a_head_blocks_and_unblocks_from_the_card(client, head, lead):
    client.force_login(head)
    client.post(
        reverse("consent-block", args=[lead.pk]),
        {"reason": "Asked by letter", "request_reference": "DSR-7"},
    )
    restriction = Restriction.objects.get()
    assert is_restricted(lead) and restriction.request_reference == "DSR-7"
    page = card(client, lead).content.decode()
    assert "Blocked" in page and "Asked by letter" in page
    assert 'class="panel consent-banner"' in page  # at the top of the card
    client.post(
        reverse("consent-lift", args=[lead.pk, restriction.pk]), {"reason": "Data corrected"}
    )
    assert not is_restricted(lead)


def test_a_manager_cannot_block_from_the_card(client, manager, lead):
    client.force_login(manager)
    response = client.post(reverse("consent-block", args=[lead.pk]), {"reason": "Because"})
    assert response.status_code == 403
    assert not Restriction.objects.exists()


def test_someone_who_does_not_see_the_lead_gets_404(client, outsider, lead):
    client.force_login(outsider)
    response = client.post(
        reverse("consent-add", args=[lead.pk]),
        {"purpose": "contact_phone", "status": "withdrawn", "method": "call"},
    )
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_the_actions_need_a_login(client, lead):
    response = client.post(reverse("consent-block", args=[lead.pk]), {"reason": "x"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Restriction.objects.exists()


# --- rectification ---------------------------------------------------------------------


def test_a_correction_on_request_keeps_before_and_after(manager, lead):
    lead_rectify(
        actor=Actor(user=manager),
        lead=lead,
        data={"last_name": "Marin"},
        contacts={"ana@example.com": "Ana.Marin@Example.com"},
        request_reference="DSR-9",
        note="Married name",
    )
    event = LeadEvent.objects.get(lead=lead, type=EVENT_RECTIFIED)
    assert event.params["request_reference"] == "DSR-9"
    assert event.params["fields"]["last_name"][1] == "Marin"
    assert event.params["contacts"] == [
        {"kind": "email", "before": "ana@example.com", "after": "ana.marin@example.com"}
    ]
    assert event.params["note"] == "Married name"
    # the field change is the lead's own UPDATED event as well
    assert LeadEvent.objects.filter(lead=lead, type=EventType.UPDATED).exists()
    assert ContactPoint.objects.filter(lead=lead, value="ana.marin@example.com").exists()
    lead.refresh_from_db()
    assert "ana.marin@example.com" in lead.search_text


def test_a_correction_that_changes_nothing_is_refused(manager, lead):
    with pytest.raises(ValidationFailed):
        lead_rectify(
            actor=Actor(user=manager), lead=lead, contacts={"ana@example.com": "ANA@example.com"}
        )
    assert not LeadEvent.objects.filter(type=EVENT_RECTIFIED).exists()


def test_a_manager_who_does_not_own_the_lead_cannot_correct_it(manager, team):
    queue_lead = make_lead(team=team)
    with pytest.raises(PermissionDenied):
        lead_rectify(actor=Actor(user=manager), lead=queue_lead, data={"city": "Iași"})
    assert not LeadEvent.objects.filter(type=EVENT_RECTIFIED).exists()


def test_a_correction_from_the_card(client, head, lead):
    client.force_login(head)
    client.post(
        reverse("consent-rectify", args=[lead.pk]),
        {"request_reference": "DSR-3", "field": "city", "value": "Cluj-Napoca"},
    )
    event = LeadEvent.objects.get(lead=lead, type=EVENT_RECTIFIED)
    assert event.params["fields"] == {"city": ["", "Cluj-Napoca"]}
    page = card(client, lead).content.decode()
    assert "Data corrected on request" in page and "DSR-3" in page


# --- the API ---------------------------------------------------------------------------


def test_the_api_lists_a_leads_consents_and_blocks(manager, head, lead):
    consent_record(
        actor=Actor(user=manager),
        lead=lead,
        purpose="marketing_email",
        status="given",
        method="call",
    )
    restrict_subject(actor=Actor(user=head), lead=lead, reason="Asked")
    response = api(manager).get(f"/api/v1/consent/leads/{lead.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["restricted"] is True
    assert body["states"]["marketing_email"] == "given"
    assert body["states"]["profiling"] == "none"
    assert [r["purpose"] for r in body["records"]] == ["marketing_email"]
    assert body["restrictions"][0]["values"] == ["ana@example.com", "+40722123456"] or set(
        body["restrictions"][0]["values"]
    ) == {"ana@example.com", "+40722123456"}


def test_the_api_hides_a_lead_out_of_sight(outsider, lead):
    assert api(outsider).get(f"/api/v1/consent/leads/{lead.pk}").status_code == 404


def test_the_api_records_a_withdrawal(telemarketer, team):
    queue_lead = make_lead(team=team)
    response = api(telemarketer).post(
        f"/api/v1/consent/leads/{queue_lead.pk}/records",
        {"purpose": "marketing_email", "status": "withdrawn"},
    )
    assert response.status_code == 201
    assert response.json()["method"] == "api"
    refused = api(telemarketer).post(
        f"/api/v1/consent/leads/{queue_lead.pk}/records",
        {"purpose": "marketing_email", "status": "given"},
    )
    assert refused.status_code == 403
    assert ConsentRecord.objects.count() == 1


def test_the_api_blocks_and_lifts_by_role(manager, head, admin_user, lead):
    refused = api(manager).post(f"/api/v1/consent/leads/{lead.pk}/restrictions", {"reason": "x"})
    assert refused.status_code == 403
    response = api(head).post(
        f"/api/v1/consent/leads/{lead.pk}/restrictions",
        {"reason": "Asked", "request_reference": "R1"},
    )
    assert response.status_code == 201
    restriction_id = response.json()["id"]
    assert (
        api(manager).post(f"/api/v1/consent/restrictions/{restriction_id}/lift", {}).status_code
        == 403
    )
    lifted = api(admin_user).post(
        f"/api/v1/consent/restrictions/{restriction_id}/lift", {"reason": "Done"}
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_at"] is not None


def test_a_person_by_address_is_for_admins(head, admin_user):
    body = {"email": "ana@example.com", "reason": "Asked"}
    assert api(head).post("/api/v1/consent/restrictions", body).status_code == 403
    assert api(admin_user).post("/api/v1/consent/restrictions", body).status_code == 201
    state = {"email": "ana@example.com", "purpose": "marketing_email"}
    assert api(head).post("/api/v1/consent/state", state).status_code == 403
    assert api(admin_user).post("/api/v1/consent/state", state).json()["state"] == "none"


def test_the_api_rectifies(head, lead):
    response = api(head).post(
        f"/api/v1/consent/leads/{lead.pk}/rectify",
        {"fields": {"first_name": "Anna"}, "request_reference": "R2"},
    )
    assert response.status_code == 200
    event = LeadEvent.objects.get(pk=response.json()["event_id"])
    assert event.params["fields"] == {"first_name": ["Ana", "Anna"]}


def test_the_leads_timeline_api_carries_consent_events(manager, head, lead):
    consent_record(
        actor=Actor(user=manager), lead=lead, purpose="contact_phone", status="given", method="call"
    )
    restrict_subject(actor=Actor(user=head), lead=lead, reason="Asked")
    response = api(head).get(f"/api/v1/leads/{lead.pk}/events")
    assert response.status_code == 200
    types = [item["type"] for item in response.json()["items"]]
    assert types[:2] == ["restricted", "consent_recorded"]


def test_a_block_by_address_alone_offers_no_unblock_to_a_head(client, admin_user, head, lead):
    restrict_subject(actor=Actor(user=admin_user), email="ana@example.com", reason="By letter")
    client.force_login(head)
    page = card(client, lead).content.decode()
    assert "By letter" in page and "Unblock" not in page
    client.force_login(admin_user)
    assert "Unblock" in card(client, lead).content.decode()
