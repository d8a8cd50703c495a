"""The lead card's "Personal data" panel actions: record a consent, block and unblock the
person, correct their data on request. Each answers with the card again."""

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


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@page
@require_POST
def consent_add(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(lead.pk)
    data = form.cleaned_data
    try:
        services.consent_record(
            actor=Actor(user=request.user),
            lead=lead,
            purpose=data["purpose"],
            status=data["status"],
            method=data["method"],
            evidence={"note": data["note"]} if data["note"] else None,
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The consent is recorded."))
    return _back(lead.pk)


@page
@require_POST
def block(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    form = BlockForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(lead.pk)
    try:
        services.restrict_subject(
            actor=Actor(user=request.user),
            lead=lead,
            reason=form.cleaned_data["reason"],
            request_reference=form.cleaned_data["request_reference"],
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The person is blocked: nobody contacts, nurtures, routes or exports them."),
        )
    return _back(lead.pk)


@page
@require_POST
def lift(request: HttpRequest, lead_id: int, restriction_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    restriction = get_object_or_404(
        services.restrictions_of(lead).filter(lifted_at__isnull=True), pk=restriction_id
    )
    form = LiftForm(request.POST)
    form.is_valid()
    try:
        services.lift_restriction(
            actor=Actor(user=request.user),
            restriction=restriction,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The block is lifted."))
    return _back(lead.pk)


@page
@require_POST
def rectify(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    contacts = ContactPoint.objects.filter(
        lead=lead, kind__in=(ContactKind.EMAIL, ContactKind.PHONE)
    ).values_list("value", flat=True)
    form = RectifyForm(request.POST, contacts=list(contacts))
    if not form.is_valid():
        _form_errors(request, form)
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
