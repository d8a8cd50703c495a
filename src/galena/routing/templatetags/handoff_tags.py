"""The lead card's hand-off panel: a telemarketer passes a qualified lead to sales."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth import get_user_model

from galena.accounts.models import Role
from galena.accounts.roles import role_of
from galena.leads import access
from galena.leads.models import StageKind

register = template.Library()

# who takes leads handed off by telemarketers
SALES_ROLES = (Role.SALES_MANAGER, Role.HEAD_OF_SALES)


def hand_off_candidates(exclude_id: int | None = None):
    """Active sales managers and heads of sales, by team and name."""
    users = get_user_model().objects.filter(is_active=True, profile__role__in=SALES_ROLES)
    if exclude_id is not None:
        users = users.exclude(pk=exclude_id)
    return users.select_related("profile__team").order_by(
        "profile__team__name", "first_name", "last_name", "username"
    )


def can_hand_off(user, lead) -> bool:
    """A qualified, open lead owned by a telemarketer: its owner or a head of sales may pass
    it to sales."""
    owner = lead.owner
    if owner is None or lead.qualified_at is None or lead.stage.kind != StageKind.OPEN:
        return False
    if role_of(owner) != Role.TELEMARKETER:
        return False
    return owner.pk == user.pk or access.can_assign(user)


@register.simple_tag
def hand_off_panel(lead, user) -> dict[str, Any]:
    """What the panel shows: the form when the user may hand the lead off, and who had the
    lead before a hand-off."""
    show_form = can_hand_off(user, lead)
    return {
        "show_form": show_form,
        "candidates": list(hand_off_candidates(lead.owner_id)) if show_form else [],
        "original_owner": lead.original_owner if lead.original_owner_id else None,
    }
