"""POST /api/v1/track: what a site's tracking script sends, stored for the visitor (and the
visitor's lead once known); refused with the field named, rate-limited, CORS for the site."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.leads.models import Temperature
from galena.scoring.email_tracking import lead_token
from galena.scoring.models import (
    LeadScore,
    ScoreComponent,
    TrackedEvent,
    TrackedKind,
    TrackedOrigin,
    Visitor,
)
from tests.factories import LeadFactory
from tests.scoring import tracking_fixtures
from tests.scoring.tracking_fixtures import ORIGIN, VISITOR, page_view, track

site = tracking_fixtures.site
behaviour_rules = tracking_fixtures.behaviour_rules


def test_a_batch_is_stored_as_the_visitors_interest_with_cors_for_the_site(client, site):
    response = track(
        client,
        [
            page_view("e1", referrer="https://www.google.com/", age_ms=5000),
            {
                "id": "e2",
                "kind": "download",
                "url": "https://shop.example.com/files/prices.pdf",
                "title": "Price list",
                "properties": {"size": 120, "lang": "en"},
            },
        ],
    )

    assert response.status_code == 200
    assert response.json() == {"stored": 2}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert response["Cache-Control"] == "no-store"
    view, download = TrackedEvent.objects.order_by("id")
    assert (view.kind, view.url, view.title) == (
        TrackedKind.PAGE_VIEW,
        "https://shop.example.com/pricing",
        "Prices",
    )
    assert view.category == "pricing"  # by the page category rules
    assert view.properties == {"referrer": "https://www.google.com/"}
    assert (view.visitor_key, view.lead, view.origin) == (VISITOR, None, TrackedOrigin.BROWSER)
    assert abs((view.received_at - view.occurred_at) - dt.timedelta(seconds=5)) < dt.timedelta(
        seconds=1
    )
    assert (download.kind, download.properties) == ("download", {"size": 120, "lang": "en"})
    visitor = Visitor.objects.get()
    assert (visitor.key, visitor.lead) == (VISITOR, None)


def test_a_category_the_page_names_wins_over_the_rules(client, site):
    track(client, [page_view(category="product")])

    assert TrackedEvent.objects.get().category == "product"


def test_json_sent_as_application_json_is_taken_too(client, site):
    response = client.post(
        "/api/v1/track?site=site_shop",
        {"visitor": VISITOR, "events": [page_view()]},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert TrackedEvent.objects.count() == 1


def test_an_event_sent_twice_is_stored_once(client, site):
    first = track(client, [page_view("same-id")])
    again = track(client, [page_view("same-id"), page_view("other-id")])

    assert (first.json(), again.json()) == ({"stored": 1}, {"stored": 1})
    assert TrackedEvent.objects.count() == 2


def test_the_same_event_id_from_another_visitor_is_their_own_event(client, site):
    track(client, [page_view("same-id")])
    track(client, [page_view("same-id")], visitor="visitor-0002")

    assert sorted(TrackedEvent.objects.values_list("visitor_key", flat=True)) == [
        VISITOR,
        "visitor-0002",
    ]


def test_a_browsers_event_ids_are_kept_apart_from_other_senders_ids(client, site):
    track(client, [page_view("submission-1")])

    assert TrackedEvent.objects.get().external_id.startswith("web:")


def test_a_known_visitors_events_go_to_their_lead_and_raise_its_score(
    client, site, behaviour_rules
):
    lead = LeadFactory()
    Visitor.objects.create(key=VISITOR, lead=lead)

    track(client, [page_view("e1"), page_view("e2")])

    assert set(TrackedEvent.objects.values_list("lead_id", flat=True)) == {lead.pk}
    lead.refresh_from_db()
    assert (lead.score, lead.temperature) == (20, Temperature.WARM)
    assert LeadScore.objects.get(lead=lead).engagement_points == 20
    assert ScoreComponent.objects.filter(lead=lead).count() == 2


def test_a_glid_from_a_tracked_email_link_makes_the_visitor_the_lead(client, site, behaviour_rules):
    lead = LeadFactory()
    track(client, [page_view("before")])  # anonymous, a while ago

    response = track(client, [page_view("after")], glid=lead_token(lead.pk))

    assert response.status_code == 200
    assert Visitor.objects.get(key=VISITOR).lead == lead
    assert list(TrackedEvent.objects.values_list("lead_id", flat=True)) == [lead.pk, lead.pk]
    lead.refresh_from_db()
    assert lead.score == 20


def test_a_forged_glid_identifies_nobody_but_the_events_are_kept(client, site):
    lead = LeadFactory()
    forged = lead_token(lead.pk)[:-2] + "xx"

    response = track(client, [page_view()], glid=forged)

    assert response.json() == {"stored": 1}
    assert Visitor.objects.get(key=VISITOR).lead is None
    assert TrackedEvent.objects.get().lead is None


def test_an_old_glid_identifies_nobody(client, site, settings):
    lead = LeadFactory()
    token = lead_token(lead.pk)
    settings.TRACKING_LEAD_TOKEN_DAYS = -1  # every token is too old

    track(client, [page_view()], glid=token)

    assert Visitor.objects.get(key=VISITOR).lead is None


# --- refusals ------------------------------------------------------------------------------


def refused(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    if field is not None:
        assert body["field"] == field, body
    return body


def test_a_kind_only_servers_report_is_refused_from_a_browser(client, site):
    response = track(client, [page_view("e1"), {"id": "e2", "kind": "call_answered"}])

    error = refused(response, 400, "events[1].kind")
    assert "/api/v1/track/server" in error["message"]
    assert response["Access-Control-Allow-Origin"] == ORIGIN  # the site's developer sees why
    assert TrackedEvent.objects.count() == 0
    assert Visitor.objects.count() == 0


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"kind": "pageview"}, "events[0].kind"),
        ({"kind": "email_open"}, "events[0].kind"),
        ({"kind": "page_view", "url": "https://x.example/" + "a" * 2000}, "events[0].url"),
        ({"kind": "page_view", "title": "t" * 301}, "events[0].title"),
        ({"kind": "page_view", "category": "c" * 41}, "events[0].category"),
        ({"kind": "page_view", "age_ms": -1}, "events[0].age_ms"),
        ({"kind": "page_view", "age_ms": 2 * 24 * 3600 * 1000}, "events[0].age_ms"),
        ({"kind": "page_view", "id": "has space"}, "events[0].id"),
        ({"kind": "page_view", "properties": {"nested": {"a": 1}}}, "events[0].properties"),
        ({"kind": "page_view", "properties": {"long": "x" * 501}}, "events[0].properties"),
        (
            {"kind": "page_view", "properties": {f"p{i}": i for i in range(21)}},
            "events[0].properties",
        ),
        ({"kind": "page_view", "colour": "red"}, "events[0].colour"),
    ],
)
def test_a_bad_event_is_refused_with_its_field_named_and_nothing_stored(client, site, event, field):
    refused(track(client, [event]), 400, field)

    assert TrackedEvent.objects.count() == 0


@pytest.mark.parametrize("visitor", ["short", "x" * 65, "has space!", ""])
def test_a_bad_visitor_id_is_refused(client, site, visitor):
    error = refused(track(client, [page_view()], visitor=visitor), 400, "visitor")

    assert error["message"] == "A visitor id is 8 to 64 letters, digits, - or _."
    assert Visitor.objects.count() == 0


def test_a_batch_is_at_most_fifty_events(client, site):
    events = [page_view(f"e{i}") for i in range(51)]

    refused(track(client, events), 400, "events")
    assert TrackedEvent.objects.count() == 0


def test_an_empty_batch_is_refused(client, site):
    refused(track(client, []), 400, "events")


def test_a_body_that_is_not_json_is_refused(client, site):
    response = client.post(
        "/api/v1/track?site=site_shop",
        "not json",
        content_type="text/plain",
        headers={"Origin": ORIGIN},
    )

    error = refused(response, 400)
    assert error == {
        "code": "invalid",
        "message": "The request body is not valid JSON: send a JSON object.",
        "field": None,
        "fields": {},
    }


def test_an_oversize_batch_is_refused(client, site, settings):
    settings.TRACKING_MAX_BODY_BYTES = 200

    refused(track(client, [page_view(title="t" * 250)]), 413)
    assert TrackedEvent.objects.count() == 0


def test_an_unknown_or_missing_site_key_is_refused(client, db):
    assert refused(track(client, [page_view()], site_key="nope"), 404, "site")
    assert refused(track(client, [page_view()], site_key=""), 400, "site")
    assert TrackedEvent.objects.count() == 0


def test_a_site_switched_off_says_so(client, site):
    site.is_active = False
    site.save()

    refused(track(client, [page_view()]), 410, "site")
    assert TrackedEvent.objects.count() == 0


def test_another_origin_is_refused_without_cors_headers(client, site):
    response = track(client, [page_view()], origin="https://evil.example")

    refused(response, 403)
    assert "Access-Control-Allow-Origin" not in response
    assert TrackedEvent.objects.count() == 0


def test_a_request_without_an_origin_is_taken(client, site):
    assert track(client, [page_view()], origin=None).status_code == 200


def test_the_preflight_of_an_allowed_origin_is_answered(client, site):
    response = client.options("/api/v1/track?site=site_shop", headers={"Origin": ORIGIN})

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_the_preflight_of_another_origin_gets_no_cors_headers(client, site):
    response = client.options(
        "/api/v1/track?site=site_shop", headers={"Origin": "https://evil.example"}
    )

    assert "Access-Control-Allow-Origin" not in response


# --- rate limits -----------------------------------------------------------------------------


def test_too_many_batches_from_one_address_are_refused_with_retry_after(client, site, settings):
    settings.TRACKING_RATE_PER_ADDRESS = 2

    statuses = [
        track(client, [page_view(f"e{i}")], visitor=f"visitor-000{i}").status_code for i in range(3)
    ]

    assert statuses == [200, 200, 429]
    response = track(client, [page_view("e9")])
    assert int(response["Retry-After"]) >= 1
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert TrackedEvent.objects.count() == 2


def test_too_many_batches_from_one_visitor_are_refused(client, site, settings):
    settings.TRACKING_RATE_PER_VISITOR = 2

    statuses = [track(client, [page_view(f"e{i}")]).status_code for i in range(3)]
    other = track(client, [page_view("e9")], visitor="visitor-0002")

    assert statuses == [200, 200, 429]
    assert other.status_code == 200
    assert TrackedEvent.objects.count() == 3


def test_the_endpoint_is_documented_without_a_token(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/track"]["post"]
    assert "security" not in operation
    assert "text/plain" in operation["requestBody"]["content"]


def test_events_are_placed_at_the_time_they_happened_by_their_age(client, site):
    track(client, [page_view("old", age_ms=60_000), page_view("new", age_ms=0)])

    old = TrackedEvent.objects.get(
        url__endswith="pricing", occurred_at__lt=timezone.now() - dt.timedelta(seconds=59)
    )
    new = TrackedEvent.objects.exclude(pk=old.pk).get()
    assert new.occurred_at - old.occurred_at >= dt.timedelta(seconds=59)
