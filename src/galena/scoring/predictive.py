"""Predictive scoring: the chance that a lead is won, learned from the business's own closed
leads (won against lost) — or from any table with a yes/no column (``galena score fit``).

Pure code over plain values: no database, no Django models. The caller hands over rows (a
list of dicts, or a dict of equally long columns) and the outcomes; this module

1. **types the columns** (``infer_features``): a column is *numeric* when its values read as
   numbers — including numbers people write as text, "1 500", "3,5", "€ 40" — with blanks
   and a few placeholders ("NA", "n/a", "-") as missing; otherwise *categorical*, its rare
   levels pooled as "other" and its levels capped at ``MAX_LEVELS``. Columns that cannot
   teach anything are dropped, with the reason kept: empty, constant, identifiers (text
   that is different on almost every row, a row number);
2. **chooses a model** by stratified cross-validated ROC AUC on the training data, among a
   regularised logistic regression (one-hot levels, scaled and clipped numbers, a missing
   indicator per number that has gaps), scikit-learn's histogram gradient boosting (shallow
   trees, native categories and missing values, the number of trees chosen on the held-out
   folds), on small histories also its classic exact gradient boosting, and averages of
   them; the average of all is kept unless another is better by more than the folds'
   noise (``_choose``);
3. **calibrates** the chosen model's probabilities — fitted on every row, with an isotonic
   calibrator when every fold holds enough of the rarer outcome and a sigmoid otherwise,
   both fitted on out-of-fold probabilities (as ``CalibratedClassifierCV(ensemble=False)``)
   — so a score of 0.3 means about three in ten such leads are won;
4. **explains** each prediction (``TrainedModel.explain``): for every feature, the change in
   the probability when that feature is set to the value a typical lead has (occlusion),
   the largest pushing up and the largest pushing down — about 5 ms for one lead.

Training refuses with ``NotEnoughOutcomes`` — saying how many won and lost leads there are
and how many are needed — when the history is too thin to learn from. On a large history
the model choice is made on a stratified subsample (``SELECTION_ROWS``), so 100,000 closed
leads with ~30 features train within a minute on two cores (``benchmarks/scoring_public.py
--train-100k``).

Models are saved with joblib (``save``/``load``, ``to_bytes``/``from_bytes``): they are
pickles, so load only model files made by Galena and kept where only it can write.
"""

from __future__ import annotations

import io
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple

import joblib
import numpy as np
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    VotingClassifier,
)
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

# Training needs at least this many of each outcome, and this many in all: with fewer, the
# cross-validation folds hold a handful of the rarer outcome and the model learns noise.
MIN_PER_CLASS = 20
MIN_OUTCOMES = 50
# Categorical levels: at most this many kept (the commonest), each seen at least this often;
# the rest are pooled as "other".
MAX_LEVELS = 50
MIN_LEVEL_COUNT = 5
# Text that is different on nearly every row (names, e-mails, references) identifies a row
# rather than describing it.
ID_DISTINCT_SHARE = 0.9
ID_MIN_ROWS = 50
# A number column may hold a few placeholder texts, read as missing: these always, others
# when they are at most 3 different texts on at most 5 % of the filled values.
MISSING_TEXTS = frozenset({"na", "n/a", "n.a.", "nan", "null", "none", "-", "--", "?", "#n/a"})
PLACEHOLDER_KINDS = 3
PLACEHOLDER_SHARE = 0.05
# Model choice on at most this many rows (a stratified subsample of a larger history).
SELECTION_ROWS = 20_000
SELECTION_FOLDS = 5
# Gradient boosting: trees of this depth, this learning rate; the number of trees is chosen
# on the selection folds, stopping after this many without improvement, up to the maximum.
BOOSTING_DEPTH = 3

BOOSTING_RATE = 0.05
BOOSTING_PATIENCE = 20
BOOSTING_MAX_ITERATIONS = 1000
# The classic (exact) gradient boosting is a candidate up to this many rows.
EXACT_MAX_ROWS = 10_000
EXACT_RATE = 0.1
EXACT_BLOCK = 25  # trees added between two looks at the held-out loss
EXACT_PATIENCE = 50
EXACT_MAX_ITERATIONS = 300
# Calibration folds: fewer on a large history, where each fit costs more and each fold is
# already large.
CALIBRATION_FOLDS = 5
CALIBRATION_FOLDS_LARGE = 3
LARGE = 50_000
# Isotonic calibration needs this many of the rarer outcome in each calibration fold.
ISOTONIC_MIN_PER_FOLD = 200
# Explanations leave out changes smaller than this (a tenth of a percentage point).
MIN_EFFECT = 0.001
PREDICT_CHUNK = 50_000
# From this many rows, gradient boosting runs on every core (see _threads).
PARALLEL_ROWS = 20_000
FORMAT_VERSION = 1

Kind = Literal["numeric", "categorical"]
Rows = Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]
Progress = Callable[[str, int, int], None]

ALGORITHMS = {
    "logistic_regression": "logistic regression",
    "gradient_boosting": "gradient boosting",
    "exact_boosting": "gradient boosting (exact splits)",
    "boosting_blend": "the two gradient boostings averaged",
    "blend": "all of them averaged",
}


class NotEnoughOutcomes(ValueError):
    """Too few won or lost examples to learn from; the message says how many are needed."""

    def __init__(self, *, won: int, lost: int, min_per_class: int, min_outcomes: int) -> None:
        self.won, self.lost = won, lost
        self.min_per_class, self.min_outcomes = min_per_class, min_outcomes
        missing_won = max(0, min_per_class - won)
        missing_lost = max(0, min_per_class - lost)
        missing_total = max(0, min_outcomes - won - lost - missing_won - missing_lost)
        more = [
            f"{count} more {what}"
            for count, what in (
                (missing_won, "won"),
                (missing_lost, "lost"),
                (missing_total, "won or lost"),
            )
            if count
        ]
        super().__init__(
            f"Not enough outcomes to learn from: {won} won and {lost} lost ({won + lost} in "
            f"all). Training needs at least {min_per_class} won, {min_per_class} lost and "
            f"{min_outcomes} in all: {', '.join(more)}."
        )


class NoFeatures(ValueError):
    """None of the columns can be used as a feature; the message says why for each."""


@dataclass(frozen=True)
class Feature:
    """One input column as the model reads it.

    Numeric: the value as a float (NaN when missing); ``typical`` is the median.
    Categorical: the index of the value in ``levels``, ``len(levels)`` for any other value
    (rare, or unseen in training), NaN when missing; ``typical`` is the commonest state.
    """

    name: str
    kind: Kind
    levels: tuple[str, ...] = ()
    typical: float = math.nan
    missing_share: float = 0.0
    placeholders: frozenset[str] = frozenset()

    @property
    def cardinality(self) -> int:
        """Codes a categorical feature takes besides missing: its levels and "other"."""
        return len(self.levels) + 1


class Factor(NamedTuple):
    """What one feature does to one lead's probability: ``effect`` is the probability with
    the lead's value minus the probability with a typical lead's value."""

    feature: str
    value: Any
    effect: float


class Explanation(NamedTuple):
    """The factors pushing a lead's probability up (largest first) and down (largest
    first)."""

    up: list[Factor]
    down: list[Factor]


@dataclass
class TrainedModel:
    """A calibrated model with the features it reads, what it dropped and how it did."""

    features: list[Feature]
    estimator: Any
    metrics: dict[str, Any]
    dropped: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def algorithm(self) -> str:
        return self.metrics["algorithm"]

    def matrix(self, rows: Rows) -> np.ndarray:
        """The rows encoded as the model reads them (one column per feature)."""
        columns, count = as_columns(rows)
        return encode(columns, self.features, count)

    def predict(self, rows: Rows) -> np.ndarray:
        """The calibrated probability that each row is won (a float array in [0, 1])."""
        return self.predict_matrix(self.matrix(rows))

    def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0)
        with _threads(len(matrix)):
            parts = [
                self.estimator.predict_proba(matrix[start : start + PREDICT_CHUNK])[:, 1]
                for start in range(0, len(matrix), PREDICT_CHUNK)
            ]
        return np.clip(np.concatenate(parts), 0.0, 1.0)

    def _smooth(self, matrix: np.ndarray) -> np.ndarray:
        with _threads(len(matrix)):
            parts = [
                self.estimator.smooth_proba(matrix[start : start + PREDICT_CHUNK])
                for start in range(0, len(matrix), PREDICT_CHUNK)
            ]
        return np.concatenate(parts)

    def explain(self, rows: Rows, top: int = 3) -> list[Explanation]:
        """For each row, the ``top`` features pushing its probability up and down the most.

        A feature's effect is the probability with the row's value minus the probability with
        the typical value (a number's median, a category's commonest state), the other
        features kept: a difference on the probability scale, in [-1, 1]."""
        columns, count = as_columns(rows)
        matrix = encode(columns, self.features, count)
        effects = self.effects(matrix)
        explanations = []
        for row in range(count):
            order = np.argsort(-effects[row], kind="stable")
            up = [
                self._factor(columns, row, j, effects[row, j])
                for j in order[:top]
                if effects[row, j] >= MIN_EFFECT
            ]
            down = [
                self._factor(columns, row, j, effects[row, j])
                for j in order[::-1][:top]
                if effects[row, j] <= -MIN_EFFECT
            ]
            explanations.append(Explanation(up, down))
        return explanations

    def effects(self, matrix: np.ndarray) -> np.ndarray:
        """Rows × features: the probability minus the probability with that feature set to
        its typical value (0 where the row already has it)."""
        reference = np.array([f.typical for f in self.features])
        same = (matrix == reference) | (np.isnan(matrix) & np.isnan(reference))
        rows, cols = np.nonzero(~same)
        effects = np.zeros(matrix.shape)
        if not len(rows):
            return effects
        occluded = matrix[rows]
        occluded[np.arange(len(rows)), cols] = reference[cols]
        # one call for the rows and their variants: each call to the model costs a fixed ~ms
        probability = self._smooth(np.vstack([matrix, occluded]))
        base, changed = probability[: len(matrix)], probability[len(matrix) :]
        effects[rows, cols] = base[rows] - changed
        return effects

    def _factor(self, columns: Mapping[str, Sequence], row: int, j: int, effect: float) -> Factor:
        name = self.features[j].name
        values = columns.get(name)
        value = None if values is None else values[row]
        if _is_missing(value) or (
            isinstance(value, str) and value.strip().casefold() in self.features[j].placeholders
        ):
            value = None
        return Factor(name, value, round(float(effect), 4))


# --- columns and their types ---------------------------------------------------------------


def as_columns(rows: Rows) -> tuple[dict[str, Sequence[Any]], int]:
    """Rows (a list of dicts) or columns (a dict of equally long sequences) as columns, and
    the number of rows."""
    if isinstance(rows, Mapping):
        lengths = {len(values) for values in rows.values()}
        if len(lengths) > 1:
            raise ValueError(f"The columns differ in length: {sorted(lengths)}.")
        return dict(rows), lengths.pop() if lengths else 0
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return {name: [row.get(name) for row in rows] for name in names}, len(rows)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


_parse_number: Callable[[Any], Decimal | None] | None = None


def _number_from_text(text: str) -> float | None:
    """A number as people write it ("1 500", "3,5", "€ 40"), read by the quality gate's
    parser; None when the text is not one number."""
    global _parse_number
    if _parse_number is None:
        # imported on first use: galena.quality.fit needs Django's apps to be ready
        from galena.quality.fit import parse_number

        _parse_number = parse_number
    number = _parse_number(text)
    return None if number is None else float(number)


_UNSEEN = object()


def _read_number(value: Any) -> float | str | None:
    """A float, None (missing), or the stripped text when the value is not a number (so a
    number column's placeholders can be counted)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal | np.integer | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    text = value.strip() if isinstance(value, str) else str(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        # no digit, no number: "admin.", "yes", "unknown" skip the full parser
        number = _number_from_text(text) if any(c.isdigit() for c in text) else None
        if number is None:
            return text
    return number if math.isfinite(number) else None


def _read_numbers(values: Sequence[Any]) -> list[Any]:
    """``_read_number`` of each value, text read once per distinct text (a column repeats
    its values: categories, codes)."""
    seen: dict[str, Any] = {}
    out = []
    for value in values:
        if isinstance(value, str):
            read = seen.get(value, _UNSEEN)
            if read is _UNSEEN:
                read = seen[value] = _read_number(value)
            out.append(read)
        else:
            out.append(_read_number(value))
    return out


def infer_features(
    columns: Mapping[str, Sequence[Any]], count: int
) -> tuple[list[Feature], dict[str, str], np.ndarray]:
    """The features a table offers, the columns left out with the reason, and the table
    encoded as a float matrix (rows × features)."""
    features: list[Feature] = []
    dropped: dict[str, str] = {}
    encoded: list[np.ndarray] = []
    for name, values in columns.items():
        result = _infer_column(name, values, count)
        if isinstance(result, str):
            dropped[name] = result
        else:
            features.append(result[0])
            encoded.append(result[1])
    matrix = np.column_stack(encoded) if encoded else np.zeros((count, 0))
    return features, dropped, matrix


def _infer_column(name: str, values: Sequence[Any], count: int) -> str | tuple[Feature, np.ndarray]:
    read = _read_numbers(values)
    filled = [value for value in read if value is not None]
    if not filled:
        return "empty"
    texts = Counter(value for value in filled if not isinstance(value, float))
    numbers = len(filled) - sum(texts.values())
    placeholders = {text for text in texts if text.casefold() in MISSING_TEXTS}
    others = sum(count for text, count in texts.items() if text not in placeholders)
    numeric = numbers > 0 and (
        not others
        or (
            len(texts) - len(placeholders) <= PLACEHOLDER_KINDS
            and others <= PLACEHOLDER_SHARE * len(filled)
        )
    )
    if numeric:
        column = np.array(
            [value if isinstance(value, float) else math.nan for value in read], dtype=float
        )
        present = column[~np.isnan(column)]
        missing_share = 1 - len(present) / count
        distinct = np.unique(present)
        if len(distinct) + (missing_share > 0) < 2:
            return "constant"
        if (
            missing_share == 0
            and len(distinct) == count >= ID_MIN_ROWS
            and np.all(distinct == np.round(distinct))
            and distinct[-1] - distinct[0] == count - 1
        ):
            return "row number (every value different, consecutive)"
        typical = math.nan if missing_share > 0.5 else float(np.median(present))
        placeholder_texts = frozenset(text.casefold() for text in texts)
        return (
            Feature(name, "numeric", (), typical, missing_share, placeholder_texts),
            column,
        )
    text_values = [None if _is_missing(value) else str(value).strip() for value in values]
    counts = Counter(value for value in text_values if value is not None)
    filled_count = sum(counts.values())
    missing_share = 1 - filled_count / count
    if len(counts) + (missing_share > 0) < 2:
        return "constant"
    if filled_count >= 2 and (
        len(counts) == filled_count
        or (filled_count >= ID_MIN_ROWS and len(counts) >= ID_DISTINCT_SHARE * filled_count)
    ):
        return "identifier (text different on nearly every row)"
    kept = [level for level, n in counts.most_common(MAX_LEVELS) if n >= MIN_LEVEL_COUNT]
    if not kept:
        return "no level seen often enough"
    levels = tuple(kept)
    index = {level: code for code, level in enumerate(levels)}
    other = float(len(levels))
    column = np.array(
        [math.nan if value is None else index.get(value, other) for value in text_values],
        dtype=float,
    )
    states = Counter(column[~np.isnan(column)].tolist())
    missing = count - filled_count
    top_code, top_count = states.most_common(1)[0]
    typical = math.nan if missing > top_count else float(top_code)
    return Feature(name, "categorical", levels, typical, missing_share), column


def encode(
    columns: Mapping[str, Sequence[Any]], features: Sequence[Feature], count: int
) -> np.ndarray:
    """The rows as the trained features read them: a float matrix, NaN for missing. A column
    the rows lack is missing throughout; a level unseen in training counts as "other"."""
    matrix = np.full((count, len(features)), math.nan)
    for j, feature in enumerate(features):
        values = columns.get(feature.name)
        if values is None:
            continue
        if feature.kind == "numeric":
            numbers = _read_numbers(values)
            matrix[:, j] = np.fromiter(
                (value if isinstance(value, float) else math.nan for value in numbers),
                dtype=float,
                count=count,
            )
        else:
            index = {level: code for code, level in enumerate(feature.levels)}
            other = float(len(feature.levels))
            matrix[:, j] = np.fromiter(
                (
                    math.nan if _is_missing(value) else index.get(str(value).strip(), other)
                    for value in values
                ),
                dtype=float,
                count=count,
            )
    return matrix


# --- the candidates -----------------------------------------------------------------------


class LinearDesign(TransformerMixin, BaseEstimator):
    """The encoded matrix as a linear model reads it: numbers median-filled, standardised and
    clipped to ±``clip`` standard deviations (one outlier does not dominate), an indicator
    for each number that had gaps in training, and one column per categorical state (each
    level, "other" and missing)."""

    def __init__(
        self,
        categorical: tuple[bool, ...] = (),
        cardinality: tuple[int, ...] = (),
        clip: float = 5.0,
    ):
        self.categorical = categorical
        self.cardinality = cardinality
        self.clip = clip

    def fit(self, X, y=None):
        mask = np.asarray(self.categorical, dtype=bool)
        numeric = X[:, ~mask]
        with np.errstate(all="ignore"):
            medians = np.nanmedian(numeric, axis=0) if numeric.size else np.zeros(0)
        self.medians_ = np.where(np.isnan(medians), 0.0, medians)
        self.gaps_ = np.isnan(numeric).any(axis=0)
        filled = np.where(np.isnan(numeric), self.medians_, numeric)
        self.means_ = filled.mean(axis=0) if len(filled) else np.zeros(filled.shape[1])
        scales = filled.std(axis=0) if len(filled) else np.ones(filled.shape[1])
        self.scales_ = np.where(scales > 0, scales, 1.0)
        return self

    def transform(self, X):
        mask = np.asarray(self.categorical, dtype=bool)
        numeric = X[:, ~mask]
        gaps = np.isnan(numeric)
        filled = np.where(gaps, self.medians_, numeric)
        scaled = np.clip((filled - self.means_) / self.scales_, -self.clip, self.clip)
        parts = [scaled, gaps[:, self.gaps_].astype(float)]
        categorical = X[:, mask]
        if categorical.shape[1]:
            widths = np.asarray(self.cardinality) + 1  # + the missing state
            offsets = np.concatenate([[0], np.cumsum(widths)[:-1]])
            codes = np.where(np.isnan(categorical), widths - 1, categorical).astype(int)
            onehot = np.zeros((len(X), int(widths.sum())))
            onehot[np.arange(len(X))[:, None], offsets + codes] = 1.0
            parts.append(onehot)
        return np.hstack(parts)


def _linear(features: Sequence[Feature]) -> Pipeline:
    categorical = tuple(f.kind == "categorical" for f in features)
    cardinality = tuple(f.cardinality for f in features if f.kind == "categorical")
    return Pipeline(
        [
            ("design", LinearDesign(categorical, cardinality)),
            ("model", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )


def _boosting(
    features: Sequence[Feature], seed: int, iterations: int
) -> HistGradientBoostingClassifier:
    """Shallow trees (depth 3) at a small learning rate, their number chosen on held-out folds
    (``_compare``), categories and gaps handled natively: on histories of a few thousand
    noisy outcomes, deeper trees, a fixed number of them or one-hot categories did worse on
    the benchmark's public data sets."""
    categorical = np.array([f.kind == "categorical" for f in features])
    return HistGradientBoostingClassifier(
        max_depth=BOOSTING_DEPTH,
        learning_rate=BOOSTING_RATE,
        max_iter=iterations,
        early_stopping=False,
        categorical_features=categorical if categorical.any() else None,
        random_state=seed,
    )


def _exact_boosting(features: Sequence[Feature], seed: int, iterations: int) -> Pipeline:
    """scikit-learn's classic gradient boosting — exact split points, one-hot categories,
    gaps filled and flagged — for small histories (EXACT_MAX_ROWS), where it sometimes
    generalises better than the histogram version and its cost does not matter."""
    categorical = tuple(f.kind == "categorical" for f in features)
    cardinality = tuple(f.cardinality for f in features if f.kind == "categorical")
    return Pipeline(
        [
            ("design", LinearDesign(categorical, cardinality, clip=math.inf)),
            (
                "model",
                GradientBoostingClassifier(
                    max_depth=BOOSTING_DEPTH,
                    learning_rate=EXACT_RATE,
                    n_estimators=iterations,
                    random_state=seed,
                ),
            ),
        ]
    )


def _blend(models: Mapping[str, Any]) -> VotingClassifier:
    """The average of the models' probabilities."""
    return VotingClassifier([(name, clone(model)) for name, model in models.items()], voting="soft")


# --- training -----------------------------------------------------------------------------


def _threads(rows: int):
    """Threads for work on ``rows`` rows. The logistic regression's matrix products are small
    and memory-bound, so BLAS always runs on one thread; gradient boosting's OpenMP threads
    only from PARALLEL_ROWS rows up. Below that, threads cost more than they give, and on a
    busy machine (other processes, pytest-xdist workers) waiting threads spin: a 240-row fit
    took 20 s instead of 0.5 s with two threads on two loaded cores."""
    if rows >= PARALLEL_ROWS:
        return threadpool_limits(limits=1, user_api="blas")
    return threadpool_limits(limits=1)


def train(
    rows: Rows,
    labels: Iterable[Any],
    *,
    exclude: Iterable[str] = (),
    min_outcomes: int = MIN_OUTCOMES,
    min_per_class: int = MIN_PER_CLASS,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainedModel:
    """A calibrated model of the chance a row is won, from rows and their outcomes (true or
    1 = won). Raises ``NotEnoughOutcomes`` with too few of either outcome, ``NoFeatures``
    when no column can be used."""
    labels = labels if isinstance(labels, Sized) else list(labels)
    with _threads(len(labels)):
        return _train(
            rows,
            labels,
            exclude=exclude,
            min_outcomes=min_outcomes,
            min_per_class=min_per_class,
            seed=seed,
            progress=progress,
        )


def _train(
    rows: Rows,
    labels: Iterable[Any],
    *,
    exclude: Iterable[str],
    min_outcomes: int,
    min_per_class: int,
    seed: int,
    progress: Progress | None,
) -> TrainedModel:
    started = time.monotonic()
    report = progress or (lambda phase, done, total: None)
    columns, count = as_columns(rows)
    outcome = _outcomes(labels, count)
    won = int(outcome.sum())
    lost = count - won
    if won < min_per_class or lost < min_per_class or count < min_outcomes:
        raise NotEnoughOutcomes(
            won=won, lost=lost, min_per_class=min_per_class, min_outcomes=min_outcomes
        )
    excluded = set(exclude)
    columns = {name: values for name, values in columns.items() if name not in excluded}
    report("Reading the columns", 0, 1)
    features, dropped, matrix = infer_features(columns, count)
    report("Reading the columns", 1, 1)
    if not features:
        reasons = "; ".join(f"{name}: {why}" for name, why in dropped.items()) or "no columns"
        raise NoFeatures(f"No column can be used to learn from ({reasons}).")

    scores, fold_auc, selected, candidates = _compare(features, matrix, outcome, seed, report)
    algorithm = _choose(fold_auc)
    selection_auc = {name: float(np.mean(values)) for name, values in fold_auc.items()}

    # One model fitted on every row, calibrated on out-of-fold predictions: a prediction is
    # one model's, so explaining a lead takes milliseconds, not one per fold.
    every_row = len(selected) == count
    calibration_folds = (
        SELECTION_FOLDS
        if every_row
        else CALIBRATION_FOLDS_LARGE
        if count > LARGE
        else CALIBRATION_FOLDS
    )
    rarer = min(won, lost)
    method = "isotonic" if rarer / calibration_folds >= ISOTONIC_MIN_PER_FOLD else "sigmoid"
    report("Fitting the calibrated model", 0, 1)
    if every_row:
        # the comparison's folds covered every row: reuse their out-of-fold probabilities
        out_of_fold = scores[algorithm]
    else:
        out_of_fold = cross_val_predict(
            candidates[algorithm],
            matrix,
            outcome,
            cv=StratifiedKFold(calibration_folds, shuffle=True, random_state=seed),
            method="predict_proba",
        )[:, 1]
    final = clone(candidates[algorithm]).fit(matrix, outcome)
    estimator = Calibrated(
        final, _calibrator(out_of_fold, outcome, method), _Sigmoid(out_of_fold, outcome)
    )
    report("Fitting the calibrated model", 1, 1)

    calibrated = _cross_calibrated(scores[algorithm], outcome[selected], method, seed)
    metrics = {
        "rows": count,
        "won": won,
        "lost": lost,
        "algorithm": algorithm,
        "cv_auc": round(selection_auc[algorithm], 4),
        "candidates_cv_auc": {name: round(auc, 4) for name, auc in selection_auc.items()},
        "brier": round(float(brier_score_loss(outcome[selected], calibrated)), 4),
        "base_rate": round(won / count, 4),
        "selection_rows": len(selected),
        "iterations": _iterations(candidates[algorithm]),
        "selection_folds": SELECTION_FOLDS,
        "calibration": method,
        "calibration_folds": calibration_folds,
        "features": {f.name: f.kind for f in features},
        "seconds": round(time.monotonic() - started, 2),
        "sklearn": sklearn.__version__,
        "seed": seed,
    }
    return TrainedModel(features, estimator, metrics, dropped)


def _iterations(model: Any) -> int | None:
    """The number of trees of the chosen model (of its boosting for the blend)."""
    if isinstance(model, VotingClassifier):
        model = model.estimators[1][1]  # the (first) boosting
    if isinstance(model, Pipeline):
        model = model[-1]
    if isinstance(model, HistGradientBoostingClassifier):
        return model.max_iter
    if isinstance(model, GradientBoostingClassifier):
        return model.n_estimators
    return None


def _outcomes(labels: Iterable[Any], count: int) -> np.ndarray:
    values = list(labels)
    if len(values) != count:
        raise ValueError(f"{len(values)} labels for {count} rows.")
    outcome = np.zeros(count, dtype=int)
    for at, value in enumerate(values):
        if value is True or (not isinstance(value, bool) and value in (1, 1.0)):
            outcome[at] = 1
        elif not (value is False or value in (0, 0.0)):
            raise ValueError(
                f"Label {value!r} at row {at + 1}: give true/1 (won) or false/0 (lost)."
            )
    return outcome


def _compare(
    features: Sequence[Feature],
    matrix: np.ndarray,
    outcome: np.ndarray,
    seed: int,
    report: Progress,
) -> tuple[dict[str, np.ndarray], dict[str, list[float]], np.ndarray, dict[str, Any]]:
    """Out-of-fold probabilities and the fold-by-fold ROC AUC of each candidate, over the same
    stratified folds of (at most SELECTION_ROWS of) the rows; which rows took part; and the
    candidates to fit on every row.

    In each fold a boosting's trees are counted on the held-out part: the histogram one
    stops when its log loss there has not improved for BOOSTING_PATIENCE iterations, the
    exact one keeps its best stage. The final models take the folds' median best count, a
    little more for their larger training set. The blend averages the logistic regression
    with the better boosting."""
    selected = np.arange(len(outcome))
    if len(outcome) > SELECTION_ROWS:
        selected, _ = train_test_split(
            selected, train_size=SELECTION_ROWS, stratify=outcome, random_state=seed
        )
        selected = np.sort(selected)
    X, y = matrix[selected], outcome[selected]
    folds = list(StratifiedKFold(SELECTION_FOLDS, shuffle=True, random_state=seed).split(X, y))
    fitted = ["logistic_regression", "gradient_boosting"]
    if len(outcome) <= EXACT_MAX_ROWS:
        fitted.append("exact_boosting")
    scores = {name: np.zeros(len(y)) for name in fitted}
    best: dict[str, list[int]] = {"gradient_boosting": [], "exact_boosting": []}
    steps, done = len(folds) * len(fitted), 0
    report("Comparing models", 0, steps)
    for train_at, test_at in folds:
        for name in fitted:
            if name == "logistic_regression":
                model = _linear(features).fit(X[train_at], y[train_at])
                scores[name][test_at] = model.predict_proba(X[test_at])[:, 1]
            elif name == "gradient_boosting":
                model = _boosting(features, seed, BOOSTING_MAX_ITERATIONS).set_params(
                    early_stopping=True, n_iter_no_change=BOOSTING_PATIENCE
                )
                model.fit(X[train_at], y[train_at], X_val=X[test_at], y_val=y[test_at])
                best[name].append(max(1, int(np.argmax(model.validation_score_))))
                scores[name][test_at] = model.predict_proba(X[test_at])[:, 1]
            else:
                stage, scores[name][test_at] = _exact_stages(
                    _exact_boosting(features, seed, EXACT_BLOCK), X, y, train_at, test_at
                )
                best[name].append(stage)
            done += 1
            report("Comparing models", done, steps)
    aucs = {
        name: [roc_auc_score(y[test_at], scores[name][test_at]) for _, test_at in folds]
        for name in fitted
    }
    # blends average the models already fitted in each fold: nothing more to fit
    blends = {"blend": fitted}
    if "exact_boosting" in fitted:
        blends["boosting_blend"] = ["gradient_boosting", "exact_boosting"]
    for blend, parts in blends.items():
        scores[blend] = np.mean([scores[name] for name in parts], axis=0)
        aucs[blend] = [roc_auc_score(y[test_at], scores[blend][test_at]) for _, test_at in folds]

    linear = _linear(features)
    candidates: dict[str, Any] = {"logistic_regression": linear}
    for name, make in (("gradient_boosting", _boosting), ("exact_boosting", _exact_boosting)):
        if name in fitted:
            iterations = max(10, round(float(np.median(best[name])) * 1.1))
            candidates[name] = make(features, seed, iterations)
    for blend, parts in blends.items():
        candidates[blend] = _blend({name: candidates[name] for name in parts})
    return scores, aucs, selected, candidates


def _exact_stages(
    model: Pipeline, X: np.ndarray, y: np.ndarray, train_at: np.ndarray, test_at: np.ndarray
) -> tuple[int, np.ndarray]:
    """Grow the exact boosting EXACT_BLOCK trees at a time while its log loss on the held-out
    part improves (up to EXACT_MAX_ITERATIONS): the best number of trees and the held-out
    probabilities with them."""
    design = model[0].fit(X[train_at])
    train_X, test_X = design.transform(X[train_at]), design.transform(X[test_at])
    boosting = model[-1].set_params(warm_start=True)
    best_loss, best_count, best_probability = math.inf, 0, None
    while boosting.n_estimators <= EXACT_MAX_ITERATIONS:
        boosting.fit(train_X, y[train_at])
        probability = boosting.predict_proba(test_X)[:, 1]
        loss = log_loss(y[test_at], probability, labels=[0, 1])
        if loss < best_loss:
            best_loss, best_count, best_probability = loss, boosting.n_estimators, probability
        elif boosting.n_estimators - best_count >= EXACT_PATIENCE:
            break
        boosting.set_params(n_estimators=boosting.n_estimators + EXACT_BLOCK)
    return best_count, best_probability


def _choose(aucs: Mapping[str, Sequence[float]]) -> str:
    """The candidate with the best mean fold ROC AUC — unless the blend of every model is
    within one standard error of it (the spread of their fold-by-fold differences): an
    average of different models is the steadier choice when the folds cannot tell them
    apart, and picking the luckiest of several close candidates overfits the folds."""
    best = max(aucs, key=lambda name: np.mean(aucs[name]))
    if best == "blend":
        return best
    difference = np.subtract(aucs[best], aucs["blend"])
    error = difference.std(ddof=1) / math.sqrt(len(difference))
    return "blend" if difference.mean() <= error else best


class Calibrated:
    """A model fitted on every row and a calibrator fitted on the out-of-fold probabilities
    of the same kind of model — what scikit-learn's ``CalibratedClassifierCV(ensemble=False)``
    makes, here reusing the comparison's folds when they covered every row.

    ``smooth`` is a sigmoid calibrator beside it for explanations: an isotonic calibrator is
    a staircase, on which a feature's effect would be zero or a whole step."""

    def __init__(self, model: Any, calibrator: Any, smooth: Any) -> None:
        self.model = model
        self.calibrator = calibrator
        self.smooth = smooth

    def predict_proba(self, X) -> np.ndarray:
        probability = self.calibrator.calibrate(self.model.predict_proba(X)[:, 1])
        return np.column_stack([1 - probability, probability])

    def smooth_proba(self, X) -> np.ndarray:
        return self.smooth.calibrate(self.model.predict_proba(X)[:, 1])


class _Sigmoid:
    """Platt scaling of probabilities: a logistic regression on their log-odds."""

    def __init__(self, scores: np.ndarray, outcome: np.ndarray) -> None:
        self.model = LogisticRegression(C=1e6, max_iter=1000)
        self.model.fit(_logit(scores).reshape(-1, 1), outcome)

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(_logit(scores).reshape(-1, 1))[:, 1]


class _Isotonic:
    def __init__(self, scores: np.ndarray, outcome: np.ndarray) -> None:
        self.model = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
        self.model.fit(scores, outcome)

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        return self.model.predict(scores)


def _calibrator(scores: np.ndarray, outcome: np.ndarray, method: str) -> _Sigmoid | _Isotonic:
    return (_Isotonic if method == "isotonic" else _Sigmoid)(scores, outcome)


def _cross_calibrated(
    scores: np.ndarray, outcome: np.ndarray, method: str, seed: int
) -> np.ndarray:
    """Out-of-fold scores calibrated out of fold too: an honest estimate of the calibrated
    model's probabilities, for its Brier score."""
    calibrated = np.zeros(len(scores))
    folds = StratifiedKFold(SELECTION_FOLDS, shuffle=True, random_state=seed + 1)
    for train_at, test_at in folds.split(scores.reshape(-1, 1), outcome):
        calibrator = _calibrator(scores[train_at], outcome[train_at], method)
        calibrated[test_at] = calibrator.calibrate(scores[test_at])
    return calibrated


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


# --- storing ------------------------------------------------------------------------------


def to_bytes(model: TrainedModel) -> bytes:
    """The model as bytes (joblib), e.g. to keep in the database."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def from_bytes(data: bytes) -> TrainedModel:
    """A model stored with ``to_bytes``. A pickle: only load bytes Galena itself stored."""
    return _checked(joblib.load(io.BytesIO(data)))


def save(model: TrainedModel, path: str | Path) -> None:
    """Write the model to a file (joblib)."""
    joblib.dump(model, path, compress=3)


def load(path: str | Path) -> TrainedModel:
    """A model written with ``save``. Model files are pickles, which run code when loaded:
    load only files Galena made, from a place only trusted people can write to."""
    return _checked(joblib.load(path))


def _checked(model: Any) -> TrainedModel:
    if not isinstance(model, TrainedModel):
        raise ValueError(f"Not a Galena scoring model (a {type(model).__name__}).")
    if model.format_version != FORMAT_VERSION:
        raise ValueError(
            f"A scoring model of format {model.format_version}; this Galena reads format "
            f"{FORMAT_VERSION}: train it again."
        )
    return model
