from __future__ import annotations

from django import template
from django.utils import timezone

from galena.nurture import selectors
from galena.nurture.models import Sequence

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def is_past(moment) -> bool:
    return bool(moment) and moment <= timezone.now()


@register.simple_tag
def nurture_panel(lead):
    """The card panel's facts: the lead's nurture, farewell and consent."""
    return selectors.card_nurture(lead)


@register.simple_tag
def nurture_sequences():
    """Active sequences, for the card's "enrol" menu."""
    return list(Sequence.objects.filter(is_active=True).only("pk", "name", "audience"))
