"""Google Ads lead form webhook: the google_key is checked, the columns become the lead,
the campaign id maps to a Galena campaign, the key is not kept."""

import json

import pytest

from galena.intake.models import AdPlatformIntegration, ExternalCampaign, Submission
from galena.leads.models import Lead, LeadEvent
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

GOOGLE_KEY = "gk-5f0c1d2e3b4a69788796a5b4c3d2e1f0"


@pytest.fixture
def integration(team):
    source = SourceFactory(name="Google Ads", channel="paid_search")
    return AdPlatformIntegration.objects.create(
        platform="google",
        name="Google lead forms",
        google_key=GOOGLE_KEY,
        source=source,
        campaign=CampaignFactory(source=source, name="Search – generic"),
        default_team=team,
    )


def lead(**changes):
    data = {
        "lead_id": "TeSter-123-ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz-0123456789",
        "user_column_data": [
            {
                "column_name": "Full Name",
                "string_value": "Lucía Fernández",
                "column_id": "FULL_NAME",
            },
            {
                "column_name": "User Phone",
                "string_value": "+34 612 345 678",
                "column_id": "PHONE_NUMBER",
            },
            {
                "column_name": "User Email",
                "string_value": "lucia.fernandez@example.es",
                "column_id": "EMAIL",
            },
            {"column_name": "City", "string_value": "Sevilla", "column_id": "CITY"},
            {
                "column_name": "¿Qué tipo de vivienda tiene?",
                "string_value": "Chalet",
                "column_id": "QUE_TIPO_DE_VIVIENDA_TIENE",
            },
        ],
        "api_version": "1.0",
        "form_id": 40000000000,
        "campaign_id": 20000000000,
        "google_key": GOOGLE_KEY,
        "is_test": False,
        "gcl_id": "EAIaIQobChMI-test-gclid",
        "adgroup_id": 30000000000,
        "creative_id": 50000000000,
    }
    return data | changes


def post(client, integration, data, raw=None):
    return client.post(
        f"/api/v1/inbound/google-ads/{integration.key}",
        raw if raw is not None else json.dumps(data),
        content_type="application/json",
    )


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_lead_becomes_a_lead_with_its_columns_and_ad_ids(client, integration, team):
    response = post(client, integration, lead())

    assert response.status_code == 200
    submission = Submission.objects.get()
    assert response.json() == {"status": "accepted", "reference": submission.pk}
    assert submission.status == "processed"
    created = submission.lead
    assert (created.first_name, created.last_name, created.city) == (
        "Lucía",
        "Fernández",
        "Sevilla",
    )
    assert sorted(created.contact_points.values_list("kind", "value")) == [
        ("email", "lucia.fernandez@example.es"),
        ("phone", "+34612345678"),
    ]
    assert created.attributes["¿Qué tipo de vivienda tiene?"] == "Chalet"
    assert created.attributes["ad"] == {
        "platform": "google",
        "lead_id": lead()["lead_id"],
        "form_id": "40000000000",
        "campaign_id": "20000000000",
        "adgroup_id": "30000000000",
        "creative_id": "50000000000",
        "gclid": "EAIaIQobChMI-test-gclid",
        "is_test": False,
    }
    assert (created.source, created.campaign, created.team) == (
        integration.source,
        integration.campaign,
        team,
    )
    assert (created.utm_source, created.utm_medium) == ("google", "lead_form")


def test_the_google_key_is_kept_neither_in_the_body_nor_the_payload(client, integration):
    post(client, integration, lead())

    submission = Submission.objects.get()
    assert GOOGLE_KEY not in submission.raw_body
    assert submission.payload["google_key"] == "[redacted]"
    assert json.loads(submission.raw_body)["lead_id"] == lead()["lead_id"]


def test_a_linked_campaign_id_attributes_the_lead_to_that_campaign(client, integration):
    campaign = CampaignFactory(source=integration.source, name="Solar – Sevilla")
    ExternalCampaign.objects.create(platform="google", external_id="20000000000", campaign=campaign)

    post(client, integration, lead())

    assert Lead.objects.get().campaign == campaign


def test_the_same_lead_twice_is_stored_once_and_answered_200(client, integration):
    first = post(client, integration, lead())
    again = post(client, integration, lead())

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert Submission.objects.count() == 1


def test_a_test_lead_is_marked_as_such(client, integration):
    post(client, integration, lead(is_test=True))

    assert Lead.objects.get().attributes["ad"]["is_test"] is True


def test_a_wrong_google_key_is_403_and_nothing_is_stored(client, integration):
    response = post(client, integration, lead(google_key="someone-elses-key"))

    assert response.status_code == 403
    assert response.json()["error"]["field"] == "google_key"
    assert nothing_written()


def test_a_missing_google_key_is_403(client, integration):
    data = lead()
    del data["google_key"]

    assert post(client, integration, data).status_code == 403
    assert nothing_written()


def test_missing_lead_id_and_bad_columns_are_named(client, integration):
    data = lead(user_column_data=[{"column_id": "EMAIL", "string_value": 5}, "x"])
    del data["lead_id"]

    response = post(client, integration, data)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "lead_id": "This field is required: the lead's id.",
        "user_column_data[0].string_value": "Expected text.",
        "user_column_data[1]": "Expected an object.",
    }
    assert nothing_written()


def test_a_body_that_is_not_json_is_400(client, integration):
    response = post(client, integration, None, raw="lead_id=1")

    assert response.status_code == 400
    assert nothing_written()


def test_an_unknown_key_is_404(client, db):
    response = client.post(
        "/api/v1/inbound/google-ads/i_nope", json.dumps(lead()), content_type="application/json"
    )

    assert response.status_code == 404
    assert nothing_written()
