"""The compliance app's own personal data, declared to the privacy registry: the requests
register holds the person's e-mail, phone and what they wrote; the audit log may hold a
filter someone typed (a name, an address). After an erasure the register keeps a keyed hash
of the address and number, so the request stays on record as handled without the values."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from galena.privacy.registry import Erase, register
from galena.privacy.subjects import Subject


def _request_events(subject: Subject) -> Q | None:
    parts = []
    if subject.emails:
        parts.append(Q(request__email__in=sorted(subject.emails)))
    if subject.phones:
        parts.append(Q(request__phone__in=sorted(subject.phones)))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def _audit_entries(subject: Subject) -> Q | None:
    """Entries whose filter names one of the person's addresses or numbers."""
    condition = None
    for value in sorted(subject.emails | subject.phones):
        part = Q(params__icontains=value)
        condition = part if condition is None else condition | part
    return condition


# the events first: they are found through their request's address, which erasure hashes
register(
    "compliance.DataRequestEvent",
    category=_("Data-subject requests"),
    fields={"text": Erase.SCRUB, "params": Erase.JSON},
    find=_request_events,
    json_keep=frozenset({"how", "channel", "handler_id", "before", "after"}),
    report_fields=("request_id", "action", "occurred_at"),
)
register(
    "compliance.DataRequest",
    category=_("Data-subject requests"),
    fields={
        "email": Erase.HASH,
        "phone": Erase.HASH,
        "details": Erase.BLANK,
        "outcome": Erase.SCRUB,
        "linked": Erase.JSON,
    },
    email="email",
    phone="phone",
    report_fields=("id", "kind", "status", "received_at", "due_at", "verified_at", "closed_at"),
)
register(
    "compliance.AuditEntry",
    category=_("Audit log of bulk reads and exports"),
    fields={"params": Erase.JSON},
    find=_audit_entries,
    report_fields=("action", "object_type", "count", "occurred_at"),
)
