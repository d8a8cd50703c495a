"""The tracking script: served at a stable address with caching headers, and — run in Node
with a small stand-in for the browser — what it stores and sends: nothing under
Do-Not-Track or Global Privacy Control, nothing before consent when consent is required,
page views with the page's category, the site's own events, downloads, videos, a glid
once, and a greeting written as text."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from galena.scoring.tracking_views import SCRIPT

HARNESS = Path(__file__).with_name("track_harness.js")
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the script")


# --- served ---------------------------------------------------------------------------------


def test_the_script_is_served_at_a_stable_address_with_caching_headers(client, db):
    response = client.get("/t/track.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["ETag"].startswith('"')
    assert response.content == SCRIPT.read_bytes()


def test_a_browser_with_the_current_script_is_told_it_is_current(client, db):
    etag = client.get("/t/track.js")["ETag"]

    response = client.get("/t/track.js", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""


def test_the_script_checks_the_browsers_privacy_signals():
    code = SCRIPT.read_text()

    for signal in ("doNotTrack", "globalPrivacyControl", 'data-consent") === "required"'):
        assert signal in code


# --- run --------------------------------------------------------------------------------------


def run(**scenario):
    result = subprocess.run(
        [NODE, str(HARNESS), str(SCRIPT), json.dumps(scenario)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def events_of(seen):
    return [event for beacon in seen["beacons"] for event in beacon["body"]["events"]]


@needs_node
def test_a_page_view_is_sent_with_a_first_party_visitor_id():
    seen = run(category="pricing")

    (beacon,) = seen["beacons"]
    assert beacon["url"] == "https://galena.example.org/api/v1/track?site=site_shop"
    visitor = beacon["body"]["visitor"]
    assert seen["cookieWrites"] == [
        f"galena_vid={visitor}; Max-Age=31536000; Path=/; SameSite=Lax; Secure"
    ]
    assert seen["storage"] == {"galena_visitor": visitor}  # what Galena's forms post
    (event,) = beacon["body"]["events"]
    assert {k: event[k] for k in ("kind", "url", "title", "referrer", "category")} == {
        "kind": "page_view",
        "url": "https://shop.example.com/pricing?utm=x",
        "title": "Prices",
        "referrer": "https://www.google.com/",
        "category": "pricing",
    }
    assert event["id"] and event["age_ms"] >= 0


@needs_node
def test_a_returning_visitor_keeps_the_id_of_the_cookie():
    seen = run(cookie="galena_vid=visitor-0001")

    assert seen["beacons"][0]["body"]["visitor"] == "visitor-0001"


@needs_node
def test_an_id_a_galena_form_made_before_is_kept():
    seen = run(storage={"galena_visitor": "from-a-form-01"})

    assert seen["cookies"] == {"galena_vid": "from-a-form-01"}


@needs_node
@pytest.mark.parametrize(
    "signals",
    [
        {"navigator": {"doNotTrack": "1"}},
        {"window": {"doNotTrack": "1"}},
        {"navigator": {"globalPrivacyControl": True}},
    ],
)
def test_a_browser_that_asks_not_to_be_tracked_stores_and_sends_nothing(signals):
    seen = run(**signals, steps=[["call", "track", "download", {}], ["leave"]])

    assert (seen["beacons"], seen["fetches"], seen["cookieWrites"], seen["storage"]) == (
        [],
        [],
        [],
        {},
    )
    assert seen["galenaIsFunction"]  # the site's calls do not fail


@needs_node
def test_with_consent_required_nothing_happens_until_it_is_given():
    waiting = run(scriptAttributes={"data-consent": "required"}, steps=[["leave"]])
    given = run(
        scriptAttributes={"data-consent": "required"},
        steps=[["call", "track", "download", {}], ["call", "consent", True], ["leave"]],
    )

    assert (waiting["beacons"], waiting["cookieWrites"], waiting["storage"]) == ([], [], {})
    assert [event["kind"] for event in events_of(given)] == ["page_view", "download"]
    assert given["cookies"]


@needs_node
def test_consent_given_in_the_queue_before_the_script_arrived_counts():
    seen = run(scriptAttributes={"data-consent": "required"}, stub=[["consent", True]])

    assert [event["kind"] for event in events_of(seen)] == ["page_view"]


@needs_node
def test_consent_withdrawn_forgets_the_visitor():
    seen = run(
        cookie="galena_vid=visitor-0001",
        steps=[["call", "consent", False], ["call", "track", "download", {}], ["leave"]],
    )

    assert seen["cookies"] == {} and seen["storage"] == {}
    assert [event["kind"] for event in events_of(seen)] == ["page_view"]  # sent before


@needs_node
def test_the_sites_own_events_are_sent_as_custom_with_their_name():
    seen = run(
        steps=[
            ["call", "track", "signup", {"plan": "pro", "nested": {"a": 1}}],
            ["call", "track", "webinar", {"title": "Spring"}],
            ["leave"],
        ]
    )

    _view, custom, webinar = events_of(seen)
    assert (custom["kind"], custom["properties"]) == ("custom", {"plan": "pro", "name": "signup"})
    assert (webinar["kind"], webinar["properties"]) == ("webinar", {"title": "Spring"})


@needs_node
def test_a_download_link_and_a_video_are_sent():
    seen = run(
        steps=[
            [
                "click",
                {"href": "https://shop.example.com/files/prices.PDF", "text": " Price  list "},
            ],
            ["click", {"href": "https://shop.example.com/about"}],
            ["play"],
            ["play"],
            ["ended"],
        ]
    )

    kinds = [(e["kind"], e["properties"].get("action")) for e in events_of(seen)]
    assert kinds == [
        ("page_view", None),
        ("download", None),
        ("video", "play"),
        ("video", "complete"),
    ]
    download, video = events_of(seen)[1:3]
    assert (video["url"], video["title"]) == ("https://cdn.example/demo.mp4", "Demo")
    assert (download["url"], download["title"]) == (
        "https://shop.example.com/files/prices.PDF",
        "Price list",
    )


@needs_node
def test_a_glid_is_sent_once_and_taken_off_the_address():
    seen = run(
        href="https://shop.example.com/offer?x=1&glid=TOKEN123#top",
        steps=[["call", "track", "download", {}], ["leave"]],
    )

    first, second = seen["beacons"]
    assert first["body"]["glid"] == "TOKEN123"
    assert "glid" not in second["body"]
    assert seen["history"] == ["https://shop.example.com/offer?x=1#top"]
    assert first["body"]["events"][0]["url"] == "https://shop.example.com/offer?x=1#top"


@needs_node
def test_without_send_beacon_it_posts_with_fetch_keepalive():
    seen = run(noBeacon=True)

    (sent,) = seen["fetches"]
    assert sent["url"] == "https://galena.example.org/api/v1/track?site=site_shop"
    assert sent["options"]["keepalive"] is True
    assert sent["options"]["credentials"] == "omit"
    assert sent["options"]["headers"] == {"Content-Type": "text/plain"}
    assert sent["options"]["body"]["events"][0]["kind"] == "page_view"


@needs_node
def test_a_greeting_is_written_as_text_with_its_offer_and_announced():
    greeting = {
        "message": "Welcome back, <b>Ana</b>!",
        "offer_text": "10% off",
        "offer_url": "https://shop.example.com/offer",
    }

    seen = run(greetingElement=True, greeting=greeting, cookie="galena_vid=visitor-0001")

    (asked,) = seen["fetches"]
    assert asked["url"].startswith(
        "https://galena.example.org/api/v1/track/greeting?site=site_shop&vid=visitor-0001&url="
    )
    assert seen["greeting"] == {
        "text": "Welcome back, <b>Ana</b>!",  # textContent: shown as text, never markup
        "hidden": False,
        "links": [{"href": "https://shop.example.com/offer", "text": "10% off"}],
    }
    assert seen["events"] == [{"type": "galena:greeting", "detail": greeting}]


@needs_node
def test_an_offer_address_that_is_not_a_web_address_is_not_linked():
    greeting = {"message": "Hi", "offer_text": "Go", "offer_url": "javascript:alert(1)"}

    seen = run(greetingElement=True, greeting=greeting)

    assert seen["greeting"]["links"] == []


@needs_node
def test_a_page_without_a_greeting_place_does_not_ask_for_one():
    assert run()["fetches"] == []
