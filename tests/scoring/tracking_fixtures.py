"""Fixtures of the tracking tests: a tracked site, a small rule set, and how its script
posts."""

import json

import pytest

from galena.scoring.models import (
    Frequency,
    RuleKind,
    ScoreRule,
    ScoreSettings,
    TrackedKind,
    TrackingSite,
)

ORIGIN = "https://shop.example.com"
VISITOR = "visitor-0001"


@pytest.fixture
def site(db):
    return TrackingSite.objects.create(name="Shop", key="site_shop", allowed_origins=[ORIGIN])


@pytest.fixture
def behaviour_rules(db):
    """Points for behaviour only, so a lead's score is what it did: 10 per pricing page
    view, 8 per download, 15 for a call answered, 4 per e-mail click, 1 per opening."""
    ScoreRule.objects.all().delete()
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(half_life_days=30, warm_threshold=15, hot_threshold=60)

    def rule(name, kind, points, conditions=()):
        return ScoreRule.objects.create(
            name=name,
            kind=RuleKind.BEHAVIOUR,
            event_kind=kind,
            conditions=list(conditions),
            points=points,
            frequency=Frequency.EACH,
        )

    return {
        "pricing": rule(
            "Viewed the prices",
            TrackedKind.PAGE_VIEW,
            10,
            [{"field": "category", "operator": "eq", "value": "pricing"}],
        ),
        "download": rule("Downloaded", TrackedKind.DOWNLOAD, 8),
        "call": rule("Answered a call", TrackedKind.CALL_ANSWERED, 15),
        "click": rule("Clicked", TrackedKind.EMAIL_CLICK, 4),
        "open": rule("Opened", TrackedKind.EMAIL_OPEN, 1),
    }


def page_view(event_id="e1", url="https://shop.example.com/pricing", **more):
    return {"id": event_id, "kind": "page_view", "url": url, "title": "Prices", **more}


def track(client, events, *, visitor=VISITOR, site_key="site_shop", origin=ORIGIN, **more):
    """Post a batch the way the script's sendBeacon does: JSON as text/plain."""
    headers = {"Origin": origin} if origin else {}
    body = {"visitor": visitor, "events": events, **more}
    return client.post(
        f"/api/v1/track?site={site_key}",
        json.dumps(body),
        content_type="text/plain;charset=UTF-8",
        headers=headers,
    )
