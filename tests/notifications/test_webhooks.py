"""Outgoing webhooks against a real local HTTP server: signed, once per event, retried
with backoff, logged."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.utils import timezone

from galena.core.errors import ValidationFailed
from galena.notifications import webhooks
from galena.notifications.models import (
    NotificationKind,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)
from galena.notifications.services import NotificationRequest, notify, notify_many
from galena.notifications.tasks import notifications_sweep
from tests.factories import LeadFactory
from tests.notifications.conftest import failed_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(receiver):
    return Webhook.objects.create(name="CRM", url=receiver.url)


@pytest.fixture
def lead(manager):
    return LeadFactory(owner=manager, team=manager.profile.team)


def test_an_event_told_to_two_people_is_one_signed_post(
    webhook, receiver, lead, manager, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            kind=NotificationKind.QUEUE_ALERT,
            user_ids=[manager.pk, colleague.pk],
            lead_id=lead.pk,
            params={"team": "North"},
        )

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    headers = sent["headers"]
    assert sent["path"] == "/hooks/galena"
    assert headers["X-Galena-Event"] == "queue_alert"
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Galena-Delivery"] == str(delivery.pk)
    signed = f"{headers['X-Galena-Timestamp']}.".encode() + sent["body"]
    expected = hmac.new(webhook.secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Galena-Signature"] == f"sha256={expected}"
    assert webhooks.signature_valid(
        secret=webhook.secret,
        timestamp=headers["X-Galena-Timestamp"],
        body=sent["body"],
        header=headers["X-Galena-Signature"],
    )
    payload = receiver.json()
    assert payload["event"] == "queue_alert"
    assert payload["lead_id"] == lead.pk
    assert payload["lead"]["display_name"] == lead.display_name
    assert payload["lead"]["url"].endswith(f"/leads/{lead.pk}/")
    assert payload["recipient_user_ids"] == sorted([manager.pk, colleague.pk])
    assert payload["params"] == {"team": "North"}
    assert payload == delivery.payload
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


def test_a_signature_from_another_secret_or_an_old_timestamp_is_refused(webhook):
    body = b'{"event":"hot_lead"}'
    now = int(time.time())
    header = webhooks.signature(secret=webhook.secret, timestamp=now, body=body)

    assert not webhooks.signature_valid(
        secret="whsec_other", timestamp=str(now), body=body, header=header
    )
    old = now - 3600
    old_header = webhooks.signature(secret=webhook.secret, timestamp=old, body=body)
    assert not webhooks.signature_valid(
        secret=webhook.secret, timestamp=str(old), body=body, header=old_header
    )


def test_the_event_is_sent_whatever_the_recipients_preferences(
    webhook, receiver, lead, manager, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=manager, kind=NotificationKind.HOT_LEAD, in_app=False, email=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=NotificationKind.HOT_LEAD, user_ids=[manager.pk], lead_id=lead.pk)

    assert receiver.json()["event"] == "hot_lead"


def test_only_subscribed_kinds_and_active_webhooks_get_events(
    receiver, lead, manager, django_capture_on_commit_callbacks
):
    Webhook.objects.create(name="SLA only", url=receiver.url, kinds=["sla_breach"])
    Webhook.objects.create(name="Off", url=receiver.url, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify_many(
            [
                NotificationRequest(kind="hot_lead", user_id=manager.pk, lead_id=lead.pk),
                NotificationRequest(kind="sla_breach", user_id=manager.pk, lead_id=lead.pk),
            ]
        )

    assert [r["headers"]["X-Galena-Event"] for r in receiver.requests] == ["sla_breach"]
    assert WebhookDelivery.objects.get().webhook.name == "SLA only"


def test_one_task_sends_the_whole_batch(
    webhook, receiver, manager, django_capture_on_commit_callbacks
):
    leads = [LeadFactory(owner=manager) for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_many(
            NotificationRequest(kind="lead_assigned", user_id=manager.pk, lead_id=lead.pk)
            for lead in leads
        )
    for callback in callbacks:
        callback()

    assert len(callbacks) == 2  # one task for the e-mails, one for the webhooks
    assert (
        sorted(r["headers"]["X-Galena-Event"] for r in receiver.requests) == ["lead_assigned"] * 3
    )
    assert WebhookDelivery.objects.filter(status="delivered").count() == 3


def test_http_500_is_retried_after_a_minute_then_five(
    webhook, receiver, lead, manager, django_capture_on_commit_callbacks
):
    receiver.status = 500

    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.response_code == 500
    assert delivery.error == "HTTP 500: boom"
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 59 <= wait <= 61

    # not due yet: a task that runs early sends nothing
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 299 <= wait <= 301


def test_a_retry_is_queued_with_the_backoff_as_countdown(
    webhook, receiver, lead, manager, monkeypatch, django_capture_on_commit_callbacks
):
    from galena.notifications import tasks

    receiver.status = 503
    queued = []
    monkeypatch.setattr(
        tasks.webhook_delivery_send,
        "apply_async",
        lambda args, countdown: queued.append((args, countdown)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)

    assert queued == [((WebhookDelivery.objects.get().pk,), 60)]


def test_after_the_last_retry_the_delivery_has_failed(webhook, receiver, lead, manager, settings):
    receiver.status = 500
    notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)
    delivery = WebhookDelivery.objects.get()
    waits = []

    for _attempt in range(6):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhooks.delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(
                round((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
            )

    assert waits == [60, 300, 1800, 7200, 43200]
    assert delivery.status == "failed"
    assert delivery.attempts == 6
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 6


def test_a_timeout_is_a_failed_attempt(webhook, receiver, lead, manager, settings):
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.2
    receiver.delay = 1.0

    notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)
    delivery = WebhookDelivery.objects.get()
    status = webhooks.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert status == "pending"
    assert delivery.response_code is None
    assert "timed out" in delivery.error.lower()
    assert delivery.next_attempt_at > timezone.now()


def test_a_refused_connection_is_a_failed_attempt(refused_url, lead, manager):
    Webhook.objects.create(name="Down", url=refused_url)

    notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)
    delivery = WebhookDelivery.objects.get()
    webhooks.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.error.startswith("ConnectionRefusedError")
    assert delivery.attempts == 1


def test_the_sweep_sends_due_retries_a_lost_task_left(webhook, receiver, lead, manager):
    notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)  # no commit: no task
    later = WebhookDelivery.objects.create(
        webhook=webhook,
        kind="hot_lead",
        payload={"event": "hot_lead"},
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5),
    )

    outcome = notifications_sweep()

    assert outcome["delivered"] == 1
    assert len(receiver.requests) == 1
    later.refresh_from_db()
    assert later.status == "pending"
    assert later.attempts == 0


def test_a_delivered_event_is_not_sent_again(webhook, receiver, lead, manager):
    notify(kind="hot_lead", user_ids=[manager.pk], lead_id=lead.pk)
    delivery = WebhookDelivery.objects.get()

    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1


def test_retry_now_gives_a_failed_delivery_one_more_attempt(webhook, receiver):
    delivery = failed_delivery(webhook)

    assert webhooks.deliveries_retry_now(delivery_ids=[delivery.pk]) == 1
    webhooks.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.attempts == 7
    assert delivery.error == ""


def test_a_switched_off_webhook_fails_its_pending_deliveries(webhook, receiver):
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, kind="hot_lead", payload={}, next_attempt_at=timezone.now()
    )
    webhook.is_active = False
    webhook.save()

    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "failed"
    assert receiver.requests == []


def test_test_event_reports_how_it_went(webhook, receiver):
    delivery = webhooks.webhook_test_send(webhook=webhook)

    assert delivery.status == "delivered"
    assert receiver.json()["event"] == "test"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "http://"]
)
def test_urls_that_are_not_http_are_refused(url):
    with pytest.raises(ValidationFailed):
        webhooks.webhook_url_check(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_in_production_addresses_inside_the_network_are_refused(url, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False

    with pytest.raises(ValidationFailed, match="inside the network"):
        webhooks.webhook_url_check(url)


def test_in_production_a_private_address_is_not_called_even_if_stored(webhook, receiver, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, kind="hot_lead", payload={}, next_attempt_at=timezone.now()
    )

    webhooks.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert "inside the network" in delivery.error
    assert receiver.requests == []


def test_the_body_is_the_stored_payload_as_json(webhook, receiver):
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        kind="hot_lead",
        payload={"event": "hot_lead", "params": {"rule": "Hot → East"}},
        next_attempt_at=timezone.now(),
    )

    webhooks.delivery_attempt(delivery_id=delivery.pk)

    assert json.loads(receiver.requests[0]["body"]) == delivery.payload
    assert receiver.requests[0]["headers"]["Content-Type"] == "application/json"
