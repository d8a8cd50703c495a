"""A client contact's "Personal data" panel actions: record a consent, block and unblock the
person. Each answers with the contact's page again (a refusal as a message: the service wrote
nothing); the forms are answered as on the lead card (galena.consent.views)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from galena.clients import access as client_access
from galena.clients import personal_data
from galena.consent.models import Restriction
from galena.consent.views import block_answer, consent_answer, lift_answer
from galena.core.views import page
from galena.leads.services import Actor


def _back(contact_id: int) -> HttpResponse:
    return redirect(reverse("client-contact", args=[contact_id]) + "#consent-panel")


@page
@require_POST
def contact_consent_add(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)

    def record(**fields) -> None:
        personal_data.contact_consent_record(
            actor=Actor(user=request.user), contact=contact, **fields
        )

    return consent_answer(request, _back(contact.pk), record)


@page
@require_POST
def contact_block(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)

    def restrict(**fields) -> None:
        personal_data.contact_restrict(actor=Actor(user=request.user), contact=contact, **fields)

    return block_answer(request, _back(contact.pk), restrict)


@page
@require_POST
def contact_lift(request: HttpRequest, contact_id: int, restriction_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)
    restriction = get_object_or_404(Restriction, pk=restriction_id, lifted_at__isnull=True)

    def lift_it(*, reason: str) -> None:
        personal_data.contact_restriction_lift(
            actor=Actor(user=request.user), contact=contact, restriction=restriction, reason=reason
        )

    return lift_answer(request, _back(contact.pk), lift_it)
