"""The quality gate's settings in the admin: the checks (on/off, weight, thresholds), the
blocked, competitor and allowed lists, and the fit rules."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from galena.quality.checks import REGISTRY, params_errors
from galena.quality.fit_admin import FitRuleAdmin
from galena.quality.lists import normalise_listed_value
from galena.quality.models import (
    FitRule,
    ListedValue,
    ListKind,
    ListPurpose,
    QualityCheck,
)
from galena.quality.services import quality_checks_sync


class QualityCheckForm(forms.ModelForm):
    class Meta:
        model = QualityCheck
        fields = ["enabled", "weight", "params"]

    def clean_params(self):
        params = self.cleaned_data.get("params")
        if params is None:
            params = {}
        code = self.instance.code
        errors = params_errors(code, params)
        if errors:
            raise ValidationError(errors)
        return params


@admin.register(QualityCheck)
class QualityCheckAdmin(admin.ModelAdmin):
    form = QualityCheckForm
    list_display = ["name", "code", "group", "enabled", "weight", "params_text"]
    list_editable = ["enabled", "weight"]
    list_filter = ["group", "enabled"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "group", "name", "description", "defaults"]
    fields = ["code", "group", "name", "description", "enabled", "weight", "params", "defaults"]

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", QualityCheckForm)
        return super().get_changelist_form(request, **kwargs)

    def has_add_permission(self, request) -> bool:
        return False  # a check is code: its row comes from the registry (quality_checks_sync)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch a check off instead; a missing row would run with its defaults

    def changelist_view(self, request, extra_context=None):
        # a check added in a new release appears here without waiting for a migration
        quality_checks_sync()
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("Thresholds"))
    def params_text(self, obj: QualityCheck) -> str:
        return json.dumps(obj.params, ensure_ascii=False) if obj.params else "—"

    @admin.display(description=_("Defaults"))
    def defaults(self, obj: QualityCheck) -> str:
        check = REGISTRY.get(obj.code)
        if check is None:
            return _("This check no longer exists in the code; its row does nothing.")
        return _("weight %(weight)s, thresholds %(params)s") % {
            "weight": check.weight,
            "params": json.dumps(dict(check.params)) if check.params else "{}",
        }


class ListedValueForm(forms.ModelForm):
    class Meta:
        model = ListedValue
        fields = ["purpose", "kind", "value", "note"]


class BulkListForm(forms.Form):
    purpose = forms.ChoiceField(label=_("List"), choices=ListPurpose.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=ListKind.choices)
    values = forms.CharField(
        label=_("Values"),
        widget=forms.Textarea(attrs={"rows": 12, "cols": 60}),
        help_text=_("One per line (commas and semicolons also separate)."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=200, required=False, help_text=_("e.g. the competitor's name")
    )

    def clean(self):
        cleaned = super().clean()
        kind, text = cleaned.get("kind"), cleaned.get("values") or ""
        if not kind:
            return cleaned
        values, errors = [], []
        for raw in (part.strip() for part in text.replace(";", "\n").replace(",", "\n").split()):
            if not raw:
                continue
            try:
                value = normalise_listed_value(kind, raw)
            except ValueError as error:
                errors.append(f"{raw}: {error}")
                continue
            if value not in values:
                values.append(value)
        if errors:
            raise ValidationError({"values": errors})
        if not values:
            raise ValidationError({"values": _("Paste at least one value.")})
        cleaned["normalised"] = values
        return cleaned


@admin.register(ListedValue)
class ListedValueAdmin(admin.ModelAdmin):
    form = ListedValueForm
    list_display = ["value", "kind", "purpose", "note", "created_at"]
    list_filter = ["purpose", "kind"]
    search_fields = ["value", "note"]
    change_list_template = "admin/quality/listedvalue/change_list.html"

    def get_urls(self):
        return [
            path(
                "paste/",
                self.admin_site.admin_view(self.paste_view),
                name="quality_listedvalue_paste",
            ),
            *super().get_urls(),
        ]

    def paste_view(self, request):
        """Paste many values at once: all are checked first, then added in one go."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BulkListForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            purpose, kind = form.cleaned_data["purpose"], form.cleaned_data["kind"]
            values = form.cleaned_data["normalised"]
            with transaction.atomic():
                existing = set(
                    ListedValue.objects.filter(
                        purpose=purpose, kind=kind, value__in=values
                    ).values_list("value", flat=True)
                )
                new = [v for v in values if v not in existing]
                ListedValue.objects.bulk_create(
                    [
                        ListedValue(
                            purpose=purpose, kind=kind, value=value, note=form.cleaned_data["note"]
                        )
                        for value in new
                    ],
                    ignore_conflicts=True,  # added by someone else meanwhile: it stands
                )
            messages.success(
                request,
                ngettext(
                    "%(added)d value added (%(known)d already listed).",
                    "%(added)d values added (%(known)d already listed).",
                    len(new),
                )
                % {"added": len(new), "known": len(existing)},
            )
            return redirect(reverse("admin:quality_listedvalue_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Paste values into a list"),
        }
        return TemplateResponse(request, "admin/quality/listedvalue/paste.html", context)


admin.site.register(FitRule, FitRuleAdmin)
