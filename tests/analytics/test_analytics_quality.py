"""The quality report's figures per source on leads worked out by hand (March 2025, UTC)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.test import override_settings

from galena.analytics.quality import quality_figures
from galena.leads.models import Lead, RejectionReason, Stage
from galena.matching.models import DuplicateCandidate, DuplicateStatus
from tests.factories import CampaignFactory, LeadFactory, SourceFactory

START = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
NOON = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def lead(source, *, created_at=NOON, **fields) -> Lead:
    return LeadFactory(source=source, created_at=created_at, **fields)


def candidate(newer: Lead, older: Lead, status=DuplicateStatus.OPEN) -> DuplicateCandidate:
    return DuplicateCandidate.objects.create(
        lead=newer, other=older, probability=0.9, weight=10, found_by="intake", status=status
    )


def quality_business(manager, colleague):
    fair, web = SourceFactory(name="Fair"), SourceFactory(name="Web form")
    rejected = Stage.objects.get(code="rejected")
    # the fair: 4 leads — a pseudo-lead rejected at intake, one held for review, two verified,
    # one non-target, one rejected by sales for no budget; and a duplicate merged into one
    lead(fair, quality_status="rejected", owner=manager)
    held = lead(fair, quality_status="quarantined", owner=manager)
    kept = lead(fair, verification="verified", fit="non_target", owner=manager)
    lead(
        fair,
        verification="verified",
        stage=rejected,
        rejection_reason=RejectionReason.objects.get(code="no_budget"),
        owner=colleague,
    )
    duplicate = lead(fair, owner=manager)
    Lead.objects.filter(pk=duplicate.pk).update(merged_into=kept)
    # the web form: 2 leads, both accepted, one rejected by sales without a reason, one with
    # an open duplicate candidate (against the held fair lead) and a dismissed one
    web_rejected = lead(web, quality_status="accepted", stage=rejected, owner=colleague)
    web_kept = lead(web, quality_status="accepted", fit="target", owner=manager)
    candidate(web_kept, held)
    candidate(web_rejected, kept, status=DuplicateStatus.DISMISSED)
    # before the period and without a source
    lead(fair, created_at=START - dt.timedelta(minutes=1), owner=manager)
    lead(None, owner=manager)
    return fair, web


def test_figures_per_source(manager, colleague):
    quality_business(manager, colleague)

    figures = quality_figures(scope=Q(), start=START, end=END)

    rows = {row.label: row for row in figures.rows}
    assert [row.label for row in figures.rows] == ["Fair", "Web form", "Not set"]
    fair = rows["Fair"]
    assert (fair.leads, fair.pseudo, fair.verified, fair.non_target, fair.rejected) == (
        4,
        2,
        2,
        1,
        1,
    )
    assert (fair.pseudo_rate, fair.verified_rate, fair.non_target_share) == (0.5, 0.5, 0.25)
    assert fair.duplicates == 1
    assert fair.duplicate_rate == pytest.approx(1 / 5)
    assert fair.reasons == {"no_budget": 1}
    # the held lead is the older side of the web lead's open candidate
    assert fair.suspected_duplicates == 1
    web = rows["Web form"]
    assert (web.leads, web.pseudo, web.pseudo_rate, web.rejected) == (2, 0, 0.0, 1)
    assert web.suspected_duplicates == 1
    assert web.duplicates == 0 and web.duplicate_rate == 0
    assert web.reasons == {"": 1}
    assert (figures.total.leads, figures.total.duplicates, figures.total.rejected) == (7, 1, 2)
    assert figures.reasons == [("", "No reason given"), ("no_budget", "No budget")]


def test_a_merged_lead_counts_once_as_a_duplicate_never_as_a_lead(manager, colleague):
    quality_business(manager, colleague)

    total = quality_figures(scope=Q(), start=START, end=END).total

    assert (
        total.leads == Lead.objects.filter(created_at__gte=START, merged_into__isnull=True).count()
    )
    assert total.duplicates == 1


def test_the_scope_limits_leads_and_duplicates(manager, colleague):
    quality_business(manager, colleague)

    figures = quality_figures(
        scope=Q(owner=colleague, merged_into__isnull=True), start=START, end=END
    )

    assert [(row.label, row.leads, row.duplicates) for row in figures.rows] == [
        ("Fair", 1, 0),
        ("Web form", 1, 0),
    ]


def test_grouped_by_channel(manager, colleague):
    fair, _web = quality_business(manager, colleague)
    fair.channel = "exhibition"
    fair.save()
    Lead.objects.filter(source=fair).update(channel="exhibition")

    figures = quality_figures(scope=Q(), start=START, end=END, group_by="channel")

    assert [(row.key, row.leads) for row in figures.rows] == [
        ("exhibition", 4),
        ("landing_page", 3),
    ]


def test_campaigns_of_the_same_name_keep_one_order():
    # rows of equal labels (a "Spring" campaign on two sources) come in the order of their
    # keys, not in the order the database grouped them in
    fair, web = SourceFactory(name="Fair"), SourceFactory(name="Web")
    spring = [CampaignFactory(name="Spring", source=source) for source in (fair, web)]
    for campaign, count in ((spring[1], 2), (spring[0], 1), (spring[1], 1)):
        for _ in range(count):
            lead(campaign.source, campaign=campaign)

    figures = quality_figures(scope=Q(), start=START, end=END, group_by="campaign")

    first, second = sorted(spring, key=lambda campaign: campaign.pk)
    assert [(row.label, row.key, row.leads) for row in figures.rows] == [
        ("Spring", first.pk, 3 if first == spring[1] else 1),
        ("Spring", second.pk, 3 if second == spring[1] else 1),
    ]


def test_nothing_in_the_period():
    figures = quality_figures(scope=Q(), start=START, end=END)

    assert figures.is_empty
    assert figures.rows == []
    assert figures.total.pseudo_rate is None


@override_settings(TIME_ZONE="Europe/Helsinki")
def test_months_are_counted_in_the_business_time_zone(manager):
    helsinki = ZoneInfo("Europe/Helsinki")
    fair = SourceFactory(name="Fair")
    # 23:30 on 31 March in Helsinki is March; 00:30 on 1 April is still 31 March in UTC
    lead(fair, created_at=dt.datetime(2025, 3, 31, 23, 30, tzinfo=helsinki), fit="non_target")
    lead(fair, created_at=dt.datetime(2025, 4, 1, 0, 30, tzinfo=helsinki))

    figures = quality_figures(
        scope=Q(),
        start=dt.datetime(2025, 3, 1, tzinfo=helsinki),
        end=dt.datetime(2025, 5, 1, tzinfo=helsinki),
        group_by="month",
    )

    assert [(row.label, row.leads, row.non_target) for row in figures.rows] == [
        ("2025-03", 1, 1),
        ("2025-04", 1, 0),
    ]
