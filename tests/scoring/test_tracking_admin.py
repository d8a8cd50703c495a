"""The tracking admin: a site shows the snippet for its pages, greetings are edited with
their conditions, page categories in a list, and visitors and events are read-only."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.scoring.models import Greeting, TrackedEvent, TrackingSite, Visitor
from galena.scoring.tracking import EventInput, events_record
from tests.factories import LeadFactory


def test_a_site_shows_the_snippet_with_its_key(admin_client, settings):
    settings.SITE_URL = "https://galena.example.org"
    site = TrackingSite.objects.create(name="Shop", allowed_origins=["https://shop.example.com"])

    html = admin_client.get(f"/admin/scoring/trackingsite/{site.pk}/change/").content.decode()

    assert (
        f"&lt;script async src=&quot;https://galena.example.org/t/track.js&quot; "
        f"data-site=&quot;{site.key}&quot;&gt;&lt;/script&gt;"
    ) in html
    assert "data-consent=&quot;required&quot;" in html
    assert "data-galena-greeting" in html


def test_a_new_site_gets_a_public_key_and_its_origins_are_checked(admin_client):
    refused = admin_client.post(
        "/admin/scoring/trackingsite/add/",
        {"name": "Shop", "is_active": "on", "allowed_origins": '["https://shop.example.com/path"]'},
    )
    saved = admin_client.post(
        "/admin/scoring/trackingsite/add/",
        {"name": "Shop", "is_active": "on", "allowed_origins": '["https://shop.example.com"]'},
    )

    assert refused.status_code == 200 and "is not an origin" in refused.content.decode()
    assert saved.status_code == 302
    site = TrackingSite.objects.get()
    assert site.key.startswith("site_") and len(site.key) > 12


def test_a_greeting_is_saved_with_the_temperatures_ticked(admin_client):
    response = admin_client.post(
        "/admin/scoring/greeting/add/",
        {
            "name": "Warm",
            "is_active": "on",
            "order": "1",
            "temperatures": ["warm", "hot"],
            "message": "Welcome back, {first_name}!",
        },
    )

    assert response.status_code == 302
    assert Greeting.objects.get().temperatures == ["warm", "hot"]


def test_a_greeting_with_an_unknown_placeholder_is_refused(admin_client):
    response = admin_client.post(
        "/admin/scoring/greeting/add/",
        {"name": "Bad", "order": "1", "message": "Hi {name}"},
    )

    assert response.status_code == 200
    assert "Unknown placeholder {name}" in response.content.decode()
    assert Greeting.objects.count() == 0


def test_the_page_category_rules_are_listed(admin_client):
    response = admin_client.get("/admin/scoring/pagecategoryrule/")

    assert response.status_code == 200
    assert "pricing" in response.content.decode()  # the seeded rules


def test_visitors_and_events_are_read_only_and_listed_in_a_fixed_number_of_queries(admin_client):
    def listing():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/scoring/trackedevent/")
        assert response.status_code == 200
        return len(queries)

    events_record(events=[EventInput(kind="page_view", url="/a")], lead=LeadFactory())
    few = listing()
    for n in range(5):
        events_record(events=[EventInput(kind="page_view", url=f"/{n}")], lead=LeadFactory())

    assert listing() == few
    assert admin_client.get("/admin/scoring/trackedevent/add/").status_code == 403
    assert admin_client.get("/admin/scoring/visitor/").status_code == 200
    event = TrackedEvent.objects.first()
    assert admin_client.post(f"/admin/scoring/trackedevent/{event.pk}/delete/").status_code == 403
    assert TrackedEvent.objects.count() == 6
    assert Visitor.objects.count() == 0
