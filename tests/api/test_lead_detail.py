"""GET /api/v1/leads/{id}: every field of one lead, only for those who may see it."""

import datetime as dt

from django.core.serializers.json import DjangoJSONEncoder

from galena.leads.models import (
    Channel,
    ContactKind,
    OfflineEvent,
    QualityStatus,
    Stage,
    Verification,
    VerificationMethod,
)
from tests.api.helpers import error
from tests.factories import CampaignFactory, ContactPointFactory, LeadFactory

encode_time = DjangoJSONEncoder().default
NOT_YOURS = error("not_found", "No lead with this id, or it is not yours to see.")


def test_the_detail_has_every_field_and_contact(api_as, manager, team):
    campaign = CampaignFactory(name="Autumn fair")
    event = OfflineEvent.objects.create(name="Expo 2025", source=campaign.source, city="Iasi")
    verified = dt.datetime(2025, 4, 2, 9, 30, tzinfo=dt.UTC)
    recontact = dt.datetime(2025, 9, 1, 8, tzinfo=dt.UTC)
    lead = LeadFactory(
        first_name="Ana",
        middle_name="Maria",
        last_name="Pop",
        display_name="Ana Maria Pop",
        company_name="Acme",
        position="CTO",
        language="ro",
        country="RO",
        region="Iasi",
        city="Iasi",
        interest="Solar panels",
        comment="Call after 5",
        preferred_contact_time="evenings",
        attributes={"budget": 5000},
        verification=Verification.VERIFIED,
        verification_method=VerificationMethod.CALL,
        verified_at=verified,
        quality_status=QualityStatus.ACCEPTED,
        quality_reasons=[{"code": "ok"}],
        stage=Stage.objects.get(code="qualified"),
        owner=manager,
        team=team,
        score=70,
        predicted_probability=0.4,
        channel=Channel.EXHIBITION,
        source=campaign.source,
        campaign=campaign,
        utm_source="expo",
        utm_medium="offline",
        utm_campaign="autumn",
        utm_term="solar",
        utm_content="stand",
        referrer="https://example.com/",
        landing_page="https://galena.example/solar",
        offline_event=event,
        assigned_at=verified,
        qualified_at=verified,
        recontact_at=recontact,
    )
    phone = ContactPointFactory(
        lead=lead, kind=ContactKind.PHONE, value_raw="0721 000 000", value="+40721000000"
    )
    lead.refresh_from_db()

    response = api_as(manager).get(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": lead.pk,
        "display_name": "Ana Maria Pop",
        "first_name": "Ana",
        "middle_name": "Maria",
        "last_name": "Pop",
        "company_name": "Acme",
        "position": "CTO",
        "language": "ro",
        "country": "RO",
        "region": "Iasi",
        "city": "Iasi",
        "interest": "Solar panels",
        "comment": "Call after 5",
        "preferred_contact_time": "evenings",
        "attributes": {"budget": 5000},
        "temperature": "unknown",
        "fit": "unknown",
        "origin": "unknown",
        "contact_type": "unknown",
        "verification": "verified",
        "verification_method": "call",
        "verified_at": "2025-04-02T09:30:00Z",
        "quality_status": "accepted",
        "quality_reasons": [{"code": "ok"}],
        "stage": "qualified",
        "owner": {"id": manager.pk, "username": "manager"},
        "team_id": team.pk,
        "score": 70,
        "predicted_probability": 0.4,
        "channel": "exhibition",
        "source": {"id": campaign.source_id, "name": campaign.source.name},
        "campaign": {"id": campaign.pk, "name": "Autumn fair"},
        "utm_source": "expo",
        "utm_medium": "offline",
        "utm_campaign": "autumn",
        "utm_term": "solar",
        "utm_content": "stand",
        "referrer": "https://example.com/",
        "landing_page": "https://galena.example/solar",
        "offline_event": {"id": event.pk, "name": "Expo 2025"},
        "created_at": encode_time(lead.created_at),
        "updated_at": encode_time(lead.updated_at),
        "assigned_at": "2025-04-02T09:30:00Z",
        "first_response_at": None,
        "response_due_at": None,
        "sla_status": None,
        "qualified_at": "2025-04-02T09:30:00Z",
        "converted_at": None,
        "rejected_at": None,
        "rejection_reason": None,
        "rejection_note": "",
        "recontact_at": "2025-09-01T08:00:00Z",
        "merged_into_id": None,
        "contact_points": [
            {
                "id": phone.pk,
                "kind": "phone",
                "value": "+40721000000",
                "value_raw": "0721 000 000",
                "label": "",
                "is_primary": True,
                "is_valid": True,
                "verified": False,
                "verified_at": None,
                "created_at": encode_time(phone.created_at),
            }
        ],
    }


def test_a_merged_lead_names_the_lead_it_was_merged_into(api_as, manager, team):
    survivor = LeadFactory(owner=manager, team=team)
    merged = LeadFactory(owner=manager, team=team, merged_into=survivor)
    api = api_as(manager)

    merged_body = api.get(f"/api/v1/leads/{merged.pk}").json()
    survivor_body = api.get(f"/api/v1/leads/{survivor.pk}").json()

    assert (merged_body["merged_into_id"], survivor_body["merged_into_id"]) == (survivor.pk, None)


def test_a_lead_of_another_manager_is_not_found(api_as, manager, colleague, team):
    lead = LeadFactory(owner=colleague, team=team)

    response = api_as(manager).get(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 404
    assert response.json() == NOT_YOURS


def test_a_lead_of_another_team_is_not_found_for_its_head(api_as, head, outsider, other_team):
    lead = LeadFactory(owner=outsider, team=other_team)

    response = api_as(head).get(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 404


def test_a_lead_that_does_not_exist_is_not_found(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/leads/999999")

    assert response.status_code == 404
    assert response.json() == NOT_YOURS


def test_a_marketer_may_not_read_a_lead(api_as, marketer, team):
    lead = LeadFactory(team=team)

    response = api_as(marketer).get(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 403
    assert response.json() == error("forbidden", "Your role does not give access to leads.")


def test_the_detail_costs_the_same_queries_for_any_number_of_contacts(
    api_as, admin_user, django_assert_num_queries
):
    lead = LeadFactory(campaign=CampaignFactory())
    for _ in range(5):
        ContactPointFactory(lead=lead)
    api = api_as(admin_user)
    api.get(f"/api/v1/leads/{lead.pk}")

    # the token, the lead with its relations, its contact points
    with django_assert_num_queries(3):
        response = api.get(f"/api/v1/leads/{lead.pk}")

    assert len(response.json()["contact_points"]) == 5
