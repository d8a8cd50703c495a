"""The pure part of routing: which rule takes a lead, which member gets it."""

import datetime as dt
from collections import Counter

import pytest

from galena.routing import rules as engine
from galena.routing.models import Strategy, TargetKind

NOW = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)  # a Monday


def rule(id, conditions=(), **kw):
    return engine.RouteRule(
        id=id,
        name=f"rule {id}",
        conditions=engine.conditions_of(list(conditions)),
        target_kind=kw.pop("target_kind", TargetKind.TEAM),
        team_id=kw.pop("team_id", 1),
        **kw,
    )


def member(user_id, **kw):
    return engine.Member(user_id=user_id, name=f"m{user_id}", **kw)


def test_first_matching_rule_wins_and_explains_the_rules_it_passed():
    rules = [
        rule(1, [{"field": "temperature", "operator": "eq", "value": "hot"}]),
        rule(2, [{"field": "country", "operator": "in", "value": ["RO", "MD"]}]),
        rule(3),
    ]
    match = engine.rule_for({"temperature": "warm", "country": "RO"}, rules)
    assert match.rule.id == 2
    assert match.skipped == (("rule 1", "temperature eq 'hot'"),)
    assert engine.rule_for({"temperature": "cold", "country": "FI"}, rules).rule.id == 3


def test_score_attribute_and_source_conditions():
    rules = [
        rule(
            1,
            [
                {"field": "score", "operator": "gte", "value": 60},
                {"field": "attributes.company_size", "operator": "gt", "value": 50},
                {"field": "source", "operator": "eq", "value": "Expo"},
            ],
        )
    ]
    values = {"score": 61, "attributes": {"company_size": "120"}, "source": "Expo"}
    assert engine.rule_for(values, rules).rule.id == 1
    assert engine.rule_for({**values, "score": 59}, rules).rule is None


def test_condition_errors_name_the_field_and_the_problem():
    assert engine.condition_errors([]) == ""
    assert "temperature is one of" in engine.condition_errors(
        [{"field": "temperature", "operator": "eq", "value": "boiling"}]
    )
    assert "“salary” is not a field" in engine.condition_errors(
        [{"field": "salary", "operator": "eq", "value": 1}]
    )
    assert "score" in engine.condition_errors([{"field": "score", "operator": "gt", "value": "x"}])
    assert engine.condition_errors({"field": "score"}) != ""


def test_round_robin_is_fair_and_a_new_member_joins_the_turn():
    members = [member(1), member(2), member(3)]
    got = []
    sequence = 0
    for _ in range(9):
        pick = engine.pick_member(Strategy.ROUND_ROBIN, members)
        sequence += 1
        members = engine.after_pick(members, pick.member, sequence=sequence, strategy="round_robin")
        got.append(pick.member.user_id)
    assert got == [1, 2, 3] * 3
    members.append(member(4))
    nxt = []
    for _ in range(4):
        pick = engine.pick_member(Strategy.ROUND_ROBIN, members)
        sequence += 1
        members = engine.after_pick(members, pick.member, sequence=sequence, strategy="round_robin")
        nxt.append(pick.member.user_id)
    assert sorted(nxt) == [1, 2, 3, 4]


def test_weighted_round_robin_gives_shares_without_bursts():
    members = [member(1, weight=3), member(2, weight=1)]
    got = []
    for sequence in range(1, 9):
        pick = engine.pick_member(Strategy.WEIGHTED, members)
        members = engine.after_pick(members, pick.member, sequence=sequence, strategy="weighted")
        got.append(pick.member.user_id)
    assert Counter(got) == {1: 6, 2: 2}
    assert got[:4].count(2) == 1  # member 2 gets one in every four, not two at the end


def test_least_loaded_takes_the_lightest_then_round_robin():
    members = [member(1, load=5), member(2, load=2, last_sequence=7), member(3, load=2)]
    assert engine.pick_member(Strategy.LEAST_LOADED, members).member.user_id == 3


def test_skills_prefer_product_over_language_and_fall_back_to_everyone():
    members = [
        member(1, products=("Heat pumps",), languages=("ro",), load=9),
        member(2, products=("Solar panels",), languages=("en",), load=1),
        member(3, languages=("ro",), load=0),
    ]
    pick = engine.pick_member(
        Strategy.SKILLS, members, interest="solar panels 10 kW", language="ro"
    )
    assert pick.member.user_id == 2
    pick = engine.pick_member(Strategy.SKILLS, members, interest="batteries", language="ro-RO")
    assert pick.member.user_id == 3  # the language, then least loaded
    pick = engine.pick_member(Strategy.SKILLS, members, interest="batteries", language="fi")
    assert pick.member.user_id == 3 and "nobody listed" in pick.reason


def test_unavailable_and_full_members_are_skipped_and_nobody_means_the_queue():
    members = [
        member(1, unavailable="absent"),
        member(2, capacity=2, assigned_today=2),
        member(3),
    ]
    assert engine.pick_member(Strategy.ROUND_ROBIN, members).member.user_id == 3
    nobody = engine.pick_member(Strategy.ROUND_ROBIN, members[:2])
    assert nobody.member is None
    assert "absent" in nobody.reason and "daily capacity reached" in nobody.reason
    assert engine.pick_member(Strategy.ROUND_ROBIN, []).member is None


@pytest.mark.parametrize(
    ("moment", "why"),
    [
        (NOW, ""),
        (NOW.replace(hour=20), "outside working hours"),
        (NOW + dt.timedelta(days=5), "outside working hours"),  # Saturday
    ],
)
def test_working_hours_in_the_team_time_zone(moment, why):
    availability = engine.Availability(
        is_active=True,
        accepts_leads=True,
        working_hours={str(d): ["09:00", "18:00"] for d in range(1, 6)},
        time_zone=dt.UTC,
    )
    assert engine.unavailable_because(availability, moment) == why


def test_absence_holiday_and_switches():
    base = {"working_hours": None, "time_zone": dt.UTC}
    assert (
        engine.unavailable_because(
            engine.Availability(is_active=False, accepts_leads=True, **base), NOW
        )
        == "inactive"
    )
    assert (
        engine.unavailable_because(
            engine.Availability(is_active=True, accepts_leads=False, **base), NOW
        )
        == "not taking leads"
    )
    away = ((NOW - dt.timedelta(hours=1), NOW + dt.timedelta(days=2)),)
    assert (
        engine.unavailable_because(
            engine.Availability(is_active=True, accepts_leads=True, absences=away, **base), NOW
        )
        == "absent"
    )
    holiday = engine.Availability(
        is_active=True,
        accepts_leads=True,
        working_hours={"1": ["00:00", "24:00"]},
        time_zone=dt.UTC,
        holidays=frozenset({NOW.date()}),
    )
    assert engine.unavailable_because(holiday, NOW) == "outside working hours"
