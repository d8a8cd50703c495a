"""The lines of matching's events on the lead card's timeline (``settings.TIMELINE_PRESENTERS``,
called by the leads app, which knows nothing of matching's comparisons)."""

from __future__ import annotations

from galena.leads.models import Channel, LeadEvent
from galena.matching.review import explanation_of

# How many comparisons a repeat inquiry's line names: those that counted most.
STRONGEST_SHOWN = 4


def present_repeat_inquiries(events: list[LeadEvent]) -> None:
    """Give each repeat inquiry its line: the channel in words, the probability and the
    comparisons that counted most with their weights (no query)."""
    for index, event in enumerate(events):
        params = event.params or {}
        channel = params.get("channel")
        probability = params.get("probability")
        explained = explanation_of(params.get("explanation"))
        strongest = sorted(explained.fields, key=lambda item: -abs(item.weight))
        event.template = "matching/_timeline_repeat_inquiry.html"
        event.first_of_type = index == 0  # links the stylesheet once
        event.channel_label = Channel(channel).label if channel in Channel.values else ""
        event.probability = (
            probability
            if isinstance(probability, int | float) and not isinstance(probability, bool)
            else None
        )
        event.explained = explained
        event.strongest = strongest[:STRONGEST_SHOWN]
        event.more_count = len(strongest[STRONGEST_SHOWN:])
