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


# the composer's forms, each built and rendered only when opened (a click or a key fetches
# it: views.composer_form), or shown again with a refused draft
COMPOSER_FORMS = ("call", "email", "offer", "meeting")


def _draft(request, lead, name: str) -> dict | None:
    session = getattr(request, "session", {}) or {}
    return session.get(DRAFT_KEY.format(lead_id=lead.pk, form=name))


def build_composer_form(request, lead, name: str, *, open_tasks=(), documents=None) -> Any:
    """One of the composer's forms, with its refused draft from the session if there is one;
    ``documents``: the lead's sendable documents, when the caller has read them."""
    data = _draft(request, lead, name)
    if name == "call":
        planned_calls = [t for t in open_tasks if t.kind == TaskKind.CALL]
        return CallForm(data=data, tasks=planned_calls)
    if name == "meeting":
        zone = getattr(getattr(lead, "team", None), "time_zone", "") or settings.TIME_ZONE
        return MeetingForm(data=data) if data else MeetingForm(initial={"time_zone": zone})
    templates = list(selectors.email_templates_for(lead))
    if name == "email":
        return EmailForm(data=data, lead=lead, templates=templates)
    if documents is None:
        documents = list(documents_for(lead=lead).order_by("kind", "title"))
    return OfferForm(data=data, lead=lead, documents=documents, templates=templates)


@register.simple_tag(takes_context=True)
def activities_panel(context, lead, open_tasks=()) -> dict[str, Any]:
    """The composer's open form (a refused form's draft from the session, or the one asked
    for with ?open= without JavaScript; the others come when opened), the documents that
    can be sent, the lead's sent e-mails and coming meetings."""
    request = context.get("request")
    documents = list(documents_for(lead=lead).order_by("kind", "title"))
    sent = selectors.lead_sent_emails(lead=lead)
    asked = getattr(request, "GET", {}).get("open", "")
    open_form = next((name for name in COMPOSER_FORMS if _draft(request, lead, name)), "") or (
        asked if asked in COMPOSER_FORMS else ""
    )
    forms = dict.fromkeys(COMPOSER_FORMS)
    if open_form:
        forms[open_form] = build_composer_form(
            request, lead, open_form, open_tasks=open_tasks, documents=documents
        )
    return {
        **composer_context(documents),
        **{f"{name}_form": form for name, form in forms.items()},
        "open_form": open_form,
        "lead_documents": [d for d in documents if d.lead_id == lead.pk],
        "sent": sent,
        "failed_count": sum(1 for s in sent if s.status == EmailStatus.FAILED),
        "meetings": selectors.lead_meetings(lead=lead),
        "now": timezone.now(),
    }


def composer_context(documents) -> dict[str, Any]:
    """What the composer's forms show besides the form: whether there are documents to send,
    their kinds, the merge fields."""
    return {
        "has_documents": bool(documents),
        "document_kinds": DocumentKind.choices,
        "merge_fields": list(MERGE_FIELDS),
    }
