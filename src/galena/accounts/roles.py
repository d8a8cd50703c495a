"""Who a user is in the sales organisation. Pure lookups, no writes."""

from __future__ import annotations

from galena.accounts.models import Role

LEAD_WORKING_ROLES = frozenset(
    {Role.ADMIN, Role.HEAD_OF_SALES, Role.SALES_MANAGER, Role.TELEMARKETER}
)
ASSIGNING_ROLES = frozenset({Role.ADMIN, Role.HEAD_OF_SALES})
MARKETING_ROLES = frozenset({Role.ADMIN, Role.HEAD_OF_SALES, Role.MARKETER})
# who answers people about their data: access reports, erasure, requests, register, audit
PERSONAL_DATA_ROLES = frozenset({Role.ADMIN, Role.DATA_PROTECTION_OFFICER})


def role_of(user) -> Role | None:
    """The user's role; superusers are admins, anonymous users have none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    return Role(profile.role)


def team_id_of(user) -> int | None:
    profile = getattr(user, "profile", None)
    return profile.team_id if profile is not None else None


def can_work_leads(user) -> bool:
    return role_of(user) in LEAD_WORKING_ROLES


def handles_personal_data(user) -> bool:
    """Access reports, erasure, data-subject requests, the register and the audit log."""
    return role_of(user) in PERSONAL_DATA_ROLES


def can_see_marketing(user) -> bool:
    """Sources, campaigns, spend and channel reports."""
    return role_of(user) in MARKETING_ROLES
