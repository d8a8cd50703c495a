"""The team report's figures on a small team worked out by hand.

March 2025 (UTC) against the 31 days before it (29 January – 28 February).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.test import override_settings

from galena.analytics.team import previous_period, team_figures
from galena.clients.models import Contact, Deal, DealStage, DealStageKind
from galena.clients.services import ContactData, lead_convert
from galena.leads.models import CurrencyRate, Lead, RejectionReason, Stage
from galena.leads.services import Actor, lead_change_stage
from tests.factories import LeadFactory

START = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
NOON = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)

pytestmark = pytest.mark.django_db


def lead(owner, *, answered_after=None, created_at=NOON, stage="new", **fields) -> Lead:
    """A lead with three key fields filled in (names and company) unless told otherwise."""
    return LeadFactory(
        owner=owner,
        team=owner.profile.team if owner else None,
        created_at=created_at,
        first_response_at=None if answered_after is None else created_at + answered_after * MINUTE,
        stage=Stage.objects.get(code=stage),
        **fields,
    )


def won_deal(lead_row: Lead, amount: str, currency: str, closed_at: dt.datetime) -> Deal:
    won = DealStage.objects.filter(kind=DealStageKind.WON).first()
    return Deal.objects.create(
        lead=lead_row,
        contact=Contact.objects.create(first_name="Client"),
        title="Deal",
        amount=Decimal(amount),
        currency=currency,
        stage=won,
        closed_at=closed_at,
    )


def team_business(manager, colleague, telemarketer):
    CurrencyRate.objects.create(
        from_currency="USD", to_currency="EUR", rate=Decimal("0.9"), valid_from=dt.date(2025, 1, 1)
    )
    converted = lead(
        manager,
        answered_after=10,
        stage="converted",
        converted_at=NOON + dt.timedelta(days=2),
        position="Buyer",
        temperature="hot",
    )
    won_deal(converted, "1000.00", "EUR", NOON + dt.timedelta(days=2))
    won_deal(converted, "200.00", "USD", NOON + dt.timedelta(days=3))
    won_deal(converted, "999.00", "EUR", END + MINUTE)  # closed after the period
    lead(
        manager,
        answered_after=30,
        stage="rejected",
        rejection_reason=RejectionReason.objects.get(code="no_budget"),
    )
    lead(manager)  # not answered yet
    lead(manager, answered_after=20, original_owner=telemarketer)  # handed off to the manager
    lead(telemarketer, answered_after=2)
    # merged into another lead: never counted
    merged = lead(manager, answered_after=1)
    Lead.objects.filter(pk=merged.pk).update(merged_into=Lead.objects.exclude(pk=merged.pk)[0])
    # the previous period: the colleague converted one lead, the manager had one answered in 40
    lead(
        colleague,
        answered_after=5,
        created_at=NOON - dt.timedelta(days=30),
        stage="converted",
        converted_at=NOON - dt.timedelta(days=29),
    )
    lead(manager, answered_after=40, created_at=NOON - dt.timedelta(days=30))
    # before the previous period: nowhere
    lead(colleague, answered_after=5, created_at=START - dt.timedelta(days=32))


def test_previous_period_has_the_same_length():
    assert previous_period(START, END) == (
        dt.datetime(2025, 1, 29, tzinfo=dt.UTC),
        START,
    )


def test_figures_per_person_for_the_period(manager, colleague, telemarketer):
    team_business(manager, colleague, telemarketer)

    figures = team_figures(scope=Q(), start=START, end=END)

    mine = figures.current[manager.pk]
    assert (mine.leads, mine.responded, mine.converted, mine.rejected) == (4, 3, 1, 1)
    assert mine.response_median == 20 * 60  # 10, 20, 30 minutes
    assert mine.conversion_rate == 0.25
    # 200 USD at 0.9 EUR on the day: 180 EUR
    assert mine.deal_value.amount == Decimal("1180.00")
    assert mine.deal_value.unconverted == {}
    assert mine.reasons == {"no_budget": 1}
    # key fields filled: converted 5 of 8 (names, company, position, temperature), rejected
    # 4 of 9 (its stage requires the reason, which it has), the other two 3 of 8
    assert mine.completeness == pytest.approx((5 / 8 + 4 / 9 + 3 / 8 + 3 / 8) / 4)
    theirs = figures.current[telemarketer.pk]
    assert (theirs.leads, theirs.handed_off, theirs.response_median) == (1, 1, 2 * 60)
    assert colleague.pk not in figures.current
    assert figures.reasons == [("no_budget", "No budget")]
    assert figures.roles[telemarketer.pk] == "telemarketer"


def test_figures_of_the_previous_period_for_the_comparison(manager, colleague, telemarketer):
    team_business(manager, colleague, telemarketer)

    figures = team_figures(scope=Q(), start=START, end=END)

    assert figures.people == sorted(
        [manager.pk, colleague.pk, telemarketer.pk],
        key=lambda pk: (figures.names[pk].casefold(), pk),
    )
    before = figures.previous[colleague.pk]
    assert (before.leads, before.converted, before.conversion_rate) == (1, 1, 1.0)
    assert figures.previous[manager.pk].response_median == 40 * 60
    assert telemarketer.pk not in figures.previous


def test_only_the_people_asked_for_are_kept(manager, colleague, telemarketer):
    team_business(manager, colleague, telemarketer)

    figures = team_figures(scope=Q(), start=START, end=END, people={telemarketer.pk})

    assert list(figures.current) == [telemarketer.pk]
    assert figures.people == [telemarketer.pk]
    assert figures.reasons == []


def test_the_scope_limits_the_leads(manager, colleague, telemarketer):
    team_business(manager, colleague, telemarketer)

    figures = team_figures(scope=Q(owner=telemarketer), start=START, end=END)

    assert list(figures.current) == [telemarketer.pk]
    assert figures.current[telemarketer.pk].handed_off == 0


def test_team_totals_sum_the_people_with_the_teams_own_median(manager, colleague, telemarketer):
    team_business(manager, colleague, telemarketer)

    figures = team_figures(scope=Q(), start=START, end=END)

    total = figures.total
    assert (total.leads, total.responded, total.converted, total.handed_off) == (5, 4, 1, 1)
    assert total.response_median == 15 * 60  # 2, 10, 20, 30 minutes
    assert total.deal_value.amount == Decimal("1180.00")
    assert figures.total_previous.leads == 2
    assert figures.total_previous.response_median == 22.5 * 60  # 5 and 40 minutes


def test_money_without_a_rate_is_kept_aside(manager, colleague, telemarketer):
    team_business(manager, colleague, telemarketer)
    CurrencyRate.objects.all().delete()

    mine = team_figures(scope=Q(), start=START, end=END).current[manager.pk]

    assert mine.deal_value.amount == Decimal("1000.00")
    assert list(mine.deal_value.unconverted) == ["USD"]
    assert mine.deal_value.unconverted["USD"].amount == Decimal("200.00")


def test_a_lead_converted_and_moved_back_to_an_open_stage_is_not_a_conversion(manager):
    actor = Actor(user=manager)
    kept, reopened = lead(manager), lead(manager)
    for converted in (kept, reopened):
        lead_convert(actor=actor, lead=converted, contact=ContactData(first_name="Ana"))
    lead_change_stage(
        actor=actor, lead=Lead.objects.get(pk=reopened.pk), stage=Stage.objects.get(code="in_work")
    )

    mine = team_figures(scope=Q(), start=START, end=END).current[manager.pk]

    assert (mine.leads, mine.converted, mine.conversion_rate) == (2, 1, 0.5)


@override_settings(TIME_ZONE="Europe/Helsinki")
def test_the_periods_are_split_at_midnight_in_the_business_time_zone(manager):
    helsinki = ZoneInfo("Europe/Helsinki")
    start = dt.datetime(2025, 3, 1, tzinfo=helsinki)
    end = dt.datetime(2025, 4, 1, tzinfo=helsinki)
    # 23:30 on 28 February in Helsinki (21:30 UTC): the previous period; 00:30 on 1 March
    # (22:30 UTC on 28 February): this one
    lead(manager, created_at=dt.datetime(2025, 2, 28, 23, 30, tzinfo=helsinki))
    lead(manager, created_at=dt.datetime(2025, 3, 1, 0, 30, tzinfo=helsinki))
    lead(manager, created_at=dt.datetime(2025, 3, 31, 23, 30, tzinfo=helsinki))
    lead(manager, created_at=dt.datetime(2025, 4, 1, 0, 30, tzinfo=helsinki))  # after

    figures = team_figures(scope=Q(), start=start, end=end)

    assert figures.current[manager.pk].leads == 2
    assert figures.previous[manager.pk].leads == 1
