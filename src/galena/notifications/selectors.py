"""Reads of the notifications app: a user's list, their unread count, their choices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from galena.notifications.models import Notification, NotificationKind, NotificationPreference


def notifications_of(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first, with their leads' names."""
    notifications = (
        Notification.objects.filter(user=user, in_app=True)
        .select_related("lead")
        .only(
            "id",
            "kind",
            "params",
            "created_at",
            "read_at",
            "lead_id",
            "lead__display_name",
            "lead__company_name",
            "user_id",
        )
        .order_by("-created_at", "-id")
    )
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def unread_count(*, user) -> int:
    """The badge: one count over the unread partial index."""
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


@dataclass(frozen=True)
class Preference:
    kind: str
    label: str
    in_app: bool
    email: bool


def preferences_of(*, user) -> list[Preference]:
    """The user's choice for every kind, defaults where they have not chosen."""
    chosen = {
        kind: (in_app, email)
        for kind, in_app, email in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "in_app", "email"
        )
    }
    return [
        Preference(
            kind.value,
            str(kind.label),
            *chosen.get(kind.value, NotificationPreference.default_for(kind.value)),
        )
        for kind in NotificationKind
    ]
