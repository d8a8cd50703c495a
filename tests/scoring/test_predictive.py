"""Predictive scoring (``galena.scoring.predictive``): column typing, training, calibration,
explanations and storing, on data built with a known signal."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from galena.scoring import predictive
from galena.scoring.predictive import NotEnoughOutcomes, infer_features, train


def leads(count, seed):
    """Columns as a CSV gives them (text) plus the outcome: `signal` drives the outcome, the
    plan adds a little, the rest is noise; the budget is written as people write numbers."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(0, 1, count)
    noise = rng.normal(0, 1, count)
    plan = rng.choice(["basic", "gold"], count)
    colour = rng.choice(["red", "green", "blue"], count)
    budget = rng.integers(1, 50, count) * 100
    logit = 2.0 * signal + 0.8 * (plan == "gold") - 0.4
    probability = 1 / (1 + np.exp(-logit))
    won = rng.random(count) < probability
    columns = {
        "signal": [f"{v:.3f}" for v in signal],
        "noise": [f"{v:.3f}" if rng.random() > 0.2 else "" for v in noise],
        "plan": plan.tolist(),
        "colour": colour.tolist(),
        "budget": [f"{b // 1000} {b % 1000:03d}" if b >= 1000 else str(b) for b in budget],
    }
    return columns, won, probability


@pytest.fixture(scope="module")
def trained():
    columns, won, _ = leads(1200, seed=1)
    return train(columns, won, seed=0)


def features_by_name(features):
    return {f.name: f for f in features}


# --- typing the columns --------------------------------------------------------------------


def test_numbers_written_as_text_are_numbers_and_text_is_categorical():
    columns = {
        "budget": ["1 500", "3,5", "€ 40", "", "12", "7"] * 2,
        "plan": ["gold", "basic", "gold", "basic", "gold", "basic"] * 2,
    }
    features, dropped, matrix = infer_features(columns, 12)
    by_name = features_by_name(features)
    assert by_name["budget"].kind == "numeric"
    assert by_name["plan"].kind == "categorical"
    assert matrix[:, 0].tolist()[:3] == [1500.0, 3.5, 40.0]
    assert math.isnan(matrix[3, 0])
    assert dropped == {}


def test_placeholders_in_a_number_column_are_missing():
    columns = {"age": ["34", "n/a", "51", "NA", "-", "29", "40", "38"]}
    features, _, matrix = infer_features(columns, 8)
    assert features[0].kind == "numeric"
    assert np.isnan(matrix[:, 0]).tolist() == [False, True, False, True, True, False, False, False]
    assert features[0].missing_share == pytest.approx(3 / 8)


def test_identifiers_constants_empty_columns_and_row_numbers_are_dropped_with_the_reason():
    count = 60
    columns = {
        "email": [f"person{i}@example.com" for i in range(count)],
        "country": ["RU"] * count,
        "note": [""] * count,
        "number": [str(i + 1) for i in range(count)],
        "plan": ["gold", "basic"] * (count // 2),
    }
    features, dropped, _ = infer_features(columns, count)
    assert [f.name for f in features] == ["plan"]
    assert dropped["email"].startswith("identifier")
    assert dropped["country"] == "constant"
    assert dropped["note"] == "empty"
    assert dropped["number"].startswith("row number")


def test_a_constant_column_with_gaps_is_kept_because_the_gaps_tell_something():
    columns = {"phone_given": ["yes", "", "yes", "", "yes", "yes"] * 2}
    features, dropped, matrix = infer_features(columns, 12)
    assert features[0].kind == "categorical"
    assert np.isnan(matrix[:, 0]).sum() == 4
    assert dropped == {}


def test_rare_levels_are_pooled_as_other_and_levels_are_capped():
    levels = [f"city{i}" for i in range(80) for _ in range(6)] + ["Rareville"] * 2
    features, _, matrix = infer_features({"city": levels}, len(levels))
    feature = features[0]
    assert len(feature.levels) == predictive.MAX_LEVELS
    assert "Rareville" not in feature.levels
    assert matrix[-1, 0] == len(feature.levels)  # "other"


# --- training -----------------------------------------------------------------------------


def test_training_refuses_with_too_few_outcomes_and_says_how_many_are_needed():
    columns, won, _ = leads(200, seed=2)
    won = np.zeros(200, dtype=bool)
    won[:12] = True
    with pytest.raises(NotEnoughOutcomes) as raised:
        train(columns, won)
    message = str(raised.value)
    assert "12 won and 188 lost" in message
    assert "at least 20 won, 20 lost and 50 in all" in message
    assert "8 more won" in message
    assert (raised.value.won, raised.value.lost) == (12, 188)


def test_training_refuses_a_history_too_short_in_all():
    columns, _, _ = leads(40, seed=3)
    won = np.array([True, False] * 20)
    with pytest.raises(NotEnoughOutcomes, match=r"10 more won or lost"):
        train(columns, won)


def test_labels_other_than_won_or_lost_are_refused():
    columns, _, _ = leads(60, seed=4)
    with pytest.raises(ValueError, match="Label 'maybe' at row 3"):
        train(columns, [True, False, "maybe"] + [True] * 57)


def test_the_model_learns_the_signal_on_new_rows(trained):
    columns, won, probability = leads(3000, seed=11)
    predicted = trained.predict(columns)
    best_possible = roc_auc_score(won, probability)
    assert roc_auc_score(won, predicted) >= best_possible - 0.03
    assert trained.metrics["cv_auc"] >= 0.8


def test_probabilities_are_calibrated_on_new_rows(trained):
    columns, won, _ = leads(4000, seed=12)
    predicted = trained.predict(columns)
    assert predicted.min() >= 0 and predicted.max() <= 1
    assert abs(predicted.mean() - won.mean()) < 0.03
    bins = np.digitize(predicted, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        inside = bins == b
        assert abs(predicted[inside].mean() - won[inside].mean()) < 0.08


def test_the_metrics_say_what_was_compared_and_chosen(trained):
    metrics = trained.metrics
    assert (metrics["rows"], metrics["won"] + metrics["lost"]) == (1200, 1200)
    assert set(metrics["candidates_cv_auc"]) == set(predictive.ALGORITHMS)
    best = max(metrics["candidates_cv_auc"], key=metrics["candidates_cv_auc"].get)
    assert metrics["algorithm"] in (best, "blend")
    assert metrics["cv_auc"] == metrics["candidates_cv_auc"][metrics["algorithm"]]
    assert 0 < metrics["brier"] < 0.25
    assert metrics["calibration"] == "sigmoid"  # fewer than 1,000 of the rarer outcome
    assert metrics["features"] == {
        "signal": "numeric",
        "noise": "numeric",
        "plan": "categorical",
        "colour": "categorical",
        "budget": "numeric",
    }


def test_missing_values_and_missing_columns_are_scored():
    columns, won, _ = leads(300, seed=5)
    model = train(columns, won)
    predicted = model.predict(
        [{"signal": None, "plan": "", "budget": "n/a"}, {"colour": "purple"}, {}]
    )
    assert predicted.shape == (3,)
    assert ((predicted > 0) & (predicted < 1)).all()


def test_excluded_columns_are_not_learnt_from():
    columns, won, _ = leads(300, seed=6)
    model = train(columns, won, exclude=["signal", "noise"])
    assert [f.name for f in model.features] == ["plan", "colour", "budget"]


def test_the_blend_is_kept_when_the_folds_cannot_tell_the_candidates_apart():
    close = {
        "logistic_regression": [0.70, 0.74, 0.72],
        "gradient_boosting": [0.73, 0.72, 0.74],
        "blend": [0.72, 0.73, 0.73],
    }
    assert predictive._choose(close) == "blend"
    clear = {**close, "gradient_boosting": [0.80, 0.81, 0.82]}
    assert predictive._choose(clear) == "gradient_boosting"


# --- explanations ---------------------------------------------------------------------------


def test_explanations_name_the_informative_feature(trained):
    rows = [
        {"signal": "2.500", "noise": "0.1", "plan": "basic", "colour": "red", "budget": "900"},
        {"signal": "-2.500", "noise": "0.1", "plan": "basic", "colour": "red", "budget": "900"},
    ]
    high, low = trained.explain(rows, top=2)
    assert high.up[0].feature == "signal"
    assert high.up[0].value == "2.500"
    assert high.up[0].effect > 0.2
    assert low.down[0].feature == "signal"
    assert low.down[0].effect < -0.1
    assert all(f.effect > 0 for f in high.up) and all(f.effect < 0 for f in low.down)


def test_an_explanation_adds_up_with_the_typical_lead(trained):
    typical = {f.name: f.typical for f in trained.features}
    row = {
        "signal": typical["signal"],
        "noise": typical["noise"],
        "plan": trained.features[2].levels[int(typical["plan"])],
        "colour": trained.features[3].levels[int(typical["colour"])],
        "budget": typical["budget"],
    }
    (explanation,) = trained.explain([row])
    assert explanation == predictive.Explanation([], [])


def test_a_missing_value_is_explained_as_missing(trained):
    rows = [{"signal": "", "noise": "", "plan": "gold", "colour": "red", "budget": ""}]
    (explanation,) = trained.explain(rows, top=5)
    factors = {f.feature: f for f in explanation.up + explanation.down}
    assert factors["plan"].value == "gold" and factors["plan"].effect > 0
    assert all(f.value is None for name, f in factors.items() if name in ("signal", "budget"))


# --- storing -------------------------------------------------------------------------------


def test_a_saved_model_predicts_the_same(trained, tmp_path):
    columns, _, _ = leads(50, seed=13)
    path = tmp_path / "model.joblib"
    predictive.save(trained, path)
    assert np.array_equal(predictive.load(path).predict(columns), trained.predict(columns))
    restored = predictive.from_bytes(predictive.to_bytes(trained))
    assert np.array_equal(restored.predict(columns), trained.predict(columns))
    assert restored.metrics == trained.metrics


def test_loading_something_else_is_refused(tmp_path):
    import joblib

    path = tmp_path / "other.joblib"
    joblib.dump({"not": "a model"}, path)
    with pytest.raises(ValueError, match="Not a Galena scoring model"):
        predictive.load(path)
