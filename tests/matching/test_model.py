"""Fellegi–Sunter scoring, its explanation and EM estimation (pure, no database)."""

import math

import numpy as np
import pytest

from galena.matching.comparisons import BY_CODE, COMPARISON_CODES, COMPARISONS, MISSING
from galena.matching.model import MatchModel, estimate, explain


def row(**levels: str) -> np.ndarray:
    out = np.full((1, len(COMPARISON_CODES)), MISSING, dtype=np.int8)
    for code, level in levels.items():
        out[0, COMPARISON_CODES.index(code)] = BY_CODE[code].level_codes().index(level)
    return out


def test_each_level_counts_log2_m_over_u_and_missing_counts_nothing():
    model = MatchModel.default()
    level = BY_CODE["phone"].levels[0]
    weights = model.weights(row(phone="exact"))[0]
    assert weights[COMPARISON_CODES.index("phone")] == pytest.approx(math.log2(level.m / level.u))
    assert np.count_nonzero(weights) == 1
    assert model.match_weight(row())[0] == pytest.approx(model.prior_weight)


def test_the_explanation_adds_up_to_the_match_weight():
    model = MatchModel.default()
    levels = row(first_name="nickname", last_name="exact", phone="exact", city="different")
    explained = explain(model, levels[0])
    assert [f["comparison"] for f in explained["fields"]] == [
        "first_name",
        "last_name",
        "phone",
        "city",
    ]
    total = explained["prior_weight"] + sum(f["weight"] for f in explained["fields"])
    assert explained["match_weight"] == pytest.approx(total, abs=0.05)
    assert explained["probability"] == pytest.approx(model.probability(levels)[0], abs=1e-5)


def test_the_defaults_judge_typical_cases_sensibly():
    model = MatchModel.default()
    same = row(
        first_name="exact",
        last_name="exact",
        email_local="exact_name",
        email_domain="exact_address",
    )
    namesake = row(first_name="exact", last_name="exact", phone="different", city="exact")
    namesake_by_mail = row(
        first_name="exact",
        last_name="exact",
        email_local="exact_name",
        email_domain="different_same_local",
        city="exact",
    )
    family = row(first_name="different", last_name="exact", phone="exact")
    assert model.probability(same)[0] >= model.same_threshold
    assert model.probability(namesake)[0] < model.same_threshold
    assert model.probability(namesake_by_mail)[0] < model.same_threshold
    assert model.probability(family)[0] < model.possible_threshold


def test_stored_rows_override_the_defaults():
    model = MatchModel.from_rows({("phone", "exact"): (0.5, 0.25)})
    assert model.weights(row(phone="exact"))[0].sum() == pytest.approx(1.0)
    assert MatchModel.from_rows(model.rows()).rows() == model.rows()


def test_em_recovers_the_parameters_that_generated_the_pairs():
    rng = np.random.default_rng(7)
    truth = MatchModel.default()
    n, prior = 40_000, 0.15
    matched = rng.random(n) < prior
    levels = np.empty((n, len(COMPARISONS)), dtype=np.int8)
    for j, comparison in enumerate(COMPARISONS):
        m, u = truth.m[comparison.code], truth.u[comparison.code]
        # a comparison in blocks (conditioned on another's outcome): the condition falls
        # at random, then the level within its block
        blocks = comparison.level_blocks()
        block = rng.integers(len(blocks), size=n)
        for k, levels_of_block in enumerate(blocks):
            m_k, u_k = m[levels_of_block], u[levels_of_block]
            levels[block == k, j] = levels_of_block.start + np.where(
                matched[block == k],
                rng.choice(len(m_k), size=(block == k).sum(), p=m_k / m_k.sum()),
                rng.choice(len(u_k), size=(block == k).sum(), p=u_k / u_k.sum()),
            )
        levels[rng.random(n) < 0.2, j] = MISSING  # a fifth of the values missing
    start = MatchModel.default()
    start.prior = 0.02
    fitted = estimate(levels, start)
    assert fitted.converged
    assert fitted.model.prior == pytest.approx(prior, abs=0.02)
    for code in ("first_name", "last_name", "phone", "email_local", "email_domain"):
        for block in BY_CODE[code].level_blocks():
            m, u = truth.m[code][block], truth.u[code][block]
            assert fitted.model.m[code][block] == pytest.approx(m / m.sum(), abs=0.03)
            assert fitted.model.u[code][block] == pytest.approx(u / u.sum(), abs=0.03)


def test_em_on_no_pairs_keeps_the_start():
    start = MatchModel.default()
    assert estimate(np.zeros((0, len(COMPARISONS)), dtype=np.int8), start).model is start


def test_a_move_counts_once_however_many_address_fields_disagree():
    model = MatchModel.default()
    moved = row(
        first_name="exact",
        last_name="exact",
        street="different",
        city="different",
        postcode="different",
    )
    weights = model.weights(moved)[0]
    address = [weights[COMPARISON_CODES.index(c)] for c in ("street", "city", "postcode")]
    assert sorted(address)[0] < 0
    assert sorted(address)[1:] == [0.0, 0.0]


def test_what_a_household_shares_does_not_count_when_the_first_names_differ():
    model = MatchModel.default()
    household = row(first_name="different", last_name="exact", phone="exact", street="exact")
    weights = model.weights(household)[0]
    assert weights[COMPARISON_CODES.index("phone")] == 0.0
    assert weights[COMPARISON_CODES.index("street")] == 0.0
    assert weights[COMPARISON_CODES.index("first_name")] < 0
    assert explain(model, household[0])["household"] is True


def test_brothers_and_sisters_patronymic_is_what_a_household_shares():
    model = MatchModel.default()
    siblings = row(first_name="different", last_name="exact", middle_name="exact")
    weights = model.weights(siblings)[0]
    assert weights[COMPARISON_CODES.index("middle_name")] == 0.0
    assert model.probability(siblings)[0] < model.possible_threshold


def test_each_block_of_a_conditioned_comparison_is_a_distribution_of_its_own():
    for comparison in COMPARISONS:
        for block in comparison.level_blocks():
            levels = comparison.levels[block]
            assert sum(level.m for level in levels) == pytest.approx(1.0), comparison.code
            assert sum(level.u for level in levels) == pytest.approx(1.0), comparison.code
