"""The SLAs' admin: policies edited as data (conditions checked as typed), the teams' business
hours and the holidays their deadlines count in, and each lead's clock, read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from galena.routing.calendar import business_hours_errors, intervals
from galena.routing.models import (
    Holiday,
    ResponseKind,
    SlaClock,
    SlaPolicy,
    SlaStatus,
    TeamRouting,
)
from galena.routing.sla_rules import policy_errors
from galena.scoring.admin_rules import ConditionsField, _condition_text


def _json_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})


class SlaPolicyForm(forms.ModelForm):
    conditions = ConditionsField(
        label=_("Conditions"),
        required=False,
        widget=_json_area(4),
        help_text=SlaPolicy._meta.get_field("conditions").help_text,
    )
    response_kinds = forms.MultipleChoiceField(
        label=_("What counts as a response"),
        choices=ResponseKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A person's action of one of these kinds meets the deadline."),
    )

    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "is_active",
            "order",
            "conditions",
            "response_minutes",
            "response_business_days",
            "business_hours",
            "response_kinds",
            "warn_before_minutes",
            "reassign_after_minutes",
            "alert_after_minutes",
        )

    def clean_conditions(self) -> list:
        value = self.cleaned_data.get("conditions")
        return [] if value in (None, "") else value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        errors = policy_errors(
            conditions=data.get("conditions", []),
            response_minutes=data.get("response_minutes"),
            response_business_days=data.get("response_business_days"),
            response_kinds=list(data.get("response_kinds") or []),
            reassign_after_minutes=data.get("reassign_after_minutes"),
            alert_after_minutes=data.get("alert_after_minutes"),
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


def _allowance(policy: SlaPolicy) -> str:
    """ "1 business day + 30 min", "5 min"."""
    parts = []
    if policy.response_business_days:
        parts.append(
            ngettext("%(n)s business day", "%(n)s business days", policy.response_business_days)
            % {"n": policy.response_business_days}
        )
    if policy.response_minutes or not parts:
        parts.append(_("%(n)s min") % {"n": policy.response_minutes})
    return " + ".join(parts)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """The first active policy in order whose conditions a new lead meets sets its
    first-response deadline; a lead no policy takes has none."""

    form = SlaPolicyForm
    list_display = (
        "order",
        "name",
        "when",
        "allowance",
        "business_hours",
        "kinds",
        "escalation",
        "is_active",
    )
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "business_hours")
    search_fields = ("name",)
    ordering = ("order", "id")

    @admin.display(description=_("When"))
    def when(self, obj: SlaPolicy) -> str:
        return " · ".join(_condition_text(c) for c in (obj.conditions or [])) or _("every lead")

    @admin.display(description=_("Time allowed"))
    def allowance(self, obj: SlaPolicy) -> str:
        return _allowance(obj)

    @admin.display(description=_("Responses"))
    def kinds(self, obj: SlaPolicy) -> str:
        labels = dict(ResponseKind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in obj.response_kinds or [])

    @admin.display(description=_("Escalation"))
    def escalation(self, obj: SlaPolicy) -> str:
        steps = []
        if obj.warn_before_minutes:
            steps.append(_("warn %(n)s min before") % {"n": obj.warn_before_minutes})
        steps.append(_("remind the owner when due"))
        if obj.reassign_after_minutes is not None:
            steps.append(_("reassign after %(n)s min") % {"n": obj.reassign_after_minutes})
        if obj.alert_after_minutes is not None:
            steps.append(_("alert the head after %(n)s min") % {"n": obj.alert_after_minutes})
        return " → ".join(str(step) for step in steps)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "team")
    list_filter = ("team",)
    date_hierarchy = "date"
    search_fields = ("name",)
    ordering = ("-date",)


class TeamRoutingForm(forms.ModelForm):
    business_hours = ConditionsField(
        label=_("Business hours"),
        widget=_json_area(9),
        help_text=TeamRouting._meta.get_field("business_hours").help_text,
    )

    class Meta:
        model = TeamRouting
        fields = ("team", "business_hours")

    def clean_business_hours(self) -> dict:
        value = self.cleaned_data.get("business_hours")
        if problem := business_hours_errors(value):
            raise forms.ValidationError(problem)
        return value


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    """A team's business hours (in the team's time zone): first-response deadlines count
    only these, without holidays."""

    form = TeamRoutingForm
    list_display = ("team", "time_zone", "hours")
    list_select_related = ("team",)
    search_fields = ("team__name",)

    def get_readonly_fields(self, request, obj=None):
        return ("team",) if obj is not None else ()

    @admin.display(description=_("Time zone"))
    def time_zone(self, obj: TeamRouting) -> str:
        return obj.team.time_zone

    @admin.display(description=_("Hours"))
    def hours(self, obj: TeamRouting) -> str:
        days = []
        for weekday in range(1, 8):
            spans = intervals(obj.business_hours, weekday)
            if spans:
                shown = ", ".join(f"{start:%H:%M}–{_end_text(end)}" for start, end in spans)
                days.append(f"{weekday}: {shown}")
        return "; ".join(days) or "—"


def _end_text(end: dt.time) -> str:
    return "24:00" if end == dt.time.max else f"{end:%H:%M}"


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    """Each lead's first-response clock, as the sweep keeps it: read-only."""

    list_display = (
        "lead",
        "policy",
        "started_at",
        "due_at",
        "status",
        "met_at",
        "met_by",
        "breached_at",
        "escalation_step",
        "next_check_at",
    )
    list_select_related = ("lead", "policy")
    list_filter = ("policy", "met_by", "escalation_step")
    date_hierarchy = "started_at"
    raw_id_fields = ("lead",)
    ordering = ("-started_at",)

    @admin.display(description=_("State"))
    def status(self, obj: SlaClock) -> str:
        return SlaStatus(obj.status).label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
