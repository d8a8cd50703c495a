"""E-mail tracking: links rewritten to signed Galena addresses and an opening image; a
click is recorded and follows only the signed target; an opening is stored once per
window; forged, damaged and old tokens never redirect anywhere."""

import datetime as dt
import re
from html import unescape
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from galena.scoring.email_tracking import (
    CLICK_SALT,
    click_url,
    email_html_tracked,
    lead_token_read,
    open_url,
)
from galena.scoring.models import TrackedEvent, TrackedKind, TrackedOrigin, TrackingSite
from tests.factories import LeadFactory
from tests.scoring import tracking_fixtures

behaviour_rules = tracking_fixtures.behaviour_rules

EMAIL = """<html><body>
<p>Hello Ana, <a href="https://shop.example.com/offer?x=1&amp;y=2">see the offer</a>,
<a class="b" href='https://video.example.net/watch'>watch</a>,
<a href="mailto:sales@example.com">write</a>, <a href="#top">top</a>,
<a href="https://shop.example.com/unsubscribe" data-galena-notrack>stop</a>.</p>
</body></html>"""


@pytest.fixture
def lead(db):
    return LeadFactory(first_name="Ana")


def hrefs(html):
    return [unescape(value) for value in re.findall(r"""href=["']([^"']*)["']""", html)]


def path_of(url):
    return urlsplit(url).path


def test_web_links_go_through_galena_and_an_opening_image_is_added(lead, settings):
    settings.SITE_URL = "https://galena.example.org"

    html = email_html_tracked(EMAIL, lead=lead, message_key="offer-may")

    tracked, video, mail, anchor, untracked = hrefs(html)
    assert tracked.startswith("https://galena.example.org/t/c/")
    assert video.startswith("https://galena.example.org/t/c/")
    assert (mail, anchor, untracked) == (
        "mailto:sales@example.com",
        "#top",
        "https://shop.example.com/unsubscribe",
    )
    assert ">see the offer</a>" in html and 'class="b"' in html
    image = re.search(r'<img src="([^"]+)" width="1" height="1" alt=""', html)
    assert image is not None
    assert unescape(image.group(1)).startswith("https://galena.example.org/t/o/")
    assert unescape(image.group(1)).endswith(".gif")
    assert html.index("<img") < html.index("</body>")


def test_an_email_without_a_body_tag_gets_the_image_at_the_end(lead):
    html = email_html_tracked(
        '<p><a href="https://a.example/">a</a></p>', lead=lead, message_key="m"
    )

    assert html.endswith('style="display:block;width:1px;height:1px;border:0">')


def test_a_click_is_recorded_and_sends_the_person_to_the_target(client, lead, behaviour_rules):
    url = click_url(lead_id=lead.pk, message_key="offer-may", url="https://video.example.net/w?a=1")

    response = client.get(path_of(url))

    assert response.status_code == 302
    assert response["Location"] == "https://video.example.net/w?a=1"  # not a tracked site: no glid
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    event = TrackedEvent.objects.get()
    assert (event.lead, event.kind, event.origin, event.url) == (
        lead,
        TrackedKind.EMAIL_CLICK,
        TrackedOrigin.EMAIL,
        "https://video.example.net/w?a=1",
    )
    assert event.properties == {"message": "offer-may"}
    lead.refresh_from_db()
    assert lead.score == 4


def test_a_click_to_a_tracked_site_carries_the_leads_token_for_its_script(client, lead):
    TrackingSite.objects.create(name="Shop", allowed_origins=["https://shop.example.com"])
    url = click_url(lead_id=lead.pk, message_key="m", url="https://shop.example.com/offer?x=1#top")

    location = client.get(path_of(url))["Location"]

    parts = urlsplit(location)
    assert (parts.netloc, parts.path, parts.fragment) == ("shop.example.com", "/offer", "top")
    query = parse_qs(parts.query)
    assert query["x"] == ["1"]
    assert lead_token_read(query["glid"][0]) == lead.pk


def test_a_double_click_is_one_event(client, lead):
    path = path_of(click_url(lead_id=lead.pk, message_key="m", url="https://a.example/"))

    client.get(path)
    client.get(path)

    assert TrackedEvent.objects.count() == 1


def test_a_head_request_follows_but_records_nothing(client, lead):
    path = path_of(click_url(lead_id=lead.pk, message_key="m", url="https://a.example/"))

    assert client.head(path).status_code == 302
    assert TrackedEvent.objects.count() == 0


def test_a_damaged_token_is_a_plain_page_and_never_a_redirect(client, lead):
    path = path_of(click_url(lead_id=lead.pk, message_key="m", url="https://a.example/"))

    response = client.get(path[:-3] + "abc")

    assert response.status_code == 404
    assert "Location" not in response
    assert "This link does not work" in response.content.decode()
    assert TrackedEvent.objects.count() == 0


def test_a_token_signed_for_something_else_is_refused(client, lead):
    # a glid (signed for the site's script) or an opening token is no click token
    opening = path_of(open_url(lead_id=lead.pk, message_key="m"))
    token = opening.removeprefix("/t/o/").removesuffix(".gif")

    assert client.get(f"/t/c/{token}").status_code == 404
    assert TrackedEvent.objects.count() == 0


def test_an_attacker_cannot_make_a_token_for_their_own_target(client, lead):
    forged = signing.dumps(
        {"l": lead.pk, "m": "m", "u": "https://evil.example/"}, salt=CLICK_SALT, key="not-ours"
    )

    response = client.get(f"/t/c/{forged}")

    assert response.status_code == 404
    assert "evil.example" not in response.content.decode()


def test_a_signed_target_that_is_not_a_web_address_is_refused(client, lead):
    token = signing.dumps({"l": lead.pk, "m": "m", "u": "javascript:alert(1)"}, salt=CLICK_SALT)

    response = client.get(f"/t/c/{token}")

    assert response.status_code == 404
    assert "Location" not in response


def test_an_old_link_shows_its_target_without_redirecting_or_counting(client, lead, settings):
    path = path_of(click_url(lead_id=lead.pk, message_key="m", url="https://shop.example.com/x"))
    settings.TRACKING_EMAIL_LINK_DAYS = -1

    response = client.get(path)

    assert response.status_code == 410
    assert "Location" not in response
    assert 'href="https://shop.example.com/x"' in response.content.decode()
    assert TrackedEvent.objects.count() == 0


def test_a_click_for_a_deleted_lead_still_reaches_the_target(client, lead):
    path = path_of(click_url(lead_id=lead.pk, message_key="m", url="https://a.example/"))
    lead.delete()

    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, "https://a.example/")
    assert TrackedEvent.objects.count() == 0


def test_an_opening_is_recorded_and_answered_with_an_uncached_gif(client, lead, behaviour_rules):
    response = client.get(path_of(open_url(lead_id=lead.pk, message_key="offer-may")))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    event = TrackedEvent.objects.get()
    assert (event.lead, event.kind, event.origin, event.properties) == (
        lead,
        TrackedKind.EMAIL_OPEN,
        TrackedOrigin.EMAIL,
        {"message": "offer-may"},
    )
    lead.refresh_from_db()
    assert lead.score == 1


def test_openings_of_one_message_in_a_window_are_stored_once(client, lead):
    path = path_of(open_url(lead_id=lead.pk, message_key="offer-may"))
    other = path_of(open_url(lead_id=lead.pk, message_key="offer-june"))

    for _ in range(3):
        client.get(path)
    client.get(other)

    assert sorted(e.properties["message"] for e in TrackedEvent.objects.all()) == [
        "offer-june",
        "offer-may",
    ]


def test_openings_in_another_window_are_another_event(client, lead, settings):
    settings.TRACKING_EMAIL_OPEN_WINDOW_SECONDS = 1
    path = path_of(open_url(lead_id=lead.pk, message_key="m"))

    client.get(path)
    later = timezone.now() + dt.timedelta(seconds=5)  # the next window
    with mock.patch("django.utils.timezone.now", return_value=later):
        client.get(path)

    assert TrackedEvent.objects.count() == 2


def test_a_bad_opening_token_is_404_and_stores_nothing(client, lead):
    response = client.get("/t/o/not-a-token.gif")

    assert response.status_code == 404
    assert TrackedEvent.objects.count() == 0
