"""The pure parts of the predictive-scoring benchmark: plain typing for the baselines, the
synthetic closed leads, the summary and its verdict."""

import numpy as np

from benchmarks.scoring.synthetic import closed_leads
from benchmarks.scoring_public import plain_matrix, summary, verdict_lines


def test_the_baselines_type_columns_plainly():
    columns = {"age": ["34", "", "51"], "budget": ["1 500", "200", "300"], "plan": ["a", "b", ""]}
    numbers, categories = plain_matrix(columns, ["age", "budget", "plan"])
    assert numbers.shape == (3, 1) and np.isnan(numbers[1, 0])
    assert categories.tolist() == [["1 500", "a"], ["200", "b"], ["300", ""]]


def test_synthetic_closed_leads_have_thirty_mixed_columns_and_both_outcomes():
    header, rows, won = closed_leads(500, seed=3)
    assert len(header) == 30 and len(rows) == 500 and all(len(row) == 30 for row in rows)
    assert 0.1 < won.mean() < 0.4
    assert any(
        isinstance(v, str) and " " in v for v in (row[header.index("budget")] for row in rows)
    )


def run(galena, baselines):
    return {
        "auc": {"galena": galena, **baselines},
        "seconds": dict.fromkeys(["galena", *baselines], 1.0),
    }


def test_the_summary_compares_galena_with_the_best_baseline_seed_by_seed():
    result = {
        "runs": [
            run(
                0.80,
                {
                    "logistic_regression": 0.70,
                    "gradient_boosting": 0.79,
                    "hist_gradient_boosting": 0.75,
                },
            ),
            run(
                0.78,
                {
                    "logistic_regression": 0.71,
                    "gradient_boosting": 0.80,
                    "hist_gradient_boosting": 0.76,
                },
            ),
            run(
                0.82,
                {
                    "logistic_regression": 0.72,
                    "gradient_boosting": 0.81,
                    "hist_gradient_boosting": 0.77,
                },
            ),
        ]
    }
    s = summary(result)
    assert s["best"] == "gradient_boosting"
    assert round(s["margin"], 4) == 0.0  # medians 0.80 and 0.80
    assert s["wins"] == 2
    assert round(s["paired"], 4) == 0.0
    assert verdict_lines([("x", s)]) == [
        "**Galena's median ROC AUC is at least the best baseline's on every data set.**"
    ]
    s["margin"] = -0.001
    assert verdict_lines([("x", s)])[0].startswith("**x: Galena's median ROC AUC is 0.0010 below")
