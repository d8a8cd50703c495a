"""The cost report on constructed data (tests/analytics/cost_world.py): exact figures in
the base currency."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from galena.analytics.cost import cost_lines, cost_table, seasonality_table
from galena.analytics.cost_rates import RateBook
from galena.analytics.facts import facts_refresh
from galena.analytics.filters import ReportFilter
from galena.core.errors import PermissionDenied
from galena.leads.models import Channel, CurrencyRate, QualityStatus
from tests.analytics.cost_world import JANUARY_AND_FEBRUARY, at, business, spend, won_deal, world
from tests.factories import LeadFactory

__all__ = ["business", "world"]  # fixtures

pytestmark = pytest.mark.django_db


def rows_by_label(table):
    return {row["label"]: row for row in table.rows}


def figures(row):
    keys = (
        "spend",
        "leads",
        "cost_per_lead",
        "qualified",
        "cost_per_qualified",
        "clients",
        "cost_per_client",
        "revenue",
        "roi",
    )
    return tuple(row[key] for key in keys)


def test_per_month_spend_leads_and_return_in_euros(admin_user, world):
    table = cost_table(admin_user, JANUARY_AND_FEBRUARY)

    assert [row["label"] for row in table.rows] == ["January 2026", "February 2026"]
    january, february = table.rows
    # 100 (RON) + 50 EUR; leads: the 23:30 one, the client, Spain's, the organic one
    assert figures(january) == (
        Decimal("150.00"),
        4,
        Decimal("37.50"),
        1,
        Decimal("150.00"),
        1,
        Decimal("150.00"),
        Decimal("250.00"),
        66.7,
    )
    assert figures(february) == (
        Decimal("100.00"),
        1,
        Decimal("100.00"),
        0,
        None,
        0,
        None,
        Decimal("0.00"),
        -100.0,
    )
    assert figures(table.totals) == (
        Decimal("250.00"),
        5,
        Decimal("50.00"),
        1,
        Decimal("250.00"),
        1,
        Decimal("250.00"),
        Decimal("250.00"),
        0.0,
    )


def test_spend_without_a_rate_is_named_not_dropped_silently(admin_user, world):
    table = cost_table(admin_user, JANUARY_AND_FEBRUARY)

    assert table.rows[0]["not_converted"] == "spend 1,000.00 RUB"
    assert table.rows[1]["not_converted"] == ""
    assert table.notes[0] == (
        "No rate from RUB to EUR for 1,000.00 RUB of spend dated 2026-01-20 to 2026-01-20: "
        "that money is left out of the figures. Add the rate valid on 2026-01-20 under "
        "Currency rates in the admin."
    )


def test_the_rate_added_brings_the_money_in(admin_user, world):
    CurrencyRate.objects.create(
        from_currency="RUB",
        to_currency="EUR",
        rate=Decimal("0.01"),
        valid_from=dt.date(2026, 1, 20),
    )

    table = cost_table(admin_user, JANUARY_AND_FEBRUARY)

    assert table.rows[0]["spend"] == Decimal("160.00")
    assert table.rows[0]["not_converted"] == ""
    assert not any(note.startswith("No rate") for note in table.notes)


def test_a_rate_from_the_day_after_does_not_cover_the_day(admin_user, world):
    CurrencyRate.objects.create(
        from_currency="RUB",
        to_currency="EUR",
        rate=Decimal("0.01"),
        valid_from=dt.date(2026, 1, 21),
    )

    table = cost_table(admin_user, JANUARY_AND_FEBRUARY)

    assert table.rows[0]["spend"] == Decimal("150.00")
    assert table.rows[0]["not_converted"] == "spend 1,000.00 RUB"


def test_per_channel_a_campaigns_leads_sit_with_its_spend(admin_user, world):
    table = cost_table(admin_user, JANUARY_AND_FEBRUARY.with_changes(group_by="channel"))

    rows = rows_by_label(table)
    assert list(rows) == ["Contextual ads", "Social networks", "Landing page / web form"]
    # Google: 200 EUR over three leads (the merged one left out), one client paying 250
    assert figures(rows["Contextual ads"]) == (
        Decimal("200.00"),
        3,
        Decimal("66.67"),
        1,
        Decimal("200.00"),
        1,
        Decimal("200.00"),
        Decimal("250.00"),
        25.0,
    )
    assert figures(rows["Social networks"]) == (
        Decimal("50.00"),
        1,
        Decimal("50.00"),
        0,
        None,
        0,
        None,
        Decimal("0.00"),
        -100.0,
    )
    # no spend: the cost per lead is nothing, the ROI has nothing to divide by
    assert figures(rows["Landing page / web form"]) == (
        Decimal("0.00"),
        1,
        Decimal("0.00"),
        0,
        None,
        0,
        None,
        Decimal("0.00"),
        None,
    )


def test_per_campaign_and_region(admin_user, world):
    by_campaign = rows_by_label(
        cost_table(admin_user, JANUARY_AND_FEBRUARY.with_changes(group_by="campaign"))
    )
    by_region = rows_by_label(
        cost_table(admin_user, JANUARY_AND_FEBRUARY.with_changes(group_by="region"))
    )

    assert {label: row["leads"] for label, row in by_campaign.items()} == {
        "RO panels": 3,
        "ES batteries": 1,
        "No campaign": 1,
    }
    assert by_campaign["RO panels"]["spend"] == Decimal("200.00")
    # the campaign's market for its leads (not Madrid), the lead's own region otherwise
    assert {label: (row["spend"], row["leads"]) for label, row in by_region.items()} == {
        "RO": (Decimal("200.00"), 3),
        "ES": (Decimal("50.00"), 1),
        "Cluj": (Decimal("0.00"), 1),
    }


def test_a_channel_slice_takes_the_spend_and_the_leads_together(admin_user, world):
    table = cost_table(
        admin_user, JANUARY_AND_FEBRUARY.with_changes(group_by="campaign", channel=Channel.SOCIAL)
    )

    assert [(row["label"], row["spend"], row["leads"]) for row in table.rows] == [
        ("ES batteries", Decimal("50.00"), 1)
    ]


def test_converting_per_day_gives_the_same_figures_as_in_the_database(admin_user, world):
    book = RateBook.load("EUR")
    in_database = cost_lines(admin_user, JANUARY_AND_FEBRUARY, book=book)

    from galena.analytics import cost_rates

    original = cost_rates.MAX_CASE_PERIODS
    cost_rates.MAX_CASE_PERIODS = 0
    try:
        per_day = cost_lines(admin_user, JANUARY_AND_FEBRUARY, book=book)
    finally:
        cost_rates.MAX_CASE_PERIODS = original

    def plain(lines):
        return sorted(
            (
                line.key,
                line.spend.amount,
                line.leads,
                line.revenue.amount,
                {c: (u.amount, u.first_day) for c, u in line.spend.unconverted.items()},
            )
            for line in lines
        )

    assert plain(per_day) == plain(in_database)


def test_head_of_sales_gets_their_teams_share_of_each_campaigns_spend(head, world):
    table = cost_table(head, JANUARY_AND_FEBRUARY)

    rows = rows_by_label(table)
    # January: the campaign's 100 EUR had two leads, both the team's → all of it;
    # February: 100 EUR, its one lead is the other team's → none of it
    assert (rows["January 2026"]["spend"], rows["January 2026"]["leads"]) == (Decimal("100.00"), 2)
    assert "February 2026" not in rows
    assert table.notes[-1].startswith("These figures cover part of the leads")


def test_spend_is_shared_by_the_part_of_the_campaigns_leads_a_team_has(head, team, world):
    LeadFactory(campaign=world["romania"], team=None, created_at=at(2026, 1, 12))

    rows = rows_by_label(cost_table(head, JANUARY_AND_FEBRUARY))

    # two of the campaign's three January leads are the team's: 2/3 of 100 EUR
    assert rows["January 2026"]["spend"] == Decimal("66.67")


@pytest.mark.parametrize("role_user", ["manager", "telemarketer"])
def test_sales_people_are_refused(request, role_user, world):
    user = request.getfixturevalue(role_user)

    with pytest.raises(PermissionDenied):
        cost_table(user, JANUARY_AND_FEBRUARY)


def test_marketer_sees_the_whole_business(marketer, world):
    table = cost_table(marketer, JANUARY_AND_FEBRUARY)

    assert table.totals["leads"] == 5
    assert table.totals["spend"] == Decimal("250.00")


def test_seasonality_puts_the_same_month_of_each_year_side_by_side(admin_user, world):
    spend(world["romania"], dt.date(2025, 1, 10), "250.00", "RON")  # no 2025 rate yet
    CurrencyRate.objects.create(
        from_currency="RON",
        to_currency="EUR",
        rate=Decimal("0.21"),
        valid_from=dt.date(2024, 12, 1),
    )
    LeadFactory(campaign=world["romania"], created_at=at(2025, 1, 3))
    LeadFactory(campaign=world["romania"], created_at=at(2025, 1, 4))

    table = seasonality_table(
        admin_user, ReportFilter(date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 2, 28))
    )

    january = table.rows[0]
    assert january["label"] == "January"
    assert (january["spend_2025"], january["leads_2025"], january["cost_per_lead_2025"]) == (
        Decimal("52.50"),
        2,
        Decimal("26.25"),
    )
    assert (january["spend_2026"], january["leads_2026"], january["cost_per_lead_2026"]) == (
        Decimal("150.00"),
        4,
        Decimal("37.50"),
    )
    assert table.rows[2]["spend_2026"] is None  # March is after the period
    assert len(table.rows) == 12


def test_pseudo_leads_are_not_leads(admin_user, world):
    LeadFactory(
        campaign=world["romania"],
        quality_status=QualityStatus.QUARANTINED,
        created_at=at(2026, 1, 9),
    )
    LeadFactory(
        campaign=world["romania"], quality_status=QualityStatus.REJECTED, created_at=at(2026, 1, 9)
    )

    table = cost_table(admin_user, JANUARY_AND_FEBRUARY)

    assert table.rows[0]["leads"] == 4


@pytest.mark.parametrize(("group_by", "queries"), [("channel", 6), ("month", 5), ("campaign", 6)])
@override_settings(ANALYTICS_FACTS=True)  # the facts' queries (ANALYTICS_FACTS=false: the leads')
def test_the_report_costs_a_fixed_number_of_queries(
    admin_user, world, django_assert_num_queries, group_by, queries
):
    for day in range(1, 20):
        LeadFactory(campaign=world["spain"], created_at=at(2026, 1, day))
    facts_refresh()  # what the writes cost the facts is the refresh's (tests/analytics/test_facts.py)

    # the rates, whether a day awaits its facts, the leads' facts, the spend, the revenue
    # (and the campaigns' attribution by channel, or their names by campaign)
    with django_assert_num_queries(queries):
        cost_table(admin_user, JANUARY_AND_FEBRUARY.with_changes(group_by=group_by))


def test_revenue_without_a_rate_is_named_too(admin_user, world):
    won_deal(world["spanish_lead"], "30000.00", "RUB", at(2026, 2, 3))

    table = cost_table(admin_user, JANUARY_AND_FEBRUARY)

    assert table.rows[0]["revenue"] == Decimal("250.00")
    assert table.rows[0]["not_converted"] == "spend 1,000.00 RUB / revenue 30,000.00 RUB"
    assert table.missing_rates[1] == (
        "No rate from RUB to EUR for 30,000.00 RUB of revenue dated 2026-02-03 to 2026-02-03: "
        "that money is left out of the figures. Add the rate valid on 2026-02-03 under "
        "Currency rates in the admin."
    )


@override_settings(ANALYTICS_FACTS=True)
def test_sharing_spend_out_costs_no_extra_query(head, world, django_assert_num_queries):
    # the leads in sight and every lead of the campaigns: two reads of the daily facts
    facts_refresh()
    with django_assert_num_queries(7):
        table = cost_table(head, JANUARY_AND_FEBRUARY.with_changes(group_by="channel"))

    # the campaign's 200 EUR over the two months, two of its three leads the team's
    assert [(row["label"], row["spend"], row["leads"]) for row in table.rows] == [
        ("Contextual ads", Decimal("133.33"), 2)
    ]
