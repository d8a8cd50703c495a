"""SLA policies, pure: which policy takes a lead, its deadline, what counts as a response,
what is wrong with a policy, and where an overdue lead's escalation stands."""

import datetime as dt
from zoneinfo import ZoneInfo

from galena.routing.models import SlaPolicy
from galena.routing.rules import Condition
from galena.routing.sla_rules import (
    Calendar,
    ClockFacts,
    Escalated,
    PolicySpec,
    Step,
    counts_as_response,
    deadline_for,
    escalate,
    policy_errors,
    policy_for,
    policy_spec,
)

BUCHAREST = ZoneInfo("Europe/Bucharest")
OFFICE = {str(day): [["09:00", "18:00"]] for day in range(1, 6)}
CALENDAR = Calendar(hours=OFFICE, tz=BUCHAREST)
HOT = PolicySpec(
    id=1,
    name="Hot leads: 5 minutes",
    conditions=(Condition("temperature", "eq", "hot"),),
    response_minutes=5,
    business_hours=False,
    warn_before_minutes=2,
    reassign_after_minutes=15,
    alert_after_minutes=30,
)
WARM = PolicySpec(
    id=2,
    name="Warm leads: 1 hour",
    conditions=(Condition("temperature", "eq", "warm"),),
    response_minutes=60,
    warn_before_minutes=15,
    reassign_after_minutes=60,
    alert_after_minutes=120,
)
COLD = PolicySpec(
    id=3,
    name="Other leads: 1 business day",
    response_business_days=1,
    warn_before_minutes=60,
    reassign_after_minutes=60,
    alert_after_minutes=120,
)
POLICIES = (HOT, WARM, COLD)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BUCHAREST)


def values(**given):
    return {"temperature": "unknown", "source": "", "channel": "landing_page", **given}


# --------------------------------------------------------------------------- which policy


def test_the_first_policy_whose_conditions_hold_wins():
    assert policy_for(values(temperature="hot"), POLICIES) == HOT
    assert policy_for(values(temperature="warm"), POLICIES) == WARM
    assert policy_for(values(temperature="cold"), POLICIES) == COLD


def test_a_lead_no_policy_takes_has_no_clock():
    assert policy_for(values(temperature="cold"), (HOT, WARM)) is None


def test_conditions_read_source_channel_score_and_answers():
    vip = PolicySpec(
        id=9,
        name="Partner referrals with a budget",
        conditions=(
            Condition("source", "eq", "Partner site"),
            Condition("channel", "in", ["referral", "landing_page"]),
            Condition("score", "gte", 50),
            Condition("attributes.budget", "gt", 10000),
        ),
        response_minutes=15,
    )
    lead = values(source="Partner site", score=60, attributes={"budget": "20 000"})
    assert policy_for(lead, (vip, COLD)) == vip
    assert policy_for({**lead, "score": 40}, (vip, COLD)) == COLD


def test_a_stored_policy_becomes_its_spec():
    policy = SlaPolicy(
        pk=4,
        name="Chat: 2 minutes",
        conditions=[{"field": "channel", "operator": "eq", "value": "chat"}],
        response_minutes=2,
        business_hours=False,
        response_kinds=["call", "note"],
        reassign_after_minutes=None,
        alert_after_minutes=10,
    )
    spec = policy_spec(policy)
    assert spec.conditions == (Condition("channel", "eq", "chat"),)
    assert spec.response_kinds == {"call", "note"}
    assert (spec.reassign_after_minutes, spec.alert_after_minutes) == (None, 10)


# --------------------------------------------------------------------------- deadlines


def test_a_hot_lead_is_due_in_five_minutes_of_plain_time_even_at_night():
    start = at(2026, 3, 28, 23, 58)  # a Saturday night
    deadline = deadline_for(HOT, start, CALENDAR)
    assert deadline.due_at == start + dt.timedelta(minutes=5)
    assert deadline.warn_at == start + dt.timedelta(minutes=3)


def test_a_warm_lead_is_due_in_an_hour_of_business_time():
    deadline = deadline_for(WARM, at(2026, 3, 27, 17, 30), CALENDAR)  # Friday
    assert deadline.due_at == at(2026, 3, 30, 9, 30)  # Monday (after the clocks changed)
    assert deadline.warn_at == at(2026, 3, 30, 9, 15)


def test_a_cold_lead_on_friday_evening_is_due_monday_evening():
    deadline = deadline_for(COLD, at(2026, 3, 27, 17, 45), CALENDAR)
    assert deadline.due_at == at(2026, 3, 30, 17, 45)
    assert deadline.warn_at == at(2026, 3, 30, 16, 45)


def test_a_cold_lead_after_hours_is_due_the_day_after_the_next_opening():
    deadline = deadline_for(COLD, at(2026, 3, 27, 19, 0), CALENDAR)  # Friday, closed
    assert deadline.due_at == at(2026, 3, 31, 9, 0)  # counted from Monday 09:00


def test_a_holiday_moves_the_deadline_a_day():
    calendar = Calendar(hours=OFFICE, tz=BUCHAREST, holidays=frozenset({dt.date(2026, 3, 30)}))
    assert deadline_for(COLD, at(2026, 3, 27, 17, 45), calendar).due_at == at(2026, 3, 31, 17, 45)
    assert deadline_for(WARM, at(2026, 3, 27, 17, 30), calendar).due_at == at(2026, 3, 31, 9, 30)


def test_days_and_minutes_add_up_and_a_warning_longer_than_the_allowance_is_none():
    policy = PolicySpec(
        id=5, name="x", response_business_days=1, response_minutes=90, warn_before_minutes=0
    )
    assert deadline_for(policy, at(2026, 3, 27, 17, 0), CALENDAR).due_at == at(2026, 3, 31, 9, 30)
    short = PolicySpec(id=6, name="y", response_minutes=10, warn_before_minutes=10)
    assert deadline_for(short, at(2026, 3, 27, 12, 0), CALENDAR).warn_at is None


# --------------------------------------------------------------------------- responses


def test_what_counts_is_the_policys_kinds_else_calls_emails_and_tasks():
    calls_only = PolicySpec(id=7, name="calls", response_kinds=frozenset({"call"}))
    assert counts_as_response("call", calls_only)
    assert not counts_as_response("task", calls_only)
    assert [counts_as_response(kind, None) for kind in ("call", "email", "task", "note")] == [
        True,
        True,
        True,
        False,
    ]


# --------------------------------------------------------------------------- validation


def errors(**changes):
    given = {
        "conditions": [],
        "response_minutes": 60,
        "response_business_days": 0,
        "response_kinds": ["call"],
        "reassign_after_minutes": 30,
        "alert_after_minutes": 60,
    }
    return policy_errors(**{**given, **changes})


def test_a_sound_policy_has_no_errors():
    assert errors(conditions=[{"field": "temperature", "operator": "in", "value": ["hot"]}]) == {}


def test_errors_name_the_field_and_the_problem():
    unknown = errors(conditions=[{"field": "colour", "operator": "eq", "value": "red"}])
    assert "“colour” is not a field" in unknown["conditions"]
    wrong = errors(conditions=[{"field": "temperature", "operator": "eq", "value": "boiling"}])
    assert wrong["conditions"].startswith("temperature: temperature is one of: unknown, cold")
    assert "response_minutes" in errors(response_minutes=0)
    assert "response_kinds" in errors(response_kinds=["fax"])
    assert "response_kinds" in errors(response_kinds=[])
    assert errors(alert_after_minutes=10) == {
        "alert_after_minutes": "The head of sales is alerted after the lead is reassigned: "
        "give at least 30 minutes, or leave the reassignment empty."
    }
    assert errors(reassign_after_minutes=None, alert_after_minutes=10) == {}


# --------------------------------------------------------------------------- escalation

DUE = at(2026, 3, 27, 12, 0)
OPEN = ClockFacts(due_at=DUE, warn_at=DUE - dt.timedelta(minutes=15))


def test_nothing_is_due_before_the_warning():
    result = escalate(OPEN, WARM, DUE - dt.timedelta(minutes=20))
    assert result.steps == ()
    assert result.next_check_at == OPEN.warn_at


def test_the_warning_comes_once_then_the_deadline_is_next():
    now = DUE - dt.timedelta(minutes=10)
    result = escalate(OPEN, WARM, now)
    assert result.steps == (Step.WARN,)
    assert result.clock.warned_at == now
    assert result.next_check_at == DUE
    assert escalate(result.clock, WARM, now).steps == ()


def test_the_breach_is_at_the_deadline_and_the_chain_follows_it():
    result = escalate(OPEN, WARM, DUE + dt.timedelta(minutes=1))
    assert result.steps == (Step.BREACH,)  # no warning about a deadline already passed
    assert result.clock.breached_at == DUE
    assert result.clock.escalation_step == Escalated.REMINDED
    assert result.next_check_at == DUE + dt.timedelta(minutes=60)
    reassigned = escalate(result.clock, WARM, DUE + dt.timedelta(minutes=60))
    assert reassigned.steps == (Step.REASSIGN,)
    assert reassigned.next_check_at == DUE + dt.timedelta(minutes=120)
    alerted = escalate(reassigned.clock, WARM, DUE + dt.timedelta(minutes=121))
    assert alerted.steps == (Step.ALERT,)
    assert alerted.clock.escalation_step == Escalated.ALERTED
    assert alerted.next_check_at is None


def test_a_late_sweep_takes_every_step_due_at_once():
    result = escalate(OPEN, WARM, DUE + dt.timedelta(hours=5))
    assert result.steps == (Step.BREACH, Step.REASSIGN, Step.ALERT)
    assert result.next_check_at is None


def test_steps_without_minutes_are_skipped():
    no_reassign = PolicySpec(id=8, name="z", response_minutes=60, alert_after_minutes=30)
    breached = escalate(OPEN, no_reassign, DUE).clock
    assert escalate(breached, no_reassign, DUE + dt.timedelta(minutes=29)).steps == ()
    assert escalate(breached, no_reassign, DUE + dt.timedelta(minutes=30)).steps == (Step.ALERT,)
    bare = PolicySpec(id=9, name="b", response_minutes=60)
    assert escalate(OPEN, bare, DUE).next_check_at is None


def test_a_clock_whose_policy_is_gone_breaches_and_stops():
    result = escalate(OPEN, None, DUE + dt.timedelta(hours=5))
    assert result.steps == (Step.BREACH,)
    assert result.next_check_at is None
