"""The demo's currency rates and what the cost report makes of the demo business."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from galena.accounts.models import Role
from galena.analytics.cost import cost_table
from galena.analytics.cost_rates import RateBook
from galena.analytics.filters import ReportFilter
from galena.demo.costs import demo_costs_create
from galena.leads.models import CampaignSpend, CurrencyRate

pytestmark = pytest.mark.django_db


def test_demo_rates_cover_every_day_of_the_last_fourteen_months_and_reload_in_place(settings):
    settings.ANALYTICS_BASE_CURRENCY = "EUR"
    now = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)

    demo_costs_create(seed=42, now=now)
    demo_costs_create(seed=42, now=now)

    assert CurrencyRate.objects.count() == 2 * 15
    book = RateBook.load()
    day = dt.date(2025, 9, 1)
    while day <= now.date():
        ron, rub = book.rate_on("RON", day), book.rate_on("RUB", day)
        assert 0.19 < ron < 0.21 and 0.0095 < rub < 0.0107, day
        day += dt.timedelta(days=1)


def test_the_demo_business_has_a_rate_for_every_spend_day(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", "--no-serve", "--leads", "300", stdout=io.StringIO(), stderr=io.StringIO())
    today = timezone.localdate()
    admin = get_user_model().objects.get(profile__role=Role.ADMIN)

    table = cost_table(
        admin,
        ReportFilter(date_from=today - dt.timedelta(days=200), date_to=today, group_by="campaign"),
    )

    assert table.missing_rates == []
    assert set(CampaignSpend.objects.values_list("currency", flat=True)) == {"EUR", "RON", "RUB"}
    assert table.totals["spend"] > 0 and table.totals["leads"] > 0
    assert table.totals["revenue"] > 0
