"""E-mailing notifications: plain text in the recipient's language, each once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from galena.core.planner import planner_settings
from galena.notifications import presenting
from galena.notifications.models import Notification


def language_of(user) -> str:
    """The first of the user's working languages the site speaks, else the default."""
    available = {code for code, _name in settings.LANGUAGES}
    profile = getattr(user, "profile", None)
    for code in getattr(profile, "languages", None) or []:
        code = str(code).lower()
        if code in available:
            return code
    return settings.LANGUAGE_CODE


# E-mails are sent a moment after their notifications, several batches' at once: under load
# the intake worker stores notifications a few times a second, and one e-mail task per
# batch took a share of the worker's time its batches then waited for (the capture
# benchmark's notices, p99 at 200/s: 71–75 ms without e-mails, 115–342 ms with a task a
# batch). A wake-up queues the task only when none is queued (``cache.add`` on a short-lived
# key); the task deletes the key before it looks, so a notification committed while it runs
# is either seen by it or queues the next one (as intake.batching's drain).
EMAIL_KEY = "galena:notifications:emails-queued"
EMAIL_BATCH = 500
# a day old, no longer news (here and in the periodic sweep)
EMAIL_NEWS_DAYS = 1
# the literals of the partial index ``notification_email_due``: as parameters, a kept
# (generic) plan could not use it
_WAITING = RawSQL(
    "notifications_notification.email_wanted AND notifications_notification.emailed_at IS NULL",
    (),
    output_field=BooleanField(),
)


def emails_wake() -> None:
    """After the commit that stored notifications wanting an e-mail: queue the e-mail task
    unless one is queued (in-process without a broker: it runs at once)."""
    from galena.notifications.tasks import notifications_email_waiting

    if cache.add(EMAIL_KEY, 1, timeout=settings.NOTIFICATIONS_EMAIL_KEY_SECONDS):
        notifications_email_waiting.apply_async(
            countdown=settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS
        )


def notifications_email_waiting(*, batch: int = EMAIL_BATCH) -> int:
    """E-mail every notification waiting for its e-mail (at most a day old), oldest first,
    ``batch`` at a time; returns how many were sent."""
    total = 0
    while True:
        cache.delete(EMAIL_KEY)  # before looking: see EMAIL_KEY
        since = timezone.now() - dt.timedelta(days=EMAIL_NEWS_DAYS)
        waiting = (
            Notification.objects.filter(_WAITING, created_at__gte=since)
            .order_by("created_at")
            .values_list("pk", flat=True)
        )
        # an index scan marks the entries of e-mails already sent dead; a bitmap scan would
        # visit each of them again until a vacuum (as the intake worker's claim)
        with transaction.atomic(), planner_settings(enable_bitmapscan="off"):
            ids = list(waiting[:batch])
        if not ids:
            return total
        total += notifications_email_send(notification_ids=ids)
        if len(ids) < batch:
            return total


def notifications_email_send(*, notification_ids: Iterable[int]) -> int:
    """E-mail each of these notifications that wants it and was not e-mailed yet; returns
    how many. One transaction and one mail connection for the batch: the rows are locked,
    sent as one e-mail per person and stamped together, so a task run twice (or two at
    once) sends nothing twice. When sending fails, the ones already sent are stamped and the
    error is raised for the task to retry the rest."""
    ids = sorted(set(notification_ids))
    if not ids:
        return 0
    failure: Exception | None = None
    with transaction.atomic():
        notifications = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("user__profile", "lead")
            .filter(
                pk__in=ids,
                email_wanted=True,
                emailed_at__isnull=True,
                user__is_active=True,
            )
            .exclude(user__email="")
            .order_by("pk")
        )
        if not notifications:
            return 0
        by_user: dict[int, list[Notification]] = {}
        for notification in notifications:
            by_user.setdefault(notification.user_id, []).append(notification)
        sent: list[int] = []
        with get_connection() as connection:
            for group in by_user.values():
                try:
                    connection.send_messages([_message(group)])
                except Exception as error:  # the mail server refused: keep what was sent
                    failure = error
                    break
                sent.extend(notification.pk for notification in group)
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    if failure is not None:
        raise failure
    return len(sent)


def _message(notifications: list[Notification]) -> EmailMessage:
    """One person's e-mail: a notification's, or, when several for them come in one batch
    (a burst of leads), one listing them all in order: one message, not an inbox flood."""
    user = notifications[0].user
    with translation.override(language_of(user)):
        titles = [_title(notification) for notification in notifications]
        subject = titles[0]
        if len(titles) > 1:
            subject = ngettext(
                "%(first)s and %(count)d more notification",
                "%(first)s and %(count)d more notifications",
                len(titles) - 1,
            ) % {"first": titles[0], "count": len(titles) - 1}
        lines: list[str] = []
        for notification, title in zip(notifications, titles, strict=True):
            if lines:
                lines.append("")
            lines += [title, "", *_lines(notification)]
        lines += [
            "",
            "-- ",
            _("Choose what you are told about: %(url)s")
            % {"url": f"{settings.SITE_URL}/notifications/settings/"},
        ]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[user.email])


def _title(notification: Notification) -> str:
    lead = notification.lead
    return presenting.title(notification.kind, str(lead) if lead else "")


def _lines(notification: Notification) -> list[str]:
    """What one notification says under its title: the lead, the details, the card's link."""
    lead = notification.lead
    lines = []
    if lead is not None:
        lines += [
            _("Company: %(company)s") % {"company": lead.company_name or "—"},
            _("Interest: %(interest)s") % {"interest": lead.interest or "—"},
        ]
    lines += presenting.details(notification.params)
    if lead is not None:
        lines += ["", presenting.lead_url(lead.pk)]
    return lines
