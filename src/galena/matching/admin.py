"""Matching in the admin."""

from __future__ import annotations

from django.contrib import admin

from galena.matching.models import LeadMerge

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
