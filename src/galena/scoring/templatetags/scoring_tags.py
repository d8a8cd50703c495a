"""What the lead card's score panel shows."""

from __future__ import annotations

from django import template

from galena.scoring.services import Breakdown, lead_breakdown

register = template.Library()


@register.simple_tag
def score_breakdown(lead) -> Breakdown:
    """The lead's score now: fit, engagement, the rules that gave points and when."""
    return lead_breakdown(lead)


@register.simple_tag
def score_prediction(lead):
    """The predictive model's probability for the lead with its top factors, or None."""
    from galena.scoring.training import lead_prediction

    return lead_prediction(lead)


@register.filter
def percent_points(effect: float) -> str:
    """A change of probability as signed percentage points: +12.5 pp."""
    return f"{effect * 100:+.1f} pp"


@register.filter
def as_percent(probability: float) -> str:
    """A probability as a whole percentage: 37 %."""
    return f"{probability * 100:.0f} %"
