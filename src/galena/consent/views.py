"""The lead card's "Personal data" panel actions: record a consent, block and unblock the
person, correct their data on request. Each answers with the card again. The answers to the
panel's forms (``consent_answer``, ``block_answer``, ``lift_answer``) serve a client contact's
panel too."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from galena.core.errors import ValidationFailed
from galena.core.views import page
from galena.leads import access
from galena.leads.models import ContactKind, ContactPoint
from galena.leads.services import Actor

from . import services
from .forms import BlockForm, ConsentForm, LiftForm, RectifyForm


def _back(lead_id: int) -> HttpResponse:
    return redirect(reverse("lead-detail", args=[lead_id]) + "#consent-panel")


def form_errors_told(request: HttpRequest, form) -> None:
    """A refused panel form's errors as messages on the page it returns to."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _answered(request: HttpRequest, back: HttpResponse, done: str, call) -> HttpResponse:
    """Call the service; its refusal (it wrote nothing) or ``done`` as a message."""
    try:
        call()
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return back


def consent_answer(request: HttpRequest, back: HttpResponse, record) -> HttpResponse:
    """The consent form posted: ``record(purpose=, status=, method=, note=)`` stores it."""
    form = ConsentForm(request.POST)
    if not form.is_valid():
        form_errors_told(request, form)
        return back
    data = form.cleaned_data
    fields = {name: data[name] for name in ("purpose", "status", "method", "note")}
    return _answered(request, back, _("The consent is recorded."), lambda: record(**fields))


def block_answer(request: HttpRequest, back: HttpResponse, restrict) -> HttpResponse:
    """The block form posted: ``restrict(reason=, request_reference=)`` blocks the person."""
    form = BlockForm(request.POST)
    if not form.is_valid():
        form_errors_told(request, form)
        return back
    done = _("The person is blocked: nobody contacts, nurtures, routes or exports them.")
    return _answered(request, back, done, lambda: restrict(**form.cleaned_data))


def lift_answer(request: HttpRequest, back: HttpResponse, lift) -> HttpResponse:
    """The unblock button posted: ``lift(reason=)`` lifts the block."""
    form = LiftForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    return _answered(request, back, _("The block is lifted."), lambda: lift(reason=reason))


@page
@require_POST
def consent_add(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)

    def record(*, note: str, **fields) -> None:
        services.consent_record(
            actor=Actor(user=request.user),
            lead=lead,
            evidence={"note": note} if note else None,
            **fields,
        )

    return consent_answer(request, _back(lead.pk), record)


@page
@require_POST
def block(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)

    def restrict(**fields) -> None:
        services.restrict_subject(actor=Actor(user=request.user), lead=lead, **fields)

    return block_answer(request, _back(lead.pk), restrict)


@page
@require_POST
def lift(request: HttpRequest, lead_id: int, restriction_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    restriction = get_object_or_404(
        services.restrictions_of(lead).filter(lifted_at__isnull=True), pk=restriction_id
    )

    def lift_it(*, reason: str) -> None:
        services.lift_restriction(
            actor=Actor(user=request.user), restriction=restriction, reason=reason
        )

    return lift_answer(request, _back(lead.pk), lift_it)


@page
@require_POST
def rectify(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    contacts = ContactPoint.objects.filter(
        lead=lead, kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
    ).values_list("value", flat=True)
    form = RectifyForm(request.POST, contacts=list(contacts))
    if not form.is_valid():
        form_errors_told(request, form)
        return _back(lead.pk)
    data = form.cleaned_data
    try:
        services.lead_rectify(
            actor=Actor(user=request.user),
            lead=lead,
            data={data["field"]: data["value"]} if data["field"] else None,
            contacts={data["contact"]: data["contact_value"]} if data["contact"] else None,
            request_reference=data["request_reference"],
            note=data["note"],
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The correction is recorded."))
    return _back(lead.pk)
