"""Nurture's pages: the public unsubscribe and questionnaire pages (signed links, no login,
no JavaScript needed, in the person's language), the deferred-demand base, the farewell
answers' report and the card panel's actions."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from galena.core.errors import ValidationFailed
from galena.core.views import page, public_link_page
from galena.intake.api import client_address
from galena.leads import access
from galena.leads.models import ActorSource, RejectionReason, Source
from galena.leads.services import Actor
from galena.nurture import selectors, services
from galena.nurture.models import Sequence, StopReason, SuppressionMethod
from galena.nurture.services import LINK_STATUS, LinkState
from galena.quality.verification import language_for


def _evidence(request: HttpRequest) -> dict[str, str]:
    return {
        "ip": client_address(request) or "",
        "user_agent": request.headers.get("User-Agent", "")[:300],
    }


# --- unsubscribe ----------------------------------------------------------------------


@never_cache
@csrf_exempt  # a mail client's one-click POST (RFC 8058) carries no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows whose address and a button (link scanners do not unsubscribe anyone);
    POST, from the button or a mail client's one-click, records the suppression once."""
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        method = SuppressionMethod.ONE_CLICK if one_click else SuppressionMethod.LINK
        result = services.unsubscribe(token=token, method=method, evidence=_evidence(request))
        if one_click:
            return public_link_page(
                HttpResponse(status=200 if result.state != LinkState.INVALID else 400)
            )
    else:
        result = services.unsubscribe_check(token=token)
    language = language_for(result.language) if result.language else translation.get_language()
    with translation.override(language):
        html = render_to_string(
            "nurture/unsubscribe.html",
            {"state": result.state.value, "email": result.email},
            request,
        )
    return public_link_page(HttpResponse(html, status=LINK_STATUS[result.state]))


# --- the farewell questionnaire -------------------------------------------------------


def _question_form(questions, data=None) -> forms.Form:
    fields = {}
    for question in questions:
        label = question.label
        if question.kind == "choice":
            field = forms.ChoiceField(
                label=label,
                choices=question.choice_labels(),
                widget=forms.RadioSelect,
                required=question.required,
            )
        elif question.kind == "scale":
            field = forms.ChoiceField(
                label=label,
                choices=[(str(n), str(n)) for n in range(1, 6)],
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                required=question.required,
            )
        else:
            field = forms.CharField(
                label=label,
                required=question.required,
                max_length=services.TEXT_ANSWER_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        fields[question.code] = field
    form_class = type("FarewellForm", (forms.Form,), fields)
    return form_class(data)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    """The farewell questionnaire: answered once, in the person's language."""
    link = services.farewell_link(token=token)
    invitation = link.invitation
    language = language_for(invitation.language) if invitation else translation.get_language()
    state = link.state
    with translation.override(language):
        form = _question_form(link.questions, request.POST if request.method == "POST" else None)
        errors = {}
        if request.method == "POST" and state == LinkState.READY:
            try:
                services.farewell_answer(
                    token=token, data=request.POST, evidence=_evidence(request)
                )
            except services.AlreadyAnswered:
                state = LinkState.ALREADY
            except ValidationFailed as error:
                errors = error.errors
                for name, message in errors.items():
                    form.add_error(name if name in form.fields else None, message)
                form.is_valid()
            else:
                state = LinkState.DONE
        html = render_to_string(
            "nurture/questionnaire.html",
            {
                "state": state.value,
                "form": form,
                "errors": errors,
                "first_name": invitation.lead.first_name if invitation else "",
                "days": settings.NURTURE_FAREWELL_LINK_DAYS,
            },
            request,
        )
    status = 400 if errors else LINK_STATUS[state]
    return public_link_page(HttpResponse(html, status=status))


# --- the deferred-demand base ---------------------------------------------------------


class BaseForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[
            ("", gettext_lazy("Rejected and deferred")),
            ("lost", gettext_lazy("Rejected")),
            ("deferred", gettext_lazy("Deferred")),
        ],
    )
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False)
    source = forms.ModelChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        queryset=Source.objects.all(),
        empty_label=gettext_lazy("Any source"),
    )
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner"), required=False, coerce=int, empty_value=None
    )
    due = forms.BooleanField(label=gettext_lazy("Recontact due within a week"), required=False)
    consent = forms.ChoiceField(
        label=gettext_lazy("Marketing consent"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", gettext_lazy("Given")),
            ("no", gettext_lazy("Not given or withdrawn")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("Any reason"))] + [
            (reason.code, reason.label) for reason in RejectionReason.objects.all()
        ]
        owners = access.assignable_owners(user)
        self.fields["owner"].choices = [("", _("Anyone")), ("0", _("Nobody"))] + [
            (str(owner.pk), owner.get_full_name() or owner.get_username()) for owner in owners
        ]

    def base_filters(self) -> selectors.BaseFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.BaseFilters()
        data = self.cleaned_data
        return selectors.BaseFilters(
            kind=data["kind"],
            reason=data["reason"],
            source=data["source"].pk if data["source"] else None,
            owner=data["owner"],
            due=data["due"],
            consent=data["consent"],
            q=data["q"],
        )


@page
@require_GET
def deferred_base(request: HttpRequest) -> HttpResponse:
    """Rejected and deferred leads: why, when to come back, their nurture and answers."""
    access.require_lead_access(request.user)
    params = request.GET.copy()
    page_number = params.pop("page", ["1"])[-1]
    form = BaseForm(params or None, user=request.user)
    filters = form.base_filters()
    base = selectors.deferred_base(user=request.user, filters=filters, page_number=page_number)
    context = {
        "section": "deferred",
        "form": form,
        "filters": filters,
        "base": base,
        "query": params.urlencode(),
        "refusals": REFUSALS,
    }
    template = "nurture/_base_results.html" if request.htmx else "nurture/base.html"
    return render(request, template, context)


REFUSALS = {
    "no_email": gettext_lazy("No e-mail address"),
    "invalid_email": gettext_lazy("Invalid e-mail address"),
    "no_consent": gettext_lazy("No marketing consent"),
    "withdrawn": gettext_lazy("Unsubscribed"),
    "suppressed": gettext_lazy("Do not write"),
}


@page
@require_GET
def farewell_report(request: HttpRequest) -> HttpResponse:
    """The farewell answers per rejection reason and per source."""
    try:
        days = max(1, min(int(request.GET.get("days", 365)), 5 * 365))
    except ValueError:
        days = 365
    report = selectors.farewell_report(user=request.user, days=days)
    context = {"section": "farewell", "report": report, "presets": (30, 90, 365)}
    return render(request, "nurture/farewell_report.html", context)


# --- the card panel's actions ---------------------------------------------------------


def _back(lead_id: int) -> HttpResponse:
    return redirect(reverse("lead-detail", args=[lead_id]) + "#nurture-panel")


def _lead(request: HttpRequest, lead_id: int):
    return access.lead_get_for(user=request.user, lead_id=lead_id)


@page
@require_POST
def farewell_send(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    try:
        services.farewell_send(actor=Actor(user=request.user, source=ActorSource.MANUAL), lead=lead)
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The farewell e-mail is on its way."))
    return _back(lead.pk)


@page
@require_POST
def enroll(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    sequence = Sequence.objects.filter(pk=request.POST.get("sequence") or 0).first()
    if sequence is None:
        messages.error(request, _("Choose a sequence."))
        return _back(lead.pk)
    try:
        services.enrollment_create(actor=Actor(user=request.user), lead=lead, sequence=sequence)
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The lead is in “%(name)s”.") % {"name": sequence.name})
    return _back(lead.pk)


@page
@require_POST
def stop(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    sequence = Sequence.objects.filter(pk=request.POST.get("sequence") or 0).first()
    stopped = services.enrollments_stop(
        actor=Actor(user=request.user), lead=lead, reason=StopReason.BY_HAND, sequence=sequence
    )
    if stopped:
        messages.success(request, _("Nurture stopped."))
    else:
        messages.info(request, _("The lead had no active nurture."))
    return _back(lead.pk)


@page
@require_POST
def reactivate(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    try:
        done = services.lead_reactivate(
            actor=Actor(user=request.user), lead=lead, why=services.ReactivationWhy.BY_HAND
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        if done is None:
            messages.info(request, _("The lead is not rejected or deferred."))
        else:
            messages.success(request, _("The lead is back in the pipeline."))
    return _back(lead.pk)
