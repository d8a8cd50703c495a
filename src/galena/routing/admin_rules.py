"""The routing rules' admin: ordered rules as data, the members' routing settings and
absences, and the tester — "which rule would take this lead, and who would get it now?" —
which runs the real routing in a transaction it rolls back, so nothing is written."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galena.leads.models import Lead, Temperature
from galena.routing import rules as engine
from galena.routing.models import Absence, RoutingMember, RoutingRule, TargetKind
from galena.routing.services import route_many, route_test
from galena.scoring.admin_rules import ConditionsField, _condition_text


class RoutingRuleForm(forms.ModelForm):
    conditions = ConditionsField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField"}),
        help_text=RoutingRule._meta.get_field("conditions").help_text,
    )

    class Meta:
        model = RoutingRule
        fields = (
            "name",
            "is_active",
            "order",
            "conditions",
            "target_kind",
            "user",
            "team",
            "strategy",
        )

    def clean_conditions(self) -> list:
        value = self.cleaned_data.get("conditions")
        value = [] if value in (None, "") else value
        problem = engine.condition_errors(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("target_kind")
        user, team = data.get("user"), data.get("team")
        for name, message in engine.target_errors(
            kind, user.pk if user else None, team.pk if team else None
        ).items():
            self.add_error(name, message)
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """The rules in the order they are tried; "Which rule takes a lead?" in the list's
    tools tests them on any lead."""

    form = RoutingRuleForm
    list_display = ("order", "name", "conditions_text", "target_text", "strategy", "is_active")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "target_kind", "strategy", "team")
    search_fields = ("name",)
    autocomplete_fields = ("user",)
    change_list_template = "admin/routing/routingrule/change_list.html"

    @admin.display(description=_("Conditions"))
    def conditions_text(self, obj: RoutingRule) -> str:
        return " · ".join(_condition_text(c) for c in (obj.conditions or [])) or gettext(
            "every lead (the default rule)"
        )

    @admin.display(description=_("Goes to"))
    def target_text(self, obj: RoutingRule) -> str:
        if obj.target_kind == TargetKind.USER:
            return str(obj.user or "—")
        if obj.target_kind == TargetKind.QUEUE:
            return (
                gettext("queue of %(team)s") % {"team": obj.team}
                if obj.team
                else gettext("the general queue")
            )
        return str(obj.team or "—")

    def get_urls(self):
        return [
            path(
                "test/",
                self.admin_site.admin_view(self.test_view),
                name="routing_routingrule_test",
            ),
            *super().get_urls(),
        ]

    def test_view(self, request):
        """Which rule would take a lead (an existing one, or one typed as JSON), why the
        rules before it did not, and who would get it now. Nothing is written."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        lead_id = request.GET.get("lead", "").strip()
        typed = request.GET.get("values", "").strip()
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": gettext("Which rule takes this lead?"),
            "opts": self.model._meta,
            "lead_id": lead_id,
            "typed": typed,
            "fields": ", ".join(engine.ROUTING_FIELDS),
            "example": json.dumps(
                {"temperature": Temperature.HOT, "country": "RO", "interest": "Solar panels"}
            ),
        }
        lead, error = None, ""
        if lead_id:
            lead = Lead.objects.filter(pk=lead_id if lead_id.isdigit() else 0).first()
            error = "" if lead else gettext("No lead #%(id)s.") % {"id": lead_id}
        elif typed:
            lead, error = _typed_lead(typed)
        if lead is not None:
            context.update(_tested(lead))
        context["error"] = error
        return TemplateResponse(request, "admin/routing/routingrule/test.html", context)


def _typed_lead(typed: str) -> tuple[Lead | None, str]:
    """An unsaved lead from typed values: {"field": value, …}."""
    try:
        values = json.loads(typed)
    except ValueError:
        return None, gettext('Type the values as JSON, e.g. {"temperature": "hot"}.')
    if not isinstance(values, dict):
        return None, gettext('Type the values as JSON, e.g. {"temperature": "hot"}.')
    lead = Lead()
    known = {f.name for f in Lead._meta.fields}
    unknown = []
    for name, value in values.items():
        if name == "source":
            continue
        if name not in known:
            unknown.append(name)
            continue
        setattr(lead, name, value)
    if unknown:
        return None, gettext("Not fields of a lead: %(names)s.") % {"names": ", ".join(unknown)}
    return lead, ""


def _tested(lead: Lead) -> dict[str, Any]:
    match = route_test(lead)
    with transaction.atomic():
        # the real choice, members' counters and all, then undone
        (result,) = route_many([lead])
        transaction.set_rollback(True)
    owner = None
    if result.owner_id:
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.filter(pk=result.owner_id).first()
    return {"lead": lead, "match": match, "result": result, "owner": owner}


@admin.register(RoutingMember)
class RoutingMemberAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "team",
        "weight",
        "accepts_leads",
        "assigned_on_day",
        "day",
        "last_assigned_at",
    )
    list_editable = ("weight", "accepts_leads")
    list_filter = ("accepts_leads", "user__profile__team")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    readonly_fields = (
        "last_sequence",
        "current_weight",
        "day",
        "assigned_on_day",
        "last_assigned_at",
    )
    autocomplete_fields = ("user",)

    @admin.display(description=_("Team"))
    def team(self, obj: RoutingMember) -> str:
        profile = getattr(obj.user, "profile", None)
        return str(profile.team) if profile is not None and profile.team_id else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user__profile__team")


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("user", "starts_at", "ends_at", "note")
    list_filter = ("user__profile__team",)
    search_fields = ("user__username", "note")
    autocomplete_fields = ("user",)
    date_hierarchy = "starts_at"


def tester_url() -> str:
    return reverse("admin:routing_routingrule_test")
