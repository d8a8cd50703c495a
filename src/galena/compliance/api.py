"""The compliance API under /api/v1/compliance/: the request register and its steps, the audit
log (admins), the processing register (admins and heads of sales). The same rules as the
pages; every step goes through compliance.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from galena.compliance import access, register, selectors, services
from galena.compliance.models import (
    AuditAction,
    DataRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from galena.core.api import ErrorOut, keyset_page
from galena.core.errors import ValidationFailed

router = Router(tags=["compliance"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class Out(Schema):
    model_config = ConfigDict(use_enum_values=True)


class In(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class RequestEventOut(Out):
    action: str
    occurred_at: dt.datetime
    actor_id: int | None
    text: str


class RequestOut(Out):
    id: int
    kind: RequestKind
    email: str
    phone: str
    details: str
    channel: RequestChannel
    status: RequestStatus
    received_at: dt.datetime
    due_at: dt.datetime
    verified_at: dt.datetime | None
    overdue: bool = Field(description="Open and past its deadline.")
    handler_id: int | None
    outcome: str
    closed_at: dt.datetime | None
    linked: dict[str, Any]

    @staticmethod
    def resolve_overdue(item: DataRequest) -> bool:
        return item.is_overdue


class RequestDetailOut(RequestOut):
    events: list[RequestEventOut]

    @staticmethod
    def resolve_events(item: DataRequest) -> list:
        return list(item.events.all())


class RequestPageOut(Out):
    items: list[RequestOut]
    next_cursor: str | None


class RequestListQuery(Schema):
    status: str = Field(
        selectors.OPEN,
        description="open (default), overdue, closed, all, or a status: "
        + ", ".join(RequestStatus.values),
    )
    kind: RequestKind | None = None
    handler_id: int | None = None
    q: str = Field("", max_length=254, description="Part of the e-mail or phone, or the number.")
    cursor: str | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class RequestIn(In):
    kind: RequestKind
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    details: str = Field("", max_length=services.DETAILS_MAX)
    received_at: dt.datetime | None = Field(None, description="Default: now.")
    verified: bool = Field(False, description="The person's identity is already verified.")


class TextIn(In):
    text: str = Field(max_length=services.NOTE_MAX)


class CloseIn(In):
    text: str = Field(
        max_length=services.NOTE_MAX, description="The answer: what was done, or why not."
    )
    tell: bool = Field(False, description="E-mail the answer to the person's address.")


class ExtendIn(In):
    days: int = Field(ge=1, le=services.EXTENSION_MAX_DAYS)
    reason: str = Field(max_length=services.NOTE_MAX)
    tell: bool = Field(False, description="E-mail the person the new deadline and the reason.")


class FulfilOut(Out):
    summary: str
    request: RequestOut


class AuditOut(Out):
    id: int
    occurred_at: dt.datetime
    actor_id: int | None
    action: AuditAction
    object_type: str
    count: int
    params: dict[str, Any]
    ip: str | None
    path: str


class AuditPageOut(Out):
    items: list[AuditOut]
    next_cursor: str | None


class AuditListQuery(Schema):
    action: AuditAction | None = None
    actor_id: int | None = None
    object_type: str = Field("", max_length=100)
    since: dt.date | None = None
    until: dt.date | None = None
    cursor: str | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class StorageOut(Out):
    model: str
    table: str
    columns: list[str]
    files: list[str]


class CategoryOut(Out):
    name: str
    purpose: str
    retention: str
    roles: list[str]
    scope: str
    storages: list[StorageOut]


class RegisterOut(Out):
    storage_jurisdiction: str = Field(description="DATA_STORAGE_JURISDICTION; empty: not set.")
    categories: list[CategoryOut]


# --- requests -------------------------------------------------------------------------------


def _request(request_id: int) -> DataRequest:
    return get_object_or_404(DataRequest, pk=request_id)


@router.get(
    "/compliance/requests",
    response={200: RequestPageOut, **LIST_ERRORS},
    summary="List data-subject requests",
)
def list_requests(request: HttpRequest, query: Query[RequestListQuery]):
    """Requests by deadline, most pressing first (admins)."""
    access.require_handler(_user(request))
    status = "" if query.status == "all" else query.status
    allowed = {selectors.OPEN, selectors.OVERDUE, selectors.CLOSED, "", *RequestStatus.values}
    if status not in allowed:
        raise ValidationFailed({"status": "Use open, overdue, closed, all or a status."})
    filters = selectors.RequestFilters(
        status=status, kind=query.kind or "", handler_id=query.handler_id, q=query.q
    )
    items, next_cursor = keyset_page(
        selectors.request_list(filters),
        ordering=("due_at", "id"),
        scope="compliance-requests",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/compliance/requests",
    response={201: RequestDetailOut, **WRITE_ERRORS},
    summary="Register a data-subject request",
)
def create_request(request: HttpRequest, payload: RequestIn):
    """A request received by letter, call or e-mail; due COMPLIANCE_REQUEST_DAYS after it was
    received."""
    item = services.request_create(
        actor=_user(request),
        kind=payload.kind,
        email=payload.email,
        phone=payload.phone,
        details=payload.details,
        received_at=payload.received_at,
        verified=payload.verified,
        channel=RequestChannel.API,
    )
    return Status(201, item)


@router.get(
    "/compliance/requests/{request_id}",
    response={200: RequestDetailOut, **READ_ERRORS},
    summary="Get a data-subject request",
)
def get_request(request: HttpRequest, request_id: int):
    access.require_handler(_user(request))
    return _request(request_id)


@router.post(
    "/compliance/requests/{request_id}/take",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Handle a request yourself",
)
def take_request(request: HttpRequest, request_id: int):
    access.require_handler(_user(request))
    return services.request_take(actor=_user(request), data_request=_request(request_id))


@router.post(
    "/compliance/requests/{request_id}/verify",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Mark the person's identity verified",
)
def verify_request(request: HttpRequest, request_id: int, payload: TextIn):
    """``text`` says how (a call back to the number on file, a document seen)."""
    access.require_handler(_user(request))
    return services.request_mark_verified(
        actor=_user(request), data_request=_request(request_id), how=payload.text
    )


@router.post(
    "/compliance/requests/{request_id}/notes",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Add a note to a request",
)
def note_request(request: HttpRequest, request_id: int, payload: TextIn):
    access.require_handler(_user(request))
    item = _request(request_id)
    services.request_note(actor=_user(request), data_request=item, text=payload.text)
    return item


@router.post(
    "/compliance/requests/{request_id}/extend",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Extend a request's deadline",
)
def extend_request(request: HttpRequest, request_id: int, payload: ExtendIn):
    access.require_handler(_user(request))
    return services.request_extend(
        actor=_user(request),
        data_request=_request(request_id),
        days=payload.days,
        reason=payload.reason,
        tell=payload.tell,
    )


@router.post(
    "/compliance/requests/{request_id}/fulfil",
    response={200: FulfilOut, **WRITE_ERRORS},
    summary="Carry a request out",
)
def fulfil_request(request: HttpRequest, request_id: int):
    """Access report, erasure, restriction or consent withdrawal, for a verified request."""
    access.require_handler(_user(request))
    item = _request(request_id)
    result = services.request_fulfil(actor=_user(request), data_request=item)
    item.refresh_from_db()
    return {"summary": result.summary, "request": item}


@router.post(
    "/compliance/requests/{request_id}/done",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Close a request as done",
)
def complete_request(request: HttpRequest, request_id: int, payload: CloseIn):
    access.require_handler(_user(request))
    return services.request_complete(
        actor=_user(request),
        data_request=_request(request_id),
        outcome=payload.text,
        tell=payload.tell,
    )


@router.post(
    "/compliance/requests/{request_id}/refuse",
    response={200: RequestDetailOut, **WRITE_ERRORS},
    summary="Refuse a request",
)
def refuse_request(request: HttpRequest, request_id: int, payload: CloseIn):
    access.require_handler(_user(request))
    return services.request_refuse(
        actor=_user(request),
        data_request=_request(request_id),
        reason=payload.text,
        tell=payload.tell,
    )


# --- audit and register --------------------------------------------------------------------


@router.get(
    "/compliance/audit", response={200: AuditPageOut, **LIST_ERRORS}, summary="List audit entries"
)
def list_audit(request: HttpRequest, query: Query[AuditListQuery]):
    """Who exported or read personal data in bulk, newest first (admins)."""
    access.require_audit(_user(request))
    filters = selectors.AuditFilters(
        action=query.action or "",
        actor_id=query.actor_id,
        object_type=query.object_type,
        since=query.since,
        until=query.until,
    )
    items, next_cursor = keyset_page(
        selectors.audit_list(filters),
        ordering=("-occurred_at", "-id"),
        scope="compliance-audit",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/compliance/register",
    response={200: RegisterOut, **READ_ERRORS},
    summary="The processing register",
)
def get_register(request: HttpRequest):
    """Each category of personal data: where stored, purpose, retention, who may see it; and
    the deployment's storage jurisdiction (admins and heads of sales)."""
    access.require_register(_user(request))
    categories = [
        {
            "name": str(category.name),
            "purpose": str(category.purpose),
            "retention": str(category.retention),
            "roles": category.roles,
            "scope": str(category.scope),
            "storages": [storage.__dict__ for storage in category.storages],
        }
        for category in register.processing_register()
    ]
    return {
        "storage_jurisdiction": settings.DATA_STORAGE_JURISDICTION,
        "categories": categories,
    }
