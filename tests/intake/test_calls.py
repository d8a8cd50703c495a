"""POST /api/v1/inbound/calls/<key>: call-tracking events (generic signed JSON, or Twilio's
voice status callback) become leads, call events on known leads and call-back tasks."""

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from galena.intake.adapters.calls import twilio_signature
from galena.intake.models import Submission, TrackingNumber, WebhookIntegration
from galena.leads.models import EventType, Lead, LeadEvent, Task
from galena.leads.services import Actor, ContactInput, lead_create
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

SECRET = "call-tracking-secret-0123456789"
TWILIO_TOKEN = "twilio-auth-token-abcdef0123456789"


@pytest.fixture
def integration(team):
    return WebhookIntegration.objects.create(
        name="CallTrack", kind="calls", secret=SECRET, default_team=team
    )


@pytest.fixture
def twilio(db):
    return WebhookIntegration.objects.create(
        name="Twilio", kind="calls", provider="twilio", secret=TWILIO_TOKEN
    )


@pytest.fixture
def tracking(db):
    source = SourceFactory(name="Google Ads", channel="paid_search")
    return TrackingNumber.objects.create(
        number="+40312345678", source=source, campaign=CampaignFactory(source=source, name="Brand")
    )


def event(**changes):
    data = {
        "event": "started",
        "call_id": "c-1001",
        "caller": "+40722123456",
        "called": "+40312345678",
        "started_at": "2026-03-10T09:15:00+02:00",
        "direction": "inbound",
    }
    return data | changes


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, integration, data, *, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    headers = {"X-Galena-Signature": signature if signature is not None else signed(body)}
    if signature == "":
        headers = {}
    return client.post(
        f"/api/v1/inbound/calls/{integration.key}",
        body,
        content_type="application/json",
        headers=headers,
    )


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_call_from_a_new_number_creates_a_lead_with_a_call_back_task(
    client, integration, tracking, team
):
    response = post(client, integration, event())

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.idempotency_key == "c-1001:started"
    lead = submission.lead
    assert lead.display_name == "+40722123456"
    assert lead.channel == "phone_call"
    assert (lead.source, lead.campaign, lead.team) == (tracking.source, tracking.campaign, team)
    call = LeadEvent.objects.get(lead=lead, type=EventType.CALL)
    assert call.params["event"] == "started"
    assert call.params["tracking_number"] == "+40312345678"
    assert call.occurred_at == dt.datetime(2026, 3, 10, 7, 15, tzinfo=dt.UTC)
    assert call.actor_source == "call"
    received = LeadEvent.objects.get(lead=lead, type=EventType.SUBMISSION_RECEIVED)
    assert received.params["tracking_number"] == "+40312345678"
    task = Task.objects.get(lead=lead)
    assert (task.kind, task.title) == ("call", "Call back +40722123456")
    assert task.due_at == submission.received_at + dt.timedelta(hours=24)


def test_the_same_event_twice_is_stored_once(client, integration, tracking):
    first = post(client, integration, event())
    again = post(client, integration, event())

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert Submission.objects.count() == 1


def test_answered_and_ended_events_of_the_call_go_on_the_same_leads_timeline(
    client, integration, tracking
):
    post(client, integration, event())
    post(client, integration, event(event="answered"))
    post(
        client,
        integration,
        event(event="ended", duration_s=185, recording_url="https://rec.example.com/c-1001.mp3"),
    )

    lead = Lead.objects.get()
    calls = LeadEvent.objects.filter(lead=lead, type=EventType.CALL).order_by("id")
    assert [c.params["event"] for c in calls] == ["started", "answered", "ended"]
    assert calls[2].params["duration_s"] == 185
    assert calls[2].params["recording_url"] == "https://rec.example.com/c-1001.mp3"
    assert list(Submission.objects.values_list("outcome", flat=True).order_by("pk")) == [
        "created",
        "attached",
        "attached",
    ]
    assert Task.objects.count() == 1


def test_a_known_caller_gets_the_call_on_their_lead(client, integration, tracking):
    lead = lead_create(
        actor=Actor.system(),
        data={"first_name": "Ana", "last_name": "Marin"},
        contacts=[ContactInput(kind="phone", value="0722 123 456")],
    )

    post(client, integration, event(event="answered"))

    assert Lead.objects.count() == 1
    assert LeadEvent.objects.get(lead=lead, type=EventType.CALL).params["caller"] == "+40722123456"
    assert Submission.objects.get().outcome == "attached"
    assert Task.objects.count() == 0


def test_a_missed_call_asks_for_an_urgent_call_back(client, integration, tracking):
    lead = lead_create(
        actor=Actor.system(),
        data={"first_name": "Ana"},
        contacts=[ContactInput(kind="phone", value="+40722123456")],
    )
    before = timezone.now()

    post(client, integration, event(event="missed"))

    task = Task.objects.get(lead=lead)
    assert task.title == "Missed call from +40722123456: call back now"
    assert before <= task.due_at <= timezone.now()


def test_a_call_to_an_unknown_number_is_kept_without_a_source(client, integration):
    post(client, integration, event(called="+40219999999"))

    lead = Lead.objects.get()
    assert (lead.source, lead.campaign) == (None, None)
    assert LeadEvent.objects.get(type=EventType.CALL).params["tracking_number"] == "+40219999999"


def test_a_withheld_number_is_an_interest_not_a_lead(client, integration, tracking):
    response = post(client, integration, event(caller="anonymous", event="missed"))

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert (submission.status, submission.outcome) == ("processed", "interest")
    assert Lead.objects.count() == 0


def test_a_wrong_signature_is_403_and_nothing_is_stored(client, integration):
    response = post(client, integration, event(), signature=signed(b"other body"))

    assert response.status_code == 403
    assert response.json()["error"]["field"] == "X-Galena-Signature"
    assert nothing_written()


def test_a_missing_signature_is_401(client, integration):
    response = post(client, integration, event(), signature="")

    assert response.status_code == 401
    assert "X-Galena-Signature" in response.json()["error"]["message"]
    assert nothing_written()


def test_bad_fields_are_named_and_nothing_is_stored(client, integration):
    response = post(
        client,
        integration,
        {
            "event": "hung-up",
            "caller": "",
            "called": "+40312345678",
            "started_at": "yesterday",
            "duration_s": -3,
            "recording_url": "ftp://x",
            "direction": "sideways",
        },
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "event",
        "call_id",
        "caller",
        "started_at",
        "duration_s",
        "recording_url",
        "direction",
    }
    assert nothing_written()


def test_invalid_json_is_400(client, integration):
    response = post(client, integration, None, raw=b"{nope")

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]
    assert nothing_written()


def test_a_chat_integrations_key_is_not_a_call_integration(client, db):
    chat = WebhookIntegration.objects.create(name="Chat", kind="chat", secret=SECRET)

    response = post(client, chat, event())

    assert response.status_code == 404
    assert nothing_written()


def test_a_disabled_integration_is_410(client, integration):
    integration.is_active = False
    integration.save()

    assert post(client, integration, event()).status_code == 410
    assert nothing_written()


# --- Twilio ---------------------------------------------------------------------------


def test_twilio_signature_matches_twilios_documented_example():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }

    signature = twilio_signature(
        "12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params.items()
    )

    assert signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def twilio_fields(**changes):
    fields = {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "ApiVersion": "2010-04-01",
        "CallSid": "CAa1b2c3d4e5f60718293a4b5c6d7e8f90",
        "CallStatus": "completed",
        "CallDuration": "42",
        "Called": "+40312345678",
        "Caller": "+40744555666",
        "Direction": "inbound",
        "From": "+40744555666",
        "To": "+40312345678",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
        "Timestamp": "Tue, 10 Mar 2026 09:20:00 +0000",
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "2",
    }
    return fields | changes


def post_twilio(client, integration, fields, *, url=None, signature=None):
    url = url or f"http://testserver/api/v1/inbound/calls/{integration.key}"
    headers = {
        "X-Twilio-Signature": signature
        if signature is not None
        else twilio_signature(TWILIO_TOKEN, url, fields.items())
    }
    if signature == "":
        headers = {}
    return client.post(
        f"/api/v1/inbound/calls/{integration.key}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def test_twilio_status_callback_is_checked_stored_and_becomes_a_call(client, twilio, tracking):
    response = post_twilio(client, twilio, twilio_fields())

    assert response.status_code == 204
    submission = Submission.objects.get()
    assert submission.adapter == "twilio"
    assert submission.idempotency_key == "CAa1b2c3d4e5f60718293a4b5c6d7e8f90:ended"
    lead = submission.lead
    assert lead.display_name == "+40744555666"
    assert lead.source == tracking.source
    call = LeadEvent.objects.get(lead=lead, type=EventType.CALL)
    assert call.params | {"submission_id": None} == {
        "call_id": "CAa1b2c3d4e5f60718293a4b5c6d7e8f90",
        "event": "ended",
        "status": "completed",
        "direction": "inbound",
        "caller": "+40744555666",
        "called": "+40312345678",
        "tracking_number": "+40312345678",
        "duration_s": 42,
        "recording_url": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
        "started_at": "2026-03-10T09:20:00+00:00",
        "provider": "twilio",
        "submission_id": None,
    }


def test_twilio_no_answer_is_a_missed_call(client, twilio, tracking):
    post_twilio(client, twilio, twilio_fields(CallStatus="no-answer", CallDuration="0"))

    assert Task.objects.get().title == "Missed call from +40744555666: call back now"


def test_twilio_signature_over_the_public_url_behind_a_proxy(client, twilio, settings):
    settings.SITE_URL = "https://crm.example.com"
    url = f"https://crm.example.com/api/v1/inbound/calls/{twilio.key}"

    response = post_twilio(client, twilio, twilio_fields(), url=url)

    assert response.status_code == 204


def test_twilio_wrong_signature_is_403_and_nothing_is_stored(client, twilio):
    response = post_twilio(client, twilio, twilio_fields(), signature="bm90IGl0")

    assert response.status_code == 403
    assert "auth token" in response.json()["error"]["message"]
    assert nothing_written()


def test_twilio_without_signature_is_401(client, twilio):
    assert post_twilio(client, twilio, twilio_fields(), signature="").status_code == 401
    assert nothing_written()


def test_twilio_fields_that_are_missing_are_named(client, twilio):
    fields = twilio_fields(CallStatus="exploded")
    del fields["CallSid"]

    response = post_twilio(client, twilio, fields)

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"CallSid", "CallStatus"}
    assert nothing_written()
