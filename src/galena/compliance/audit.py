"""The audit log of personal data read or exported in bulk: one call where it happens.

    from galena.compliance import audit
    audit.record(actor=request.user, action=audit.BULK_EXPORT, object_type="leads.Lead",
                 count=len(ids), params={"query": query}, request=request)

It is written in the caller's transaction (an export that fails after it leaves no entry
only if the caller rolls back); entries are never changed or removed through Galena.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from galena.compliance.models import AuditAction, AuditEntry

BULK_EXPORT = AuditAction.BULK_EXPORT
BULK_VIEW = AuditAction.BULK_VIEW
SUBJECT_EXPORT = AuditAction.SUBJECT_EXPORT
ERASURE = AuditAction.ERASURE
RESTRICTION = AuditAction.RESTRICTION
CONSENT_WITHDRAWAL = AuditAction.CONSENT_WITHDRAWAL

PARAM_TEXT_MAX = 2000  # a filter's text kept in an entry, at most


def _address(request: HttpRequest) -> str | None:
    from galena.intake.api import client_address

    return client_address(request)


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if isinstance(value, str) and len(value) > PARAM_TEXT_MAX:
            value = value[:PARAM_TEXT_MAX] + "…"
        elif not isinstance(value, str | int | float | bool | list | dict | type(None)):
            value = str(value)
        cleaned[str(name)] = value
    return cleaned


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    count: int,
    params: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` on ``count`` rows of ``object_type`` (the filter
    or parameters used in ``params``); the client address and path come from ``request``."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    path = ""
    if request is not None:
        ip = ip or _address(request)
        path = request.get_full_path()[:300]
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        object_type=object_type,
        count=max(0, int(count)),
        params=_clean(params),
        ip=ip or None,
        path=path,
    )
