"""Notification e-mails: plain text, in the recipient's language, each sent once."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.test import override_settings

from galena.notifications.emails import notifications_email_send
from galena.notifications.models import Notification, NotificationKind
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def wanted(user, kind=NotificationKind.LEAD_ASSIGNED, **fields):
    lead = fields.pop("lead", None) or LeadFactory(
        display_name="Ana Marin", company_name="Solaris", interest="Heat pump"
    )
    return Notification.objects.create(user=user, kind=kind, lead=lead, email_wanted=True, **fields)


@override_settings(SITE_URL="https://crm.example.com")
def test_the_e_mail_names_the_lead_and_links_to_its_card(manager):
    notification = wanted(manager, params={"reason": "speaks Finnish"})

    assert notifications_email_send(notification_ids=[notification.pk]) == 1

    [message] = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == "Ana Marin is now yours"
    assert "Company: Solaris" in message.body
    assert "Interest: Heat pump" in message.body
    assert "Reason: speaks Finnish" in message.body
    assert f"https://crm.example.com/leads/{notification.lead_id}/" in message.body
    assert "https://crm.example.com/notifications/settings/" in message.body
    assert message.content_subtype == "plain"


def test_each_notification_is_e_mailed_once(manager):
    notification = wanted(manager)

    notifications_email_send(notification_ids=[notification.pk])
    notifications_email_send(notification_ids=[notification.pk, notification.pk])

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_recipients_working_language_is_used(manager):
    manager.profile.languages = ["ro", "en"]
    manager.profile.save()
    notification = wanted(manager, NotificationKind.HOT_LEAD)

    notifications_email_send(notification_ids=[notification.pk])

    assert mail.outbox[0].subject == "Ana Marin este fierbinte"


def test_a_language_the_site_does_not_speak_falls_back_to_the_default(manager):
    manager.profile.languages = ["de"]
    manager.profile.save()
    notification = wanted(manager, NotificationKind.HOT_LEAD)

    notifications_email_send(notification_ids=[notification.pk])

    assert mail.outbox[0].subject == "Ana Marin is hot"


def test_nothing_is_sent_to_an_inactive_user_or_one_without_an_address(manager, colleague):
    manager.is_active = False
    manager.save()
    colleague.email = ""
    colleague.save()
    ids = [wanted(manager).pk, wanted(colleague).pk]

    assert notifications_email_send(notification_ids=ids) == 0
    assert mail.outbox == []


def test_a_notification_not_wanted_by_e_mail_is_not_sent(manager):
    notification = Notification.objects.create(
        user=manager, kind=NotificationKind.SLA_WARNING, lead=LeadFactory()
    )

    assert notifications_email_send(notification_ids=[notification.pk]) == 0


def test_the_sweep_sends_e_mails_whose_task_was_lost(manager):
    import datetime as dt

    from django.utils import timezone

    from galena.notifications.tasks import notifications_sweep

    moment = timezone.now()
    lost = wanted(manager, created_at=moment - dt.timedelta(minutes=10))
    wanted(manager, created_at=moment - dt.timedelta(days=2))  # no longer news
    wanted(manager, created_at=moment)  # its task is on its way

    assert notifications_sweep()["emailed"] == 1
    lost.refresh_from_db()
    assert lost.emailed_at is not None


def test_a_batch_is_sent_with_a_fixed_number_of_queries(manager, django_assert_max_num_queries):
    ids = [wanted(manager).pk for _ in range(20)]

    with django_assert_max_num_queries(4):  # lock and read, stamp (plus the savepoint)
        assert notifications_email_send(notification_ids=ids) == 20

    assert len(mail.outbox) == 20
    assert not Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).exists()


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses one address (an SMTP error is an OSError)."""

    refused = "refused@example.com"

    def send_messages(self, messages):
        if any(self.refused in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"no such user")})
        return super().send_messages(messages)


@override_settings(EMAIL_BACKEND="tests.notifications.test_emails.RefusingBackend")
def test_a_refused_message_keeps_the_ones_sent_and_the_retry_sends_the_rest(manager, colleague):
    colleague.email = RefusingBackend.refused
    colleague.save()
    first, refused, last = wanted(manager), wanted(colleague), wanted(manager)

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        notifications_email_send(notification_ids=[first.pk, refused.pk, last.pk])

    assert [m.to for m in mail.outbox] == [[manager.email]]
    stamped = set(
        Notification.objects.filter(emailed_at__isnull=False).values_list("pk", flat=True)
    )
    assert stamped == {first.pk}

    colleague.email = "colleague@example.com"
    colleague.save()
    assert notifications_email_send(notification_ids=[first.pk, refused.pk, last.pk]) == 2
    assert len(mail.outbox) == 3
