"""The pure rule engine: profile points, behaviour awards with once/each and caps, decay,
group caps and the temperature they give."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.leads.models import Temperature
from galena.scoring.models import Frequency, RuleKind, TrackedKind
from galena.scoring.rules import (
    Award,
    Condition,
    EventFacts,
    RuleSpec,
    Scales,
    behaviour_awards,
    decayed,
    engagement_add,
    engagement_from,
    profile_score,
    rule_errors,
    temperature_for,
    total_score,
)

DAY = 86400.0
T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
SCALES = Scales(half_life_s=10 * DAY, warm=30, hot=60, hot_signal_s=2 * DAY)


def profile(rule_id, points, *conditions, hot=False, name=None):
    return RuleSpec(
        id=rule_id,
        name=name or f"profile {rule_id}",
        kind=RuleKind.PROFILE,
        group="fit",
        points=points,
        conditions=tuple(Condition(*c) for c in conditions),
        hot_signal=hot,
    )


def behaviour(rule_id, points, kind, *conditions, frequency=Frequency.EACH, cap=None, hot=False):
    return RuleSpec(
        id=rule_id,
        name=f"behaviour {rule_id}",
        kind=RuleKind.BEHAVIOUR,
        group="engagement",
        points=points,
        conditions=tuple(Condition(*c) for c in conditions),
        event_kind=kind,
        frequency=frequency,
        cap=cap,
        hot_signal=hot,
    )


def page(category, days=0.0, **properties):
    return EventFacts(
        kind=TrackedKind.PAGE_VIEW,
        occurred_at=T0 + dt.timedelta(days=days),
        category=category,
        properties=properties,
    )


# --- profile ---------------------------------------------------------------------------


def test_profile_points_add_up_for_every_rule_whose_conditions_all_hold():
    rules = [
        profile(1, 15, ("position", "contains", ["director", "директор"])),
        profile(2, 5, ("company_name", "not_empty", "")),
        profile(3, 10, ("country", "in", ["RO", "MD"]), ("attributes.budget", "gte", 1000)),
    ]
    values = {
        "position": "Генеральный директор",
        "company_name": "Lumo",
        "country": "MD",
        "attributes": {"budget": "1 500"},
    }

    result = profile_score(values, rules)

    assert result.points == 30
    assert [line["rule"] for line in result.breakdown] == [1, 2, 3]
    assert result.hot_reasons == []


def test_a_rule_with_one_condition_failing_gives_nothing_and_missing_data_matches_nothing():
    rules = [profile(3, 10, ("country", "eq", "RO"), ("attributes.budget", "gte", 1000))]

    assert profile_score({"country": "RO", "attributes": {"budget": 10}}, rules).points == 0
    assert profile_score({"country": "RO", "attributes": {}}, rules).points == 0


def test_negative_points_and_hot_profile_signals():
    rules = [
        profile(1, -30, ("fit", "eq", "non_target")),
        profile(2, 20, ("comment", "contains", ["price"]), hot=True, name="Asked for the price"),
    ]

    result = profile_score({"fit": "non_target", "comment": "What is the PRICE?"}, rules)

    assert result.points == -10
    assert result.hot_reasons == ["Asked for the price"]


# --- behaviour -------------------------------------------------------------------------


def test_each_time_rules_give_per_event_up_to_their_cap():
    rule = behaviour(1, 10, TrackedKind.PAGE_VIEW, ("category", "eq", "pricing"), cap=25)
    events = [page("pricing", 0), page("pricing", 0), page("pricing", 0), page("blog", 0)]

    awards = behaviour_awards(events, [rule], [], SCALES.half_life_s)

    assert [a.points for a in awards] == [10, 10, 5]


def test_a_cap_counts_earlier_points_at_their_decayed_value():
    rule = behaviour(1, 10, TrackedKind.PAGE_VIEW, cap=20)
    history = [Award(1, "r", "engagement", 20, T0)]
    # one half-life later the 20 are worth 10: room for 10 more
    awards = behaviour_awards([page("", 10)], [rule], history, SCALES.half_life_s)

    assert [a.points for a in awards] == pytest.approx([10])


def test_once_rules_give_once_ever_even_across_calls():
    rule = behaviour(1, 15, TrackedKind.WEBINAR, frequency=Frequency.ONCE)
    webinar = EventFacts(kind=TrackedKind.WEBINAR, occurred_at=T0)

    first = behaviour_awards([webinar, webinar], [rule], [], SCALES.half_life_s)
    again = behaviour_awards([webinar], [rule], first, SCALES.half_life_s)

    assert [a.points for a in first] == [15]
    assert again == []


def test_conditions_read_the_events_properties():
    rule = behaviour(1, 5, TrackedKind.VIDEO, ("properties.percent", "gte", 90))

    awards = behaviour_awards(
        [
            EventFacts(kind=TrackedKind.VIDEO, occurred_at=T0, properties={"percent": 50}),
            EventFacts(kind=TrackedKind.VIDEO, occurred_at=T0, properties={"percent": 95}),
        ],
        [rule],
        [],
        SCALES.half_life_s,
    )

    assert len(awards) == 1


# --- decay and totals -------------------------------------------------------------------


def test_points_halve_every_half_life():
    start = T0.timestamp()
    assert decayed(40, start, start, 10 * DAY) == 40
    assert decayed(40, start, start + 10 * DAY, 10 * DAY) == pytest.approx(20)
    assert decayed(40, start, start + 30 * DAY, 10 * DAY) == pytest.approx(5)


@given(
    st.lists(
        st.tuples(st.floats(0, 60), st.integers(-20, 40)),
        min_size=1,
        max_size=12,
    ),
    st.floats(0, 90),
)
@settings(deadline=None)  # a loaded CI machine is no counter-example
def test_the_stored_engagement_equals_the_sum_of_each_awards_decayed_points(awards, later):
    """Folding awards into one value at one moment loses nothing, in any order of arrival."""
    made = [
        Award(1, "r", "engagement", float(points), T0 + dt.timedelta(days=days))
        for days, points in awards
    ]
    now = (T0 + dt.timedelta(days=60 + later)).timestamp()
    expected = sum(
        decayed(a.points, a.occurred_at.timestamp(), now, SCALES.half_life_s) for a in made
    )

    in_order = engagement_from(made, SCALES)
    arrival = engagement_from([], SCALES)
    for award in reversed(made):  # late events folded in after newer ones
        arrival = engagement_add(arrival, award, SCALES)

    assert in_order.at(now, SCALES.half_life_s) == pytest.approx(expected, abs=1e-6)
    assert arrival.at(now, SCALES.half_life_s) == pytest.approx(expected, abs=1e-6)


def test_group_caps_limit_each_group_separately():
    scales = Scales(half_life_s=DAY, fit_cap=40, engagement_cap=30)

    assert total_score(55, 50, scales) == 70
    assert total_score(-10, 50, scales) == 20


# --- temperature -------------------------------------------------------------------------


def test_thresholds_make_cold_warm_and_hot():
    assert temperature_for(29.4, SCALES, now=T0).temperature == Temperature.COLD
    assert temperature_for(30, SCALES, now=T0).temperature == Temperature.WARM
    assert temperature_for(60, SCALES, now=T0).temperature == Temperature.HOT


def test_a_hot_signal_overrides_points_until_it_expires():
    engagement = engagement_add(
        engagement_from([], SCALES),
        Award(1, "Opened the payment page", "engagement", 0, T0, hot_signal=True),
        SCALES,
    )

    fresh = temperature_for(
        5, SCALES, hot_until=engagement.hot_until, hot_reason=engagement.hot_reason, now=T0
    )
    expired = temperature_for(
        5,
        SCALES,
        hot_until=engagement.hot_until,
        hot_reason=engagement.hot_reason,
        now=T0 + dt.timedelta(days=3),
    )

    assert fresh.temperature == Temperature.HOT
    assert "Opened the payment page" in fresh.reason
    assert expired.temperature == Temperature.COLD


# --- validation ---------------------------------------------------------------------------


def test_rule_errors_name_the_problem():
    assert rule_errors(kind="profile", event_kind="", conditions=[], frequency="once") == {
        "conditions": "A profile rule needs at least one condition."
    }
    assert "event_kind" in rule_errors(
        kind="behaviour", event_kind="", conditions=[], frequency="each"
    )
    assert "frequency" in rule_errors(
        kind="profile",
        event_kind="",
        conditions=[{"field": "country", "operator": "eq", "value": "RO"}],
        frequency="each",
    )
    bad_field = rule_errors(
        kind="profile",
        event_kind="",
        conditions=[{"field": "phone", "operator": "eq", "value": "1"}],
        frequency="once",
    )
    assert "“phone” is not a field" in bad_field["conditions"]
    bad_choice = rule_errors(
        kind="profile",
        event_kind="",
        conditions=[{"field": "fit", "operator": "eq", "value": "good"}],
        frequency="once",
    )
    assert "fit is one of: unknown, target, non_target" in bad_choice["conditions"]
    assert (
        rule_errors(
            kind="behaviour",
            event_kind="page_view",
            conditions=[{"field": "properties.seconds", "operator": "gte", "value": 30}],
            frequency="each",
        )
        == {}
    )
