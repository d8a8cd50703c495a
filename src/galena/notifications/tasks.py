"""Sending notifications: thin tasks that take ids, idempotent, queued after the commit."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from galena.notifications import emails, webhooks
from galena.notifications.models import Notification


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notifications_email(notification_ids: list[int]) -> int:
    """E-mail a batch of notifications; each at most once however often this runs."""
    return emails.notifications_email_send(notification_ids=notification_ids)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notifications_email_waiting() -> int:
    """E-mail every notification waiting for its e-mail (queued once per wake-up, see
    notifications.emails.emails_wake)."""
    return emails.notifications_email_waiting()


@shared_task(acks_late=True)
def webhook_deliveries_send(delivery_ids: list[int]) -> dict[str, int]:
    """Attempt each of these deliveries that is due; failures are retried with backoff."""
    outcome: dict[str, int] = {}
    for delivery_id in delivery_ids:
        status = webhooks.delivery_attempt(delivery_id=delivery_id) or "skipped"
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


@shared_task(acks_late=True)
def webhook_delivery_send(delivery_id: int) -> str:
    """One delivery's retry, queued with its backoff as countdown."""
    return webhooks.delivery_attempt(delivery_id=delivery_id) or "skipped"


@shared_task
def notifications_sweep() -> dict[str, int]:
    """Periodic: deliveries whose retry is due and e-mails whose task was lost are sent
    (a lost task is not a lost notification)."""
    deliveries = webhook_deliveries_send(webhooks.deliveries_due())
    now = timezone.now()
    # e-mails older than a few minutes whose task never ran; a day old, no longer news
    waiting = list(
        Notification.objects.filter(
            email_wanted=True,
            emailed_at__isnull=True,
            created_at__lt=now - dt.timedelta(minutes=5),
            created_at__gte=now - dt.timedelta(days=emails.EMAIL_NEWS_DAYS),
        ).values_list("pk", flat=True)[:1000]
    )
    emailed = emails.notifications_email_send(notification_ids=waiting) if waiting else 0
    return {**deliveries, "emailed": emailed}
