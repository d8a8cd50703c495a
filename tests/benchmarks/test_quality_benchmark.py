"""The quality benchmark's figures from outcomes whose truth is known: what counts as
caught, recall per category (and after each group's first), precision per reason."""

import datetime as dt

import pytest

from benchmarks.quality_benchmark import Outcome, Timers, figures, mistakes
from benchmarks.quality_data import Item

AT = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)


def outcome(category, outcome, codes=(), *, trait="plain", group="", suggestions=()):
    truth = "genuine" if category == "genuine" else "pseudo"
    item = Item(truth, category, trait, "ro-offer", {"name": "x"}, "UA", "192.0.2.1", AT, group)
    submission_id = None if outcome == "refused" else 1  # a refused one is never stored
    return Outcome(item, submission_id, outcome, list(codes), list(suggestions))


@pytest.fixture
def result(db):
    outcomes = [
        outcome("genuine", "created"),
        outcome("genuine", "created", ["email_typo"], trait="typo_email", suggestions=["a@b.c"]),
        outcome("genuine", "quarantined", ["burst_device"], trait="kiosk", group="kiosk-1"),
        outcome("genuine", "interest", ["no_contact"]),
        outcome("bot_fast", "quarantined", ["too_fast"]),
        outcome("bot_fast", "rejected", ["too_fast", "honeypot"]),
        outcome("test_value", "created", ["phone_unlikely"]),
        outcome("bot_burst", "created", group="burst-1"),
        outcome("bot_burst", "quarantined", ["burst_address"], group="burst-1"),
        outcome("disposable_email", "refused"),
    ]
    return figures(outcomes, Timers(store=1.0, stages=2.0, processing=4.0))


def test_caught_is_quarantined_or_rejected(result):
    assert result["confusion"] == {
        "genuine_passed": 3,
        "genuine_caught": 1,
        "pseudo_caught": 3,
        "pseudo_passed": 3,
    }
    assert result["genuine_caught_percent"] == 25.0
    assert result["precision_percent"] == 75.0


def test_bots_and_test_values_are_counted_together(result):
    # bot_fast 2 of 2, test_value 0 of 1, bot_burst 1 of 2
    assert result["bots_and_test_values_caught_percent"] == 60.0


def test_recall_per_category_leaves_out_each_groups_first_in_its_own_column(result):
    burst = result["categories"]["bot_burst"]

    assert burst["recall_percent"] == 50.0
    assert burst["groups"] == 1
    assert burst["recall_after_first_percent"] == 100.0
    assert result["categories"]["disposable_email"]["refused"] == 1


def test_precision_per_reason_is_the_pseudo_share_of_where_it_fired(result):
    too_fast = result["reasons"]["too_fast"]
    burst_device = result["reasons"]["burst_device"]

    assert (too_fast["fired"], too_fast["on_pseudo"], too_fast["precision_percent"]) == (
        2,
        2,
        100.0,
    )
    assert too_fast["coverage_percent"] == pytest.approx(200 / 3)
    assert (burst_device["on_genuine"], burst_device["precision_percent"]) == (1, 0.0)


def test_typos_count_flags_and_suggestions(result):
    assert result["typos"]["typo_email"] == {
        "count": 1,
        "flagged": 1,
        "with_suggestion": 1,
        "caught": 0,
    }


def test_throughput_is_per_stored_submission(result):
    assert result["throughput"]["stored"] == 9
    assert result["throughput"]["stages_per_s"] == 4.5
    assert result["throughput"]["processing_per_s"] == 2.25


def test_mistakes_list_genuine_caught_and_pseudo_passed(db):
    outcomes = [
        outcome("genuine", "quarantined", ["burst_device"], trait="kiosk"),
        outcome("genuine", "created", ["email_typo"], trait="typo_email"),
        outcome("test_value", "created"),
        outcome("bot_fast", "rejected", ["too_fast"]),
    ]

    found = mistakes(outcomes)

    assert sorted(found) == ["genuine caught: kiosk", "pseudo passed: test_value"]
    assert sorted(mistakes(outcomes, flagged=True)) == [
        "genuine caught: kiosk",
        "genuine flagged: typo_email",
        "pseudo passed: test_value",
    ]
