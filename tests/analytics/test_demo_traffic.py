"""The demo's anonymous site traffic, which gives the funnel a realistic first stage."""

import datetime as dt

import pytest

from galena.analytics.filters import ReportFilter
from galena.analytics.funnel import funnel_table
from galena.demo.analytics import VISITORS_PER_LEAD, demo_traffic_create
from galena.leads.models import Channel
from galena.scoring.models import TrackedEvent, Visitor
from tests.factories import LeadFactory, SourceFactory

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


def test_the_visitors_of_an_ad_lead_mostly_came_by_its_ad(admin_user):
    ads = SourceFactory(name="Google Ads", channel=Channel.PAID_SEARCH, utm_source="google")
    fair = SourceFactory(name="Fair", channel=Channel.EXHIBITION)
    arrived = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)
    for _ in range(20):
        LeadFactory(created_at=arrived, channel=Channel.PAID_SEARCH, source=ads)
        LeadFactory(created_at=arrived, channel=Channel.EXHIBITION, source=fair)
    demo_traffic_create(seed=7, now=NOW)
    by_ad = Visitor.objects.filter(channel=Channel.PAID_SEARCH, source=ads).count()
    assert by_ad > 0.6 * Visitor.objects.count() / 2  # about 3 in 4 of the ad leads' visitors
    # nobody comes to a site "by the exhibition": organic search or a direct visit
    assert set(Visitor.objects.values_list("channel", flat=True)) == {
        Channel.PAID_SEARCH,
        Channel.ORGANIC_SEARCH,
        "",
    }
    table = funnel_table(
        admin_user,
        ReportFilter(
            date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31), group_by="channel"
        ),
    )
    paid = next(row for row in table.rows if row["group"] == "Contextual ads")
    assert paid["visitors"] == by_ad and paid["visitors"] > paid["leads"] == 20
