"""Activities in the admin: e-mail templates (checked against the merge-field sandbox),
signatures, the documents library, sent e-mails (read-only, failed ones retryable) and
meetings."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from galena.activities.merge import MERGE_FIELDS
from galena.activities.models import (
    Document,
    EmailStatus,
    EmailTemplate,
    Meeting,
    SentEmail,
    Signature,
)
from galena.activities.services import email_retry, email_template_check
from galena.core.errors import ApplicationError
from galena.leads.models import ActorSource
from galena.leads.services import Actor


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "purpose", "language", "subject", "body", "is_active", "order"]
        help_texts = {
            "body": _("Merge fields: %(names)s.")
            % {"names": ", ".join("{{ " + name + " }}" for name in MERGE_FIELDS)},
        }

    def clean(self):
        data = super().clean()
        try:
            email_template_check(subject=data.get("subject") or "", body=data.get("body") or "")
        except ApplicationError as error:
            self.add_error(
                error.field if error.field in ("subject", "body") else None, error.message
            )
        return data


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ["name", "purpose", "language", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["purpose", "language", "is_active"]
    search_fields = ["name", "subject", "body"]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["user", "updated_at"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "original_name", "size", "lead", "uploaded_by", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title", "original_name"]
    raw_id_fields = ["lead", "uploaded_by"]
    readonly_fields = ["original_name", "size", "content_type", "uploaded_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # uploaded through the card and the documents page, which check them


@admin.register(SentEmail)
class SentEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "lead", "sender", "kind", "status", "created_at", "sent_at"]
    list_filter = ["status", "kind", "event_type"]
    search_fields = ["subject", "to", "message_id"]
    list_select_related = ["lead", "sender"]
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send the failed e-mails again"))
    def retry(self, request, queryset):
        actor = Actor(user=request.user, source=ActorSource.MANUAL)
        sent = failed = 0
        for email in queryset.exclude(status=EmailStatus.SENT):
            try:
                result = email_retry(actor=actor, sent_email=email)
            except ApplicationError as error:
                messages.error(request, f"{email}: {error.message}")
                continue
            if result.status == EmailStatus.SENT:
                sent += 1
            else:
                failed += 1
        if sent:
            messages.success(request, ngettext("%d e-mail sent.", "%d e-mails sent.", sent) % sent)
        if failed:
            messages.error(
                request,
                ngettext("%d e-mail failed again.", "%d e-mails failed again.", failed) % failed,
            )


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "lead", "organizer", "starts_at", "time_zone", "status", "sequence"]
    list_filter = ["status"]
    search_fields = ["title", "location"]
    raw_id_fields = ["lead", "organizer", "task"]
    readonly_fields = ["uid", "sequence", "task"]
