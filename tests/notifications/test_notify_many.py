"""notify / notify_many: the rows, the preferences, the queries, the tasks after the commit."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    Webhook,
)
from galena.notifications.services import NotificationRequest, notify, notify_many
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_stores_one_row_per_user_with_its_params(manager, colleague):
    lead = LeadFactory()

    notify(
        kind=NotificationKind.QUEUE_ALERT,
        user_ids=[manager.pk, colleague.pk],
        lead_id=lead.pk,
        params={"team": "North"},
    )

    rows = Notification.objects.order_by("user_id")
    assert [(n.user_id, n.kind, n.lead_id, n.params) for n in rows] == [
        (manager.pk, "queue_alert", lead.pk, {"team": "North"}),
        (colleague.pk, "queue_alert", lead.pk, {"team": "North"}),
    ]
    assert all(n.in_app and n.read_at is None for n in rows)


def test_inactive_users_are_skipped(manager):
    manager.is_active = False
    manager.save()

    notify(kind=NotificationKind.HOT_LEAD, user_ids=[manager.pk], lead_id=LeadFactory().pk)

    assert not Notification.objects.exists()


def test_in_app_and_e_mail_switched_off_store_nothing(manager, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(
        user=manager, kind=NotificationKind.HOT_LEAD, in_app=False, email=False
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(kind=NotificationKind.HOT_LEAD, user_ids=[manager.pk], lead_id=LeadFactory().pk)

    assert not Notification.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_e_mail_only_is_kept_out_of_the_list_but_sent(manager, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(
        user=manager, kind=NotificationKind.HOT_LEAD, in_app=False, email=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=NotificationKind.HOT_LEAD, user_ids=[manager.pk], lead_id=LeadFactory().pk)

    notification = Notification.objects.get()
    assert notification.in_app is False
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_defaults_e_mail_what_needs_acting_on(manager, django_capture_on_commit_callbacks):
    lead = LeadFactory()

    with django_capture_on_commit_callbacks(execute=True):
        notify(kind=NotificationKind.SLA_WARNING, user_ids=[manager.pk], lead_id=lead.pk)
        notify(kind=NotificationKind.SLA_BREACH, user_ids=[manager.pk], lead_id=lead.pk)

    assert {n.kind: n.email_wanted for n in Notification.objects.all()} == {
        "sla_warning": False,
        "sla_breach": True,
    }
    assert len(mail.outbox) == 1


def test_unknown_kind_is_refused(manager):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(kind="birthday", user_ids=[manager.pk])

    assert not Notification.objects.exists()


def test_the_same_request_twice_in_a_batch_is_stored_once(manager):
    lead = LeadFactory()
    request = NotificationRequest(
        kind=NotificationKind.HOT_LEAD, user_id=manager.pk, lead_id=lead.pk
    )

    notify_many([request, request])

    assert Notification.objects.count() == 1


def test_notify_many_queries_do_not_grow_with_the_batch(team, django_capture_on_commit_callbacks):
    users = [UserFactory(team=team) for _ in range(4)]
    NotificationPreference.objects.create(
        user=users[1], kind=NotificationKind.LEAD_ASSIGNED, in_app=True, email=False
    )
    Webhook.objects.create(name="CRM", url="http://127.0.0.1:9/hook")
    counts = []

    for size in (1, 40):
        requests = [
            NotificationRequest(
                kind=NotificationKind.LEAD_ASSIGNED, user_id=users[i % 4].pk, lead_id=lead.pk
            )
            for i, lead in enumerate(LeadFactory() for _ in range(size))
        ]
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            notify_many(requests)
        counts.append(len(queries))
        # one task for the batch's e-mails, one for its webhooks
        assert len(callbacks) == 2

    assert counts[0] == counts[1]
    assert Notification.objects.count() == 41


def test_who_is_told_and_how_is_kept_a_while_and_a_choice_saved_here_seen_at_once(
    manager, settings
):
    settings.NOTIFICATIONS_CONFIG_SECONDS = 60
    lead = LeadFactory()
    notify(kind=NotificationKind.HOT_LEAD, user_ids=[manager.pk], lead_id=lead.pk)

    with CaptureQueriesContext(connection) as queries:
        notify(kind=NotificationKind.LEAD_ASSIGNED, user_ids=[manager.pk], lead_id=lead.pk)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]

    NotificationPreference.objects.create(
        user=manager, kind=NotificationKind.SLA_WARNING, in_app=False, email=False
    )
    notify(kind=NotificationKind.SLA_WARNING, user_ids=[manager.pk], lead_id=lead.pk)
    manager.is_active = False
    manager.save()
    notify(kind=NotificationKind.QUEUE_ALERT, user_ids=[manager.pk], lead_id=lead.pk)
    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        "hot_lead",
        "lead_assigned",
    ]
