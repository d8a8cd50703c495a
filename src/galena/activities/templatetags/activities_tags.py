"""What the lead card's activities panel shows besides the card's own context."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from galena.activities import selectors
from galena.activities.forms import CallForm, EmailForm, MeetingForm, OfferForm
from galena.activities.merge import MERGE_FIELDS
from galena.activities.models import DocumentKind, EmailStatus
from galena.activities.services import documents_for
from galena.leads.models import TaskKind

register = template.Library()

DRAFT_KEY = "activities-draft:{lead_id}:{form}"


@register.simple_tag(takes_context=True)
def activities_panel(context, lead, open_tasks=()) -> dict[str, Any]:
    """The composer's forms (a refused form's draft from the session), the templates, the
    documents that can be sent, the lead's sent e-mails and coming meetings."""
    request = context.get("request")
    session = getattr(request, "session", {}) or {}

    def draft(name: str) -> dict | None:
        return session.get(DRAFT_KEY.format(lead_id=lead.pk, form=name))

    planned_calls = [t for t in open_tasks if t.kind == TaskKind.CALL]
    documents = list(documents_for(lead=lead).order_by("kind", "title"))
    sent = selectors.lead_sent_emails(lead=lead)
    templates = list(selectors.email_templates_for(lead))
    zone = getattr(getattr(lead, "team", None), "time_zone", "") or settings.TIME_ZONE
    return {
        "call_form": CallForm(data=draft("call"), tasks=planned_calls)
        if draft("call")
        else CallForm(tasks=planned_calls),
        "email_form": EmailForm(data=draft("email"), lead=lead, templates=templates)
        if draft("email")
        else EmailForm(lead=lead, templates=templates),
        "offer_form": OfferForm(
            data=draft("offer"), lead=lead, documents=documents, templates=templates
        )
        if draft("offer")
        else OfferForm(lead=lead, documents=documents, templates=templates),
        "meeting_form": MeetingForm(data=draft("meeting"))
        if draft("meeting")
        else MeetingForm(initial={"time_zone": zone}),
        "open_form": next(
            (name for name in ("call", "email", "offer", "meeting") if draft(name)), ""
        ),
        "has_documents": bool(documents),
        "document_kinds": DocumentKind.choices,
        "lead_documents": [d for d in documents if d.lead_id == lead.pk],
        "sent": sent,
        "failed_count": sum(1 for s in sent if s.status == EmailStatus.FAILED),
        "meetings": selectors.lead_meetings(lead=lead),
        "merge_fields": list(MERGE_FIELDS),
        "now": timezone.now(),
    }
