"""Notification e-mails: plain text, in the recipient's language, each sent once."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.test import override_settings

from galena.accounts.models import Role
from galena.notifications.emails import notifications_email_send
from galena.notifications.models import Notification, NotificationKind
from tests.factories import LeadFactory, UserFactory

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


def test_a_batch_is_sent_with_a_fixed_number_of_queries(
    manager, colleague, django_assert_max_num_queries
):
    ids = [wanted(user).pk for _ in range(10) for user in (manager, colleague)]

    with django_assert_max_num_queries(4):  # lock and read, stamp (plus the savepoint)
        assert notifications_email_send(notification_ids=ids) == 20

    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, colleague.email])
    assert not Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).exists()


@override_settings(SITE_URL="https://crm.example.com")
def test_several_notices_to_one_person_at_once_are_one_e_mail(manager, colleague):
    """A burst of leads for one seller is one e-mail listing them, not an inbox flood (and
    one message to build instead of many: ~2–4 ms each in Python's email package)."""
    ana = wanted(manager, lead=LeadFactory(display_name="Ana Marin", company_name="Solaris"))
    ion = wanted(manager, NotificationKind.HOT_LEAD, lead=LeadFactory(display_name="Ion Pop"))
    eva = wanted(manager, lead=LeadFactory(display_name="Eva Lungu"), params={"rule": "Web"})
    theirs = wanted(colleague)

    assert notifications_email_send(notification_ids=[ana.pk, ion.pk, eva.pk, theirs.pk]) == 4

    mine = next(m for m in mail.outbox if m.to == [manager.email])
    assert len(mail.outbox) == 2
    assert mine.subject == "Ana Marin is now yours and 2 more notifications"
    assert mine.body.index("Ana Marin is now yours") < mine.body.index("Ion Pop is hot")
    assert mine.body.index("Ion Pop is hot") < mine.body.index("Eva Lungu is now yours")
    assert "Company: Solaris" in mine.body and "Rule: Web" in mine.body
    for notification in (ana, ion, eva):
        assert f"https://crm.example.com/leads/{notification.lead_id}/" in mine.body
    assert mine.body.count("/notifications/settings/") == 1
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_combined_e_mail_speaks_the_recipients_language(manager):
    manager.profile.languages = ["ro"]
    manager.profile.save()
    ids = [wanted(manager, NotificationKind.HOT_LEAD).pk for _ in range(3)]

    notifications_email_send(notification_ids=ids)

    assert mail.outbox[0].subject == "Ana Marin este fierbinte și încă 2 notificări"


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
    third = UserFactory(username="third", role=Role.SALES_MANAGER)
    first, refused, last = wanted(manager), wanted(colleague), wanted(third)

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


def test_the_waiting_e_mails_go_out_together_each_once(manager, colleague):
    import datetime as dt

    from django.utils import timezone

    from galena.notifications.emails import notifications_email_waiting

    moment = timezone.now()
    # three batches' notifications (the e-mails of two of them not sent yet)
    first = [wanted(manager), wanted(colleague)]
    second = [wanted(manager), wanted(manager)]
    sent = wanted(colleague, emailed_at=moment)
    stale = wanted(manager, created_at=moment - dt.timedelta(days=2))  # no longer news
    unwanted = Notification.objects.create(
        user=manager, kind=NotificationKind.LEAD_ASSIGNED, lead=first[0].lead
    )

    assert notifications_email_waiting(batch=2) == 4  # in batches of two, oldest first

    # one e-mail per person per batch: the first batch's two, then the manager's two in one
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [manager.email, colleague.email, manager.email]
    )
    assert not Notification.objects.filter(
        pk__in=[n.pk for n in first + second], emailed_at__isnull=True
    ).exists()
    for untouched in (stale, unwanted):
        untouched.refresh_from_db()
        assert untouched.emailed_at is None
    sent.refresh_from_db()
    assert sent.emailed_at == moment
    assert notifications_email_waiting() == 0  # again: nothing more
    assert len(mail.outbox) == 3


def test_the_wake_up_queues_one_task_until_it_runs(manager, monkeypatch):
    from django.core.cache import cache

    from galena.notifications import emails
    from galena.notifications.tasks import notifications_email_waiting

    cache.delete(emails.EMAIL_KEY)
    queued = []
    monkeypatch.setattr(notifications_email_waiting, "apply_async", lambda **kw: queued.append(kw))
    emails.emails_wake()
    emails.emails_wake()  # a second batch's commit while the task waits: nothing more
    assert len(queued) == 1
    assert queued[0]["countdown"] == pytest.approx(1.0)

    wanted(manager)
    assert emails.notifications_email_waiting() == 1  # the task: it takes the key away first
    emails.emails_wake()  # a notification committed after it looked: queued again
    assert len(queued) == 2
    cache.delete(emails.EMAIL_KEY)
