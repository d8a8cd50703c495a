"""The demo's anonymous site traffic, which gives the funnel a realistic first stage."""

import datetime as dt

import pytest

from galena.analytics.filters import ReportFilter
from galena.analytics.funnel import funnel_table
from galena.demo.analytics import VISITORS_PER_LEAD, demo_traffic_create
from galena.scoring.models import TrackedEvent, Visitor
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)


def test_each_lead_brings_anonymous_visitors_around_its_arrival(admin_user):
    arrivals = [dt.datetime(2026, 3, day, 10, 0, tzinfo=dt.UTC) for day in (5, 15, 25)]
    for arrived in arrivals:
        LeadFactory(created_at=arrived)
    made = demo_traffic_create(seed=42, now=NOW)
    low, high = VISITORS_PER_LEAD
    assert low * 3 <= made <= high * 3
    assert Visitor.objects.count() == made
    assert not Visitor.objects.filter(lead__isnull=False).exists()
    assert (
        TrackedEvent.objects.filter(lead__isnull=True).values("visitor_key").distinct().count()
        == made
    )
    for visitor in Visitor.objects.all():
        assert visitor.first_seen_at <= NOW
        assert any(
            abs(visitor.first_seen_at - arrived) <= dt.timedelta(hours=72) for arrived in arrivals
        )
    table = funnel_table(
        admin_user, ReportFilter(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 3, 31))
    )
    assert table.totals["visitors"] == made
    assert table.totals["leads"] == 3
