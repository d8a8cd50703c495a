"""E-mailing notifications: plain text in the recipient's language, each once."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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


def notifications_email_send(*, notification_ids: Iterable[int]) -> int:
    """E-mail each of these notifications that wants it and was not e-mailed yet; returns
    how many. One transaction and one mail connection for the batch: the rows are locked,
    sent one by one and stamped together, so a task run twice (or two at once) sends
    nothing twice. When sending fails, the ones already sent are stamped and the error is
    raised for the task to retry the rest."""
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
        sent: list[int] = []
        with get_connection() as connection:
            for notification in notifications:
                try:
                    connection.send_messages([_message(notification)])
                except Exception as error:  # the mail server refused: keep what was sent
                    failure = error
                    break
                sent.append(notification.pk)
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    if failure is not None:
        raise failure
    return len(sent)


def _message(notification: Notification) -> EmailMessage:
    lead = notification.lead
    with translation.override(language_of(notification.user)):
        subject = presenting.title(notification.kind, str(lead) if lead else "")
        lines = [subject, ""]
        if lead is not None:
            lines += [
                _("Company: %(company)s") % {"company": lead.company_name or "—"},
                _("Interest: %(interest)s") % {"interest": lead.interest or "—"},
            ]
        lines += presenting.details(notification.params)
        if lead is not None:
            lines += ["", presenting.lead_url(lead.pk)]
        lines += [
            "",
            "-- ",
            _("Choose what you are told about: %(url)s")
            % {"url": f"{settings.SITE_URL}/notifications/settings/"},
        ]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[notification.user.email])
