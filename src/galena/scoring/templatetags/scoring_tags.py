"""What the lead card's score panel shows."""

from __future__ import annotations

from django import template

from galena.scoring.services import Breakdown, lead_breakdown

register = template.Library()


@register.simple_tag
def score_breakdown(lead) -> Breakdown:
    """The lead's score now: fit, engagement, the rules that gave points and when."""
    return lead_breakdown(lead)
