"""Meta Lead Ads: the webhook's verification and signature, and the lead's fields fetched
from a Graph API — here a real HTTP server on 127.0.0.1 serving Graph-shaped answers."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from galena.intake.models import AdPlatformIntegration, ExternalCampaign, Submission
from galena.leads.models import EventType, Lead, LeadEvent
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

APP_SECRET = "meta-app-secret-0123456789abcdef"
ACCESS_TOKEN = "EAAGm0PX4ZCpsBAPageToken0123456789"
VERIFY_TOKEN = "galena-verify-7f3a"

LEADS = {
    "1234567890123456": {
        "created_time": "2026-03-10T08:41:12+0000",
        "id": "1234567890123456",
        "field_data": [
            {"name": "full_name", "values": ["Maria Ionescu"]},
            {"name": "email", "values": ["Maria.Ionescu@Example.ro"]},
            {"name": "phone_number", "values": ["+40 745 111 222"]},
            {"name": "city", "values": ["Brașov"]},
            {"name": "ce_suprafata_are_casa?", "values": ["120-150 mp"]},
            {"name": "când_doriți_montajul?", "values": ["în_3_luni"]},
        ],
        "campaign_id": "23851234567890000",
        "platform": "fb",
    },
    "6543210987654321": {
        "created_time": "2026-03-10T08:45:00+0000",
        "id": "6543210987654321",
        "field_data": [
            {"name": "first_name", "values": ["Jukka"]},
            {"name": "last_name", "values": ["Mäkinen"]},
            {"name": "work_email", "values": ["jukka.makinen@yritys.fi"]},
        ],
        "platform": "ig",
    },
}


class GraphServer:
    """Graph-shaped answers: GET /<lead id>?access_token=… gives the lead, a wrong token the
    Graph API's OAuthException, and `down` makes every answer a 503."""

    def __init__(self):
        self.requests: list[dict] = []
        self.down = False
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                graph.requests.append({"path": parts.path, "query": query})
                lead = LEADS.get(parts.path.rsplit("/", 1)[-1])
                if graph.down:
                    self.answer(
                        503, {"error": {"message": "Service temporarily unavailable", "code": 2}}
                    )
                elif query.get("access_token") != ACCESS_TOKEN:
                    self.answer(
                        400,
                        {
                            "error": {
                                "message": "Invalid OAuth access token - Cannot parse access token",
                                "type": "OAuthException",
                                "code": 190,
                            }
                        },
                    )
                elif lead is None:
                    self.answer(404, {"error": {"message": "Unknown lead", "code": 100}})
                else:
                    self.answer(200, lead)

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )


@pytest.fixture
def graph(settings):
    server = GraphServer()
    server.thread.start()
    settings.META_GRAPH_URL = server.url
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def integration(team):
    source = SourceFactory(name="Facebook Lead Ads", channel="ad_lead_form")
    return AdPlatformIntegration.objects.create(
        platform="meta",
        name="Solaris page",
        verify_token=VERIFY_TOKEN,
        app_secret=APP_SECRET,
        access_token=ACCESS_TOKEN,
        source=source,
        campaign=CampaignFactory(source=source, name="Always-on lead ads"),
        default_team=team,
    )


def webhook(*leadgen_ids):
    return {
        "object": "page",
        "entry": [
            {
                "id": "104857600000000",
                "time": 1773132072,
                "changes": [
                    {
                        "field": "leadgen",
                        "value": {
                            "ad_id": "23851234567890123",
                            "form_id": "987654321098765",
                            "leadgen_id": leadgen_id,
                            "created_time": 1773132072,
                            "page_id": "104857600000000",
                            "adgroup_id": "23851234567890456",
                        },
                    }
                    for leadgen_id in leadgen_ids
                ]
                + [{"field": "feed", "value": {"item": "status"}}],
            }
        ],
    }


def post(client, integration, data, *, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    if signature is None:
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    return client.post(
        f"/api/v1/inbound/meta/{integration.key}",
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


def test_verification_echoes_the_challenge(client, integration):
    response = client.get(
        f"/api/v1/inbound/meta/{integration.key}",
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


def test_verification_with_a_wrong_token_is_403(client, integration):
    response = client.get(
        f"/api/v1/inbound/meta/{integration.key}",
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )

    assert response.status_code == 403
    assert response.json()["error"]["field"] == "hub.verify_token"


def test_verification_without_hub_mode_is_400(client, integration):
    response = client.get(f"/api/v1/inbound/meta/{integration.key}")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "hub.mode"


def test_each_announced_lead_is_stored_fetched_and_becomes_a_lead(client, integration, graph, team):
    body = json.dumps(webhook("1234567890123456", "6543210987654321")).encode()

    response = post(client, integration, None, raw=body)

    assert response.status_code == 200
    submissions = list(Submission.objects.order_by("pk"))
    assert response.json() == {"status": "accepted", "references": [s.pk for s in submissions]}
    assert [s.idempotency_key for s in submissions] == ["1234567890123456", "6543210987654321"]
    assert {s.raw_body for s in submissions} == {body.decode()}
    first = submissions[0]
    assert first.status == "processed"
    assert first.payload["lead"]["field_data"][0] == {
        "name": "full_name",
        "values": ["Maria Ionescu"],
    }
    lead = first.lead
    assert (lead.first_name, lead.last_name, lead.city) == ("Maria", "Ionescu", "Brașov")
    assert sorted(lead.contact_points.values_list("kind", "value")) == [
        ("email", "maria.ionescu@example.ro"),
        ("phone", "+40745111222"),
    ]
    assert lead.attributes["ce_suprafata_are_casa?"] == "120-150 mp"
    assert lead.attributes["ad"]["ad_id"] == "23851234567890123"
    assert (lead.source, lead.campaign, lead.team) == (
        integration.source,
        integration.campaign,
        team,
    )
    assert (lead.channel, lead.utm_source, lead.utm_medium) == (
        "ad_lead_form",
        "facebook",
        "lead_form",
    )
    second = submissions[1].lead
    assert (second.first_name, second.last_name, second.utm_source) == (
        "Jukka",
        "Mäkinen",
        "instagram",
    )
    request = graph.requests[0]
    assert request["path"] == "/v21.0/1234567890123456"
    expected_proof = hmac.new(
        APP_SECRET.encode(), ACCESS_TOKEN.encode(), hashlib.sha256
    ).hexdigest()
    assert request["query"] == {"access_token": ACCESS_TOKEN, "appsecret_proof": expected_proof}


def test_the_same_webhook_again_stores_nothing_new(client, integration, graph):
    post(client, integration, webhook("1234567890123456"))
    response = post(client, integration, webhook("1234567890123456"))

    assert response.status_code == 200
    assert Submission.objects.count() == 1
    assert Lead.objects.count() == 1
    assert len(graph.requests) == 1


def test_a_mapped_campaign_id_attributes_the_lead_to_that_campaign(
    client, integration, graph, settings
):
    settings.META_LEAD_FIELDS = "id,created_time,field_data,campaign_id,platform"
    campaign = CampaignFactory(source=integration.source, name="Heat pumps – March")
    ExternalCampaign.objects.create(
        platform="meta", external_id="23851234567890000", campaign=campaign
    )

    post(client, integration, webhook("1234567890123456"))

    assert Lead.objects.get().campaign == campaign
    assert graph.requests[0]["query"]["fields"] == settings.META_LEAD_FIELDS


def test_a_failed_fetch_leaves_the_submission_failed_and_retry_fetches_again(
    client, integration, graph
):
    graph.down = True

    response = post(client, integration, webhook("1234567890123456"))

    assert response.status_code == 200
    submission = Submission.objects.get()
    assert submission.status == "failed"
    assert submission.error == (
        "LeadFetchFailed: The Graph API answered 503 for lead 1234567890123456: "
        "Service temporarily unavailable (code 2)"
    )
    assert "lead" not in submission.payload
    assert Lead.objects.count() == 0

    graph.down = False
    out = StringIO()
    call_command("intake", "retry", stdout=out, stderr=StringIO())

    submission.refresh_from_db()
    assert submission.status == "processed"
    assert submission.attempts == 2
    assert submission.lead.display_name == "Maria Ionescu"


def test_a_rejected_token_is_stored_as_the_error_without_the_token(client, integration, graph):
    integration.access_token = "EAAexpired-token-value"
    integration.save()

    post(client, integration, webhook("1234567890123456"))

    error = Submission.objects.get().error
    assert "answered 400" in error
    assert "Invalid OAuth access token" in error
    assert "EAAexpired" not in error


def test_an_unreachable_graph_api_is_a_retryable_failure(client, integration, settings):
    settings.META_GRAPH_URL = "http://127.0.0.1:1/v21.0"

    post(client, integration, webhook("1234567890123456"))

    submission = Submission.objects.get()
    assert submission.status == "failed"
    assert "could not be reached" in submission.error
    assert ACCESS_TOKEN not in submission.error


def test_no_access_token_says_what_to_do(client, integration, graph):
    integration.access_token = ""
    integration.save()

    post(client, integration, webhook("1234567890123456"))

    assert "has no access token" in Submission.objects.get().error


def test_a_wrong_signature_is_403_and_nothing_is_stored(client, integration):
    response = post(client, integration, webhook("1234567890123456"), signature="sha256=00ff")

    assert response.status_code == 403
    assert response.json()["error"]["field"] == "X-Hub-Signature-256"
    assert nothing_written()


def test_a_missing_signature_is_401(client, integration):
    response = post(client, integration, webhook("1234567890123456"), signature="")

    assert response.status_code == 401
    assert nothing_written()


def test_a_change_without_leadgen_id_is_named(client, integration):
    data = webhook("1234567890123456")
    del data["entry"][0]["changes"][0]["value"]["leadgen_id"]

    response = post(client, integration, data)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "entry[0].changes[0].value.leadgen_id"
    assert nothing_written()


def test_a_body_without_entries_is_400(client, integration):
    response = post(client, integration, {"object": "page"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "entry"
    assert nothing_written()


def test_a_google_integration_key_is_not_a_meta_webhook(client, db):
    source = SourceFactory(name="Google")
    google = AdPlatformIntegration.objects.create(
        platform="google", name="G", google_key="k" * 20, source=source
    )

    assert post(client, google, webhook("1")).status_code == 404
    assert nothing_written()


def test_the_submission_received_event_says_it_came_from_the_ad_form(client, integration, graph):
    post(client, integration, webhook("1234567890123456"))

    event = LeadEvent.objects.get(type=EventType.SUBMISSION_RECEIVED)
    assert (event.params["channel"], event.params["adapter"]) == ("ad_lead_form", "meta")
