from django.contrib import admin

from galena.privacy.models import Erasure, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("purpose", "days", "is_active", "updated_at")
    list_editable = ("days", "is_active")
    readonly_fields = ("purpose", "updated_at")

    def has_add_permission(self, request):
        # one row per purpose, seeded: the purposes are what the sweep knows how to select
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """The record of erasures: read only, it is the evidence."""

    list_display = ("occurred_at", "origin", "purpose", "actor", "files_deleted")
    list_filter = ("origin", "purpose")
    readonly_fields = [f.name for f in Erasure._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
