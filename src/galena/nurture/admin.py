from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from galena.nurture import selectors
from galena.nurture.merge import MERGE_FIELDS
from galena.nurture.models import (
    Enrollment,
    FarewellAnswer,
    FarewellInvitation,
    FarewellQuestion,
    FarewellQuestionnaire,
    NurtureMessage,
    Sequence,
    SequenceStep,
    Suppression,
)

MERGE_HELP = ", ".join("{{ " + name + " }}" for name in MERGE_FIELDS)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "method", "created_at", "lead"]
    list_filter = ["method"]
    search_fields = ["email"]
    raw_id_fields = ["lead", "created_by"]
    readonly_fields = ["created_at", "evidence"]

    def has_change_permission(self, request, obj=None) -> bool:
        # the evidence of a person's request is kept as it was given
        return obj is None


class FarewellQuestionInline(admin.TabularInline):
    model = FarewellQuestion
    extra = 0


@admin.register(FarewellQuestionnaire)
class FarewellQuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "auto_send", "auto_send_reasons"]
    inlines = [FarewellQuestionInline]


@admin.register(FarewellInvitation)
class FarewellInvitationAdmin(admin.ModelAdmin):
    list_display = ["lead", "email", "rejection_reason_code", "sent_at", "language"]
    list_select_related = ["lead"]
    raw_id_fields = ["lead", "sent_by"]
    search_fields = ["email"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FarewellAnswer)
class FarewellAnswerAdmin(admin.ModelAdmin):
    list_display = ["lead", "answered_at", "may_write_later"]
    list_select_related = ["lead"]
    raw_id_fields = ["lead", "invitation"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SequenceStepInline(admin.StackedInline):
    model = SequenceStep
    extra = 0
    fields = [("order", "language"), ("wait_days", "send_on", "repeat_yearly"), "subject", "body"]


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ["name", "audience", "is_active", "languages", "rejection_reasons"]
    list_filter = ["audience", "is_active"]
    filter_horizontal = ["sources"]
    inlines = [SequenceStepInline]
    readonly_fields = ["preview"]
    fieldsets = [
        (None, {"fields": ["name", "audience", "is_active"]}),
        (_("Who"), {"fields": ["rejection_reasons", "sources", "languages"]}),
        (_("Who it would take now"), {"fields": ["preview"]}),
    ]

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the sequence to see who it would take.")
        found = selectors.sequence_preview(obj)
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> — {}</li>',
            (
                (
                    reverse("lead-detail", args=[lead.pk]),
                    str(lead),
                    _("may get marketing e-mail") if allowed else _("not written to: %s") % reason,
                )
                for lead, allowed, reason in found.sample
            ),
        )
        return format_html(
            "<p>{}</p><ul>{}</ul><p class='help'>{}</p>",
            _("%(count)s leads match the rules now (newest shown).") % {"count": found.matching},
            rows,
            _("Merge fields for the steps: %(fields)s") % {"fields": MERGE_HELP},
        )


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["lead", "sequence", "status", "next_step", "next_send_at", "stop_reason"]
    list_filter = ["status", "sequence", "stop_reason"]
    list_select_related = ["lead", "sequence"]
    raw_id_fields = ["lead"]


@admin.register(NurtureMessage)
class NurtureMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "email", "status", "claimed_at", "sent_at"]
    list_filter = ["status"]
    raw_id_fields = ["enrollment", "lead", "step"]
    search_fields = ["email"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
