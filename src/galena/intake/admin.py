from django.contrib import admin

from galena.intake.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["received_at", "channel", "endpoint", "status", "attempts", "lead"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["lead"]
    readonly_fields = [f.name for f in Submission._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
