"""Which leads a user may see and change. Every page, API call and export goes through here.

- admin: every lead;
- head of sales: the leads of their team, and their own;
- sales manager, telemarketer: their own leads and the unassigned leads of their team;
- marketer: no leads (sources, campaigns and reports only).
"""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from galena.accounts.models import Role
from galena.accounts.roles import role_of, team_id_of
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.leads.models import Lead


def _visible_conditions(user) -> tuple[Q, ...] | None:
    """What the user's role allows, as the conditions of its parts (their own leads, their
    team's), or None for no access at all."""
    role = role_of(user)
    if role == Role.ADMIN:
        return (Q(),)
    team_id = team_id_of(user)
    if role == Role.HEAD_OF_SALES:
        return (Q(owner=user), Q(team_id=team_id)) if team_id else (Q(owner=user),)
    if role in (Role.SALES_MANAGER, Role.TELEMARKETER):
        own = Q(owner=user)
        return (own, Q(owner__isnull=True, team_id=team_id)) if team_id else (own,)
    return None


def visible_leads_filter(user) -> Q | None:
    """The condition on Lead that the user's role allows, or None for no access at all."""
    conditions = _visible_conditions(user)
    if conditions is None:
        return None
    return reduce(operator.or_, conditions)


def leads_visible_parts(user) -> list[QuerySet[Lead]]:
    """``leads_visible_to(user)`` as disjoint querysets whose union it is ("mine", "my
    team's other leads"): each alone is an ordered walk of an index that stops after a
    page or a bounded count, where their OR makes PostgreSQL read and sort every lead of
    both first."""
    conditions = _visible_conditions(user)
    if conditions is None:
        raise PermissionDenied("Your role does not give access to leads.")
    parts, before = [], Q()
    for condition in conditions:
        part = condition & ~before if before else condition
        parts.append(Lead.objects.filter(part, merged_into__isnull=True))
        before |= condition
    return parts


def require_lead_access(user) -> None:
    """Refuse users whose role does not work on leads (marketers, users without a role)."""
    if visible_leads_filter(user) is None:
        raise PermissionDenied("Your role does not give access to leads.")


def leads_visible_to(user, *, include_merged: bool = False) -> QuerySet[Lead]:
    """The leads the user may see. A lead merged into another is in no list, count or
    search: it is left out unless ``include_merged`` (its card stays reachable)."""
    condition = visible_leads_filter(user)
    if condition is None:
        raise PermissionDenied("Your role does not give access to leads.")
    leads = Lead.objects.filter(condition)
    return leads if include_merged else leads.filter(merged_into__isnull=True)


def lead_get_for(*, user, lead_id: int, for_update: bool = False) -> Lead:
    """The lead if the user may see it; otherwise NotFound, so existence is not revealed.
    A lead merged into another can be read but not changed (``for_update``)."""
    queryset = leads_visible_to(user, include_merged=True)
    if for_update:
        queryset = queryset.select_for_update()
    lead = queryset.filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("No lead with this id, or it is not yours to see.")
    if for_update and lead.merged_into_id is not None:
        raise ValidationFailed(
            {
                "lead": f"This lead was merged into lead #{lead.merged_into_id}: "
                "make changes there (or undo the merge)."
            }
        )
    return lead


def can_assign(user) -> bool:
    """Heads of sales and admins route leads to others; others may only take leads."""
    return role_of(user) in (Role.ADMIN, Role.HEAD_OF_SALES)


def assignable_owners(user) -> QuerySet:
    """Users the given user may make owners of a lead."""
    users = get_user_model().objects.filter(is_active=True).select_related("profile")
    role = role_of(user)
    working = Q(profile__role__in=[Role.HEAD_OF_SALES, Role.SALES_MANAGER, Role.TELEMARKETER])
    if role == Role.ADMIN:
        return users.filter(working | Q(is_superuser=True)).order_by("username")
    if role == Role.HEAD_OF_SALES:
        team_id = team_id_of(user)
        return users.filter(working, profile__team_id=team_id).order_by("username")
    if role in (Role.SALES_MANAGER, Role.TELEMARKETER):
        return users.filter(pk=user.pk)
    return users.none()
