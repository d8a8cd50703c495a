"""The JSON API of a lead's score: the breakdown (which rule gave how many points, when,
and what they are worth now), the temperature's reason, and the model's probability with
its factors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from galena.leads import access
from galena.scoring.services import lead_breakdown
from galena.scoring.training import lead_prediction

router = Router(tags=["scoring"])


class ScoreLineOut(Schema):
    rule: str
    group: str
    points: float
    worth_now: float
    at: dt.datetime | None


class FactorOut(Schema):
    factor: str
    value: Any = None
    effect: float  # on the probability of becoming a client, -1…1


class PredictionOut(Schema):
    probability: float
    up: list[FactorOut]
    down: list[FactorOut]
    model_id: int | None
    algorithm: str


class LeadScoreOut(Schema):
    lead_id: int
    score: int
    temperature: str
    temperature_reason: str
    temperature_set_by_hand: bool
    fit: float
    engagement: float
    total: float
    lines: list[ScoreLineOut]
    prediction: PredictionOut | None


def _factors(factors) -> list[dict[str, Any]]:
    return [{"factor": f.label, "value": f.value, "effect": f.effect} for f in factors]


@router.get(
    "/leads/{lead_id}/score",
    response=LeadScoreOut,
    summary="A lead's score breakdown and predicted chance",
)
def lead_score(request: HttpRequest, lead_id: int):
    """The rule score now (fit and engagement, every rule's points and when they were given,
    decayed to now), why the lead has its temperature, and the predictive model's
    probability with the factors pushing it up and down (null before a model is trained)."""
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    breakdown = lead_breakdown(lead)
    prediction = lead_prediction(lead)
    return {
        "lead_id": lead.pk,
        "score": lead.score,
        "temperature": lead.temperature,
        "temperature_reason": breakdown.verdict.reason if breakdown.verdict else "",
        "temperature_set_by_hand": breakdown.by_hand,
        "fit": round(breakdown.fit, 2),
        "engagement": round(breakdown.engagement, 2),
        "total": round(breakdown.total, 2),
        "lines": [
            {
                "rule": line.name,
                "group": line.group,
                "points": line.points,
                "worth_now": round(line.now, 2),
                "at": line.at,
            }
            for line in breakdown.lines
        ],
        "prediction": None
        if prediction is None
        else {
            "probability": round(prediction.probability, 4),
            "up": _factors(prediction.up),
            "down": _factors(prediction.down),
            "model_id": prediction.model.pk if prediction.model else None,
            "algorithm": prediction.model.algorithm if prediction.model else "",
        },
    }
