"""POST /api/v1/track/server and the service behind it: what a lead did outside the browser,
posted with a user's API token for a lead that user may see."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.core.errors import ValidationFailed
from galena.leads.models import ContactKind
from galena.scoring.models import TrackedEvent, TrackedKind, TrackedOrigin
from galena.scoring.server_events import server_event_record
from tests.api import conftest as api_fixtures
from tests.factories import ContactPointFactory, LeadFactory
from tests.scoring import tracking_fixtures

behaviour_rules = tracking_fixtures.behaviour_rules
api_as = api_fixtures.api_as
anonymous_api = api_fixtures.anonymous_api

URL = "/api/v1/track/server"


@pytest.fixture
def lead(manager):
    lead = LeadFactory(owner=manager, team=manager.profile.team)
    ContactPointFactory(
        lead=lead, kind=ContactKind.EMAIL, value_raw="Ana@Example.com", value="ana@example.com"
    )
    ContactPointFactory(
        lead=lead,
        kind=ContactKind.PHONE,
        value_raw="0722 123 456",
        value="+40722123456",
        is_primary=False,
    )
    return lead


def test_a_call_answered_is_stored_for_the_lead_and_scored(api_as, manager, lead, behaviour_rules):
    at = timezone.now() - dt.timedelta(hours=2)

    response = api_as(manager).post(
        URL,
        {
            "lead_id": lead.pk,
            "kind": "call_answered",
            "occurred_at": at.isoformat(),
            "properties": {"minutes": 12},
            "external_id": "call-981",
        },
    )

    assert response.status_code == 201
    event = TrackedEvent.objects.get()
    assert response.json() == {"stored": True, "event_id": event.pk, "lead_id": lead.pk}
    assert (event.lead, event.kind, event.origin, event.occurred_at) == (
        lead,
        TrackedKind.CALL_ANSWERED,
        TrackedOrigin.SERVER,
        at,
    )
    assert event.properties == {"minutes": 12}
    lead.refresh_from_db()
    assert lead.score == 15


def test_the_same_external_id_again_stores_nothing(api_as, manager, lead):
    client = api_as(manager)
    body = {"lead_id": lead.pk, "kind": "offer_viewed", "external_id": "offer-1"}

    first = client.post(URL, body)
    again = client.post(URL, body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {
        "stored": False,
        "event_id": first.json()["event_id"],
        "lead_id": lead.pk,
    }
    assert TrackedEvent.objects.count() == 1


def test_the_lead_can_be_named_by_its_email_or_phone_as_typed(api_as, manager, lead):
    client = api_as(manager)

    by_email = client.post(URL, {"email": " ANA@example.COM ", "kind": "webinar"})
    by_phone = client.post(URL, {"phone": "+40 722 123 456", "kind": "questions_answered"})

    assert (by_email.status_code, by_phone.status_code) == (201, 201)
    assert set(TrackedEvent.objects.values_list("lead_id", flat=True)) == {lead.pk}


def test_a_contact_of_several_leads_is_refused_asking_for_the_id(api_as, manager, lead):
    twin = LeadFactory(owner=manager)
    ContactPointFactory(
        lead=twin, kind=ContactKind.EMAIL, value_raw="ana@example.com", value="ana@example.com"
    )

    response = api_as(manager).post(URL, {"email": "ana@example.com", "kind": "webinar"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "email"
    assert "send lead_id" in response.json()["error"]["message"]
    assert TrackedEvent.objects.count() == 0


def test_a_lead_of_someone_else_is_not_found_and_nothing_is_stored(api_as, outsider, lead):
    client = api_as(outsider)

    by_id = client.post(URL, {"lead_id": lead.pk, "kind": "call_answered"})
    by_email = client.post(URL, {"email": "ana@example.com", "kind": "call_answered"})

    assert (by_id.status_code, by_email.status_code) == (404, 404)
    assert by_email.json()["error"]["field"] == "email"
    assert TrackedEvent.objects.count() == 0


def test_a_marketer_may_not_post_for_leads(api_as, marketer, lead):
    response = api_as(marketer).post(URL, {"lead_id": lead.pk, "kind": "call_answered"})

    assert response.status_code == 403
    assert TrackedEvent.objects.count() == 0


def test_without_a_token_it_is_401(anonymous_api, lead):
    response = anonymous_api.post(URL, {"lead_id": lead.pk, "kind": "call_answered"})

    assert response.status_code == 401
    assert TrackedEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "call_answered"}, "lead_id"),
        ({"lead_id": 1, "email": "a@example.com", "kind": "call_answered"}, "email"),
        ({"kind": "email_open"}, "kind"),
        ({"kind": "coffee"}, "kind"),
        ({"kind": "call_answered", "occurred_at": "2026-05-01T15:00:00"}, "occurred_at"),
        ({"kind": "call_answered", "external_id": "x" * 91}, "external_id"),
        ({"kind": "call_answered", "properties": {"blob": "x" * 9000}}, "properties"),
        ({"kind": "call_answered", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(api_as, manager, lead, body, field):
    body = {"lead_id": lead.pk, **body} if field not in ("lead_id", "email") else body

    response = api_as(manager).post(URL, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field
    assert TrackedEvent.objects.count() == 0


def test_an_event_for_a_merged_lead_goes_to_the_lead_it_was_merged_into(api_as, manager, lead):
    survivor = LeadFactory(owner=manager)
    lead.merged_into = survivor
    lead.save()

    response = api_as(manager).post(URL, {"lead_id": lead.pk, "kind": "offer_viewed"})

    assert response.status_code == 201
    assert response.json()["lead_id"] == survivor.pk
    assert TrackedEvent.objects.get().lead == survivor


def test_other_apps_record_through_the_service(lead, behaviour_rules):
    event = server_event_record(lead=lead, kind=TrackedKind.CALL_ANSWERED, external_id="calls:7")
    again = server_event_record(lead=lead, kind=TrackedKind.CALL_ANSWERED, external_id="calls:7")

    assert (event.lead, event.origin, again) == (lead, TrackedOrigin.SERVER, None)
    lead.refresh_from_db()
    assert lead.score == 15


def test_the_service_refuses_a_time_without_its_zone(lead):
    with pytest.raises(ValidationFailed) as refused:
        server_event_record(lead=lead, kind="webinar", occurred_at=dt.datetime(2026, 5, 1, 15))

    assert set(refused.value.errors) == {"occurred_at"}
    assert TrackedEvent.objects.count() == 0
