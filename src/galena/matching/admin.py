"""Matching in the admin."""

from __future__ import annotations

import math

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from galena.matching.models import ComparisonWeight, LeadMerge, MatchSettings, WeightSource
from galena.matching.weights import match_model_forget

# --- the model: weights by hand (or as EM left them) and the thresholds


@admin.register(ComparisonWeight)
class ComparisonWeightAdmin(admin.ModelAdmin):
    list_display = ["comparison", "level", "m", "u", "bits", "source", "updated_at"]
    list_editable = ["m", "u"]
    list_filter = ["comparison", "source"]
    readonly_fields = ["comparison", "level", "source", "updated_at"]
    fields = ["comparison", "level", "m", "u", "source", "updated_at"]

    @admin.display(description=_("Weight (bits)"))
    def bits(self, obj: ComparisonWeight) -> str:
        return f"{math.log2(obj.m / obj.u):+.2f}"

    def has_add_permission(self, request) -> bool:
        return False  # the levels are the code's; their rows are seeded

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.source = WeightSource.HAND
        super().save_model(request, obj, form, change)
        transaction.on_commit(match_model_forget)


@admin.register(MatchSettings)
class MatchSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "same_threshold", "possible_threshold", "prior", "unmerge_days"]

    def has_add_permission(self, request) -> bool:
        return not MatchSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(match_model_forget)


# --- merges: read-only (a merge is made and undone on the merge page or through the API,
# which move the rows; editing the record here would only make it lie)


@admin.register(LeadMerge)
class LeadMergeAdmin(admin.ModelAdmin):
    list_display = ["id", "survivor", "merged_ids", "actor", "created_at", "unmerged_at"]
    list_filter = ["created_at", "unmerged_at"]
    search_fields = ["survivor__id", "survivor__display_name"]
    list_select_related = ["survivor", "actor"]
    readonly_fields = [
        "survivor",
        "merged_ids",
        "choices",
        "snapshot",
        "moved",
        "actor",
        "created_at",
        "unmerged_at",
        "unmerged_by",
    ]
    fields = readonly_fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
