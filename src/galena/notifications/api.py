"""The notifications API: your notifications, the unread count, marking them read.

Only the caller's own notifications exist here: another user's id is not found (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from galena.core.api import ErrorOut, keyset_page
from galena.core.errors import NotFound
from galena.leads.api import PageQuery
from galena.notifications import presenting, selectors, services
from galena.notifications.models import Notification, NotificationKind

router = Router(tags=["notifications"])

LIST_ERRORS = {400: ErrorOut, 401: ErrorOut}
WRITE_ERRORS = {401: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class NotificationOut(Schema):
    model_config = ConfigDict(use_enum_values=True)

    id: int
    kind: NotificationKind = Field(
        description="lead_assigned, hot_lead, sla_warning, sla_breach, sla_escalated, "
        "repeat_inquiry or queue_alert."
    )
    title: str = Field(description="What happened, in the request's language.")
    details: list[str] = Field(description="The facts worth reading, one line each.")
    lead_id: int | None
    params: dict[str, Any] = Field(description="The facts as data, e.g. the rule or due time.")
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(description="When it was read; null while unread.")


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class NotificationListQuery(PageQuery):
    unread: bool = Field(False, description="Only unread notifications.")


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications were unread and are now read.")


@router.get(
    "/notifications",
    response={200: NotificationPageOut, **LIST_ERRORS},
    summary="List your notifications",
)
def list_notifications(request: HttpRequest, query: Query[NotificationListQuery]):
    """Your in-app notifications, newest first, one page at a time."""
    items, next_cursor = keyset_page(
        selectors.notifications_of(user=_user(request), unread_only=query.unread),
        ordering=("-created_at", "-id"),
        scope="notifications" + (":unread" if query.unread else ""),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": presenting.present(items), "next_cursor": next_cursor}


@router.get(
    "/notifications/unread-count",
    response={200: UnreadOut, 401: ErrorOut},
    summary="Count your unread notifications",
)
def unread_count(request: HttpRequest):
    """The number the badge shows."""
    return {"unread": selectors.unread_count(user=_user(request))}


@router.post(
    "/notifications/read",
    response={200: MarkedOut, 401: ErrorOut},
    summary="Mark all your notifications read",
)
def read_all(request: HttpRequest):
    return {"marked": services.notifications_mark_read(user=_user(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="Mark a notification read",
)
def read_one(request: HttpRequest, notification_id: int):
    """Marking one already read changes nothing and answers the same."""
    user = _user(request)
    if not Notification.objects.filter(pk=notification_id, user=user, in_app=True).exists():
        raise NotFound("You have no notification with this id.")
    services.notifications_mark_read(user=user, notification_ids=[notification_id])
    notification = selectors.notifications_of(user=user).get(pk=notification_id)
    return presenting.present([notification])[0]
