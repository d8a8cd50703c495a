"""What the lead card's merge panel shows besides the lead's own fields."""

from __future__ import annotations

from typing import Any

from django import template

from galena.leads import access
from galena.matching import selectors

register = template.Library()


@register.simple_tag
def merge_panel(lead, user) -> dict[str, Any]:
    """The merges this lead survived, the merge that merged it (for a merged lead), and
    whether this user may merge and undo (heads of sales and admins)."""
    merges = selectors.card_merges(lead=lead)
    may_merge = access.can_assign(user)
    return {
        "survived": merges.survived,
        "merged_by": merges.merged_by,
        "may_merge": may_merge,
        "can_merge_more": may_merge and lead.merged_into_id is None,
    }
