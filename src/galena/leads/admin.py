from django.contrib import admin

from galena.leads.models import (
    Campaign,
    CampaignSpend,
    ContactPoint,
    CurrencyRate,
    Lead,
    LeadEvent,
    OfflineEvent,
    RejectionReason,
    SavedFilter,
    Source,
    Stage,
    Task,
)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "vendor", "utm_source", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "vendor", "utm_source", "referrer_hosts"]


class CampaignSpendInline(admin.TabularInline):
    model = CampaignSpend
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "utm_campaign", "starts_on", "ends_on", "budget", "currency"]
    list_filter = ["source", "is_active"]
    list_select_related = ["source"]
    search_fields = ["name", "utm_campaign"]
    inlines = [CampaignSpendInline]


@admin.register(CurrencyRate)
class CurrencyRateAdmin(admin.ModelAdmin):
    list_display = ["from_currency", "to_currency", "rate", "valid_from"]
    list_filter = ["from_currency", "to_currency"]
    date_hierarchy = "valid_from"


@admin.register(OfflineEvent)
class OfflineEventAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "city", "starts_on", "ends_on"]
    search_fields = ["name", "city"]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "order", "is_initial", "required_fields"]
    list_editable = ["order"]


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # a reason rejected leads carry is kept (switch it off instead)
        return obj is None or not obj.leads.exists()


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ["kind", "value_raw", "value", "label", "is_primary", "is_valid", "verified"]
    readonly_fields = ["value"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["kind", "title", "due_at", "done_at", "outcome", "assignee"]
    raw_id_fields = ["assignee"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """Configuration and support view; managers work leads in the app, where every change
    is recorded as an event. Edits here bypass the services, so the admin is read-only."""

    list_display = [
        "display_name",
        "company_name",
        "stage",
        "owner",
        "temperature",
        "source",
        "created_at",
    ]
    list_filter = ["stage", "temperature", "fit", "quality_status", "channel", "source"]
    list_select_related = ["stage", "owner", "source"]
    search_fields = ["search_text"]
    date_hierarchy = "created_at"
    inlines = [ContactPointInline, TaskInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "lead", "type", "actor", "actor_source"]
    list_filter = ["type", "actor_source"]
    list_select_related = ["lead", "actor"]
    raw_id_fields = ["lead"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query"]
    list_select_related = ["user"]
