"""Fellegi–Sunter scoring of compared pairs, its explanation, and EM estimation of its
weights. Pure: numpy over the level matrix of ``comparisons.compare``.

Each level of each comparison has m = P(level | same person) and u = P(level | different
people); its weight is log2(m / u) bits. A pair's match weight is log2 of the prior odds
plus the weights of its levels (a missing field adds nothing), and its probability of being
the same person is 2^w / (1 + 2^w). Conditional independence of the comparisons given the
match status is the model's assumption; EM (``estimate``) finds the m, u and prior that best
explain the levels of unlabelled candidate pairs under it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from galena.matching.comparisons import BY_CODE, COMPARISON_CODES, COMPARISONS, MISSING

FLOOR = 1e-6  # no probability is ever exactly 0 or 1: a weight stays finite
# EM keeps the m of these comparisons as given. Left free, EM takes *households* (one
# surname, address, phone; different first names) for one person — the latent class it
# finds is "same household" — and learns that a different first name hardly counts. How
# often one person's first name is written differently is known without the data.
FIXED_M = ("first_name",)
# A family shares a surname, an address, often a phone and an e-mail box, and brothers and
# sisters a patronymic (Ivanovich, Ivanovna: the father's name): when the first names differ
# outright, what a household shares is evidence of the household, not of one person, so its
# agreement adds nothing (its disagreement still counts).
HOUSEHOLD = (
    "middle_name",
    "phone",
    "email_local",
    "email_domain",
    "street",
    "city",
    "region",
    "postcode",
)
# A person who moves changes street, postcode, city and region at once: one move, counted
# once — of the address comparisons that disagree, only the strongest disagreement counts.
ADDRESS = ("street", "postcode", "city", "region")
_ADDRESS = [COMPARISON_CODES.index(code) for code in ADDRESS]
_FIRST = COMPARISON_CODES.index("first_name")
_FIRST_DIFFERENT = BY_CODE["first_name"].level_codes().index("different")
_HOUSEHOLD = [COMPARISON_CODES.index(code) for code in HOUSEHOLD]


@dataclass
class MatchModel:
    """The m and u of every level, the prior, and the decision thresholds."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior: float = 0.02
    same_threshold: float = 0.99
    possible_threshold: float = 0.5
    _tables: list[np.ndarray] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self._tables = []
        for code in COMPARISON_CODES:
            m = np.clip(np.asarray(self.m[code], dtype=np.float64), FLOOR, 1)
            u = np.clip(np.asarray(self.u[code], dtype=np.float64), FLOOR, 1)
            # the extra last entry is what level -1 (missing) picks: no evidence
            self._tables.append(np.append(np.log2(m / u), 0.0))

    @classmethod
    def default(cls) -> MatchModel:
        return cls(
            m={c.code: np.array([lv.m for lv in c.levels]) for c in COMPARISONS},
            u={c.code: np.array([lv.u for lv in c.levels]) for c in COMPARISONS},
        )

    @classmethod
    def from_rows(
        cls, rows: Mapping[tuple[str, str], tuple[float, float]], **settings: float
    ) -> MatchModel:
        """From stored (comparison, level) → (m, u); levels without a row keep the default."""
        model = cls.default()
        m = {code: values.copy() for code, values in model.m.items()}
        u = {code: values.copy() for code, values in model.u.items()}
        for (code, level), (m_value, u_value) in rows.items():
            if code in BY_CODE and level in BY_CODE[code].level_codes():
                index = BY_CODE[code].level_codes().index(level)
                m[code][index], u[code][index] = m_value, u_value
        return cls(m=m, u=u, **settings)

    def rows(self) -> dict[tuple[str, str], tuple[float, float]]:
        return {
            (c.code, level.code): (float(self.m[c.code][i]), float(self.u[c.code][i]))
            for c in COMPARISONS
            for i, level in enumerate(c.levels)
        }

    @property
    def prior_weight(self) -> float:
        prior = min(max(self.prior, FLOOR), 1 - FLOOR)
        return math.log2(prior / (1 - prior))

    def weights(self, levels: np.ndarray) -> np.ndarray:
        """The weight in bits each comparison adds, per pair: shape (pairs, comparisons)."""
        out = np.empty(levels.shape, dtype=np.float64)
        for j, table in enumerate(self._tables):
            out[:, j] = table[levels[:, j]]
        household = out[:, _HOUSEHOLD]
        household[(levels[:, _FIRST] == _FIRST_DIFFERENT)[:, None] & (household > 0)] = 0.0
        out[:, _HOUSEHOLD] = household
        address = out[:, _ADDRESS]
        against = np.minimum(address, 0.0)
        strongest = against.min(axis=1, keepdims=True)
        address[(against < 0) & (against > strongest)] = 0.0
        out[:, _ADDRESS] = address
        return out

    def match_weight(self, levels: np.ndarray) -> np.ndarray:
        return self.prior_weight + self.weights(levels).sum(axis=1)

    def probability(self, levels: np.ndarray) -> np.ndarray:
        return probability_of(self.match_weight(levels))


def probability_of(weight: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))


# how common the agreeing name is (batch only): not a comparison, an adjustment of one
NAME_FREQUENCY = "name_frequency"


def explain(
    model: MatchModel,
    levels: np.ndarray,
    swapped: bool = False,
    frequency: float = 0.0,
    weights: np.ndarray | None = None,
) -> dict:
    """Why one pair scored what it did: every comparison with data, its level and weight
    (and, in batch, the bits for how common the agreeing name is). ``weights``: the row of
    ``model.weights`` when already computed."""
    row = np.asarray(levels).reshape(1, -1)
    weights = model.weights(row)[0] if weights is None else weights
    fields = []
    for j, comparison in enumerate(COMPARISONS):
        level = int(row[0, j])
        if level == MISSING:
            continue
        fields.append(
            {
                "comparison": comparison.code,
                "level": comparison.levels[level].code,
                "weight": round(float(weights[j]), 2),
            }
        )
    if frequency:
        fields.append(
            {
                "comparison": NAME_FREQUENCY,
                "level": "common" if frequency < 0 else "rare",
                "weight": round(float(frequency), 2),
            }
        )
    total = model.prior_weight + float(weights.sum()) + float(frequency)
    return {
        "household": bool(row[0, _FIRST] == _FIRST_DIFFERENT),
        "prior_weight": round(model.prior_weight, 2),
        "match_weight": round(total, 2),
        "probability": round(float(probability_of(total)), 6),
        "swapped_names": bool(swapped),
        "fields": fields,
    }


@dataclass
class Estimate:
    model: MatchModel
    iterations: int
    converged: bool
    pairs: int


@dataclass
class Patterns:
    """The distinct level vectors of many pairs: ``patterns[inverse]`` gives back the pairs'
    levels. Scoring and EM work on the patterns — a few thousand rows instead of millions."""

    patterns: np.ndarray
    inverse: np.ndarray
    counts: np.ndarray


def level_patterns(levels: np.ndarray) -> Patterns:
    # each row as one integer (levels + 1 in base 8), built column by column, so np.unique
    # sorts integers, not rows, and no (pairs × comparisons) int64 copy is made
    codes = np.zeros(len(levels), dtype=np.int64)
    for j in range(levels.shape[1]):
        codes += (levels[:, j].astype(np.int64) + 1) << (3 * j)
    _codes, first_at, inverse, counts = np.unique(
        codes, return_index=True, return_inverse=True, return_counts=True
    )
    return Patterns(patterns=levels[first_at], inverse=inverse, counts=counts)


def estimate(
    levels: np.ndarray | Patterns,
    start: MatchModel | None = None,
    *,
    max_iterations: int = 60,
    tolerance: float = 1e-5,
    fixed_m: tuple[str, ...] = FIXED_M,
) -> Estimate:
    """EM over the levels of unlabelled candidate pairs (or their ``level_patterns``): the
    m, u and prior that explain them best under conditional independence, starting from
    ``start`` (the defaults)."""
    start = start or MatchModel.default()
    grouped = levels if isinstance(levels, Patterns) else level_patterns(levels)
    n = int(grouped.counts.sum())
    if n == 0:
        return Estimate(model=start, iterations=0, converged=True, pairs=0)
    # identical level vectors count once: EM's cost depends on the distinct patterns
    patterns = grouped.patterns
    counts = grouped.counts.astype(np.float64)
    m = {code: np.asarray(start.m[code], dtype=np.float64).copy() for code in COMPARISON_CODES}
    u = {code: np.asarray(start.u[code], dtype=np.float64).copy() for code in COMPARISON_CODES}
    prior = min(max(start.prior, 1e-4), 0.5)
    iterations, converged = 0, False
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported after the loop)
        model = MatchModel(m=m, u=u, prior=prior)
        posterior = model.probability(patterns)
        matched = posterior * counts
        unmatched = (1 - posterior) * counts
        new_m, new_u = {}, {}
        for j, comparison in enumerate(COMPARISONS):
            column = patterns[:, j]
            size = len(comparison.levels)
            m_counts = np.bincount(
                column[column >= 0], weights=matched[column >= 0], minlength=size
            )
            u_counts = np.bincount(
                column[column >= 0], weights=unmatched[column >= 0], minlength=size
            )
            new_m[comparison.code] = m[comparison.code].copy()
            new_u[comparison.code] = u[comparison.code].copy()
            # each block of levels is a distribution of its own (``Comparison.blocks``); a
            # block never seen keeps its values
            for block in comparison.level_blocks():
                seen_m, seen_u = m_counts[block].sum(), u_counts[block].sum()
                if seen_m <= 0 or seen_u <= 0:
                    continue
                if comparison.code not in fixed_m:
                    new_m[comparison.code][block] = np.clip(m_counts[block] / seen_m, FLOOR, 1)
                new_u[comparison.code][block] = np.clip(u_counts[block] / seen_u, FLOOR, 1)
        new_prior = float(matched.sum() / counts.sum())
        change = max(
            abs(new_prior - prior),
            *(float(np.max(np.abs(new_m[c] - m[c]))) for c in COMPARISON_CODES),
            *(float(np.max(np.abs(new_u[c] - u[c]))) for c in COMPARISON_CODES),
        )
        m, u, prior = new_m, new_u, min(max(new_prior, 1e-6), 1 - 1e-6)
        if change < tolerance:
            converged = True
            break
    model = MatchModel(
        m=m,
        u=u,
        prior=prior,
        same_threshold=start.same_threshold,
        possible_threshold=start.possible_threshold,
    )
    return Estimate(model=model, iterations=iterations, converged=converged, pairs=n)
