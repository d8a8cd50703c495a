"""Who may do what with compliance: admins and the data protection officer handle requests
and read the audit log; they and heads of sales read the processing register (it describes
the processing, it holds no one's data). Pure lookups."""

from __future__ import annotations

from django.utils.translation import gettext as _

from galena.accounts.models import Role
from galena.accounts.roles import PERSONAL_DATA_ROLES, role_of
from galena.core.errors import PermissionDenied

HANDLER_ROLES = PERSONAL_DATA_ROLES
AUDIT_ROLES = PERSONAL_DATA_ROLES
REGISTER_ROLES = PERSONAL_DATA_ROLES | {Role.HEAD_OF_SALES}


def can_handle_requests(user) -> bool:
    return role_of(user) in HANDLER_ROLES


def can_read_audit(user) -> bool:
    return role_of(user) in AUDIT_ROLES


def can_read_register(user) -> bool:
    return role_of(user) in REGISTER_ROLES


def require_handler(user) -> None:
    """Refuse (403) anyone who may not handle data-subject requests."""
    if not can_handle_requests(user):
        raise PermissionDenied(
            _("Only admins and the data protection officer handle data-subject requests.")
        )


def require_audit(user) -> None:
    if not can_read_audit(user):
        raise PermissionDenied(
            _("Only admins and the data protection officer can read the audit log.")
        )


def require_register(user) -> None:
    if not can_read_register(user):
        raise PermissionDenied(
            _(
                "Only admins, the data protection officer and heads of sales can read the "
                "processing register."
            )
        )
