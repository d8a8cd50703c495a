"""The demo's currency rates. (What the cost report makes of the demo business is in
tests/commands/test_demo.py, with the demo loaded once.)"""

import datetime as dt

import pytest

from galena.analytics.cost_rates import RateBook
from galena.demo.costs import demo_costs_create
from galena.leads.models import CurrencyRate

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
