"""The lines of nurture's events on the lead card's timeline (``settings.TIMELINE_PRESENTERS``):
the farewell and its answers, nurture e-mails and their stop, unsubscribing and coming back
— in words, without the links' tokens."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galena.leads.models import LeadEvent
from galena.nurture.models import FarewellQuestion, StopReason

WHY = {
    "repeat_inquiry": _("the person sent a new inquiry"),
    "email_reply": _("the person replied by e-mail"),
    "warmed": _("the lead warmed up"),
    "by_hand": _("brought back by hand"),
}


def present_nurture_events(events: list[LeadEvent]) -> None:
    """Give each nurture event its line (one query for the questions' texts)."""
    questions = {}
    if any(event.type == "farewell_answered" for event in events):
        questions = {
            q.code: q for q in FarewellQuestion.objects.filter(questionnaire__is_active=True)
        }
    stop_labels = dict(StopReason.choices)
    for event in events:
        params = event.params or {}
        event.template = "nurture/_timeline.html"
        event.nurture_subject = params.get("subject", "")
        event.nurture_to = params.get("to") or params.get("email") or ""
        event.nurture_sequence = params.get("sequence") or ", ".join(params.get("sequences") or [])
        event.nurture_automatic = bool(params.get("automatic"))
        event.nurture_reason = stop_labels.get(params.get("reason", ""), params.get("reason", ""))
        event.nurture_why = WHY.get(params.get("why", ""), params.get("why", ""))
        answers = params.get("answers") if isinstance(params.get("answers"), dict) else {}
        event.nurture_answers = [
            (
                questions[code].label if code in questions else code,
                gettext(value) if isinstance(value, str) else value,
            )
            for code, value in answers.items()
        ]
