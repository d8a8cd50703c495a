"""Routing's pages: the lead card's SLA panel as a fragment (the card asks for it again every
30 s while the clock runs) and the speed-to-lead report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from galena.core.errors import ApplicationError, NotFound
from galena.core.views import page
from galena.leads import access
from galena.leads.models import ActorSource, Channel, Source, Temperature
from galena.leads.services import Actor
from galena.quality.views import PeriodForm
from galena.routing import selectors
from galena.routing.selectors import SpeedFilters
from galena.routing.services import lead_hand_off
from galena.scoring.selectors import MAX_PERIOD_DAYS, Period

# htmx stops polling an element answered with this status
STOP_POLLING = 286


@page
@require_GET
def sla_panel(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The card's SLA panel alone, for htmx to swap in place of itself."""
    try:
        lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    except NotFound:  # handed to someone outside the user's sight: the panel goes
        return HttpResponse("", status=STOP_POLLING)
    return render(request, "routing/_sla_panel.html", {"lead": lead})


class HandOffForm(forms.Form):
    to = forms.ModelChoiceField(
        label=gettext_lazy("Sales manager"),
        queryset=get_user_model().objects.filter(is_active=True),
        error_messages={"invalid_choice": gettext_lazy("Choose an active sales manager.")},
    )
    note = forms.CharField(label=gettext_lazy("Note for sales"), required=False, max_length=500)


@page
@require_POST
def hand_off(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The card's hand-off form: the lead goes to the chosen sales manager, its telemarketer
    stays recorded as its original owner."""
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    form = HandOffForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("lead-detail", lead_id=lead.pk)
    to = form.cleaned_data["to"]
    try:
        lead_hand_off(
            actor=Actor(user=request.user, source=ActorSource.MANUAL),
            lead=lead,
            to=to,
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
        return redirect("lead-detail", lead_id=lead.pk)
    messages.success(
        request,
        _("Handed off to %(name)s.") % {"name": to.get_full_name() or to.get_username()},
    )
    # the lead may now be out of the telemarketer's sight
    if access.leads_visible_to(request.user).filter(pk=lead.pk).exists():
        return redirect("lead-detail", lead_id=lead.pk)
    return redirect("lead-list")


# --- the speed-to-lead report ----------------------------------------------------------


class SpeedForm(PeriodForm):
    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "")] + [(str(d), str(d)) for d in selectors.PERIOD_PRESETS],
        widget=forms.HiddenInput,
    )
    team = forms.TypedChoiceField(
        label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None
    )
    source = forms.TypedChoiceField(
        label=gettext_lazy("Source"), required=False, coerce=int, empty_value=None
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    temperature = forms.ChoiceField(label=gettext_lazy("Temperature"), required=False)

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = selectors.speed_teams(user)
        self.fields["team"].choices = [("", _("All teams") if len(teams) > 1 else _("My team"))]
        self.fields["team"].choices += [(team.pk, team.name) for team in teams]
        self.fields["source"].choices = [("", _("Any")), *Source.objects.values_list("pk", "name")]
        self.fields["channel"].choices = [("", _("Any")), *Channel.choices]
        self.fields["temperature"].choices = [("", _("Any")), *Temperature.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of five years at most."))
        return data

    def speed_filters(self) -> SpeedFilters:
        if not self.is_bound or not self.is_valid():
            return SpeedFilters.default()
        data = self.cleaned_data
        start, end, days = data["date_from"], data["date_to"], data["days"]
        if start or end:
            period = Period.of(start, end, days=days or selectors.DEFAULT_DAYS)
        else:
            period = Period.last(days or selectors.DEFAULT_DAYS)
        return SpeedFilters(
            period=period,
            team=data["team"],
            source=data["source"],
            channel=data["channel"],
            temperature=data["temperature"],
        )


FILTER_NAMES = ("team", "source", "channel", "temperature")


def _presets(filters: SpeedFilters) -> list[dict[str, Any]]:
    found = []
    for days in selectors.PERIOD_PRESETS:
        query = QueryDict(mutable=True)
        query["days"] = str(days)
        for name in FILTER_NAMES:
            value = getattr(filters, name)
            if value not in (None, ""):
                query[name] = str(value)
        found.append(
            {
                "days": days,
                "query": query.urlencode(),
                "current": Period.last(days) == filters.period,
            }
        )
    return found


@page
@require_GET
def speed_report(request: HttpRequest) -> HttpResponse:
    """Speed to lead: time to the first response and the share answered within the SLA,
    per team and per manager, for heads of sales (their team) and admins."""
    selectors.require_speed_access(request.user)
    params = request.GET
    form = SpeedForm(params or None, user=request.user)
    filters = form.speed_filters()
    report = selectors.speed_report(user=request.user, filters=filters)
    if not form.is_bound or (form.is_valid() and not (params.get("from") or params.get("to"))):
        # show the period the figures are for in the date fields
        initial = {name: getattr(filters, name) for name in FILTER_NAMES}
        initial.update(date_from=filters.period.start, date_to=filters.period.end)
        form = SpeedForm(initial=initial, user=request.user)
    context = {
        "section": "speed",
        "form": form,
        "filters": filters,
        "report": report,
        "presets": _presets(filters),
        "several_teams": len(report.teams) > 1,
    }
    return render(request, "routing/speed.html", context)
