"""Constructed data for the cost report's tests (used by test_cost*.py).

The business: time zone Europe/Bucharest (UTC+2 in winter), reports in EUR; RON at 0.20 EUR
in January 2026 and 0.25 EUR from February; no rate at all for RUB.
"""

import datetime as dt
from decimal import Decimal

import pytest

from galena.analytics.filters import ReportFilter
from galena.clients.models import Account, Deal, DealStage
from galena.leads.models import CampaignSpend, Channel, CurrencyRate
from tests.factories import CampaignFactory, LeadFactory, SourceFactory

UTC = dt.UTC
JANUARY_AND_FEBRUARY = ReportFilter(
    date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 2, 28), group_by="month"
)


@pytest.fixture(autouse=True)
def business(settings):
    settings.TIME_ZONE = "Europe/Bucharest"
    settings.ANALYTICS_BASE_CURRENCY = "EUR"


def at(year, month, day, hour=12, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def spend(campaign, day, amount, currency):
    return CampaignSpend.objects.create(
        campaign=campaign, date=day, amount=Decimal(amount), currency=currency
    )


def won_deal(lead, amount, currency, closed_at):
    account = Account.objects.create(name=f"Client of lead {lead.pk}")
    return Deal.objects.create(
        account=account,
        lead=lead,
        title="Panels",
        amount=Decimal(amount),
        currency=currency,
        stage=DealStage.objects.get(code="paid"),
        closed_at=closed_at,
    )


@pytest.fixture
def world(team, other_team):
    CurrencyRate.objects.create(
        from_currency="RON", to_currency="EUR", rate=Decimal("0.2"), valid_from=dt.date(2026, 1, 1)
    )
    # given the other way round (1 EUR = 4 RON): used as 0.25
    CurrencyRate.objects.create(
        from_currency="EUR", to_currency="RON", rate=Decimal("4"), valid_from=dt.date(2026, 2, 1)
    )
    google = SourceFactory(name="Google Ads", channel=Channel.PAID_SEARCH)
    meta = SourceFactory(name="Meta", channel=Channel.SOCIAL)
    site = SourceFactory(name="Site", channel=Channel.LANDING_PAGE)
    romania = CampaignFactory(name="RO panels", source=google, region="RO", currency="RON")
    spain = CampaignFactory(name="ES batteries", source=meta, region="ES")
    spend(romania, dt.date(2026, 1, 10), "500.00", "RON")  # 100 EUR
    spend(romania, dt.date(2026, 2, 10), "400.00", "RON")  # 100 EUR
    spend(spain, dt.date(2026, 1, 15), "50.00", "EUR")
    spend(spain, dt.date(2026, 1, 20), "1000.00", "RUB")  # no rate
    spend(spain, dt.date(2026, 3, 1), "999.00", "EUR")  # after the period
    leads = {
        # 23:30 in Bucharest on 31 January: January's
        "january_edge": LeadFactory(
            campaign=romania, source=google, team=team, created_at=at(2026, 1, 31, 21, 30)
        ),
        # 00:30 on 1 February there: February's, though still January in UTC
        "february_edge": LeadFactory(
            campaign=romania, source=google, team=other_team, created_at=at(2026, 1, 31, 22, 30)
        ),
        "client": LeadFactory(
            campaign=romania,
            source=google,
            team=team,
            created_at=at(2026, 1, 5),
            qualified_at=at(2026, 1, 20),
            converted_at=at(2026, 3, 5),
        ),
        "spanish_lead": LeadFactory(
            campaign=spain,
            source=meta,
            channel=Channel.SOCIAL,
            region="Madrid",
            created_at=at(2026, 1, 16),
        ),
        "organic": LeadFactory(
            source=site, channel=Channel.LANDING_PAGE, region="Cluj", created_at=at(2026, 1, 7)
        ),
    }
    # the same person again, merged into the client: counted once, as the client
    leads["merged"] = LeadFactory(
        campaign=romania,
        source=google,
        created_at=at(2026, 1, 6),
        qualified_at=at(2026, 1, 7),
        merged_into=leads["client"],
    )
    # won in March on a January lead (1,000 RON at March's 0.25): January's revenue
    won_deal(leads["client"], "1000.00", "RON", at(2026, 3, 5))
    # a deal of the merged lead never counts; an open deal is not revenue
    won_deal(leads["merged"], "5000.00", "EUR", at(2026, 1, 8))
    open_deal = won_deal(leads["spanish_lead"], "700.00", "EUR", None)
    open_deal.stage = DealStage.objects.get(is_default=True)
    open_deal.save()
    return {"google": google, "romania": romania, "spain": spain, **leads}
