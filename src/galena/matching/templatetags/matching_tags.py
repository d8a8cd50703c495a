"""What the lead card's merge panel and a merged lead's banner show besides the lead's own
fields."""

from __future__ import annotations

from typing import Any

from django import template

from galena.leads import access
from galena.matching import selectors

register = template.Library()


@register.simple_tag
def merge_panel(lead, user) -> dict[str, Any]:
    """The merges this lead survived, and whether this user may merge and undo (heads of
    sales and admins)."""
    may_merge = access.can_assign(user)
    return {
        "survived": selectors.card_merges(lead=lead).survived,
        "may_merge": may_merge,
        "can_merge_more": may_merge and lead.merged_into_id is None,
    }


@register.simple_tag
def merged_banner(lead, user) -> dict[str, Any]:
    """For a merged lead: the merge that merged it, and whether this user may undo it."""
    return {
        "merged_by": selectors.lead_merged_by(lead=lead),
        "may_merge": access.can_assign(user),
    }
