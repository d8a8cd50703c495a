"""Two workers at once, on PostgreSQL: a notification is e-mailed once, a delivery is
POSTed once."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from galena.notifications import webhooks
from galena.notifications.emails import notifications_email_send
from galena.notifications.models import Notification, NotificationKind, Webhook, WebhookDelivery
from tests.factories import LeadFactory


def twice_at_once(work):
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_e_mail_tasks_at_once_send_one_e_mail(manager):
    notification = Notification.objects.create(
        user=manager, kind=NotificationKind.HOT_LEAD, lead=LeadFactory(), email_wanted=True
    )

    twice_at_once(lambda: notifications_email_send(notification_ids=[notification.pk]))

    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_post_a_delivery_once(receiver):
    webhook = Webhook.objects.create(name="CRM", url=receiver.url)
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, kind="hot_lead", payload={}, next_attempt_at=timezone.now()
    )

    twice_at_once(lambda: webhooks.delivery_attempt(delivery_id=delivery.pk))

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
