"""The fit rules' admin: a rule written the way people write it (RO, MD rather than
["RO", "MD"]), checked before it is saved, and a "Check fit" preview of what the rules would
do to the existing leads before anyone runs `galena quality refit`."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from galena.quality.fit import (
    LIST_OPERATORS,
    PRESENCE_OPERATORS,
    FitRuleSpec,
    fit_preview,
    fit_rule_spec,
    fit_rules_load,
)
from galena.quality.models import FitOperator, FitRule


class RuleValueField(forms.JSONField):
    """JSON when it is JSON (["RO", "MD"], 18, "RO"); otherwise the text as typed, which the
    form turns into what the operator needs."""

    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values:
            return None
        try:
            return json.loads(value, cls=self.decoder)
        except (TypeError, json.JSONDecodeError):
            return str(value).strip()

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, cls=self.encoder)


class FitRuleForm(forms.ModelForm):
    value = RuleValueField(
        label=_("Value"),
        required=False,
        help_text=_(
            'A value (RO, 18, "50 000"), or for "is one of" several separated by commas or '
            'lines (RO, MD) or a JSON list (["RO", "MD"]). Empty for "is empty".'
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = FitRule
        fields = ("name", "is_active", "order", "field", "operator", "value", "message")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        operator, value = data.get("operator"), data.get("value")
        if operator in LIST_OPERATORS and isinstance(value, str):
            value = [item.strip() for item in re.split(r"[,;\n]", value) if item.strip()]
        elif operator in LIST_OPERATORS and isinstance(value, int | float):
            value = [value]
        elif operator in PRESENCE_OPERATORS and value in (None, ""):
            value = []
        if data.get("field") == "country" and isinstance(value, list):
            value = [v.upper() if isinstance(v, str) else v for v in value]
        elif data.get("field") == "country" and isinstance(value, str):
            value = value.upper()
        if value is None:
            value = ""
        data["value"] = value
        self.instance.value = value
        return data


def _rule_text(rule: FitRule | FitRuleSpec) -> str:
    operator = dict(FitOperator.choices).get(rule.operator, rule.operator)
    if rule.operator in PRESENCE_OPERATORS:
        return f"{rule.field} {operator}"
    value = rule.value
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return f"{rule.field} {operator} {shown}"


class FitRuleAdmin(admin.ModelAdmin):
    """Fit rules with a preview: "Check fit" (the active rules) in the list's tools, and
    "Check fit of the selected rules" as an action, for rules not switched on yet."""

    form = FitRuleForm
    list_display = ("name", "rule", "message", "order", "is_active")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "operator")
    search_fields = ("name", "field", "message")
    ordering = ("order", "id")
    actions = ("check_selected",)
    change_list_template = "admin/quality/fitrule/change_list.html"

    @admin.display(description=_("Rule: non-target when"))
    def rule(self, obj: FitRule) -> str:
        return _rule_text(obj)

    def get_urls(self):
        return [
            path(
                "check/",
                self.admin_site.admin_view(self.check_view),
                name="quality_fitrule_check",
            ),
            *super().get_urls(),
        ]

    def check_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rules = fit_rules_load()
        return self._preview_response(request, rules, title=_("Check fit: the active rules"))

    @admin.action(description=_("Check fit of the selected rules (writes nothing)"))
    def check_selected(self, request, queryset):
        rules = [fit_rule_spec(rule) for rule in queryset.order_by("order", "id")]
        return self._preview_response(request, rules, title=_("Check fit: the selected rules"))

    def _preview_response(self, request, rules: list[FitRuleSpec], *, title) -> TemplateResponse:
        result = fit_preview(rules)
        names = {rule.id: rule for rule in rules}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "result": result,
            "rules": [
                {
                    "id": rule.id,
                    "name": rule.name,
                    "text": _rule_text(rule),
                    "message": rule.message,
                    "leads": result["by_rule"].get(rule.id, 0),
                    "url": reverse("admin:quality_fitrule_change", args=[rule.id]),
                }
                for rule in names.values()
            ],
        }
        return TemplateResponse(request, "admin/quality/fitrule/check.html", context)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        messages.info(
            request,
            _(
                "Leads received from now on are judged by the active rules. To re-evaluate "
                "the existing leads, use Check fit, then run `galena quality refit`."
            ),
        )
