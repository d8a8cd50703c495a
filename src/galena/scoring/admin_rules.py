"""The scoring rules' admin: rules edited as data, a preview of what a rule (saved or just
typed) would do to the existing leads, the settings, the trained models, and a button that
applies the rules to every lead."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from galena.quality.models import FitOperator
from galena.scoring.models import PredictiveModel, RuleKind, ScoreRule, ScoreSettings, TrackedKind
from galena.scoring.services import config_load, rule_spec, scores_preview


class ConditionsField(forms.JSONField):
    """The conditions as JSON, shown indented so they can be read and edited."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=1, cls=self.encoder)


class ScoreRuleForm(forms.ModelForm):
    conditions = ConditionsField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField"}),
        help_text=ScoreRule._meta.get_field("conditions").help_text,
    )

    class Meta:
        model = ScoreRule
        fields = (
            "name",
            "is_active",
            "order",
            "kind",
            "event_kind",
            "conditions",
            "points",
            "frequency",
            "cap",
            "hot_signal",
        )

    def clean_conditions(self) -> list:
        value = self.cleaned_data.get("conditions")
        return [] if value in (None, "") else value


_SHOWN_VALUES = 4


def _condition_text(condition: Any) -> str:
    """A condition as the list shows it: "position contains director, head of, ceo, cfo, …
    (+20)", the operator in words."""
    if not isinstance(condition, dict):
        return "?"
    value = condition.get("value")
    values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
    shown = ", ".join(str(v) for v in values[:_SHOWN_VALUES])
    if len(values) > _SHOWN_VALUES:
        shown += f", … (+{len(values) - _SHOWN_VALUES})"
    operator = dict(FitOperator.choices).get(condition.get("operator"), condition.get("operator"))
    return f"{condition.get('field')} {operator} {shown}".strip()


@admin.register(ScoreRule)
class ScoreRuleAdmin(admin.ModelAdmin):
    """Rules with a preview: "Preview the active rules" in the list's tools, "Preview with
    the selected rules on" as an action, and "Preview" on a rule's own page before saving."""

    form = ScoreRuleForm
    list_display = (
        "name",
        "kind",
        "when",
        "points",
        "frequency",
        "cap",
        "hot_signal",
        "order",
        "is_active",
    )
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "kind", "event_kind", "hot_signal")
    search_fields = ("name",)
    ordering = ("order", "id")
    actions = ("preview_selected",)
    change_list_template = "admin/scoring/scorerule/change_list.html"
    change_form_template = "admin/scoring/scorerule/change_form.html"

    @admin.display(description=_("When"))
    def when(self, obj: ScoreRule) -> str:
        parts = (
            [str(TrackedKind(obj.event_kind).label)]
            if obj.kind == RuleKind.BEHAVIOUR and obj.event_kind in TrackedKind.values
            else []
        )
        parts += [_condition_text(c) for c in (obj.conditions or [])]
        return " · ".join(parts) or "—"

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="scoring_scorerule_preview",
            ),
            path(
                "recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="scoring_scorerule_recompute",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._preview_response(
            request, list(config_load().rules), title=_("Preview: the active rules")
        )

    def recompute_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        from galena.scoring.tasks import recompute_scores

        recompute_scores.delay()
        messages.success(
            request,
            _(
                "Every lead's score is being recomputed with the active rules; temperatures "
                "that change are recorded on the leads' timelines."
            ),
        )
        return HttpResponseRedirect(reverse("admin:scoring_scorerule_changelist"))

    @admin.action(description=_("Preview with the selected rules on (writes nothing)"))
    def preview_selected(self, request, queryset):
        selected = {rule.pk: rule_spec(rule) for rule in queryset}
        rules = [r for r in config_load().rules if r.id not in selected]
        rules += list(selected.values())
        return self._preview_response(
            request, rules, title=_("Preview: the active rules with the selected ones on")
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return self._preview_unsaved(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_unsaved(self, request, object_id):
        obj = self.get_object(request, object_id) if object_id else None
        if not (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        ):
            raise PermissionDenied
        form = ScoreRuleForm(request.POST, instance=obj)
        if not form.is_valid():
            messages.error(
                request,
                _("Correct the rule before previewing it: %(errors)s")
                % {"errors": form.errors.as_text()},
            )
            return HttpResponseRedirect(request.get_full_path())
        edited = rule_spec(form.save(commit=False))
        rules = [r for r in config_load().rules if r.id != edited.id]
        if form.cleaned_data.get("is_active"):
            rules.append(edited)
        return self._preview_response(
            request, rules, title=_("Preview: the active rules with this rule as typed (not saved)")
        )

    def _preview_response(self, request, rules, *, title) -> TemplateResponse:
        result = scores_preview(rules)
        names = {rule.id: rule for rule in rules}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "result": result,
            "temperatures": [
                (label, result.before.get(value, 0), result.after.get(value, 0))
                for value, label in (
                    ("hot", _("Hot")),
                    ("warm", _("Warm")),
                    ("cold", _("Cold")),
                    ("unknown", _("Unknown")),
                )
            ],
            "rules": [
                {
                    "name": rule.name,
                    "kind": rule.kind,
                    "points": rule.points,
                    "leads": result.by_rule.get(rule.id, {}).get("leads", 0),
                    "given": result.by_rule.get(rule.id, {}).get("points", 0),
                    "url": reverse("admin:scoring_scorerule_change", args=[rule.id])
                    if rule.id
                    else "",
                }
                for rule in names.values()
            ],
        }
        return TemplateResponse(request, "admin/scoring/scorerule/preview.html", context)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        messages.info(
            request,
            _(
                "Leads are scored by the active rules from now on. To apply them to the "
                "existing leads, use “Recompute every score” (or `galena score recompute`)."
            ),
        )


@admin.register(ScoreSettings)
class ScoreSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "half_life_days",
        "warm_threshold",
        "hot_threshold",
        "hot_signal_days",
    )

    def has_add_permission(self, request) -> bool:
        return not ScoreSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PredictiveModel)
class PredictiveModelAdmin(admin.ModelAdmin):
    list_display = ("created_at", "algorithm", "trained_on", "won", "lost", "auc", "is_active")
    readonly_fields = (
        "created_at",
        "algorithm",
        "trained_on",
        "won",
        "lost",
        "metrics",
        "features",
    )
    fields = ("is_active", *readonly_fields)

    @admin.display(description=_("ROC AUC (cross-validated)"))
    def auc(self, obj: PredictiveModel) -> str:
        value = (obj.metrics or {}).get("cv_auc")
        return f"{value:.3f}" if isinstance(value, int | float) else "—"

    def has_add_permission(self, request) -> bool:
        return False
