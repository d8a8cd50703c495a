"""The admin shows the register and the audit log read-only: their rows are evidence, changed
only through the services (requests) or never (audit entries)."""

from django.contrib import admin

from galena.compliance.models import AuditEntry, DataRequest, DataRequestEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DataRequestEventInline(admin.TabularInline):
    model = DataRequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "occurred_at", "actor", "text", "params")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "email", "phone", "status", "received_at", "due_at", "handler")
    list_filter = ("status", "kind", "channel")
    search_fields = ("email", "phone")
    inlines = [DataRequestEventInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "actor", "action", "object_type", "count", "ip")
    list_filter = ("action", "object_type")
    date_hierarchy = "occurred_at"
