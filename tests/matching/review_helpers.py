"""Possible-duplicate pairs for the review queue's tests, stored as matching stores them."""

from __future__ import annotations

from typing import Any

from galena.matching.models import DuplicateCandidate

EXPLANATION: dict[str, Any] = {
    "prior_weight": -5.61,
    "match_weight": 4.09,
    "probability": 0.9446,
    "household": False,
    "swapped_names": False,
    "fields": [
        {"comparison": "first_name", "level": "nickname", "weight": 3.64},
        {"comparison": "last_name", "level": "exact", "weight": 3.74},
        {"comparison": "email_local", "level": "exact", "weight": 6.32},
        {"comparison": "phone", "level": "different", "weight": -3.04},
    ],
}


def pair_of(newer, older, *, probability: float = 0.9446, found_by: str = "batch", **fields):
    """An open pair: ``newer`` must have the higher id (the model's ordered-pair rule)."""
    explanation = fields.pop("explanation", EXPLANATION)
    return DuplicateCandidate.objects.create(
        lead=newer,
        other=older,
        probability=probability,
        weight=explanation.get("match_weight", 0.0),
        explanation=explanation,
        found_by=found_by,
        **fields,
    )
