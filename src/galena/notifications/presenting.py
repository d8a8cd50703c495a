"""A notification's words, rendered when it is shown or sent (in the reader's language)
from its kind, its parameters and its lead: nothing English is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galena.leads.models import Channel
from galena.notifications.models import NotificationKind


def title(kind: str, lead_name: str) -> str:
    """One line saying what happened, e.g. "Ana Pop is now yours"."""
    name = lead_name or _("A lead")
    match kind:
        case NotificationKind.LEAD_ASSIGNED:
            return _("%(lead)s is now yours") % {"lead": name}
        case NotificationKind.HOT_LEAD:
            return _("%(lead)s is hot") % {"lead": name}
        case NotificationKind.SLA_WARNING:
            return _("First response to %(lead)s is due soon") % {"lead": name}
        case NotificationKind.SLA_BREACH:
            return _("First response to %(lead)s is overdue") % {"lead": name}
        case NotificationKind.SLA_ESCALATED:
            return _("%(lead)s is overdue and now yours to handle") % {"lead": name}
        case NotificationKind.REPEAT_INQUIRY:
            return _("%(lead)s wrote again") % {"lead": name}
        case NotificationKind.QUEUE_ALERT:
            return _("%(lead)s waits in your team's queue") % {"lead": name}
        case NotificationKind.LEAD_REACTIVATED:
            return _("%(lead)s is back in the pipeline") % {"lead": name}
    return name


def details(params: dict[str, Any]) -> list[str]:
    """The parameters worth reading, one line each ("Rule: Hot → East")."""
    lines = []
    if params.get("rule"):
        lines.append(_("Rule: %(rule)s") % {"rule": params["rule"]})
    if params.get("due_at"):
        lines.append(_("Due: %(when)s") % {"when": _when(params["due_at"])})
    if params.get("team"):
        lines.append(_("Team: %(team)s") % {"team": params["team"]})
    if params.get("channel"):
        channel = params["channel"]
        label = Channel(channel).label if channel in Channel.values else channel
        lines.append(_("Channel: %(channel)s") % {"channel": label})
    if params.get("signal"):
        lines.append(_("Hot signal: %(name)s") % {"name": params["signal"]})
    elif params.get("score") is not None:
        lines.append(_("Score: %(score)s") % {"score": params["score"]})
    if params.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": params["reason"]})
    if params.get("why"):
        lines.append(
            _("Why: %(why)s") % {"why": REACTIVATION_WHY.get(params["why"], params["why"])}
        )
    return lines


# why a rejected or deferred lead came back (nurture's ``reactivated`` event)
REACTIVATION_WHY = {
    "repeat_inquiry": gettext_lazy("the person sent a new inquiry"),
    "email_reply": gettext_lazy("the person replied by e-mail"),
    "warmed": gettext_lazy("the lead warmed up (its score rose)"),
    "by_hand": gettext_lazy("brought back by hand"),
}


def _when(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def lead_url(lead_id: int) -> str:
    return f"{settings.SITE_URL}/leads/{lead_id}/"


def present(notifications: list) -> list:
    """Give each notification its ``title`` and ``details`` in the active language."""
    for notification in notifications:
        lead = notification.lead if notification.lead_id is not None else None
        notification.title = title(notification.kind, str(lead) if lead is not None else "")
        notification.details = details(notification.params)
    return notifications
