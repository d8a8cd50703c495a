"""A visitor's anonymous interest becomes the lead's behaviour once the visitor identifies:
a form sent through the real intake path with the visitor's id (the tracking script's
cookie, which Galena's forms post as _visitor)."""

import json

from galena.intake.models import Submission
from galena.leads.models import Temperature
from galena.scoring.models import LeadScore, ScoreComponent, TrackedEvent, Visitor
from tests.scoring import tracking_fixtures
from tests.scoring.tracking_fixtures import VISITOR, page_view, track

site = tracking_fixtures.site
behaviour_rules = tracking_fixtures.behaviour_rules


def test_a_hosted_form_sent_by_a_tracked_visitor_gives_the_lead_its_earlier_visits(
    client, site, behaviour_rules, form, commit_callbacks_run
):
    track(client, [page_view("e1"), page_view("e2")])
    assert set(TrackedEvent.objects.values_list("lead", flat=True)) == {None}

    response = client.post(
        "/f/contact-us/",
        {"name": "Ana Marin", "phone": "0722 123 456", "consent": "on", "_visitor": VISITOR},
    )

    assert response.status_code == 200
    lead = Submission.objects.get().lead
    assert lead is not None
    assert set(TrackedEvent.objects.values_list("lead", flat=True)) == {lead.pk}
    assert Visitor.objects.get(key=VISITOR).lead == lead
    lead.refresh_from_db()
    assert (lead.score, lead.temperature) == (20, Temperature.WARM)
    assert LeadScore.objects.get(lead=lead).engagement_points == 20
    assert sorted(ScoreComponent.objects.filter(lead=lead).values_list("points", flat=True)) == [
        10,
        10,
    ]
    # and from now on the visitor's events are the lead's at once
    track(client, [page_view("e3")])
    lead.refresh_from_db()
    assert lead.score == 30


def test_an_embedded_form_sent_through_the_capture_api_stitches_the_same_way(
    client, site, behaviour_rules, form, commit_callbacks_run
):
    track(client, [page_view("e1")])

    response = client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps({"name": "Ana Marin", "phone": "0722 123 456", "_visitor": VISITOR}),
        content_type="application/json",
    )

    assert response.status_code == 201
    lead = Submission.objects.get().lead
    assert TrackedEvent.objects.get().lead == lead
    lead.refresh_from_db()
    assert lead.score == 10


def test_a_form_from_another_browser_stitches_nothing(
    client, site, behaviour_rules, form, commit_callbacks_run
):
    track(client, [page_view("e1")])

    client.post(
        "/f/contact-us/",
        {"name": "Ana Marin", "phone": "0722 123 456", "_visitor": "another-browser"},
    )

    lead = Submission.objects.get().lead
    assert TrackedEvent.objects.get().lead is None
    lead.refresh_from_db()
    assert lead.score == 0
