"""The lines of activities' events on the lead card's timeline (``settings.TIMELINE_PRESENTERS``,
called by the leads app once per card with every event of a type)."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from galena.activities.models import SentEmail
from galena.leads.models import LeadEvent

MEETING_ACTIONS = {
    "scheduled": _("Meeting scheduled"),
    "rescheduled": _("Meeting moved"),
    "cancelled": _("Meeting cancelled"),
}
# the most of a received e-mail's text the line shows before "show all"
EXCERPT_CHARS = 600


def _moment(value: str | None) -> dt.datetime | None:
    # shown in the meeting's own time zone by the template (tz's timezone filter)
    return parse_datetime(value) if isinstance(value, str) else None


def present_emails(events: list[LeadEvent]) -> None:
    """E-mails sent, offers sent and e-mails received: who to or from, the subject, the
    text; an answer to one of ours says so (one query for the e-mails answered)."""
    answered_ids = {
        f"<{event.params.get('in_reply_to')}>"
        for event in events
        if event.type == "email_received" and (event.params or {}).get("in_reply_to")
    }
    answered = (
        dict(
            SentEmail.objects.filter(message_id__in=answered_ids).values_list(
                "message_id", "subject"
            )
        )
        if answered_ids
        else {}
    )
    for event in events:
        params = event.params or {}
        event.template = "activities/_timeline_email.html"
        event.email_subject = params.get("subject") or ""
        if event.type == "email_received":
            body = params.get("body") or ""
            event.email_from = params.get("name") or params.get("from") or ""
            event.email_address = params.get("from") or ""
            event.email_text = body[:EXCERPT_CHARS]
            event.email_rest = body[EXCERPT_CHARS:]
            event.email_answers = answered.get(f"<{params.get('in_reply_to')}>")
            event.email_auto = bool(params.get("auto_submitted"))
            event.email_attachments = [
                a.get("name") for a in params.get("attachments") or [] if isinstance(a, dict)
            ]
        else:
            event.email_to = params.get("to") or ""
            event.email_text = params.get("excerpt") or ""
            event.email_rest = ""
            event.email_attachments = params.get("attachments") or []
            event.email_documents = [
                d.get("title") for d in params.get("documents") or [] if isinstance(d, dict)
            ]
            event.email_invitation = params.get("invitation") or ""


def present_meetings(events: list[LeadEvent]) -> None:
    """A meeting scheduled, moved or cancelled: when in its own time zone, where, the link
    (no query)."""
    for event in events:
        params = event.params or {}
        zone = params.get("time_zone") or "UTC"
        event.template = "activities/_timeline_meeting.html"
        event.meeting_action = MEETING_ACTIONS.get(
            params.get("action"), MEETING_ACTIONS["scheduled"]
        )
        event.meeting_title = params.get("title") or ""
        event.meeting_starts = _moment(params.get("starts_at"))
        event.meeting_ends = _moment(params.get("ends_at"))
        event.meeting_zone = zone
        event.meeting_location = params.get("location") or ""
        event.meeting_video = params.get("video_url") or ""
        event.meeting_reason = params.get("reason") or ""
