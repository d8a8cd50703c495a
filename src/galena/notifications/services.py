"""Every write of the notifications app. ``notify_many`` is what other apps call: inside
their transaction it stores the in-app rows with one INSERT (at the end of the caller's
``updates_deferred`` block, if any), records one webhook delivery per event and subscribed
webhook, and after the commit queues one task for the batch's e-mails and one for its
webhooks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from galena.core.bulk import insert_many, insert_soon, instance_factory
from galena.core.memo import Memo
from galena.leads.models import EventType, Lead, LeadEvent, Temperature
from galena.notifications.emails import emails_wake
from galena.notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)


@dataclass(frozen=True)
class NotificationRequest:
    """Tell ``user_id`` that ``kind`` happened (to ``lead_id``); ``params`` are JSON-able
    facts the text is rendered from, e.g. {"rule": "Hot → East", "due_at": iso}."""

    kind: str
    user_id: int
    lead_id: int | None = None
    params: dict = field(default_factory=dict)


@dataclass
class _Event:
    """What webhooks hear: one per (kind, lead, params), whoever it was told to."""

    kind: str
    lead_id: int | None
    params: dict
    recipient_ids: list[int] = field(default_factory=list)


def notify(
    *,
    kind: str,
    user_ids: Iterable[int],
    lead_id: int | None = None,
    params: dict | None = None,
) -> None:
    """Tell these users that ``kind`` happened (to ``lead_id``); see notify_many."""
    notify_many(
        NotificationRequest(kind=kind, user_id=user_id, lead_id=lead_id, params=params or {})
        for user_id in user_ids
    )


def notify_many(requests: Iterable[NotificationRequest]) -> None:
    """Store the notifications of a batch in the caller's transaction, respecting each
    user's preferences and skipping inactive users; e-mails and webhooks are sent by tasks
    queued after the commit. A fixed number of queries, whatever the batch's size."""
    requests = _unique(requests)
    if not requests:
        return
    valid_kinds = set(NotificationKind.values)
    for request in requests:
        if request.kind not in valid_kinds:
            raise ValueError(f"Unknown notification kind {request.kind!r}.")
    now = timezone.now()
    recipients = recipients_of(request.user_id for request in requests)
    emails = {user_id: recipient.email for user_id, recipient in recipients.items()}
    choices = {
        (user_id, kind): choice
        for user_id, recipient in recipients.items()
        for kind, choice in recipient.choices.items()
    }
    rows = []
    events: dict[tuple, _Event] = {}
    new_notification = instance_factory(Notification)
    for request in requests:
        if request.user_id not in emails:
            continue
        key = (request.kind, request.lead_id, _params_key(request.params))
        event = events.setdefault(key, _Event(request.kind, request.lead_id, dict(request.params)))
        event.recipient_ids.append(request.user_id)
        in_app, email = choices.get(
            (request.user_id, request.kind), NotificationPreference.default_for(request.kind)
        )
        email = email and bool(emails[request.user_id])
        if in_app or email:
            rows.append(
                new_notification(
                    user_id=request.user_id,
                    kind=request.kind,
                    lead_id=request.lead_id,
                    params=request.params,
                    in_app=in_app,
                    email_wanted=email,
                    created_at=now,
                )
            )
    # with the caller's other held writes (routing's owner, event and clock: one statement
    # for a lone lead); the keys are there by the commit
    insert_soon(Notification, rows)
    if any(row.email_wanted for row in rows):
        transaction.on_commit(emails_wake)
    deliveries = _deliveries_record(list(events.values()), now)
    if deliveries:
        from galena.notifications.tasks import webhook_deliveries_send

        delivery_ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: webhook_deliveries_send.delay(delivery_ids))


# Who may be told and how (active users' addresses and choices) and the active webhooks, kept
# NOTIFICATIONS_CONFIG_SECONDS in this process (core.memo): a lone submission's notices then
# cost one INSERT. NotificationsConfig.ready forgets them when one is saved here.
kept = Memo()


@dataclass(frozen=True)
class Recipient:
    email: str
    choices: dict[str, tuple[bool, bool]]  # kind -> (in-app, e-mail), where the user chose


def _recipients_load(user_ids: list[int]) -> dict[int, Recipient]:
    emails = dict(
        get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email")
    )
    choices: dict[int, dict[str, tuple[bool, bool]]] = {user_id: {} for user_id in emails}
    for user_id, kind, in_app, email in NotificationPreference.objects.filter(
        user_id__in=emails
    ).values_list("user_id", "kind", "in_app", "email"):
        choices[user_id][kind] = (in_app, email)
    return {user_id: Recipient(email, choices[user_id]) for user_id, email in emails.items()}


def recipients_of(user_ids: Iterable[int]) -> dict[int, Recipient]:
    """The active ones among these users, with their e-mail address and their choices."""
    found = kept.get_many(
        (("recipient", pk) for pk in user_ids),
        lambda keys: {
            ("recipient", pk): r for pk, r in _recipients_load([k[1] for k in keys]).items()
        },
        seconds=settings.NOTIFICATIONS_CONFIG_SECONDS,
    )
    return {key[1]: recipient for key, recipient in found.items() if recipient is not None}


def _unique(requests: Iterable[NotificationRequest]) -> list[NotificationRequest]:
    seen: set[tuple] = set()
    unique = []
    for request in requests:
        key = (request.kind, request.user_id, request.lead_id, _params_key(request.params))
        if key not in seen:
            seen.add(key)
            unique.append(request)
    return unique


def _params_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


# --- webhooks ---------------------------------------------------------------------------


# The lead's fields a webhook event carries (its summary); the rest is one GET away.
LEAD_SUMMARY_FIELDS = (
    "id",
    "display_name",
    "company_name",
    "interest",
    "temperature",
    "score",
    "stage__code",
    "owner_id",
    "team_id",
    "channel",
    "created_at",
)


def _deliveries_record(events: list[_Event], now) -> list[WebhookDelivery]:
    """One pending delivery per event and active webhook that wants its kind."""
    if not events:
        return []
    webhooks = kept.get(
        "webhooks",
        lambda: list(Webhook.objects.filter(is_active=True).only("pk", "kinds")),
        seconds=settings.NOTIFICATIONS_CONFIG_SECONDS,
    )
    webhooks_by_kind = {
        kind: [w for w in webhooks if w.wants(kind)] for kind in {e.kind for e in events}
    }
    wanted = [event for event in events if webhooks_by_kind[event.kind]]
    if not wanted:
        return []
    leads = leads_summary({e.lead_id for e in wanted if e.lead_id is not None})
    deliveries = []
    new_delivery = instance_factory(WebhookDelivery, next_attempt_at=now)
    for event in wanted:
        payload = event_payload(
            kind=event.kind,
            occurred_at=now,
            lead=leads.get(event.lead_id) if event.lead_id is not None else None,
            lead_id=event.lead_id,
            recipient_ids=event.recipient_ids,
            params=event.params,
        )
        deliveries.extend(
            new_delivery(webhook_id=webhook.pk, kind=event.kind, payload=payload, created_at=now)
            for webhook in webhooks_by_kind[event.kind]
        )
    return insert_many(WebhookDelivery, deliveries)


def leads_summary(lead_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each lead's summary for a webhook event, by id, in one query."""
    lead_ids = set(lead_ids)
    if not lead_ids:
        return {}
    summaries = {}
    for row in Lead.objects.filter(pk__in=lead_ids).values(*LEAD_SUMMARY_FIELDS):
        row["stage"] = row.pop("stage__code")
        row["created_at"] = row["created_at"].isoformat()
        summaries[row["id"]] = row
    return summaries


def event_payload(
    *,
    kind: str,
    occurred_at,
    lead: dict[str, Any] | None,
    lead_id: int | None,
    recipient_ids: list[int],
    params: dict,
) -> dict[str, Any]:
    """The JSON body a webhook receives for one event."""
    from django.conf import settings

    if lead is not None:
        lead = {**lead, "url": f"{settings.SITE_URL}/leads/{lead['id']}/"}
    return {
        "id": str(uuid.uuid4()),
        "event": kind,
        "occurred_at": occurred_at.isoformat(),
        "lead_id": lead_id,
        "lead": lead,
        "recipient_user_ids": sorted(recipient_ids),
        "params": params,
    }


# --- hooks the earlier apps call -----------------------------------------------------------


def leads_assigned_notify(*, events: Iterable[LeadEvent]) -> None:
    """settings.LEAD_ASSIGNED_HOOKS: tell each new owner (unless they took the lead
    themselves) that the lead is theirs, and that it is hot when it is."""
    requests = []
    for event in events:
        if event.type != EventType.ASSIGNED:
            continue
        owner_id = event.params.get("to")
        if owner_id is None or owner_id == event.actor_id:
            continue
        params = {"reason": event.params["reason"]} if event.params.get("reason") else {}
        requests.append(
            NotificationRequest(
                kind=NotificationKind.LEAD_ASSIGNED,
                user_id=owner_id,
                lead_id=event.lead_id,
                params=params,
            )
        )
        if event.lead.temperature == Temperature.HOT:
            requests.append(
                NotificationRequest(
                    kind=NotificationKind.HOT_LEAD, user_id=owner_id, lead_id=event.lead_id
                )
            )
    notify_many(requests)


# --- the reader's writes --------------------------------------------------------------------


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read: these ones, or all when None; another
    user's ids are ignored. Returns how many changed."""
    unread = Notification.objects.filter(user=user, in_app=True, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_set(*, user, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store the user's (in-app, e-mail) choice for each kind given."""
    valid_kinds = set(NotificationKind.values)
    unknown = set(choices) - valid_kinds
    if unknown:
        raise ValueError(f"Unknown notification kinds: {sorted(unknown)}.")
    now = timezone.now()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=user, kind=kind, in_app=in_app, email=email, created_at=now, updated_at=now
            )
            for kind, (in_app, email) in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["in_app", "email", "updated_at"],
    )
