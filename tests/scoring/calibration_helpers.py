"""Closed leads for the calibration report's tests, written directly (no services): a won or
lost lead, its stored profile breakdown, behaviour components and tracked events."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from galena.leads.models import ActorSource, EventType, LeadEvent, Stage
from galena.scoring.models import LeadScore, ScoreComponent, ScoreGroup, ScoreRule, TrackedEvent
from tests.factories import LeadFactory

DAY = dt.timedelta(days=1)


@pytest.fixture
def no_seeded_rules(db):
    """The report's rules are only those a test makes."""
    ScoreRule.objects.update(is_active=False)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def won(*, score=0, days_ago=10, deal_value=None, currency="EUR", **fields):
    closed = timezone.now() - days_ago * DAY
    return LeadFactory(
        stage=stage("converted"),
        converted_at=closed,
        created_at=closed - 20 * DAY,
        score=score,
        deal_value=Decimal(deal_value) if deal_value is not None else None,
        deal_currency=currency if deal_value is not None else "",
        **fields,
    )


def lost(*, score=0, days_ago=10, **fields):
    closed = timezone.now() - days_ago * DAY
    return LeadFactory(
        stage=stage("rejected"),
        rejected_at=closed,
        created_at=closed - 20 * DAY,
        score=score,
        **fields,
    )


def profile_points(lead, *rules: ScoreRule):
    """The lead's stored breakdown: these profile rules gave it their points."""
    LeadScore.objects.create(
        lead=lead,
        fit_points=sum(rule.points for rule in rules),
        fit_breakdown=[
            {"rule": rule.pk, "name": rule.name, "group": ScoreGroup.FIT, "points": rule.points}
            for rule in rules
        ],
    )


def behaviour_points(lead, rule: ScoreRule, *, at):
    event = TrackedEvent.objects.create(lead=lead, kind=rule.event_kind, occurred_at=at)
    ScoreComponent.objects.create(
        lead=lead,
        rule=rule,
        rule_name=rule.name,
        group=ScoreGroup.ENGAGEMENT,
        event=event,
        points=rule.points,
        occurred_at=at,
    )


def rejection_event(lead, *, reason="", days_ago=10, to_kind="lost"):
    params = {"from": "in_work", "to": "rejected", "to_kind": to_kind}
    if reason:
        params["reason"] = reason
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.STAGE_CHANGED,
        actor_source=ActorSource.MANUAL,
        occurred_at=timezone.now() - days_ago * DAY,
        params=params,
    )


def profile_rule(name="Director", points=15, **fields):
    return ScoreRule.objects.create(
        name=name,
        kind="profile",
        points=points,
        conditions=[{"field": "position", "operator": "contains", "value": ["director"]}],
        **fields,
    )


def behaviour_rule(name="Viewed the prices", points=10, event_kind="page_view"):
    return ScoreRule.objects.create(
        name=name, kind="behaviour", event_kind=event_kind, points=points, frequency="each"
    )
