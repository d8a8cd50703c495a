"""The speed report's figures on a small business worked out by hand.

The business's time zone is Helsinki (UTC+2, UTC+3 from 30 March 2025); the period is
March 2025 there.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.test import override_settings

from galena.analytics.speed import speed_figures
from galena.clients.models import Contact, Conversion
from galena.clients.services import ContactData, lead_convert
from galena.leads.models import EventType, Lead, LeadEvent, QualityStatus, Stage
from galena.leads.services import Actor, lead_change_stage
from galena.routing.models import SlaClock
from tests.factories import LeadFactory, SourceFactory

HELSINKI = ZoneInfo("Europe/Helsinki")
START = dt.datetime(2025, 3, 1, tzinfo=HELSINKI)
END = dt.datetime(2025, 4, 1, tzinfo=HELSINKI)
NOW = dt.datetime(2025, 4, 10, 12, 0, tzinfo=HELSINKI)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("helsinki")]


@pytest.fixture
def helsinki():
    with override_settings(TIME_ZONE="Europe/Helsinki"):
        yield


def figures(scope=None, *, start=START, end=END, group_by=""):
    return speed_figures(scope=scope or Q(), start=start, end=end, group_by=group_by, now=NOW)


def answered_lead(*, created_at, answered_after, deadline=15, clock=True, **fields) -> Lead:
    """A lead answered ``answered_after`` minutes in (None: never) with a deadline
    ``deadline`` minutes in, kept by an SLA clock unless ``clock`` is false."""
    due_at = created_at + deadline * MINUTE
    answered = None if answered_after is None else created_at + answered_after * MINUTE
    lead = LeadFactory(
        created_at=created_at,
        first_response_at=answered,
        response_due_at=due_at,
        **fields,
    )
    if clock:
        SlaClock.objects.create(
            lead=lead,
            started_at=created_at,
            due_at=due_at,
            met_at=answered,
            breached_at=due_at if answered is None else None,
        )
    return lead


def converted(*, lead_time: dt.timedelta, converted_at: dt.datetime, **fields) -> Conversion:
    """A lead converted at ``converted_at`` whose first contact came ``lead_time`` before."""
    lead = LeadFactory(
        created_at=converted_at - lead_time,
        converted_at=converted_at,
        stage=Stage.objects.get(code="converted"),
        **fields,
    )
    return Conversion.objects.create(
        lead=lead,
        contact=Contact.objects.create(first_name="Client"),
        converted_at=converted_at,
        first_contact_at=converted_at - lead_time,
        conversion_time=lead_time,
        lead_time=lead_time,
    )


def moved(lead: Lead, at: dt.datetime, from_code: str, to_code: str) -> None:
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.STAGE_CHANGED,
        occurred_at=at,
        actor_source="manual",
        params={"from": from_code, "to": to_code, "to_kind": "open"},
    )


# --- first response and SLA ---------------------------------------------------------------


def first_response_business(manager, colleague):
    noon = dt.datetime(2025, 3, 5, 12, 0, tzinfo=HELSINKI)
    for answered in (2, 4, 10):
        answered_lead(created_at=noon, answered_after=answered, owner=manager)
    late = answered_lead(created_at=noon, answered_after=30, owner=colleague)
    late.assigned_at = noon + 20 * MINUTE
    late.save()
    # unanswered and past its deadline: a deadline on the lead, no clock
    answered_lead(created_at=noon, answered_after=None, clock=False, owner=colleague)
    # left out: before the period, merged, held for review
    answered_lead(created_at=START - MINUTE, answered_after=1, owner=manager)
    survivor = answered_lead(created_at=noon, answered_after=1, owner=manager)
    merged = answered_lead(created_at=noon, answered_after=1, owner=manager)
    Lead.objects.filter(pk=merged.pk).update(merged_into=survivor)
    answered_lead(
        created_at=noon,
        answered_after=1,
        owner=manager,
        quality_status=QualityStatus.QUARANTINED,
    )


def test_first_response_median_p90_and_sla_compliance_in_total(manager, colleague):
    first_response_business(manager, colleague)

    total = figures().total

    assert total["leads"] == 6
    assert total["responded"] == 5
    # minutes 1 (the surviving lead), 2, 4, 10, 30: the median 4, the 90th percentile
    # 10 + 0.6 × 20 = 22
    assert total["response_median"] == 4 * 60
    assert total["response_p90"] == pytest.approx(22 * 60)
    assert total["assignment_median"] == 10 * 60  # only the late one was assigned: 20 → 30
    assert total["with_deadline"] == 6
    assert (total["sla_met"], total["sla_breached"], total["sla_overdue_open"]) == (4, 2, 1)
    assert total["within_sla"] == pytest.approx(4 / 6)
    assert total["response_rate"] == pytest.approx(5 / 6)


def test_first_response_per_owner(manager, colleague):
    first_response_business(manager, colleague)

    rows = {row["label"]: row for row in figures(group_by="owner").rows}

    mine = rows[manager.get_full_name()]
    assert (mine["leads"], mine["responded"], mine["sla_met"], mine["sla_breached"]) == (4, 4, 4, 0)
    assert mine["response_median"] == 3 * 60  # 1, 2, 4, 10
    theirs = rows[colleague.get_full_name()]
    assert (theirs["leads"], theirs["responded"], theirs["sla_breached"]) == (2, 1, 2)
    assert theirs["response_median"] == 30 * 60
    assert theirs["within_sla"] == 0


def test_owners_of_the_same_name_keep_one_order(manager, colleague):
    # two people called the same: their rows come in the order of their ids, whatever order
    # the database grouped them in (the facts' and the base tables' reports are compared row
    # by row, and a reader should not see two rows swap between two loads of a page)
    for person in (manager, colleague):
        person.first_name, person.last_name = "Ana", "Pop"
        person.save()
    for person, count in ((colleague, 3), (manager, 1), (colleague, 0)):
        for _ in range(count):
            answered_lead(created_at=START + DAY, answered_after=5, owner=person)

    rows = figures(group_by="owner").rows

    assert [(row["label"], row["key"], row["leads"]) for row in rows] == [
        ("Ana Pop", min(manager.pk, colleague.pk), 1 if manager.pk < colleague.pk else 3),
        ("Ana Pop", max(manager.pk, colleague.pk), 3 if manager.pk < colleague.pk else 1),
    ]


def test_the_scope_limits_the_leads_counted(manager, colleague):
    first_response_business(manager, colleague)

    total = figures(Q(owner=colleague)).total

    assert (total["leads"], total["responded"], total["sla_breached"]) == (2, 1, 2)


# --- lead time ----------------------------------------------------------------------------


def test_lead_time_median_p90_and_distribution(manager):
    at = dt.datetime(2025, 3, 20, 10, 0, tzinfo=HELSINKI)
    for lead_time in (12 * HOUR, 2 * DAY, 10 * DAY, 40 * DAY):
        converted(lead_time=lead_time, converted_at=at, owner=manager)
    # converted before the period: left out
    converted(lead_time=DAY, converted_at=START - MINUTE, owner=manager)

    result = figures()

    assert result.total["conversions"] == 4
    assert result.total["lead_time_median"] == (6 * DAY).total_seconds()
    # 10 days + 0.7 × 30 days
    assert result.total["lead_time_p90"] == pytest.approx((31 * DAY).total_seconds())
    assert dict(result.histogram) == {
        "under 1 day": 1,
        "1–3 days": 1,
        "3–7 days": 0,
        "1–2 weeks": 1,
        "2 weeks – 1 month": 0,
        "1–2 months": 1,
        "2–3 months": 0,
        "3–6 months": 0,
        "6 months or more": 0,
    }


def test_a_lead_converted_and_moved_back_to_an_open_stage_is_not_counted(manager):
    actor = Actor(user=manager)
    kept = LeadFactory(owner=manager, team=manager.profile.team)
    reopened = LeadFactory(owner=manager, team=manager.profile.team)
    for lead in (kept, reopened):
        lead_convert(actor=actor, lead=lead, contact=ContactData(first_name="Ana"))
    lead_change_stage(
        actor=actor, lead=Lead.objects.get(pk=reopened.pk), stage=Stage.objects.get(code="in_work")
    )
    # the conversions happened in the period, three days after first contact
    at = dt.datetime(2025, 3, 10, 9, 0, tzinfo=HELSINKI)
    Conversion.objects.update(converted_at=at, lead_time=3 * DAY)

    total = figures().total

    assert Conversion.objects.count() == 2
    assert total["conversions"] == 1
    assert total["lead_time_median"] == (3 * DAY).total_seconds()


def test_conversions_are_grouped_by_the_month_of_conversion_in_the_business_time_zone(manager):
    # 23:30 on 31 March in Helsinki is 20:30 UTC: March; 00:30 on 1 April is still 31 March
    # in UTC but April here
    last_evening = dt.datetime(2025, 3, 31, 23, 30, tzinfo=HELSINKI)
    first_night = dt.datetime(2025, 4, 1, 0, 30, tzinfo=HELSINKI)
    converted(lead_time=DAY, converted_at=last_evening, owner=manager)
    converted(lead_time=2 * DAY, converted_at=first_night, owner=manager)

    result = figures(end=dt.datetime(2025, 5, 1, tzinfo=HELSINKI), group_by="month")
    march = figures()

    assert [(row["label"], row["conversions"]) for row in result.rows] == [
        ("2025-03", 1),
        ("2025-04", 1),
    ]
    assert march.total["conversions"] == 1
    assert march.total["lead_time_median"] == DAY.total_seconds()


# --- time in each stage -------------------------------------------------------------------


def test_time_in_each_stage_from_the_stage_changes(manager):
    first = LeadFactory(owner=manager, created_at=dt.datetime(2025, 3, 1, 10, tzinfo=HELSINKI))
    moved(first, dt.datetime(2025, 3, 1, 12, tzinfo=HELSINKI), "new", "in_work")  # 2 h
    moved(first, dt.datetime(2025, 3, 3, 12, tzinfo=HELSINKI), "in_work", "qualified")  # 2 days
    second = LeadFactory(owner=manager, created_at=dt.datetime(2025, 3, 2, 9, tzinfo=HELSINKI))
    moved(second, dt.datetime(2025, 3, 2, 10, tzinfo=HELSINKI), "new", "in_work")  # 1 h
    # entered "in work" before the period, left it in the period: 8 days; its first move is
    # before the period and not counted
    older = LeadFactory(owner=manager, created_at=dt.datetime(2025, 2, 20, 9, tzinfo=HELSINKI))
    moved(older, dt.datetime(2025, 2, 25, 9, tzinfo=HELSINKI), "new", "in_work")
    moved(older, dt.datetime(2025, 3, 5, 9, tzinfo=HELSINKI), "in_work", "qualified")
    # after the period: not counted
    moved(second, dt.datetime(2025, 4, 2, 10, tzinfo=HELSINKI), "in_work", "qualified")
    # a merged lead's moves do not count
    merged = LeadFactory(owner=manager, created_at=dt.datetime(2025, 3, 2, 9, tzinfo=HELSINKI))
    moved(merged, dt.datetime(2025, 3, 2, 10, tzinfo=HELSINKI), "new", "in_work")
    Lead.objects.filter(pk=merged.pk).update(merged_into=first)

    stages = figures().stages

    assert [(row["stage"], row["label"], row["exits"]) for row in stages] == [
        ("new", "New", 2),
        ("in_work", "In work", 2),
    ]
    assert stages[0]["median"] == 1.5 * 3600
    assert stages[1]["median"] == (5 * DAY).total_seconds()
    assert stages[1]["p90"] == pytest.approx((2 * DAY + 0.9 * 6 * DAY).total_seconds())


def test_an_empty_period_has_no_figures():
    result = figures()

    assert result.is_empty
    assert result.total["leads"] == 0
    assert result.total["response_median"] is None
    assert result.total["lead_time_median"] is None
    assert result.total["within_sla"] is None
    assert result.stages == []


def test_rows_per_source_carry_the_source_names(manager):
    web, fair = SourceFactory(name="Web form"), SourceFactory(name="Fair")
    noon = dt.datetime(2025, 3, 5, 12, 0, tzinfo=HELSINKI)
    answered_lead(created_at=noon, answered_after=5, owner=manager, source=web)
    answered_lead(created_at=noon, answered_after=25, owner=manager, source=fair)
    answered_lead(created_at=noon, answered_after=None, owner=manager, source=None)

    rows = figures(group_by="source").rows

    assert [(row["label"], row["leads"], row["response_median"]) for row in rows] == [
        ("Fair", 1, 25 * 60),
        ("Web form", 1, 5 * 60),
        ("Not set", 1, None),
    ]
