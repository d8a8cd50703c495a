"""What the lead card's possible-duplicates panel shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat

from galena.matching import review

register = template.Library()


@register.simple_tag
def duplicates_panel(lead, user) -> dict[str, Any]:
    """The lead's open possible duplicates the user may see, most probable first (each with
    ``other_lead``), and whether this user decides on them (one query)."""
    return {
        "pairs": review.lead_duplicates(user=user, lead=lead),
        "may_review": review.is_reviewer(user),
    }


@register.filter
def reviews_duplicates(user) -> bool:
    """Heads of sales and admins review possible duplicates."""
    return review.is_reviewer(user)


@register.filter
def likelihood(probability: float) -> str:
    """A match probability as a localised percentage with one decimal; below 1, never shown
    as "100 %" (a pair still waiting for review is not certain)."""
    percent = round(probability * 100, 1)
    if probability < 1:
        percent = min(percent, 99.9)
    return f"{floatformat(percent, 1)} %"
