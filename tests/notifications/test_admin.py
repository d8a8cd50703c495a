"""The admin: webhooks (URL checked, secret shown, a test event), the delivery log
(read-only, retried on demand), preferences."""

import pytest
from django.urls import reverse

from galena.notifications.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.notifications.conftest import failed_delivery

pytestmark = pytest.mark.django_db


def test_a_webhook_is_added_with_a_generated_secret(admin_client, receiver):
    response = admin_client.post(
        reverse("admin:notifications_webhook_add"),
        {
            "name": "CRM",
            "url": receiver.url,
            "kinds": ["hot_lead", "sla_breach"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert webhook.kinds == ["hot_lead", "sla_breach"]
    assert webhook.secret.startswith("whsec_") and len(webhook.secret) > 40
    page = admin_client.get(reverse("admin:notifications_webhook_change", args=[webhook.pk]))
    assert webhook.secret in page.content.decode()


def test_a_webhook_url_that_is_not_http_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:notifications_webhook_add"),
        {"name": "CRM", "url": "ftp://example.com/x", "is_active": "on"},
    )

    assert response.status_code == 200
    assert not Webhook.objects.exists()


def test_in_production_a_private_address_is_refused(admin_client, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False

    response = admin_client.post(
        reverse("admin:notifications_webhook_add"),
        {"name": "CRM", "url": "http://127.0.0.1:9000/hook", "is_active": "on"},
    )

    assert "inside the network" in response.content.decode()
    assert not Webhook.objects.exists()


def test_send_test_posts_a_test_event_and_says_how_it_went(admin_client, receiver):
    webhook = Webhook.objects.create(name="CRM", url=receiver.url)

    response = admin_client.post(
        reverse("admin:notifications_webhook_changelist"),
        {"action": "send_test", "_selected_action": [webhook.pk]},
        follow=True,
    )

    assert "CRM answered 200." in response.content.decode()
    assert receiver.json()["event"] == "test"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_the_delivery_log_is_read_only_and_retries_on_demand(
    admin_client, receiver, django_capture_on_commit_callbacks
):
    webhook = Webhook.objects.create(name="CRM", url=receiver.url)
    delivery = failed_delivery(webhook)
    listing = admin_client.get(
        reverse("admin:notifications_webhookdelivery_changelist") + "?status__exact=failed"
    )
    assert listing.status_code == 200
    assert reverse("admin:notifications_webhookdelivery_add") not in listing.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:notifications_webhookdelivery_changelist"),
            {"action": "retry_now", "_selected_action": [delivery.pk]},
        )

    delivery.refresh_from_db()
    # without a broker the retry ran at once
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


def test_the_admin_lists_notifications_and_preferences(admin_client):
    for name in ("notification", "notificationpreference", "webhook", "webhookdelivery"):
        response = admin_client.get(reverse(f"admin:notifications_{name}_changelist"))
        assert response.status_code == 200
