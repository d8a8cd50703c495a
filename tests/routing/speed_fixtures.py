"""A small business whose speed-to-lead figures are worked out by hand.

North (head, manager, colleague, telemarketer) and South (outsider); every deadline is 15
minutes after the lead came in. Times to first response, in minutes:

- manager: 2 (handed off by the telemarketer), 4, 10, 30 (late); assigned 1 minute in;
- colleague: 6 (assigned at once), one unanswered and overdue, one unanswered and still due;
- nobody (North's queue): one unanswered and overdue, with a deadline on the lead but no clock;
- outsider (South): 20, against a 60-minute deadline.

Left out: a North lead without a deadline, one from before the period, a merged one and a
quarantined one.
"""

from __future__ import annotations

import datetime as dt

import pytest

from galena.leads.models import Lead, QualityStatus, Temperature
from galena.routing.models import SlaClock, SlaPolicy
from galena.scoring.selectors import Period
from tests.factories import LeadFactory, SourceFactory

START = dt.date(2025, 3, 3)
END = dt.date(2025, 3, 9)
PERIOD = Period(start=START, end=END)
NOON = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
# when the figures are read: the still-due lead has 10 minutes left
NOW = dt.datetime(2025, 3, 9, 15, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def minutes(value: float) -> float:
    return value * 60


def lead_with_clock(
    *,
    owner,
    team,
    created_at: dt.datetime,
    answered_after: float | None,
    deadline: float = 15,
    assigned_after: float | None = None,
    policy: SlaPolicy | None = None,
    **fields,
) -> Lead:
    """A lead answered ``answered_after`` minutes in (None: not yet), with its clock."""
    due_at = created_at + deadline * MINUTE
    answered = None if answered_after is None else created_at + answered_after * MINUTE
    lead = LeadFactory(
        owner=owner,
        team=team,
        created_at=created_at,
        assigned_at=None if assigned_after is None else created_at + assigned_after * MINUTE,
        first_response_at=answered,
        response_due_at=due_at,
        **fields,
    )
    SlaClock.objects.create(
        lead=lead,
        policy=policy,
        started_at=created_at,
        due_at=due_at,
        met_at=answered,
        met_by="call" if answered else "",
        breached_at=due_at if answered is None and due_at < NOW else None,
    )
    return lead


def speed_business(*, team, other_team, manager, colleague, telemarketer, outsider) -> dict:
    policy = SlaPolicy.objects.create(name="Fifteen minutes", response_minutes=15)
    web = SourceFactory(name="Web form")
    fair = SourceFactory(name="Fair", channel="exhibition")
    made: dict[str, Lead] = {}
    for index, (answered, temperature) in enumerate(
        [(2, Temperature.HOT), (4, Temperature.HOT), (10, Temperature.WARM), (30, Temperature.COLD)]
    ):
        made[f"manager_{answered}"] = lead_with_clock(
            owner=manager,
            team=team,
            created_at=NOON + index * dt.timedelta(hours=1),
            answered_after=answered,
            assigned_after=1,
            policy=policy,
            temperature=temperature,
            source=web,
        )
    made["manager_2"].original_owner = telemarketer
    made["manager_2"].save(update_fields=["original_owner"])
    made["colleague_6"] = lead_with_clock(
        owner=colleague,
        team=team,
        created_at=NOON,
        answered_after=6,
        assigned_after=0,
        policy=policy,
        temperature=Temperature.HOT,
        source=fair,
        channel="exhibition",
    )
    made["colleague_overdue"] = lead_with_clock(
        owner=colleague, team=team, created_at=NOON, answered_after=None, policy=policy
    )
    made["colleague_due"] = lead_with_clock(
        owner=colleague,
        team=team,
        created_at=NOW - 5 * MINUTE,
        answered_after=None,
        policy=policy,
    )
    made["queue_overdue"] = LeadFactory(
        owner=None, team=team, created_at=NOON, response_due_at=NOON + 15 * MINUTE
    )
    made["outsider_20"] = lead_with_clock(
        owner=outsider,
        team=other_team,
        created_at=NOON,
        answered_after=20,
        deadline=60,
        policy=policy,
        source=web,
    )
    # left out
    LeadFactory(owner=manager, team=team, created_at=NOON, first_response_at=NOON + 3 * MINUTE)
    lead_with_clock(
        owner=manager, team=team, created_at=NOON - dt.timedelta(days=10), answered_after=1
    )
    survivor = made["manager_4"]
    lead_with_clock(
        owner=manager, team=team, created_at=NOON, answered_after=1, merged_into=survivor
    )
    lead_with_clock(
        owner=manager,
        team=team,
        created_at=NOON,
        answered_after=1,
        quality_status=QualityStatus.QUARANTINED,
    )
    made["web"], made["fair"] = web, fair
    return made


@pytest.fixture
def business(team, other_team, head, manager, colleague, telemarketer, outsider):
    """The business above; import it into a test module to use it."""
    return speed_business(
        team=team,
        other_team=other_team,
        manager=manager,
        colleague=colleague,
        telemarketer=telemarketer,
        outsider=outsider,
    )
