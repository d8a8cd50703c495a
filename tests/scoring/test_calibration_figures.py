"""The calibration report's figures on constructed data, each checked against a value
worked out by hand (or by the formula written out here, step by step)."""

import datetime as dt
import math
from decimal import Decimal

import pytest

from galena.scoring import calibration as cal
from galena.scoring.calibration import ClosedLead, Inputs, Options, RuleInfo

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
Z = 1.959963984540054


def lead(i, won, score=0, **kwargs):
    return ClosedLead(id=i, won=won, score=score, **kwargs)


def leads_of(pairs):
    """[(score, won), …] → closed leads."""
    return [lead(i, won, score) for i, (score, won) in enumerate(pairs, start=1)]


# --- Wilson interval ------------------------------------------------------------------


def test_wilson_interval_of_one_in_four_matches_the_published_value():
    low, high = cal.wilson_interval(1, 4)

    assert low == pytest.approx(0.0456, abs=5e-5)
    assert high == pytest.approx(0.6994, abs=5e-5)


def test_wilson_interval_of_none_and_of_all_stays_inside_zero_to_one():
    assert cal.wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert cal.wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=5e-5)


def test_wilson_interval_follows_the_formula():
    n, k = 37, 11
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)

    assert cal.wilson_interval(k, n) == pytest.approx((centre - half, centre + half))


def test_rate_without_a_total_is_unknown():
    assert cal.rate_of(0, 0) == cal.Rate(0, 0, None, None, None)


# --- bands ----------------------------------------------------------------------------

BAND_LEADS = [
    (10, True),
    (20, False),
    (25, False),
    (5, False),
    (30, True),
    (45, False),
    (60, True),
    (80, True),
    (95, False),
]


def test_threshold_bands_count_win_and_compare_with_the_overall_rate():
    bands = cal.score_bands(leads_of(BAND_LEADS), [30, 60], ["Cold", "Warm", "Hot"])

    cold, warm, hot = bands
    assert [(b.label, b.name, b.low, b.high) for b in bands] == [
        ("< 30", "Cold", None, 30),
        ("30–59", "Warm", 30, 60),
        ("≥ 60", "Hot", 60, None),
    ]
    assert [(b.closed, b.won, b.lost) for b in bands] == [(4, 1, 3), (2, 1, 1), (3, 2, 1)]
    assert cold.win_rate.rate == 0.25
    assert (cold.win_rate.low, cold.win_rate.high) == pytest.approx(cal.wilson_interval(1, 4))
    assert hot.win_rate.rate == pytest.approx(2 / 3)
    # 4 won of 9: the cold band holds 1 of the 4 won, the hot band 2
    assert cold.share_of_won == 0.25
    assert hot.share_of_won == 0.5
    assert cold.lift == pytest.approx(0.25 / (4 / 9))  # 0.5625
    assert hot.lift == pytest.approx((2 / 3) / (4 / 9))  # 1.5
    assert warm.lift == pytest.approx(0.5 / (4 / 9))


def test_a_score_on_an_edge_belongs_to_the_band_above():
    bands = cal.score_bands(leads_of([(29, True), (30, False), (59, True), (60, False)]), [30, 60])

    assert [(b.won, b.lost) for b in bands] == [(1, 0), (1, 1), (0, 1)]


def test_empty_bands_are_kept_with_unknown_rates():
    bands = cal.score_bands(leads_of([(70, True)]), [30, 60])

    assert [b.closed for b in bands] == [0, 0, 1]
    assert bands[0].win_rate.rate is None
    assert bands[0].lift is None


def test_quintile_edges_cut_the_scores_into_fifths():
    # scores 0..9: numpy's quantiles are 1.8, 3.6, 5.4 and 7.2, rounded up to whole points
    assert cal.quantile_edges(list(range(10)), 5) == [2, 4, 6, 8]
    bands = cal.score_bands(leads_of([(s, s % 2 == 0) for s in range(10)]), [2, 4, 6, 8])
    assert [b.closed for b in bands] == [2, 2, 2, 2, 2]
    assert [b.label for b in bands] == ["< 2", "2–3", "4–5", "6–7", "≥ 8"]


def test_quantile_edges_of_tied_scores_do_not_make_empty_bands():
    # the 20 %, 40 % and 60 % quantiles are all 0, the lowest score: no band below it; the
    # 80 % one lies at position 9 · 0.8 = 7.2, 0.2 of the way from 0 to 10
    assert cal.quantile_edges([0] * 8 + [10, 20], 5) == [2]


def test_custom_edges_are_parsed_sorted_and_deduplicated():
    assert cal.parse_edges("50, 10;25 10") == (10, 25, 50)
    assert cal.parse_edges("−5, 0") == (-5, 0)
    with pytest.raises(ValueError, match="whole numbers"):
        cal.parse_edges("10, ten")
    with pytest.raises(ValueError, match="At most"):
        cal.parse_edges(",".join(str(n) for n in range(25)))


def test_band_edges_by_mode():
    scores = list(range(10))
    assert cal.band_edges("thresholds", scores, warm=30, hot=60) == [30, 60]
    assert cal.band_edges("quintiles", scores, warm=30, hot=60) == [2, 4, 6, 8]
    assert cal.band_edges("custom", scores, warm=30, hot=60, custom=(5,)) == [5]


# --- ROC AUC --------------------------------------------------------------------------


def test_auc_is_the_share_of_won_lost_pairs_ranked_right():
    # won 10, 30, 60, 80 against lost 5, 20, 25, 45, 95: of the 20 pairs the won lead is
    # higher in 1 + 3 + 4 + 4 = 12
    leads = leads_of(BAND_LEADS)
    found = cal.discrimination(
        "score", "Rule score", [x.score for x in leads], [x.won for x in leads]
    )

    assert found.status == cal.OK
    assert (found.closed, found.won, found.lost) == (9, 4, 5)
    assert found.auc == pytest.approx(12 / 20)


def test_auc_counts_a_tie_as_half():
    # won 10, 20 against lost 10, 5: pairs (10>5) (20>10) (20>5) right, (10=10) half
    found = cal.discrimination("score", "", [10, 20, 10, 5], [True, True, False, False])

    assert found.auc == pytest.approx(3.5 / 4)


def test_auc_interval_is_hanley_and_mcneil():
    a, won, lost = 0.6, 4, 5
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = math.sqrt((a * (1 - a) + (won - 1) * (q1 - a * a) + (lost - 1) * (q2 - a * a)) / 20)

    assert cal.auc_interval(a, won, lost) == pytest.approx((a - Z * se, min(1.0, a + Z * se)))
    assert se == pytest.approx(0.200713, abs=1e-6)


def test_auc_needs_won_and_lost_leads():
    only_won = cal.discrimination("score", "", [10, 20], [True, True])
    nothing = cal.discrimination("score", "", [], [])

    assert only_won.status == cal.ONE_CLASS
    assert only_won.auc is None
    assert "lost leads too" in only_won.message
    assert nothing.status == cal.NO_LEADS


def test_the_roc_curve_runs_from_the_corner_to_the_corner():
    found = cal.discrimination("score", "", [1, 2, 3, 4], [False, True, False, True])

    assert found.curve[0] == (0.0, 0.0)
    assert found.curve[-1] == (1.0, 1.0)


# --- reliability ----------------------------------------------------------------------


def test_reliability_bins_compare_the_mean_prediction_with_the_share_won():
    predicted = [0.05, 0.08, 0.15, 0.55, 0.58, 1.0]
    outcomes = [False, False, True, True, False, True]

    found = cal.reliability(predicted, outcomes)

    assert found.status == cal.OK
    assert [(b.low, b.high, b.count) for b in found.bins] == [
        (0.0, 0.1, 2),
        (0.1, 0.2, 1),
        (0.5, 0.6, 2),
        (0.9, 1.0, 1),  # a prediction of exactly 1 is in the last bin
    ]
    assert [b.mean_predicted for b in found.bins] == pytest.approx([0.065, 0.15, 0.565, 1.0])
    assert [b.observed.rate for b in found.bins] == [0.0, 1.0, 0.5, 1.0]
    # Σ n/N · |observed − predicted| = (2·0.065 + 0.85 + 2·0.065 + 0) / 6
    assert found.calibration_error == pytest.approx((0.13 + 0.85 + 0.13 + 0.0) / 6)
    # mean of (p − y)²
    assert found.brier == pytest.approx(
        (0.05**2 + 0.08**2 + 0.85**2 + 0.45**2 + 0.58**2 + 0.0**2) / 6
    )


def test_reliability_without_predictions_says_so():
    assert cal.reliability([], []).status == cal.NO_LEADS


def test_the_score_is_read_as_a_rate_by_a_logistic_fit():
    pairs = [(s, s >= 50 if s % 3 else s < 50) for s in range(0, 100, 2)]
    leads = leads_of(pairs)

    found = cal.score_mapping(leads, (30, 60))

    assert found.status == cal.OK
    predicted = [1 / (1 + math.exp(-(found.intercept + found.slope * x.score))) for x in leads]
    # the maximum-likelihood equations: predictions add up to the wins, also weighted by score
    assert sum(predicted) == pytest.approx(sum(x.won for x in leads), abs=1e-3)
    assert sum(p * x.score for p, x in zip(predicted, leads, strict=True)) == pytest.approx(
        sum(x.score for x in leads if x.won), abs=0.05
    )
    assert found.slope > 0
    assert found.points_to_double_odds == pytest.approx(math.log(2) / found.slope)
    assert [score for score, _rate in found.rates] == [30, 60]
    assert found.reliability.closed == len(leads)
    assert "double a lead's odds" in found.message


def test_the_score_cannot_be_read_as_a_rate_without_both_outcomes_or_with_one_score():
    assert cal.score_mapping(leads_of([(10, True), (20, True)])).status == cal.ONE_CLASS
    assert cal.score_mapping(leads_of([(10, True), (10, False)])).status == cal.CONSTANT
    assert cal.score_mapping([]).status == cal.NO_LEADS


# --- lost high-scored leads -----------------------------------------------------------


def test_lost_high_scored_leads_highest_first_with_their_reasons():
    day = dt.timedelta(days=1)
    leads = [
        lead(1, False, 75, closed_at=NOW - 3 * day, lost_reason="Too expensive"),
        lead(2, False, 90, closed_at=NOW - 5 * day, lost_reason="Chose a competitor"),
        lead(3, False, 75, closed_at=NOW - 1 * day, lost_reason="Too expensive"),
        lead(4, False, 59, lost_reason="Too expensive"),  # below the hot threshold
        lead(5, True, 95),  # won
        lead(6, False, 60, closed_at=NOW, lost_reason="", lost_reason_source=cal.REASON_NONE),
        lead(7, False, 80, lost_reason="Budget frozen", lost_reason_source=cal.REASON_STAGE),
    ]

    found = cal.lost_high_scored(leads, min_score=60, limit=3, visible=frozenset({1, 2, 3, 6}))

    assert found.total == 5
    assert found.not_listed == 1  # lead 7 is another team's
    # by score, then the latest closed first; at most three
    assert [x.id for x in found.leads] == [2, 3, 1]
    assert [(r.reason, r.count) for r in found.reasons] == [
        ("Too expensive", 2),
        ("Budget frozen", 1),
        ("Chose a competitor", 1),
        ("No reason recorded", 1),
    ]


def test_a_lost_lead_without_a_reason_says_none_was_recorded():
    found = cal.lost_high_scored([lead(1, False, 70)], min_score=60)

    assert found.leads[0].reason == "No reason recorded"
    assert found.leads[0].reason_source == cal.REASON_NONE


# --- the clients' profile -------------------------------------------------------------


def city(name, **attributes):
    return {"city": name, "attributes": attributes}


def test_profile_compares_the_clients_shares_with_all_leads():
    clients = [city("Chișinău")] * 6 + [city("Bălți")] * 4
    everyone = (
        [city("Chișinău")] * 8 + [city(" chișinău ")] + [city("Bălți")] * 21 + [city("Cahul")] * 20
    )

    found = cal.client_profile(clients, everyone)

    assert found.status == cal.OK
    assert (found.won, found.everyone) == (10, 50)
    by_field = {a.field: a for a in found.attributes}
    cities = {v.label: v for v in by_field["city"].values}
    assert set(cities) == {"Chișinău", "Bălți", "Cahul"}  # case and spaces do not split a city
    assert (cities["Chișinău"].won, cities["Chișinău"].everyone) == (6, 9)
    assert cities["Chișinău"].won_share == 0.6
    assert cities["Chișinău"].all_share == 0.18
    assert cities["Chișinău"].difference == pytest.approx(0.42)
    # total variation: (|0.6 − 0.18| + |0.4 − 0.42| + |0 − 0.40|) / 2
    assert by_field["city"].distance == pytest.approx((0.42 + 0.02 + 0.40) / 2)
    assert found.attributes[0].field == "city"  # the only field that differs
    # 18 % is outside the Wilson interval of 6 in 10 (31 %–83 %); 42 % is inside 4 in 10's
    assert cities["Chișinău"].clear
    assert cities["Cahul"].clear
    assert not cities["Bălți"].clear
    assert [line.text for line in found.lines] == [
        "60 % of clients are in Chișinău, against 18 % of all leads.",
        "0 % of clients are in Cahul, against 40 % of all leads.",
    ]


def test_profile_bins_a_numeric_answer_by_the_quartiles_of_all_leads():
    everyone = [{"attributes": {"budget": n}} for n in range(1, 101)]
    clients = [{"attributes": {"budget": str(n)}} for n in range(80, 90)]

    found = cal.client_profile(clients, everyone)

    budget = next(a for a in found.attributes if a.field == "attributes.budget")
    assert budget.kind == "number"
    # quartiles of 1..100: 25.75, 50.5, 75.25
    shares = {v.label: (v.won_share, v.all_share) for v in budget.values}
    # 1–25, 26–50, 51–75 and 76–100: a quarter of all leads each
    assert shares == {
        "< 25.75": (0.0, 0.25),
        "25.75 – 50.50": (0.0, 0.25),
        "50.50 – 75.25": (0.0, 0.25),
        "≥ 75.25": (1.0, 0.25),
    }
    assert found.lines[0].text == (
        "100 % of clients answered ≥ 75.25 to “budget”, against 25 % of all leads."
    )


def test_profile_reads_choices_by_their_labels_and_notes_unanswered_questions():
    everyone = [{"channel": "quiz", "attributes": {}}] * 30 + [
        {"channel": "cold_call", "attributes": {"size": "50+"}}
    ] * 20
    clients = [{"channel": "quiz", "attributes": {"size": "50+"}}] * 10

    found = cal.client_profile(
        clients, everyone, value_labels={"channel": {"quiz": "Quiz", "cold_call": "Cold calls"}}
    )

    texts = [line.text for line in found.lines]
    assert "100 % of clients came through Quiz, against 60 % of all leads." in texts
    assert "0 % of clients did not answer “size”, against 60 % of all leads." in texts


def test_answers_are_read_one_level_deep_with_lists_and_yes_no_as_one_value():
    flat = cal.flat_values(
        {
            "city": "Cahul",
            "attributes": {
                "quiz": {"bill": 120, "owner": True},
                "wants": ["install", "advice"],
                "size": "11-50",
            },
        }
    )

    assert flat["city"] == "Cahul"
    assert flat["country"] is None
    assert flat["attributes.quiz.bill"] == 120
    assert flat["attributes.quiz.owner"] == "Yes"
    assert flat["attributes.wants"] == "advice, install"
    assert flat["attributes.size"] == "11-50"


def test_a_difference_told_by_two_fields_is_said_once_and_a_field_nobody_varies_is_left_out():
    everyone = [{"channel": "exhibition", "source": "Expo 2026", "country": "MD"}] * 20 + [
        {"channel": "social", "source": "Facebook", "country": "MD"}
    ] * 30
    clients = [{"channel": "exhibition", "source": "Expo 2026", "country": "MD"}] * 10

    found = cal.client_profile(clients, everyone)

    assert {a.field for a in found.attributes} == {"channel", "source"}  # not the country
    # the source lines (Expo 2026, Facebook) would repeat the channel lines' figures
    assert [line.text for line in found.lines] == [
        "100 % of clients came through exhibition, against 40 % of all leads.",
        "0 % of clients came through social, against 60 % of all leads.",
    ]


def test_profile_needs_enough_clients():
    found = cal.client_profile([city("Cahul")] * 9, [city("Cahul")] * 50)

    assert found.status == cal.TOO_FEW
    assert found.message == "Only 9 clients in this period: a profile needs at least 10."
    assert not found.lines


# --- activity and deal value ----------------------------------------------------------


def test_spearman_matches_the_rank_difference_formula():
    activity = list(range(1, 11))
    values = [10, 20, 30, 50, 40, 60, 70, 80, 100, 90]
    # rank differences 0,0,0,−1,1,0,0,0,−1,1: Σd² = 4, ρ = 1 − 6·4 / (10·(100 − 1))

    found = cal.spearman(activity, values)

    assert found.status == cal.OK
    assert found.rho == pytest.approx(1 - 6 * 4 / (10 * 99))
    assert found.p_value < 0.001


def test_spearman_needs_ten_pairs_that_vary():
    assert cal.spearman([1, 2, 3], [3, 2, 1]).status == cal.TOO_FEW
    assert cal.spearman([1] * 10, list(range(10))).status == cal.CONSTANT


def test_deal_value_by_activity_band_in_the_commonest_currency():
    won = [
        (0, "100.00", "EUR"),
        (2, "100.00", "EUR"),
        (1, "300.00", "EUR"),
        (5, "1000.00", "EUR"),
        (12, "2000.00", "EUR"),
        (12, "9999.00", "USD"),  # another currency: left out
        (7, None, ""),  # no value
    ]
    leads = [
        lead(i, True, activity=a, deal_value=Decimal(v) if v else None, deal_currency=c)
        for i, (a, v, c) in enumerate(won, start=1)
    ] + [lead(100, False, activity=2), lead(101, False, activity=0)]

    found = cal.activity_and_value(leads)

    assert (found.currency, found.deals, found.other_currencies, found.without_value) == (
        "EUR",
        5,
        1,
        1,
    )
    assert [b.label for b in found.bands] == ["0", "1–2", "3–5", "6–10", "11+"]
    assert [(b.closed, b.deals) for b in found.bands] == [(2, 1), (3, 2), (1, 1), (1, 0), (2, 1)]
    one_two = found.bands[1]
    assert (one_two.median, one_two.mean, one_two.total) == (
        Decimal("200.00"),
        Decimal("200.00"),
        Decimal("400.00"),
    )
    assert one_two.win_rate.rate == pytest.approx(2 / 3)
    assert found.bands[3].median is None
    assert found.activity.status == cal.TOO_FEW  # 5 deals


def test_activity_correlation_in_words():
    leads = [
        lead(i, True, activity=i, deal_value=Decimal(v), deal_currency="EUR")
        for i, v in enumerate([10, 20, 30, 50, 40, 60, 70, 80, 100, 90], start=1)
    ]

    found = cal.activity_and_value(leads)

    assert (
        found.activity.message == "Clients with more activity bought more (ρ = 0.98 over 10 deals)."
    )


# --- rule diagnostics -----------------------------------------------------------------


def cohort(cells):
    """[(rule ids, won, lost), …] → closed leads: that many won and lost with those rules."""
    leads, i = [], 0
    for rules, won, lost in cells:
        for outcome, n in ((True, won), (False, lost)):
            for _ in range(n):
                i += 1
                leads.append(lead(i, outcome, rules=frozenset(rules)))
    return leads


def log_odds(a, b, c, d):
    return math.log(((a + 0.5) / (b + 0.5)) / ((c + 0.5) / (d + 0.5)))


def test_log_odds_ratio_and_its_interval():
    value, low, high = cal.log_odds_ratio(10, 10, 16, 64)
    se = math.sqrt(1 / 10.5 + 1 / 10.5 + 1 / 16.5 + 1 / 64.5)

    assert value == pytest.approx(math.log((10.5 / 10.5) / (16.5 / 64.5)))
    assert (low, high) == pytest.approx((value - Z * se, value + Z * se))


def test_a_rule_with_few_points_and_a_large_lift_is_raised_and_the_reverse_lowered():
    leads = cohort([({1}, 20, 2), ({2}, 20, 20), (set(), 10, 90)])
    rules = [
        RuleInfo(1, "Asked for a demo", "profile", 2),
        RuleInfo(2, "Gave a company", "profile", 20),
    ]
    # rule 1: with it 20 won / 2 lost, without 30 / 110; rule 2: with 20 / 20, without 30 / 92
    l1, l2 = log_odds(20, 2, 30, 110), log_odds(20, 20, 30, 92)
    scale = (2 * l1 + 20 * l2) / (l1 * l1 + l2 * l2)

    found = cal.rule_diagnostics(leads, rules)

    demo, company = found.checks
    assert found.scale == pytest.approx(scale)
    assert demo.log_odds == pytest.approx(l1)
    assert (demo.with_rule.successes, demo.with_rule.total) == (20, 22)
    assert (demo.without_rule.successes, demo.without_rule.total) == (30, 140)
    assert demo.lift == pytest.approx((20 / 22) / (30 / 140))
    assert demo.status == cal.RULE_RAISE
    assert demo.suggested_points == round(scale * l1) == 8
    assert "a larger difference than its points (+2) say. Make it about +8." in demo.message
    assert company.status == cal.RULE_LOWER
    assert company.suggested_points == round(scale * l2) == 3
    assert found.message == "2 rules do not line up with outcomes."


def test_positive_points_on_leads_that_win_less_are_reversed():
    leads = cohort([({1}, 2, 18), (set(), 20, 20)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Free e-mail", "profile", 10)]).checks

    assert check.log_odds_high < 0
    assert check.status == cal.RULE_REVERSE
    assert check.suggested_points == -10  # one rule: the scale keeps its size
    assert check.message.startswith("Leads given “Free e-mail” win less often than the others")
    assert "Make it about −10." in check.message


def test_negative_points_on_leads_that_win_more_are_reversed():
    leads = cohort([({1}, 15, 5), (set(), 10, 30)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Looked at jobs", "behaviour", -10)]).checks

    assert check.log_odds_low > 0
    assert check.status == cal.RULE_REVERSE
    assert check.suggested_points == 10
    assert check.message.startswith("Leads given “Looked at jobs” win more often than the others")


def test_positive_points_without_any_lift_are_removed():
    leads = cohort([({1}, 5, 15), (set(), 5, 15)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Gave a company", "profile", 10)]).checks

    assert check.log_odds == 0
    assert check.lift == 1
    assert check.status == cal.RULE_REMOVE
    assert check.suggested_points == 0
    assert "do not predict a sale" in check.message


def test_points_that_fit_the_outcomes_are_left_alone():
    leads = cohort([({1}, 15, 5), (set(), 10, 30)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Director", "profile", 15)]).checks

    assert check.status == cal.RULE_OK
    assert check.suggested_points is None
    assert not check.suggests_change


def test_a_lift_that_is_not_yet_clear_is_not_acted_on():
    leads = cohort([({1}, 6, 14), (set(), 5, 15)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Webinar", "behaviour", 10)]).checks

    assert check.log_odds > 0 > check.log_odds_low
    assert check.status == cal.RULE_UNPROVEN
    assert check.suggested_points is None


def test_no_suggestion_with_too_few_leads_given_the_points():
    leads = cohort([({1}, 1, 8), (set(), 40, 10)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Fax number", "profile", 10)]).checks

    assert check.status == cal.RULE_TOO_FEW
    assert check.suggested_points is None
    assert check.log_odds is None
    assert check.with_rule.total == 9
    assert check.message == ("Only 9 closed leads got these points: too few to judge (10 needed).")


def test_a_rule_nobody_got_says_so():
    leads = cohort([(set(), 20, 20)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Fax number", "profile", 10)]).checks

    assert check.status == cal.RULE_TOO_FEW
    assert check.message == "No closed lead got these points in this period."


def test_no_suggestion_without_lost_leads():
    leads = cohort([({1}, 30, 0), (set(), 30, 0)])

    (check,) = cal.rule_diagnostics(leads, [RuleInfo(1, "Director", "profile", 15)]).checks

    assert check.status == cal.RULE_NO_OUTCOMES
    assert check.suggested_points is None


def test_the_suggestion_scale_matches_point_sizes_to_evidence():
    # Σ|p|·|L| / ΣL²; rules without points or without evidence do not count
    assert cal.suggestion_scale([(10, 1.0), (-20, -2.0), (0, 3.0), (5, 0.0)]) == pytest.approx(
        (10 * 1 + 20 * 2) / (1 + 4)
    )
    assert cal.suggestion_scale([(10, 0.0)]) is None


# --- the whole report -----------------------------------------------------------------


def test_the_report_puts_the_figures_together():
    leads = [
        lead(1, True, 80, probability=0.7, values={"city": "Cahul"}),
        lead(2, False, 70, probability=0.4, lost_reason="Too expensive"),
        lead(3, False, 10, probability=0.1),
        lead(4, True, 40),
    ]
    inputs = Inputs(leads=leads, warm=30, hot=60)

    report = cal.calibration_report(inputs, Options())

    assert (report.summary.closed, report.summary.won, report.summary.lost) == (4, 2, 2)
    assert [b.name for b in report.bands] == ["Cold", "Warm", "Hot"]
    assert report.edges == (30, 60)
    keys = {d.key: d for d in report.discrimination}
    assert keys["score"].auc == pytest.approx(3 / 4)  # 80>70, 80>10, 40>10; 40<70
    assert keys["model"].auc == 1.0  # on the three leads with a probability
    assert keys["model"].closed == 3
    assert keys["score_on_model_leads"].auc == 1.0
    assert [x.id for x in report.lost.leads] == [2]
    assert report.model_reliability.closed == 3
    assert not report.is_empty


def test_custom_bands_without_edges_fall_back_to_the_thresholds():
    report = cal.calibration_report(Inputs(leads=[]), Options(band_mode="custom"))

    assert report.band_mode == "thresholds"
    assert report.is_empty
    assert report.profile.status == cal.TOO_FEW
