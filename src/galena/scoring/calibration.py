"""The calibration report, pure: does the score predict who buys?

Plain functions over plain data (no database): the selectors load closed leads — won and
lost in a period — with what the report needs, and ``calibration_report`` returns every
figure the page, the CSV files and the API show:

- **score bands**: closed leads, won, lost and the win rate per band of the rule score, with
  a Wilson 95 % interval (the bands are the business's cold/warm/hot thresholds, quantiles
  of the scores, or edges given by hand);
- **discrimination**: ROC AUC of the rule score and of the predictive model's probability
  (with a Hanley–McNeil 95 % interval), and "not enough outcomes" when won or lost leads
  are missing;
- **reliability**: for the model's probabilities and for the rule score mapped to a rate (a
  one-variable logistic fit), the mean predicted rate against the observed win rate per
  bin;
- **lost high-scored leads**: the highest-scored leads that were lost, with their reasons;
- **the profile of clients**: for each field and questionnaire answer, the share of each
  value among won leads against all leads, attributes ranked by total-variation distance,
  and the clearest differences as sentences;
- **activity and deal value**: the first deal's value by activity band and Spearman's rank
  correlation of activity (and behaviour points) with it;
- **rule diagnostics**: per active rule, the win rate of closed leads it gave points to
  against those it did not, the log odds ratio with its interval, and a suggested point
  value when points and outcomes disagree.

How the suggestions are scaled: each rule's evidence is its log odds ratio L (won against
lost, with and without the rule, 0.5 added to each cell so an empty cell does not give an
infinite ratio). Points and log odds are made comparable by one factor for all rules,
``scale = Σ|points|·|L| / Σ L²`` over the rules with enough outcomes — the least-squares
fit of the rules' current point sizes to their evidence — so a rule's suggestion is
``round(scale × L)``: what it would be worth if the rules were sized the way they are now
on average, but each by its own evidence.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from operator import methodcaller
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# z for a two-sided 95 % interval
Z95 = 1.959963984540054

# Band modes: the business's warm/hot thresholds, quantiles of the closed leads' scores, or
# edges given by hand.
BAND_THRESHOLDS = "thresholds"
BAND_QUINTILES = "quintiles"
BAND_DECILES = "deciles"
BAND_CUSTOM = "custom"
BAND_MODES = (BAND_THRESHOLDS, BAND_QUINTILES, BAND_DECILES, BAND_CUSTOM)
_QUANTILE_PARTS = {BAND_QUINTILES: 5, BAND_DECILES: 10}
MAX_CUSTOM_EDGES = 20

RELIABILITY_BINS = 10
ROC_CURVE_POINTS = 60
LOST_LIMIT = 50
LOST_REASONS_SHOWN = 10
# A rule is judged when at least this many closed leads got its points and as many did not.
MIN_GROUP = 10
# A point change is suggested when it is at least this many points and at least double or
# half the current points: smaller differences are within what outcomes can tell apart.
MIN_CHANGE = 5
# The profile compares an attribute when at least this many clients have it.
MIN_PROFILE_WON = 10
PROFILE_LINES = 8
PROFILE_VALUES_SHOWN = 6
MAX_ATTRIBUTE_KEYS = 30
MAX_VALUES = 30
# a value seen this rarely among all leads and among clients is pooled as "other"
RARE_ALL = 5
RARE_WON = 3
# a questionnaire answer is a number when this share of its given values read as numbers
NUMERIC_SHARE = 0.9
NUMERIC_MIN_DISTINCT = 8
ACTIVITY_EDGES = (1, 3, 6, 11)
MIN_CORRELATION = 10
SIGNIFICANCE = 0.05

# Lead fields the profile compares, besides the questionnaire answers (attributes.<answer>).
PROFILE_FIELDS = (
    "country",
    "region",
    "city",
    "position",
    "channel",
    "source",
    "interest",
    "fit",
    "contact_type",
    "origin",
)
ATTRIBUTES = "attributes"
MISSING = ""
OTHER = "\x00other"

# Where a lost lead's reason came from.
REASON_STAGE = "stage"
REASON_QUALITY = "quality"
REASON_NONE = "none"

# Outcome states of a figure that needs both won and lost leads.
OK = "ok"
NO_LEADS = "no_leads"
ONE_CLASS = "one_class"
TOO_FEW = "too_few"
CONSTANT = "constant"


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ClosedLead:
    """A lead won or lost in the period, as the report reads it."""

    id: int
    won: bool
    score: int
    probability: float | None = None
    closed_at: dt.datetime | None = None
    name: str = ""
    owner: str = ""
    # the profile's fields (PROFILE_FIELDS) and "attributes": the questionnaire answers
    values: Mapping[str, Any] = field(default_factory=dict)
    # the active rules that gave the lead points (profile rules now, behaviour rules
    # before it closed)
    rules: frozenset[int] = frozenset()
    # tracked events, and behaviour points as given, before the lead closed
    activity: int = 0
    engagement: float = 0.0
    deal_value: Decimal | None = None
    deal_currency: str = ""
    lost_reason: str = ""
    lost_reason_source: str = REASON_NONE


@dataclass(frozen=True)
class RuleInfo:
    id: int
    name: str
    kind: str
    points: int


@dataclass(frozen=True)
class ModelInfo:
    """The active predictive model, when there is one."""

    name: str
    trained_at: dt.datetime | None = None
    # its ROC AUC cross-validated on the leads it learned from, and how many: what there is
    # to say of it before any lead it scored has closed
    cv_auc: float | None = None
    trained_on: int = 0


@dataclass(frozen=True)
class Options:
    band_mode: str = BAND_THRESHOLDS
    edges: tuple[int, ...] = ()  # the custom mode's edges
    lost_min_score: int | None = None  # default: the hot threshold
    lost_limit: int = LOST_LIMIT
    min_group: int = MIN_GROUP
    min_profile_won: int = MIN_PROFILE_WON
    activity_edges: tuple[int, ...] = ACTIVITY_EDGES


@dataclass(frozen=True)
class Inputs:
    leads: Sequence[ClosedLead]
    rules: Sequence[RuleInfo] = ()
    warm: int = 30
    hot: int = 60
    # all leads that came in during the period (their profile values), for the profile;
    # ``population_total`` is how many there were when ``population`` is a sample
    population: Sequence[Mapping[str, Any]] = ()
    population_total: int | None = None
    # the leads the reader may open: the others are counted but not listed (None: all)
    visible: frozenset[int] | None = None
    model: ModelInfo | None = None
    field_labels: Mapping[str, str] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class Rate:
    """successes out of total, with a Wilson 95 % interval (None without a total)."""

    successes: int
    total: int
    rate: float | None
    low: float | None
    high: float | None


def wilson_interval(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion: sensible for small counts and for 0 or
    all successes, unlike the ±1.96·√(p(1−p)/n) of textbooks."""
    if total <= 0:
        return None
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_of(successes: int, total: int) -> Rate:
    interval = wilson_interval(successes, total)
    if interval is None:
        return Rate(successes, total, None, None, None)
    return Rate(successes, total, successes / total, interval[0], interval[1])


def _round(value: float) -> int:
    """Half away from zero (Python's round() goes to even: 2.5 → 2)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Summary:
    closed: int
    won: int
    lost: int
    win_rate: Rate


def summary_of(leads: Sequence[ClosedLead]) -> Summary:
    won = sum(1 for lead in leads if lead.won)
    return Summary(
        closed=len(leads), won=won, lost=len(leads) - won, win_rate=rate_of(won, len(leads))
    )


# --------------------------------------------------------------------------- bands


@dataclass(frozen=True)
class Band:
    low: int | None  # inclusive; None: no lower bound
    high: int | None  # exclusive; None: no upper bound
    label: str
    name: str  # "Cold", "Warm", "Hot" for the thresholds' bands
    closed: int
    won: int
    lost: int
    win_rate: Rate
    share_of_won: float | None  # of all won leads, the share in this band
    lift: float | None  # win rate / the overall win rate


def threshold_edges(warm: int, hot: int) -> list[int]:
    return sorted({warm, hot})


def quantile_edges(scores: Sequence[int], parts: int) -> list[int]:
    """Edges that cut the scores into ``parts`` groups of about equal size: the quantiles
    (numpy's linear interpolation) rounded up to whole points, duplicates and edges at or
    below the lowest score dropped (they would make empty bands)."""
    if not scores or parts < 2:
        return []
    values = np.asarray(scores, dtype=float)
    lowest = values.min()
    edges = {math.ceil(float(np.quantile(values, k / parts)) - 1e-9) for k in range(1, parts)}
    return sorted(edge for edge in edges if edge > lowest)


def band_edges(mode: str, scores: Sequence[int], *, warm: int, hot: int, custom=()) -> list[int]:
    """The bands' edges for a mode: thresholds, quintiles, deciles or custom."""
    if mode in _QUANTILE_PARTS:
        return quantile_edges(scores, _QUANTILE_PARTS[mode])
    if mode == BAND_CUSTOM and custom:
        return sorted({int(edge) for edge in custom})[:MAX_CUSTOM_EDGES]
    return threshold_edges(warm, hot)


def parse_edges(text: str) -> tuple[int, ...]:
    """Custom band edges from text: "10, 25 50" → (10, 25, 50); a ValueError says what is
    wrong."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if len(parts) > MAX_CUSTOM_EDGES:
        raise ValueError(_("At most %(n)d edges.") % {"n": MAX_CUSTOM_EDGES})
    try:
        edges = tuple(sorted({int(part.replace("−", "-")) for part in parts}))
    except ValueError:
        raise ValueError(_("Edges are whole numbers of points, like 10, 25, 50.")) from None
    if any(abs(edge) > 1_000_000 for edge in edges):
        raise ValueError(_("Edges are whole numbers of points, like 10, 25, 50."))
    return edges


def _band_label(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return _("all scores")
    if low is None:
        return f"< {high}"
    if high is None:
        return f"≥ {low}"
    if high - 1 <= low:
        return str(low)
    return f"{low}–{high - 1}"


def score_bands(
    leads: Sequence[ClosedLead], edges: Sequence[int], names: Sequence[str] = ()
) -> list[Band]:
    """Closed leads per score band: [−∞, e₀), [e₀, e₁), …, [eₙ, ∞). Every band is listed,
    empty ones too, so the table's rows do not move from one period to the next."""
    edges = sorted(set(edges))
    bounds = list(zip([None, *edges], [*edges, None], strict=True))
    counts = [[0, 0] for _bound in bounds]  # won, lost
    for lead in leads:
        index = sum(1 for edge in edges if lead.score >= edge)
        counts[index][0 if lead.won else 1] += 1
    total_won = sum(won for won, _lost in counts)
    total = len(leads)
    overall = total_won / total if total else None
    bands = []
    for index, ((low, high), (won, lost)) in enumerate(zip(bounds, counts, strict=True)):
        rate = rate_of(won, won + lost)
        bands.append(
            Band(
                low=low,
                high=high,
                label=_band_label(low, high),
                name=names[index] if index < len(names) else "",
                closed=won + lost,
                won=won,
                lost=lost,
                win_rate=rate,
                share_of_won=won / total_won if total_won else None,
                lift=(rate.rate / overall) if rate.rate is not None and overall else None,
            )
        )
    return bands


# --------------------------------------------------------------------------- discrimination


@dataclass(frozen=True)
class Discrimination:
    """How well a figure ranks won leads above lost ones (ROC AUC)."""

    key: str  # "score", "model", "score_on_model_leads", "model_after_training"
    label: str
    status: str
    closed: int
    won: int
    lost: int
    auc: float | None = None
    low: float | None = None
    high: float | None = None
    message: str = ""
    curve: tuple[tuple[float, float], ...] = ()  # (false positive rate, true positive rate)


def auc_interval(auc: float, won: int, lost: int) -> tuple[float, float]:
    """Hanley & McNeil's (1982) 95 % interval of an AUC from won and lost counts."""
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (won - 1) * (q1 - auc * auc) + (lost - 1) * (q2 - auc * auc)) / (
        won * lost
    )
    half = Z95 * math.sqrt(max(variance, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


def _thin(points: Sequence[tuple[float, float]], most: int) -> tuple[tuple[float, float], ...]:
    if len(points) <= most:
        return tuple(points)
    step = (len(points) - 1) / (most - 1)
    return tuple(points[_round(i * step)] for i in range(most))


def discrimination(
    key: str, label: str, values: Sequence[float], outcomes: Sequence[bool]
) -> Discrimination:
    """ROC AUC of ``values`` against won (True) / lost, with its interval and curve."""
    from sklearn.metrics import roc_auc_score, roc_curve

    won = sum(1 for outcome in outcomes if outcome)
    lost = len(outcomes) - won
    if not outcomes:
        return Discrimination(
            key, label, NO_LEADS, 0, 0, 0, message=_("No closed leads to measure it on.")
        )
    if not won or not lost:
        message = (
            _("Every closed lead was won: the ranking needs lost leads too.")
            if not lost
            else _("Every closed lead was lost: the ranking needs won leads too.")
        )
        return Discrimination(key, label, ONE_CLASS, len(outcomes), won, lost, message=message)
    y = np.asarray(outcomes, dtype=int)
    x = np.asarray(values, dtype=float)
    auc = float(roc_auc_score(y, x))
    low, high = auc_interval(auc, won, lost)
    fpr, tpr, _thresholds = roc_curve(y, x)
    curve = _thin([(float(a), float(b)) for a, b in zip(fpr, tpr, strict=True)], ROC_CURVE_POINTS)
    message = _(
        "Of a won and a lost lead picked at random, the won one ranks higher %(share)s of the "
        "time (0.5 is a coin toss, 1 a perfect ranking)."
    ) % {"share": _percent(auc)}
    return Discrimination(key, label, OK, len(outcomes), won, lost, auc, low, high, message, curve)


# --------------------------------------------------------------------------- reliability


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_predicted: float
    observed: Rate


@dataclass(frozen=True)
class Reliability:
    status: str
    closed: int
    bins: tuple[ReliabilityBin, ...] = ()
    brier: float | None = None  # mean squared error of the predicted rates
    calibration_error: float | None = None  # Σ nᵢ/N · |observed − predicted|
    message: str = ""


def reliability(
    predicted: Sequence[float], outcomes: Sequence[bool], bins: int = RELIABILITY_BINS
) -> Reliability:
    """Predicted rates against observed win rates in ``bins`` equal-width bins of the
    prediction ([0, 0.1), [0.1, 0.2), … [0.9, 1]); empty bins are left out."""
    n = len(predicted)
    if not n:
        return Reliability(NO_LEADS, 0, message=_("No closed leads with a predicted rate."))
    sums = [0.0] * bins
    counts = [0] * bins
    wins = [0] * bins
    squared = 0.0
    for value, outcome in zip(predicted, outcomes, strict=True):
        p = min(1.0, max(0.0, float(value)))
        index = min(int(p * bins), bins - 1)
        sums[index] += p
        counts[index] += 1
        wins[index] += 1 if outcome else 0
        squared += (p - (1.0 if outcome else 0.0)) ** 2
    found = []
    error = 0.0
    for index in range(bins):
        if not counts[index]:
            continue
        mean = sums[index] / counts[index]
        observed = rate_of(wins[index], counts[index])
        error += counts[index] / n * abs(observed.rate - mean)
        found.append(
            ReliabilityBin(
                low=index / bins,
                high=(index + 1) / bins,
                count=counts[index],
                mean_predicted=mean,
                observed=observed,
            )
        )
    message = _(
        "On average the predicted rate is %(points)s percentage points away from what happened."
    ) % {"points": f"{error * 100:.1f}"}
    return Reliability(OK, n, tuple(found), squared / n, error, message)


@dataclass(frozen=True)
class ScoreMapping:
    """The rule score read as a chance of winning: P(won) = 1 / (1 + e^−(a + b·score))."""

    status: str
    intercept: float | None = None
    slope: float | None = None  # log odds per point
    points_to_double_odds: float | None = None
    rates: tuple[tuple[int, float], ...] = ()  # (score, rate) at the thresholds
    reliability: Reliability | None = None
    message: str = ""


def logistic_fit(scores: Sequence[float], outcomes: Sequence[bool]) -> tuple[float, float]:
    """Intercept and slope of a one-variable logistic regression, nearly unpenalised (a
    small ridge keeps a perfectly separating score finite)."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(scores, dtype=float)
    mean, spread = float(x.mean()), float(x.std())
    model = LogisticRegression(C=1e6, max_iter=1000, tol=1e-10)
    with warnings.catch_warnings():
        # a score that separates won from lost perfectly never converges: the ridge holds it
        warnings.simplefilter("ignore")
        model.fit(((x - mean) / spread).reshape(-1, 1), np.asarray(outcomes, dtype=int))
    slope = float(model.coef_[0][0]) / spread
    intercept = float(model.intercept_[0]) - slope * mean
    return intercept, slope


def _logistic(value: float) -> float:
    if value >= 0:
        return 1 / (1 + math.exp(-value))
    e = math.exp(value)
    return e / (1 + e)


def score_mapping(leads: Sequence[ClosedLead], thresholds: Sequence[int] = ()) -> ScoreMapping:
    """The rule score mapped to a rate by a logistic fit on the closed leads, and the
    reliability of that rate: where the curve bends away from the diagonal, the score's
    points are not spaced the way outcomes are."""
    outcomes = [lead.won for lead in leads]
    won = sum(outcomes)
    if not leads:
        return ScoreMapping(NO_LEADS, message=_("No closed leads in this period."))
    if not won or won == len(leads):
        return ScoreMapping(
            ONE_CLASS,
            message=_("The score can be read as a chance once there are won and lost leads."),
        )
    scores = [float(lead.score) for lead in leads]
    if len(set(scores)) < 2:
        return ScoreMapping(
            CONSTANT, message=_("Every closed lead has the same score: it cannot tell them apart.")
        )
    intercept, slope = logistic_fit(scores, outcomes)
    predicted = [_logistic(intercept + slope * score) for score in scores]
    doubling = math.log(2) / slope if slope > 1e-9 else None
    rates = tuple((t, _logistic(intercept + slope * t)) for t in sorted(set(thresholds)))
    if doubling is not None:
        message = _("Every %(points)s points double a lead's odds of being won.") % {
            "points": f"{doubling:.0f}" if doubling >= 10 else f"{doubling:.1f}"
        }
    else:
        message = _("A higher score does not mean a higher chance of being won.")
    return ScoreMapping(
        OK, intercept, slope, doubling, rates, reliability(predicted, outcomes), message
    )


# --------------------------------------------------------------------------- lost leads


@dataclass(frozen=True)
class LostLead:
    id: int
    name: str
    owner: str
    score: int
    probability: float | None
    closed_at: dt.datetime | None
    reason: str
    reason_source: str


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class LostHighScored:
    min_score: int
    total: int  # lost leads scored at least min_score
    leads: tuple[LostLead, ...]  # the highest of them the reader may open, at most the limit
    not_listed: int  # of the total, leads the reader may not open
    reasons: tuple[ReasonCount, ...]  # why, over all of the total


def no_reason_label() -> str:
    return _("No reason recorded")


def lost_high_scored(
    leads: Sequence[ClosedLead],
    *,
    min_score: int,
    limit: int = LOST_LIMIT,
    visible: frozenset[int] | None = None,
) -> LostHighScored:
    """The highest-scored lost leads (score ≥ ``min_score``), highest first (latest closed
    first among equal scores), with the tally of their reasons."""
    lost = [lead for lead in leads if not lead.won and lead.score >= min_score]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    lost.sort(key=lambda lead: (-lead.score, -(lead.closed_at or epoch).timestamp(), -lead.id))
    listable = [lead for lead in lost if visible is None or lead.id in visible]
    tally = Counter(lead.lost_reason.strip() or no_reason_label() for lead in lost)
    reasons = tuple(
        ReasonCount(reason, count)
        for reason, count in sorted(tally.items(), key=lambda item: (-item[1], item[0]))[
            :LOST_REASONS_SHOWN
        ]
    )
    return LostHighScored(
        min_score=min_score,
        total=len(lost),
        leads=tuple(
            LostLead(
                id=lead.id,
                name=lead.name,
                owner=lead.owner,
                score=lead.score,
                probability=lead.probability,
                closed_at=lead.closed_at,
                reason=lead.lost_reason.strip() or no_reason_label(),
                reason_source=lead.lost_reason_source if lead.lost_reason.strip() else REASON_NONE,
            )
            for lead in listable[:limit]
        ),
        not_listed=len(lost) - len(listable),
        reasons=reasons,
    )


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class ValueShare:
    key: str  # the value as grouped (case-folded); "" for not given, OTHER for the rest
    label: str
    won: int
    won_share: float
    everyone: int
    all_share: float
    difference: float  # won_share − all_share
    won_low: float | None
    won_high: float | None
    clear: bool  # the all-leads share lies outside the clients' share's 95 % interval


@dataclass(frozen=True)
class AttributeProfile:
    field: str  # "city", "attributes.budget"
    label: str
    kind: str  # "category" or "number"
    won: int
    everyone: int
    distance: float  # total variation: ½ Σ |won share − all share|, 0..1
    values: tuple[ValueShare, ...]  # largest differences first


@dataclass(frozen=True)
class ProfileLine:
    field: str
    key: str
    text: str
    won_share: float
    all_share: float


@dataclass(frozen=True)
class ClientProfile:
    status: str
    won: int
    everyone: int
    sampled_from: int | None  # all leads in the period, when ``everyone`` is a sample
    attributes: tuple[AttributeProfile, ...] = ()
    lines: tuple[ProfileLine, ...] = ()
    message: str = ""


_AS_IS = frozenset({str, int, float, type(None)})


def _plain(value: Any) -> Any:
    """An answer as one comparable value: yes/no for booleans, a list as one sorted text."""
    if type(value) in _AS_IS:  # the common case, checked first: a profile reads many rows
        return value
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(sorted(str(item).strip() for item in value if str(item).strip()))
    if isinstance(value, Mapping):  # deeper than the profile reads: one text
        return ", ".join(f"{key}: {inner}" for key, inner in sorted(value.items(), key=str))
    return value


def flat_values(
    values: Mapping[str, Any], fields: Sequence[str] = PROFILE_FIELDS
) -> dict[str, Any]:
    """A lead's profile as one level: its fields, and ``attributes.<answer>`` (an answer
    that is itself a group of answers, like a quiz's, one level down)."""
    flat = {name: values.get(name) for name in fields}
    attributes = values.get(ATTRIBUTES)
    if not isinstance(attributes, Mapping):
        return flat
    for key, value in attributes.items():
        name = ATTRIBUTES + "." + str(key)
        if type(value) in _AS_IS:
            flat[name] = value
        elif isinstance(value, Mapping):
            for inner, inner_value in value.items():
                flat[name + "." + str(inner)] = _plain(inner_value)
        else:
            flat[name] = _plain(value)
    return flat


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text_key(value: Any) -> tuple[str, str]:
    """(grouping key, label) of a categorical value: case and spaces do not make another
    value."""
    if value is None:
        return MISSING, ""
    text = " ".join(str(value).split())
    return text.casefold(), text


def _format_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.2f}".replace(",", "\u00a0")


def _number_bins(numbers: Sequence[float]) -> list[float]:
    """Quartile edges of the numbers (all leads'), duplicates dropped."""
    values = np.asarray(numbers, dtype=float)
    edges = sorted({float(np.quantile(values, q)) for q in (0.25, 0.5, 0.75)})
    return [edge for edge in edges if edge > values.min()]


def _number_key(number: float, edges: Sequence[float]) -> tuple[str, str]:
    index = sum(1 for edge in edges if number >= edge)
    low = edges[index - 1] if index > 0 else None
    high = edges[index] if index < len(edges) else None
    if low is None:
        label = f"< {_format_number(high)}" if high is not None else _("any")
    elif high is None:
        label = f"≥ {_format_number(low)}"
    else:
        label = f"{_format_number(low)} – {_format_number(high)}"
    return f"bin:{index:02d}", label


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Tally:
    won: Counter = field(default_factory=Counter)
    everyone: Counter = field(default_factory=Counter)
    labels: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, key: str, label: str, n: int, *, won: bool) -> None:
        (self.won if won else self.everyone)[key] += n
        if label:
            self.labels[key][label] += n

    def label(self, key: str) -> str:
        spellings = self.labels.get(key)
        return spellings.most_common(1)[0][0] if spellings else key


def _attribute_keys(won_rows: Sequence[dict], all_rows: Sequence[dict], min_won: int) -> list[str]:
    # counted in C (chain, Counter): a sample of 50,000 leads with dozens of answers each
    counts_all = Counter(chain.from_iterable(all_rows))
    counts_won = Counter(chain.from_iterable(won_rows))
    wanted = {
        name
        for name in set(counts_all) | set(counts_won)
        if name.startswith(ATTRIBUTES + ".")
        and (
            counts_won[name] >= min(min_won, 5) or counts_all[name] >= 0.05 * max(len(all_rows), 1)
        )
    }
    ranked = sorted(wanted, key=lambda name: (-(counts_won[name] + counts_all[name]), name))
    return sorted(ranked[:MAX_ATTRIBUTE_KEYS])


def _field_tally(
    name: str, won_rows: Sequence[dict], all_rows: Sequence[dict], value_labels: Mapping[str, str]
) -> tuple[str, _Tally]:
    """Clients and all leads per value of one field. Rows are counted by their raw value
    first (in C); each distinct value is then read once."""
    get = methodcaller("get", name)
    raw_won, raw_all = Counter(map(get, won_rows)), Counter(map(get, all_rows))
    given = {value: n for value, n in raw_all.items() if not _is_missing(value)}
    numbers = {value: _number(value) for value in given}
    numeric = bool(
        name.startswith(ATTRIBUTES + ".")
        and given
        and sum(n for value, n in given.items() if numbers[value] is not None)
        >= NUMERIC_SHARE * sum(given.values())
        and len({number for number in numbers.values() if number is not None})
        >= NUMERIC_MIN_DISTINCT
    )
    edges = (
        _number_bins(
            [
                number
                for value, n in given.items()
                if (number := numbers[value]) is not None
                for _ in range(n)
            ]
        )
        if numeric
        else []
    )
    tally = _Tally()
    for raw, won in ((raw_won, True), (raw_all, False)):
        for value, n in raw.items():
            if _is_missing(value):
                key, label = MISSING, ""
            elif numeric:
                number = _number(value)
                key, label = _number_key(number, edges) if number is not None else (OTHER, "")
            else:
                key, label = _text_key(value)
                label = value_labels.get(str(value), label)
            tally.add(key, label, n, won=won)
    return ("number" if numeric else "category"), tally


def _pool_rare(tally: _Tally) -> None:
    keys = [key for key in tally.everyone | tally.won if key not in (MISSING, OTHER)]
    keys.sort(key=lambda key: (-tally.everyone[key], -tally.won[key], key))
    rare = [
        key
        for index, key in enumerate(keys)
        if index >= MAX_VALUES or (tally.everyone[key] < RARE_ALL and tally.won[key] < RARE_WON)
    ]
    for key in rare:
        for counter in (tally.won, tally.everyone):
            if counter[key]:
                counter[OTHER] += counter.pop(key)


def _phrase(name: str, key: str, label: str, field_label: str, numeric: bool) -> str:
    question = name.split(".", 1)[1] if name.startswith(ATTRIBUTES + ".") else ""
    if key == MISSING:
        if question:
            return _("did not answer “%(question)s”") % {"question": question}
        return _("gave no %(field)s") % {"field": field_label.lower()}
    if question:
        if numeric:
            return _("answered %(value)s to “%(question)s”") % {
                "value": label,
                "question": question,
            }
        return _("answered “%(value)s” to “%(question)s”") % {"value": label, "question": question}
    if name in ("country", "region", "city"):
        return _("are in %(value)s") % {"value": label}
    if name == "channel":
        return _("came through %(value)s") % {"value": label}
    if name == "source":
        return _("came from %(value)s") % {"value": label}
    if name == "position":
        return _("gave the position “%(value)s”") % {"value": label}
    if name == "interest":
        return _("asked about “%(value)s”") % {"value": label}
    return _("have %(field)s: %(value)s") % {"field": field_label.lower(), "value": label}


def _said_once(lines: Sequence[ProfileLine]) -> list[ProfileLine]:
    """Lines whose figures repeat an earlier line's exactly say the same thing of the same
    leads (a source and its channel, a city and its region): keep the first."""
    seen: set[tuple[float, float]] = set()
    kept = []
    for line in lines:
        figures = (line.won_share, line.all_share)
        if figures not in seen:
            seen.add(figures)
            kept.append(line)
    return kept


def client_profile(
    won_values: Sequence[Mapping[str, Any]],
    all_values: Sequence[Mapping[str, Any]],
    *,
    sampled_from: int | None = None,
    field_labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[str, str]] | None = None,
    min_won: int = MIN_PROFILE_WON,
) -> ClientProfile:
    """Won leads (clients) against all leads: per field and answer, each value's share in
    both; fields ranked by total-variation distance; the clearest differences as
    sentences ("42 % of clients are in Chișinău, against 18 % of all leads.")."""
    field_labels = field_labels or {}
    value_labels = value_labels or {}
    if not won_values or not all_values:
        message = (
            _("No clients in this period: the profile needs won leads.")
            if not won_values
            else _("No leads came in during this period to compare the clients with.")
        )
        return ClientProfile(
            TOO_FEW, len(won_values), len(all_values), sampled_from, message=message
        )
    if len(won_values) < min_won:
        return ClientProfile(
            TOO_FEW,
            len(won_values),
            len(all_values),
            sampled_from,
            message=ngettext(
                "Only %(n)d client in this period: a profile needs at least %(min)d.",
                "Only %(n)d clients in this period: a profile needs at least %(min)d.",
                len(won_values),
            )
            % {"n": len(won_values), "min": min_won},
        )
    won_rows = [flat_values(values) for values in won_values]
    all_rows = [flat_values(values) for values in all_values]
    names = [*PROFILE_FIELDS, *_attribute_keys(won_rows, all_rows, min_won)]
    profiles: list[AttributeProfile] = []
    candidates: list[ProfileLine] = []
    won_total, all_total = len(won_rows), len(all_rows)
    for name in names:
        kind, tally = _field_tally(name, won_rows, all_rows, value_labels.get(name, {}))
        if len(set(tally.won) | set(tally.everyone)) < 2:
            continue  # nobody gave it, or everybody gave the same: nothing to compare
        _pool_rare(tally)
        field_label = field_labels.get(name) or (
            name.split(".", 1)[1] if name.startswith(ATTRIBUTES + ".") else name.replace("_", " ")
        )
        shares = []
        for key in set(tally.won) | set(tally.everyone):
            won_n, all_n = tally.won[key], tally.everyone[key]
            won_share, all_share = won_n / won_total, all_n / all_total
            interval = wilson_interval(won_n, won_total)
            if key == MISSING:
                label = _("(not given)")
            elif key == OTHER:
                label = _("(other)")
            else:
                label = tally.label(key)
            shares.append(
                ValueShare(
                    key=key,
                    label=label,
                    won=won_n,
                    won_share=won_share,
                    everyone=all_n,
                    all_share=all_share,
                    difference=won_share - all_share,
                    won_low=interval[0] if interval else None,
                    won_high=interval[1] if interval else None,
                    clear=bool(interval) and not (interval[0] <= all_share <= interval[1]),
                )
            )
        distance = sum(abs(share.difference) for share in shares) / 2
        shares.sort(key=lambda share: (-abs(share.difference), share.key))
        profiles.append(
            AttributeProfile(
                field=name,
                label=field_label,
                kind=kind,
                won=won_total,
                everyone=all_total,
                distance=distance,
                values=tuple(shares),
            )
        )
        for share in shares:
            big_enough = share.won >= RARE_WON or share.everyone >= RARE_ALL
            if share.clear and share.key != OTHER and big_enough:
                phrase = _phrase(name, share.key, share.label, field_label, kind == "number")
                text = _("%(won)s of clients %(phrase)s, against %(all)s of all leads.") % {
                    "won": _percent(share.won_share),
                    "phrase": phrase,
                    "all": _percent(share.all_share),
                }
                candidates.append(
                    ProfileLine(name, share.key, text, share.won_share, share.all_share)
                )
    profiles.sort(key=lambda profile: (-profile.distance, profile.field))
    candidates.sort(key=lambda line: (-abs(line.won_share - line.all_share), line.field, line.key))
    candidates = _said_once(candidates)
    message = "" if candidates else _("Clients look like all leads: no clear difference.")
    return ClientProfile(
        OK,
        won_total,
        all_total,
        sampled_from,
        tuple(profiles),
        tuple(candidates[:PROFILE_LINES]),
        message,
    )


# --------------------------------------------------------------------------- activity


@dataclass(frozen=True)
class Correlation:
    status: str
    n: int
    rho: float | None = None
    p_value: float | None = None
    message: str = ""


@dataclass(frozen=True)
class ActivityBand:
    low: int
    high: int | None  # exclusive
    label: str
    closed: int
    win_rate: Rate
    deals: int  # won leads with a deal value in the report's currency
    median: Decimal | None
    mean: Decimal | None
    total: Decimal | None


@dataclass(frozen=True)
class ActivityValue:
    currency: str
    deals: int
    other_currencies: int  # deals in other currencies, left out
    without_value: int  # won leads without a deal value
    bands: tuple[ActivityBand, ...]
    activity: Correlation
    engagement: Correlation
    message: str = ""


def spearman(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Spearman's rank correlation (ties get their average rank) and its p-value."""
    from scipy.stats import spearmanr

    n = len(x)
    if n < MIN_CORRELATION:
        return Correlation(
            TOO_FEW,
            n,
            message=ngettext(
                "Only %(n)d deal: at least %(min)d are needed to tell.",
                "Only %(n)d deals: at least %(min)d are needed to tell.",
                n,
            )
            % {"n": n, "min": MIN_CORRELATION},
        )
    if len(set(x)) < 2 or len(set(y)) < 2:
        return Correlation(CONSTANT, n, message=_("All the values are the same: nothing to rank."))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = spearmanr(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    rho, p_value = float(result.statistic), float(result.pvalue)
    return Correlation(OK, n, rho, p_value)


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _activity_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low}+"
    if high - 1 <= low:
        return str(low)
    return f"{low}–{high - 1}"


def _correlation_message(correlation: Correlation, what: str) -> str:
    if correlation.status != OK:
        return correlation.message
    values = {"rho": f"{correlation.rho:.2f}", "n": correlation.n, "what": what}
    if correlation.p_value is not None and correlation.p_value < SIGNIFICANCE:
        if correlation.rho > 0:
            return (
                _("Clients with more %(what)s bought more (ρ = %(rho)s over %(n)s deals).") % values
            )
        return _("Clients with more %(what)s bought less (ρ = %(rho)s over %(n)s deals).") % values
    return (
        _("No clear relation between %(what)s and deal value (ρ = %(rho)s over %(n)s deals).")
        % values
    )


def activity_and_value(
    leads: Sequence[ClosedLead], edges: Sequence[int] = ACTIVITY_EDGES
) -> ActivityValue:
    """Won leads' first deal value by activity band (tracked events before the lead was
    won), the win rate of each band, and Spearman's correlation of activity and of
    behaviour points with deal value. Values in one currency only: the commonest."""
    edges = sorted({edge for edge in edges if edge > 0})
    bounds = list(zip([0, *edges], [*edges, None], strict=True))
    with_value = [lead for lead in leads if lead.won and lead.deal_value is not None]
    currencies = Counter(lead.deal_currency or "" for lead in with_value)
    currency = (
        sorted(currencies.items(), key=lambda item: (-item[1], item[0]))[0][0] if currencies else ""
    )
    deals = [lead for lead in with_value if (lead.deal_currency or "") == currency]
    closed_by_band: list[list[ClosedLead]] = [[] for _bound in bounds]
    values_by_band: list[list[Decimal]] = [[] for _bound in bounds]
    for lead in leads:
        index = sum(1 for edge in edges if lead.activity >= edge)
        closed_by_band[index].append(lead)
    for lead in deals:
        index = sum(1 for edge in edges if lead.activity >= edge)
        values_by_band[index].append(Decimal(lead.deal_value))
    bands = []
    for (low, high), closed, values in zip(bounds, closed_by_band, values_by_band, strict=True):
        total = sum(values, Decimal(0)) if values else None
        bands.append(
            ActivityBand(
                low=low,
                high=high,
                label=_activity_label(low, high),
                closed=len(closed),
                win_rate=rate_of(sum(1 for lead in closed if lead.won), len(closed)),
                deals=len(values),
                median=_money(statistics.median(values)) if values else None,
                mean=_money(total / len(values)) if values else None,
                total=_money(total) if values else None,
            )
        )
    amounts = [float(lead.deal_value) for lead in deals]
    activity = spearman([lead.activity for lead in deals], amounts)
    engagement = spearman([lead.engagement for lead in deals], amounts)
    activity = Correlation(
        activity.status,
        activity.n,
        activity.rho,
        activity.p_value,
        _correlation_message(activity, _("activity")),
    )
    engagement = Correlation(
        engagement.status,
        engagement.n,
        engagement.rho,
        engagement.p_value,
        _correlation_message(engagement, _("behaviour points")),
    )
    won = sum(1 for lead in leads if lead.won)
    message = "" if deals else _("No won lead in this period has a deal value.")
    return ActivityValue(
        currency=currency,
        deals=len(deals),
        other_currencies=len(with_value) - len(deals),
        without_value=won - len(with_value),
        bands=tuple(bands),
        activity=activity,
        engagement=engagement,
        message=message,
    )


# --------------------------------------------------------------------------- rules


# what a rule check concludes
RULE_OK = "ok"
RULE_RAISE = "raise"  # more weight, in the same direction
RULE_LOWER = "lower"  # less weight, in the same direction
RULE_REMOVE = "remove"
RULE_REVERSE = "reverse"
RULE_UNPROVEN = "unproven"  # the direction looks right, not yet clearly
RULE_TOO_FEW = "too_few"
RULE_NO_OUTCOMES = "no_outcomes"
CHANGING = frozenset({RULE_RAISE, RULE_LOWER, RULE_REMOVE, RULE_REVERSE})


@dataclass(frozen=True)
class RuleCheck:
    rule_id: int
    name: str
    kind: str
    points: int
    with_rule: Rate  # won of the closed leads the rule gave points to
    without_rule: Rate  # won of the others
    lift: float | None  # with / without win rates
    log_odds: float | None  # log odds ratio, 0.5 added to each cell
    log_odds_low: float | None
    log_odds_high: float | None
    status: str
    suggested_points: int | None
    message: str

    @property
    def suggests_change(self) -> bool:
        return self.status in CHANGING


@dataclass(frozen=True)
class RuleDiagnostics:
    scale: float | None  # points per unit of log odds, the same for all rules
    checks: tuple[RuleCheck, ...]
    message: str = ""


def log_odds_ratio(
    won_with: int, lost_with: int, won_without: int, lost_without: int
) -> tuple[float, float, float]:
    """ln((a/b)/(c/d)) with 0.5 added to each cell (Haldane–Anscombe), and its 95 %
    interval from the standard error √(1/a + 1/b + 1/c + 1/d)."""
    a, b = won_with + 0.5, lost_with + 0.5
    c, d = won_without + 0.5, lost_without + 0.5
    value = math.log((a / b) / (c / d))
    half = Z95 * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return value, value - half, value + half


def suggestion_scale(pairs: Iterable[tuple[int, float]]) -> float | None:
    """Points per unit of log odds: Σ|p|·|L| / Σ L² over (points, log odds) pairs."""
    top = bottom = 0.0
    for points, log_odds in pairs:
        if points == 0 or log_odds == 0:
            continue
        top += abs(points) * abs(log_odds)
        bottom += log_odds * log_odds
    return top / bottom if bottom else None


def _signed(points: int) -> str:
    return f"{points:+d}".replace("-", "−")


def _rule_verdict(points: int, low: float, high: float, target: int) -> tuple[str, int | None]:
    """The conclusion for a rule with enough outcomes: its points, the interval of its log
    odds ratio, and the points its evidence is worth (``target``)."""
    helps, hurts = low > 0, high < 0
    if points == 0:
        return (RULE_RAISE, target) if (helps or hurts) and target else (RULE_OK, None)
    same_sign = (points > 0 and helps) or (points < 0 and hurts)
    opposite = (points > 0 and hurts) or (points < 0 and helps)
    if opposite:
        return RULE_REVERSE, (min(target, -1) if points > 0 else max(target, 1))
    size, wanted = abs(points), abs(target) if (target > 0) == (points > 0) else 0
    if not same_sign:
        # no clear sign the points are deserved: lower them to what the evidence is worth
        if wanted >= size:
            return RULE_UNPROVEN, None
        if wanted == 0:
            return RULE_REMOVE, 0
        return RULE_LOWER, int(math.copysign(wanted, points))
    if wanted >= 2 * size and wanted - size >= MIN_CHANGE:
        return RULE_RAISE, int(math.copysign(wanted, points))
    if 2 * wanted <= size and size - wanted >= MIN_CHANGE:
        return RULE_LOWER, int(math.copysign(max(wanted, 1), points))
    return RULE_OK, None


def _rule_message(
    status: str, name: str, points: int, suggested: int | None, with_rule: Rate, without: Rate
) -> str:
    rates = {
        "name": name,
        "points": _signed(points),
        "with": _percent(with_rule.rate),
        "without": _percent(without.rate),
        "n_with": with_rule.total,
        "n_without": without.total,
        "suggested": _signed(suggested) if suggested is not None else "",
    }
    if status == RULE_REVERSE and points > 0:
        return (
            _(
                "Leads given “%(name)s” win less often than the others (%(with)s against "
                "%(without)s, %(n_with)s and %(n_without)s closed leads): its points (%(points)s) "
                "push the wrong way. Make it about %(suggested)s."
            )
            % rates
        )
    if status == RULE_REVERSE:
        return (
            _(
                "Leads given “%(name)s” win more often than the others (%(with)s against "
                "%(without)s, %(n_with)s and %(n_without)s closed leads): its points (%(points)s) "
                "push the wrong way. Make it about %(suggested)s."
            )
            % rates
        )
    if status == RULE_REMOVE:
        return (
            _(
                "Leads given “%(name)s” win no more often than the others (%(with)s against "
                "%(without)s): its points (%(points)s) do not predict a sale. Remove it, or set "
                "it to 0."
            )
            % rates
            if points > 0
            else _(
                "Leads given “%(name)s” lose no more often than the others (%(with)s against "
                "%(without)s): its points (%(points)s) do not predict a loss. Remove it, or set "
                "it to 0."
            )
            % rates
        )
    if status == RULE_LOWER:
        return (
            _(
                "Leads given “%(name)s” win %(with)s of the time against %(without)s for the "
                "others: a smaller difference than its points (%(points)s) say. Make it about "
                "%(suggested)s."
            )
            % rates
        )
    if status == RULE_RAISE:
        return (
            _(
                "Leads given “%(name)s” win %(with)s of the time against %(without)s for the "
                "others: a larger difference than its points (%(points)s) say. Make it about "
                "%(suggested)s."
            )
            % rates
        )
    if status == RULE_UNPROVEN:
        return (
            _(
                "Leads given “%(name)s” win %(with)s of the time against %(without)s, not yet "
                "clearly different: keep it and look again with more outcomes."
            )
            % rates
        )
    return (
        _(
            "Leads given “%(name)s” win %(with)s of the time against %(without)s for the "
            "others: its points (%(points)s) fit the outcomes."
        )
        % rates
    )


def _too_few_message(with_rule: int, without: int, min_group: int) -> str:
    if with_rule == 0:
        return _("No closed lead got these points in this period.")
    if without == 0:
        return _("Every closed lead got these points: there is nothing to compare them with.")
    if with_rule <= without:
        return ngettext(
            "Only %(n)d closed lead got these points: too few to judge (%(min)d needed).",
            "Only %(n)d closed leads got these points: too few to judge (%(min)d needed).",
            with_rule,
        ) % {"n": with_rule, "min": min_group}
    return ngettext(
        "Only %(n)d closed lead did not get these points: too few to compare (%(min)d needed).",
        "Only %(n)d closed leads did not get these points: too few to compare (%(min)d needed).",
        without,
    ) % {"n": without, "min": min_group}


def rule_diagnostics(
    leads: Sequence[ClosedLead], rules: Sequence[RuleInfo], *, min_group: int = MIN_GROUP
) -> RuleDiagnostics:
    """For each rule: closed leads it gave points to against those it did not, and what
    their outcomes say its points should be."""
    total_won = sum(1 for lead in leads if lead.won)
    total = len(leads)
    counts = {}
    for rule in rules:
        won_with = lost_with = 0
        for lead in leads:
            if rule.id in lead.rules:
                if lead.won:
                    won_with += 1
                else:
                    lost_with += 1
        counts[rule.id] = (won_with, lost_with, total_won - won_with, total - total_won - lost_with)
    no_outcomes = not total_won or total_won == total
    evidence: dict[int, tuple[float, float, float]] = {}
    for rule in rules:
        won_with, lost_with, won_without, lost_without = counts[rule.id]
        enough = won_with + lost_with >= min_group and won_without + lost_without >= min_group
        if enough and not no_outcomes:
            evidence[rule.id] = log_odds_ratio(won_with, lost_with, won_without, lost_without)
    scale = suggestion_scale(
        (rule.points, evidence[rule.id][0]) for rule in rules if rule.id in evidence
    )
    checks = []
    for rule in rules:
        won_with, lost_with, won_without, lost_without = counts[rule.id]
        with_rule = rate_of(won_with, won_with + lost_with)
        without = rate_of(won_without, won_without + lost_without)
        lift = (
            with_rule.rate / without.rate if with_rule.rate is not None and without.rate else None
        )
        log_odds = low = high = None
        suggested = None
        if no_outcomes:
            status = RULE_NO_OUTCOMES
            message = _("Needs both won and lost leads to judge.")
        elif rule.id not in evidence:
            status = RULE_TOO_FEW
            message = _too_few_message(with_rule.total, without.total, min_group)
        else:
            log_odds, low, high = evidence[rule.id]
            target = _round((scale or 0.0) * log_odds)
            status, suggested = _rule_verdict(rule.points, low, high, target)
            message = _rule_message(status, rule.name, rule.points, suggested, with_rule, without)
        checks.append(
            RuleCheck(
                rule_id=rule.id,
                name=rule.name,
                kind=rule.kind,
                points=rule.points,
                with_rule=with_rule,
                without_rule=without,
                lift=lift,
                log_odds=log_odds,
                log_odds_low=low,
                log_odds_high=high,
                status=status,
                suggested_points=suggested,
                message=message,
            )
        )
    changing = sum(1 for check in checks if check.suggests_change)
    message = (
        ngettext(
            "%(n)d rule does not line up with outcomes.",
            "%(n)d rules do not line up with outcomes.",
            changing,
        )
        % {"n": changing}
        if changing
        else ""
    )
    return RuleDiagnostics(scale=scale, checks=tuple(checks), message=message)


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Report:
    summary: Summary
    band_mode: str
    edges: tuple[int, ...]
    bands: tuple[Band, ...]
    warm: int
    hot: int
    discrimination: tuple[Discrimination, ...]
    model: ModelInfo | None
    model_reliability: Reliability
    score_mapping: ScoreMapping
    lost: LostHighScored
    profile: ClientProfile
    activity: ActivityValue
    rules: RuleDiagnostics

    @property
    def is_empty(self) -> bool:
        return self.summary.closed == 0


def _model_figures(inputs: Inputs) -> tuple[list[Discrimination], Reliability]:
    leads = inputs.leads
    with_model = [lead for lead in leads if lead.probability is not None]
    outcomes = [lead.won for lead in with_model]
    if with_model:
        model = discrimination(
            "model", _("Predictive model"), [lead.probability for lead in with_model], outcomes
        )
    else:
        model = Discrimination(
            "model",
            _("Predictive model"),
            NO_LEADS,
            0,
            0,
            0,
            message=_("No closed lead has a predicted rate: no model has scored them yet."),
        )
    found = [model]
    if with_model and len(with_model) < len(leads):
        found.append(
            discrimination(
                "score_on_model_leads",
                _("Rule score, on the same leads as the model"),
                [lead.score for lead in with_model],
                outcomes,
            )
        )
    trained_at = inputs.model.trained_at if inputs.model else None
    if trained_at is not None and with_model:
        after = [lead for lead in with_model if lead.closed_at and lead.closed_at > trained_at]
        found.append(
            discrimination(
                "model_after_training",
                _("Predictive model, leads closed after it was trained"),
                [lead.probability for lead in after],
                [lead.won for lead in after],
            )
        )
    if not with_model and not leads:
        model_reliability = Reliability(NO_LEADS, 0, message=_("No closed leads in this period."))
    elif not with_model:
        model_reliability = Reliability(
            NO_LEADS,
            0,
            message=_("No closed lead has a predicted rate: no model has scored them yet."),
        )
    else:
        model_reliability = reliability([lead.probability for lead in with_model], outcomes)
    return found, model_reliability


def calibration_report(inputs: Inputs, options: Options = Options()) -> Report:
    """Every figure of the calibration report, from the closed leads of a period."""
    leads = inputs.leads
    scores = [lead.score for lead in leads]
    mode = options.band_mode if options.band_mode in BAND_MODES else BAND_THRESHOLDS
    if mode == BAND_CUSTOM and not options.edges:
        mode = BAND_THRESHOLDS
    edges = band_edges(mode, scores, warm=inputs.warm, hot=inputs.hot, custom=options.edges)
    names: tuple[str, ...] = ()
    if mode == BAND_THRESHOLDS and inputs.warm < inputs.hot:
        names = (_("Cold"), _("Warm"), _("Hot"))
    outcomes = [lead.won for lead in leads]
    model_figures, model_reliability = _model_figures(inputs)
    discriminations = (
        discrimination("score", _("Rule score"), scores, outcomes),
        *model_figures,
    )
    won_values = [lead.values for lead in leads if lead.won]
    min_score = options.lost_min_score if options.lost_min_score is not None else inputs.hot
    return Report(
        summary=summary_of(leads),
        band_mode=mode,
        edges=tuple(edges),
        bands=tuple(score_bands(leads, edges, names)),
        warm=inputs.warm,
        hot=inputs.hot,
        discrimination=discriminations,
        model=inputs.model,
        model_reliability=model_reliability,
        score_mapping=score_mapping(leads, (inputs.warm, inputs.hot)),
        lost=lost_high_scored(
            leads, min_score=min_score, limit=options.lost_limit, visible=inputs.visible
        ),
        profile=client_profile(
            won_values,
            inputs.population,
            sampled_from=inputs.population_total,
            field_labels=inputs.field_labels,
            value_labels=inputs.value_labels,
            min_won=options.min_profile_won,
        ),
        activity=activity_and_value(leads, options.activity_edges),
        rules=rule_diagnostics(leads, inputs.rules, min_group=options.min_group),
    )
