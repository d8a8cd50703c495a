"""The ledger and the blocks in the admin: to read, never to change (consents are recorded
and blocks lifted through the card, the API or the requests register, which keep the
events)."""

from django.contrib import admin

from .models import ConsentRecord, Restriction


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnly):
    list_display = ["recorded_at", "purpose", "status", "method", "email", "phone", "lead_id"]
    list_filter = ["purpose", "status", "method"]
    search_fields = ["email", "phone"]
    date_hierarchy = "recorded_at"


@admin.register(Restriction)
class RestrictionAdmin(ReadOnly):
    list_display = ["requested_at", "request_reference", "lead_id", "lifted_at"]
    list_filter = ["lifted_at"]
    search_fields = ["request_reference", "values__value"]
