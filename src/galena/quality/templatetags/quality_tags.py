"""Presentation helpers of the quality gate: the waiting count in the navigation and the
lead card's quality panel."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat

from galena.leads import access
from galena.leads.models import EventType, QualityStatus
from galena.quality import selectors

register = template.Library()


@register.filter
def reviews_quality(user) -> bool:
    """Heads of sales and admins release or reject quarantined leads."""
    return access.can_assign(user)


@register.filter
def percent(share: float | None) -> str:
    """A share (0..1) as a localised percentage with one decimal; a dash when unknown."""
    if share is None:
        return "—"
    return f"{floatformat(share * 100, 1)} %"


@register.simple_tag
def quality_panel(lead, user) -> dict[str, Any]:
    """What the card's quality panel shows: the reasons with labels, the last review
    decision, and whether this user may decide (two queries at most)."""
    reasons = lead.quality_reasons or []
    reviewer = access.can_assign(user)
    labels = selectors.reason_labels() if reasons or reviewer else {}
    last_decision = (
        lead.events.filter(type=EventType.QUALITY_DECIDED, actor__isnull=False)
        .select_related("actor")
        .order_by("-occurred_at", "-id")
        .first()
        if lead.quality_status != QualityStatus.UNKNOWN
        else None
    )
    own_codes = {r.get("code") for r in reasons if isinstance(r, dict)}
    return {
        "reasons": selectors.present_reasons(reasons, labels),
        "last_decision": last_decision,
        "can_release": reviewer and lead.quality_status == QualityStatus.QUARANTINED,
        "can_reject": reviewer
        and lead.quality_status in (QualityStatus.QUARANTINED, QualityStatus.ACCEPTED),
        # the lead's own reasons first: the likeliest grounds for a rejection
        "reject_reasons": sorted(
            labels.items(),
            key=lambda item: (item[0] not in own_codes, str(item[1]).casefold()),
        ),
    }
