"""Reads for the compliance pages and API: the request register and the audit log, filtered,
with their people joined (no N+1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from galena.compliance.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AuditEntry,
    DataRequest,
)

# the register's status filter: a status, or one of these groups
OPEN = "open"
OVERDUE = "overdue"
CLOSED = "closed"


@dataclass(frozen=True)
class RequestFilters:
    status: str = OPEN  # a RequestStatus, OPEN, OVERDUE, CLOSED or "" (all)
    kind: str = ""
    handler_id: int | None = None
    q: str = ""  # part of the e-mail or phone, or the request's number


def request_list(filters: RequestFilters) -> QuerySet[DataRequest]:
    """Requests by deadline (the most pressing first), their handler joined."""
    requests = DataRequest.objects.select_related("handler")
    now = timezone.now()
    if filters.status == OPEN:
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif filters.status == OVERDUE:
        requests = requests.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    elif filters.status == CLOSED:
        requests = requests.filter(status__in=CLOSED_STATUSES)
    elif filters.status:
        requests = requests.filter(status=filters.status)
    if filters.kind:
        requests = requests.filter(kind=filters.kind)
    if filters.handler_id:
        requests = requests.filter(handler_id=filters.handler_id)
    q = filters.q.strip()
    if q:
        match = Q(email__icontains=q.lower()) | Q(phone__contains=q.replace(" ", ""))
        if q.lstrip("#").isdigit():
            match |= Q(pk=int(q.lstrip("#")))
        requests = requests.filter(match)
    return requests.order_by("due_at", "pk")


def overdue_count() -> int:
    return DataRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now()).count()


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor_id: int | None = None
    object_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def audit_list(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, their actor joined."""
    entries = AuditEntry.objects.select_related("actor")
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor_id:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    zone = timezone.get_current_timezone()
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=zone)
        entries = entries.filter(occurred_at__gte=start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        entries = entries.filter(occurred_at__lt=end)
    return entries.order_by("-occurred_at", "-pk")


def audit_object_types() -> list[str]:
    return list(
        AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
