"""Pages of verification: the public confirmation page behind the double opt-in link, and
the lead card's "Resend confirmation" and "Log call" actions.

The public page never verifies on GET (mail scanners and link previews open links); the
button POSTs, protected by CSRF. It shows nobody's data beyond the first name.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from galena.core.errors import ApplicationError
from galena.core.views import page, public_link_page
from galena.leads import selectors
from galena.leads.models import ActorSource
from galena.leads.services import Actor
from galena.quality import verification
from galena.quality.verification import CALL_NOTE_MAX, CallOutcome, ConfirmationState


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def verify_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "renew":
        confirmation = verification.lead_confirmation_renew(token=token)
    elif request.method == "POST":
        confirmation = verification.lead_email_confirm(token=token)
    else:
        confirmation = verification.confirmation_check(token=token)
    language = (
        verification.language_for(confirmation.language)
        if confirmation.language
        else translation.get_language()
    )
    with translation.override(language):
        html = render_to_string(
            "quality/verify.html",
            {
                "state": confirmation.state.value,
                "first_name": confirmation.first_name
                if confirmation.state != ConfirmationState.INVALID
                else "",
                "max_age_days": settings.QUALITY_CONFIRMATION_MAX_AGE_DAYS,
            },
            request,
        )
    return public_link_page(
        HttpResponse(html, status=verification.CONFIRMATION_STATUS[confirmation.state])
    )


class CallLogForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=CallOutcome.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=CALL_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, source=ActorSource.MANUAL)


def _lead(request: HttpRequest, lead_id: int):
    return selectors.lead_detail(user=request.user, lead_id=lead_id)


def _errors(form: forms.Form) -> str:
    return " ".join(str(m) for messages_ in form.errors.values() for m in messages_)


@page
@require_POST
def lead_confirmation_resend(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    email = (request.POST.get("email") or "").strip() or None
    try:
        event = verification.lead_confirmation_send(lead=lead, email=email, actor=_actor(request))
    except ApplicationError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Confirmation link sent to %(email)s.") % {"email": event.params["email"]},
        )
    return redirect("lead-detail", lead_id=lead.pk)


@page
@require_POST
def lead_call_log(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    form = CallLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("lead-detail", lead_id=lead.pk)
    try:
        verification.lead_call_log(
            actor=_actor(request),
            lead=lead,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        outcome = CallOutcome(form.cleaned_data["outcome"])
        if outcome == CallOutcome.CONFIRMED:
            messages.success(request, _("Call logged. The lead is verified by call."))
        elif outcome == CallOutcome.WRONG_NUMBER:
            messages.success(request, _("Call logged. The number is marked invalid."))
        else:
            messages.success(request, _("Call logged."))
    return redirect("lead-detail", lead_id=lead.pk)
