"""The calibration report's API: ``GET /api/v1/scoring/calibration?from=&to=`` — the same
figures as the page at /scoring/calibration/, for heads of sales and admins."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from galena.core.api import ErrorOut, QuerySchema
from galena.core.errors import ValidationFailed
from galena.scoring import calibration, selectors

router = Router(tags=["scoring"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


class Out(Schema):
    model_config = ConfigDict(use_enum_values=True)


class CalibrationQuery(QuerySchema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date | None = Field(
        None, alias="from", description="First day (default: `days` before `to`)."
    )
    date_to: dt.date | None = Field(None, alias="to", description="Last day (default: today).")
    days: int = Field(
        selectors.DEFAULT_DAYS,
        ge=1,
        le=selectors.MAX_PERIOD_DAYS,
        description="The period's length when `from` is not given.",
    )
    bands: str = Field(
        calibration.BAND_THRESHOLDS,
        description=(
            "Score bands: `thresholds` (cold, warm, hot), `quintiles`, `deciles` or "
            "`custom` (with `edges`)."
        ),
    )
    edges: str | None = Field(
        None, description="Custom bands: the scores where bands start, e.g. `10,25,50`."
    )
    min_score: int | None = Field(
        None, description="Lost leads listed from this score up (default: the hot threshold)."
    )
    lost_limit: int = Field(
        calibration.LOST_LIMIT,
        ge=1,
        le=1000,
        description="How many of the highest-scored lost leads to list.",
    )


class CalibrationRateOut(Out):
    successes: int
    total: int
    rate: float | None = Field(description="successes / total, 0..1; null without a total.")
    low: float | None = Field(description="Wilson 95 % interval, lower end.")
    high: float | None = Field(description="Wilson 95 % interval, upper end.")


class CalibrationSummaryOut(Out):
    closed: int
    won: int
    lost: int
    win_rate: CalibrationRateOut


class CalibrationBandOut(Out):
    low: int | None = Field(description="Lowest score in the band; null: no lower bound.")
    high: int | None = Field(description="First score above the band; null: no upper bound.")
    label: str
    name: str = Field(description="Cold, Warm or Hot for the thresholds' bands.")
    closed: int
    won: int
    lost: int
    win_rate: CalibrationRateOut
    share_of_won: float | None = Field(description="Of all won leads, the share in this band.")
    lift: float | None = Field(description="The band's win rate / the overall win rate.")


class CalibrationDiscriminationOut(Out):
    key: str = Field(description="score, model, score_on_model_leads or model_after_training.")
    label: str
    status: str = Field(description="ok, no_leads or one_class (only won or only lost).")
    closed: int
    won: int
    lost: int
    auc: float | None = Field(description="ROC AUC, 0..1 (0.5: a coin toss).")
    low: float | None = Field(description="Hanley–McNeil 95 % interval, lower end.")
    high: float | None
    message: str
    curve: list[tuple[float, float]] = Field(
        description="The ROC curve: (false positive rate, true positive rate) points."
    )


class CalibrationModelOut(Out):
    name: str
    trained_at: dt.datetime | None


class CalibrationReliabilityBinOut(Out):
    low: float
    high: float
    count: int
    mean_predicted: float
    observed: CalibrationRateOut


class CalibrationReliabilityOut(Out):
    status: str
    closed: int
    bins: list[CalibrationReliabilityBinOut]
    brier: float | None = Field(description="Mean squared error of the predicted rates.")
    calibration_error: float | None = Field(
        description="Expected calibration error: Σ bin share × |observed − predicted|."
    )
    message: str


class CalibrationScoreRateOut(Out):
    score: int
    rate: float


class CalibrationScoreMappingOut(Out):
    status: str
    intercept: float | None
    slope: float | None = Field(description="Log odds of winning per point.")
    points_to_double_odds: float | None
    rates: list[CalibrationScoreRateOut] = Field(
        description="The rate the fit gives at the thresholds."
    )
    reliability: CalibrationReliabilityOut | None
    message: str


class CalibrationLostLeadOut(Out):
    id: int
    name: str
    owner: str
    score: int
    probability: float | None
    closed_at: dt.datetime | None
    reason: str
    reason_source: str = Field(description="stage (given at rejection), quality or none.")


class CalibrationReasonCountOut(Out):
    reason: str
    count: int


class CalibrationLostOut(Out):
    min_score: int
    total: int = Field(description="Lost leads scored at least min_score.")
    leads: list[CalibrationLostLeadOut] = Field(description="The highest-scored you may open.")
    not_listed: int = Field(description="Of the total, leads of other teams.")
    reasons: list[CalibrationReasonCountOut]


class CalibrationValueShareOut(Out):
    key: str
    label: str
    won: int
    won_share: float
    everyone: int
    all_share: float
    difference: float
    won_low: float | None
    won_high: float | None
    clear: bool = Field(description="The all-leads share is outside the clients' 95 % interval.")


class CalibrationAttributeProfileOut(Out):
    field: str
    label: str
    kind: str = Field(description="category or number (binned by quartiles).")
    won: int
    everyone: int
    distance: float = Field(description="Total-variation distance, 0..1.")
    values: list[CalibrationValueShareOut]


class CalibrationProfileLineOut(Out):
    field: str
    key: str
    text: str
    won_share: float
    all_share: float


class CalibrationProfileOut(Out):
    status: str
    won: int
    everyone: int
    sampled_from: int | None
    attributes: list[CalibrationAttributeProfileOut]
    lines: list[CalibrationProfileLineOut]
    message: str


class CalibrationCorrelationOut(Out):
    status: str
    n: int
    rho: float | None = Field(description="Spearman's rank correlation.")
    p_value: float | None
    message: str


class CalibrationActivityBandOut(Out):
    low: int
    high: int | None
    label: str
    closed: int
    win_rate: CalibrationRateOut
    deals: int
    median: Decimal | None
    mean: Decimal | None
    total: Decimal | None


class CalibrationActivityOut(Out):
    currency: str
    deals: int
    other_currencies: int
    without_value: int
    bands: list[CalibrationActivityBandOut]
    activity: CalibrationCorrelationOut
    engagement: CalibrationCorrelationOut
    message: str


class CalibrationRuleCheckOut(Out):
    rule_id: int
    name: str
    kind: str
    points: int
    with_rule: CalibrationRateOut
    without_rule: CalibrationRateOut
    lift: float | None
    log_odds: float | None
    log_odds_low: float | None
    log_odds_high: float | None
    status: str = Field(
        description="ok, raise, lower, remove, reverse, unproven, too_few or no_outcomes."
    )
    suggested_points: int | None
    message: str


class CalibrationRulesOut(Out):
    scale: float | None = Field(description="Points per unit of log odds, for all rules.")
    checks: list[CalibrationRuleCheckOut]
    message: str


class CalibrationOut(Out):
    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    band_mode: str
    edges: list[int]
    warm: int
    hot: int
    summary: CalibrationSummaryOut
    bands: list[CalibrationBandOut]
    discrimination: list[CalibrationDiscriminationOut]
    model: CalibrationModelOut | None
    model_reliability: CalibrationReliabilityOut
    score_mapping: CalibrationScoreMappingOut
    lost_high_scored: CalibrationLostOut
    profile: CalibrationProfileOut
    activity: CalibrationActivityOut
    rules: CalibrationRulesOut


@router.get(
    "/scoring/calibration",
    response={200: CalibrationOut, **ERRORS},
    by_alias=True,
    summary="Scoring calibration",
)
def scoring_calibration(request: HttpRequest, query: Query[CalibrationQuery]):
    """Does the score predict who buys: win rate and count per score band, ROC AUC of the
    rule score and of the model, reliability, the lost high-scored leads and why, the
    clients' profile against all leads, activity against deal value, and per rule whether
    its points line up with outcomes (with a suggested value). Leads won or lost in the
    period. For heads of sales and admins."""
    if query.bands not in calibration.BAND_MODES:
        raise ValidationFailed({"bands": f"Use one of {', '.join(calibration.BAND_MODES)}."})
    try:
        edges = calibration.parse_edges(query.edges or "")
    except ValueError as error:
        raise ValidationFailed({"edges": str(error)}) from None
    if query.bands == calibration.BAND_CUSTOM and not edges:
        raise ValidationFailed({"edges": "Custom bands need edges, e.g. 10,25,50."})
    period = selectors.Period.of(query.date_from, query.date_to, days=query.days)
    options = calibration.Options(
        band_mode=query.bands,
        edges=edges,
        lost_min_score=query.min_score,
        lost_limit=query.lost_limit,
    )
    report = selectors.calibration_report_for(user=request.auth, period=period, options=options)
    body = dataclasses.asdict(report)
    body["lost_high_scored"] = body.pop("lost")
    mapping = body["score_mapping"]
    mapping["rates"] = [{"score": score, "rate": rate} for score, rate in mapping["rates"]]
    return {"date_from": period.start, "date_to": period.end, **body}
