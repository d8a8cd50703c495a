"""E-mailing notifications: plain text in the recipient's language, each once."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
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
    """E-mail each of these notifications that wants it and was not e-mailed yet; each is
    stamped under a row lock, so a task run twice sends nothing twice. Returns how many."""
    sent = 0
    for notification_id in sorted(set(notification_ids)):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("user__profile", "lead")
                .filter(
                    pk=notification_id,
                    email_wanted=True,
                    emailed_at__isnull=True,
                    user__is_active=True,
                )
                .exclude(user__email="")
                .first()
            )
            if notification is None:
                continue
            _message(notification).send()
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


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
