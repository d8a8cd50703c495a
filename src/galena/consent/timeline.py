"""The lines of consent's events on the lead card's timeline (``settings.TIMELINE_PRESENTERS``):
consents recorded, blocks and their lifting (and what followed it), a lead not routed because
of a block, what intake withheld from a blocked person's inquiry, and corrections on the
person's request."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from galena.leads.models import LeadEvent

from .models import ConsentMethod, ConsentStatus
from .services import purposes

TITLES = {
    "consent_recorded": _("Consent recorded"),
    "restricted": _("Processing blocked"),
    "restriction_lifted": _("Block lifted"),
    "not_routed": _("Not routed"),
    "rectified": _("Data corrected on request"),
    "contact_withheld": _("Nobody told, no task planned"),
}
NOT_ROUTED_WHY = {
    "restricted": _("processing of the person's data is blocked at their request"),
}


def present_consent_events(events: list[LeadEvent]) -> None:
    """Give each consent event its line (no query)."""
    labels = purposes()
    statuses = dict(ConsentStatus.choices)
    methods = dict(ConsentMethod.choices)
    for event in events:
        params = event.params or {}
        event.template = "consent/_timeline.html"
        event.consent_title = TITLES.get(event.type, event.type)
        event.consent_purpose = labels.get(params.get("purpose", ""), params.get("purpose", ""))
        event.consent_status = statuses.get(params.get("status", ""), "")
        event.consent_method = methods.get(params.get("method", ""), "")
        event.consent_reason = (
            NOT_ROUTED_WHY.get(params.get("reason", ""), params.get("reason", ""))
            if event.type in ("not_routed", "contact_withheld")
            else params.get("reason", "")
        )
        event.consent_reference = params.get("request_reference", "")
        event.consent_fields = sorted((params.get("fields") or {}).items())
        event.consent_contacts = params.get("contacts") or []
        # what followed a lift (routing's hook), what a block withheld at intake
        event.consent_still_blocked = bool(params.get("still_blocked"))
        event.consent_routed = bool(params.get("routed"))
        event.consent_clock = params.get("clock", "")
        due = params.get("response_due_at")
        event.consent_due = parse_datetime(due) if isinstance(due, str) else None
        event.consent_withheld_tasks = params.get("tasks") or []
