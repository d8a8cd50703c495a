"""Recording that someone read or exported personal data in bulk, callable from any app.

Apps early on the lead's road (leads, intake) cannot import the compliance app that keeps
the audit log, so they call ``record(...)`` here and the recorders named in
``settings.AUDIT_RECORDERS`` store it (``galena.compliance.audit.record`` by default), the way
the stage hooks are named in settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

BULK_EXPORT = "bulk_export"
BULK_VIEW = "bulk_view"


@cache
def _recorder(path: str):
    return import_string(path)


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    count: int,
    params: Mapping[str, Any] | None = None,
    request: Any = None,
) -> None:
    """Record that ``actor`` did ``action`` (``bulk_export``, ``bulk_view``…) on ``count`` rows
    of ``object_type`` (``"leads.Lead"``), with the filter or parameters used."""
    for path in getattr(settings, "AUDIT_RECORDERS", ()):
        _recorder(path)(
            actor=actor,
            action=action,
            object_type=object_type,
            count=count,
            params=params,
            request=request,
        )


def record_bulk_view(
    *, request: Any, object_type: str, count: int, params: Mapping[str, Any] | None = None
) -> None:
    """Record that the request's user was shown ``count`` rows of personal data in one list
    (a page of the lead list or board, a page of the API's list): every such page with at
    least ``settings.AUDIT_BULK_VIEW_MIN_ROWS`` rows (1 by default: every page that shows
    anyone) is an entry, so paging through the leads fifty at a time is on record too."""
    if count < getattr(settings, "AUDIT_BULK_VIEW_MIN_ROWS", 1):
        return
    record(
        actor=getattr(request, "user", None),
        action=BULK_VIEW,
        object_type=object_type,
        count=count,
        params=params,
        request=request,
    )
