import json
import shlex

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from galena.intake.models import (
    AdPlatformIntegration,
    ExternalCampaign,
    Form,
    FormKind,
    ImportJob,
    Mailbox,
    Submission,
    TrackingNumber,
    WebhookIntegration,
)
from galena.leads.normalise import normalise_phone


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, so a form's fields and a quiz can be read and edited by hand."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


EXAMPLE_FIELDS = (
    '[{"name": "name", "label": "Your name", "type": "text", "required": true},\n'
    ' {"name": "phone", "label": "Phone", "type": "tel"},\n'
    ' {"name": "product", "label": "Product", "type": "select", "options": ["Solar", "Heat pump"]}]'
)
EXAMPLE_QUIZ = (
    '{"steps": [{"id": "goal", "question": "What matters most?", "type": "single",\n'
    '            "options": [{"value": "save", "label": "Saving money", "next": "bill"},\n'
    '                        {"value": "green", "label": "Going green"}], "next": "end"},\n'
    '           {"id": "bill", "question": "Your monthly bill?", "type": "number", "min": 0}]}'
)


def public_links(request, form: Form) -> dict[str, str]:
    """Where a form lives, as absolute URLs of this site, and how to use it."""
    base = request.build_absolute_uri("/").rstrip("/")
    if form.kind == FormKind.QUICK_ENTRY:
        return {"quick_entry_url": base + reverse("intake-quick-entry", args=[form.slug])}
    capture_url = base + reverse("api:capture", kwargs={"form_key": form.key})
    script_url = base + reverse("intake-embed-script", args=[form.slug])
    example = {"name": "Ana Marin", "phone": "+40722123456", "consent": True}
    return {
        "hosted_url": base + reverse("intake-hosted-form", args=[form.slug]),
        "embed_snippet": f'<script src="{script_url}" async></script>',
        "embed_snippet_target": (
            f'<div id="galena-form"></div>\n'
            f'<script src="{script_url}" data-target="#galena-form" async></script>'
        ),
        "capture_url": capture_url,
        "curl_example": (
            f"curl -X POST {capture_url} \\\n"
            "  -H 'Content-Type: application/json' \\\n"
            "  -H 'Idempotency-Key: 3f1c9a52-order-1042' \\\n"
            f"  -d {shlex.quote(json.dumps(example))}"
        ),
    }


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    change_form_template = "admin/intake/form/change_form.html"
    list_display = ["name", "kind", "channel", "source", "offline_event", "is_active", "page"]
    list_filter = ["kind", "channel", "is_active", "source"]
    list_select_related = ["source", "offline_event"]
    search_fields = ["name", "slug", "key"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["key"]
    formfield_overrides = {
        models.JSONField: {
            "form_class": PrettyJSONField,
            "widget": forms.Textarea(
                attrs={"rows": 10, "cols": 90, "style": "font-family: monospace"}
            ),
        }
    }
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_active"]}),
        (
            _("Attribution"),
            {"fields": ["channel", "source", "campaign", "offline_event", "interest"]},
        ),
        (_("New leads"), {"fields": ["default_owner", "default_team", "default_region"]}),
        (
            _("What the visitor sees"),
            {
                "fields": ["fields", "quiz", "incentive", "thank_you_message", "redirect_url"],
                "description": _(
                    "Fields: a list of {name, label, type, required, options}; types: text, "
                    "email, tel, textarea, number, date, url, select, radio, checkbox. Leave "
                    "empty for the kind's default fields. A field named “consent” replaces "
                    "the consent checkbox (e.g. to make it required)."
                ),
            },
        ),
        (_("Consent"), {"fields": ["consent_text", "consent_version", "consent_purposes"]}),
        (_("Embedding"), {"fields": ["allowed_origins", "key"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "fields":
            field.help_text = format_html("{}<pre>{}</pre>", _("For example:"), EXAMPLE_FIELDS)
        elif db_field.name == "quiz":
            field.help_text = format_html(
                "{}<pre>{}</pre>",
                _(
                    "Quizzes only. Each step: id, question, type (single, multiple, text, "
                    "number), options with value, label and an optional next step; next: the "
                    "default next step, “end” to finish. For example:"
                ),
                EXAMPLE_QUIZ,
            )
        return field

    @admin.display(description=_("Page"))
    def page(self, form: Form) -> str:
        if form.kind == FormKind.QUICK_ENTRY:
            url = reverse("intake-quick-entry", args=[form.slug])
        else:
            url = reverse("intake-hosted-form", args=[form.slug])
        return format_html('<a href="{}">{}</a>', url, url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["publish"] = public_links(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["received_at", "channel", "endpoint", "status", "outcome", "attempts", "lead"]
    list_filter = ["status", "outcome", "channel"]
    raw_id_fields = ["lead"]
    readonly_fields = [f.name for f in Submission._meta.fields]
    show_full_result_count = False
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Process the selected failed or stuck submissions again")
    def retry(self, request, queryset):
        from django.contrib import messages

        from galena.intake.services import submissions_retry

        ids = list(queryset.values_list("pk", flat=True))
        counts = submissions_retry(ids=ids)
        if not counts:
            self.message_user(
                request,
                "None of the selected submissions is failed or stuck: nothing to retry.",
                messages.WARNING,
            )
            return
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        level = messages.ERROR if counts.get("failed") else messages.SUCCESS
        self.message_user(request, f"Retried {sum(counts.values())}: {summary}.", level)


# --- inbound channels: mailboxes, call and chat integrations, ad platforms ------------


def masked(value: str) -> str:
    """A secret as the admin shows it: its last four characters at most."""
    if not value:
        return "—"
    return f"…{value[-4:]}" if len(value) >= 16 else "set"


class SecretsForm(forms.ModelForm):
    """Secrets are typed in, never shown back: an empty field keeps the stored value (or,
    on a new record, the generated one, shown once after saving)."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if name in self.fields:
                field = self.fields[name]
                field.widget = forms.PasswordInput(render_value=False)
                field.required = False
                stored = getattr(self.instance, name, "") if self.instance.pk else ""
                if stored:
                    field.help_text = f"Stored: {masked(stored)}. Leave empty to keep it."

    def clean(self):
        cleaned = super().clean()
        for name in self.secret_fields:
            if name in self.fields and not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name, "")
        return cleaned


class WebhookIntegrationForm(SecretsForm):
    secret_fields = ("secret",)

    class Meta:
        model = WebhookIntegration
        fields = [
            "name", "kind", "provider", "key", "secret", "source", "campaign",
            "default_owner", "default_team", "default_region", "is_active",
        ]  # fmt: skip


class AdPlatformIntegrationForm(SecretsForm):
    secret_fields = ("verify_token", "app_secret", "access_token", "google_key")

    class Meta:
        model = AdPlatformIntegration
        fields = [
            "platform", "name", "key", "verify_token", "app_secret", "access_token",
            "google_key", "source", "campaign", "default_owner", "default_team", "is_active",
        ]  # fmt: skip


class TrackingNumberForm(forms.ModelForm):
    class Meta:
        model = TrackingNumber
        fields = ["number", "source", "campaign", "is_active"]

    def clean_number(self):
        normalised = normalise_phone(self.cleaned_data["number"], settings.DEFAULT_REGION)
        if not normalised.is_valid:
            raise forms.ValidationError(
                "Enter the number with its country code, e.g. +40312345678."
            )
        return normalised.value


def _inbound_url(path: str) -> str:
    return f"{settings.SITE_URL}/api/v1/inbound/{path}"


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "campaign", "default_team", "is_active"]
    list_filter = ["is_active"]
    readonly_fields = ["inbound_url"]
    raw_id_fields = ["default_owner"]

    @admin.display(description="Inbound URL (POST raw messages here)")
    def inbound_url(self, obj):
        return _inbound_url(f"email/{obj.key}") if obj.pk else "—"


@admin.register(WebhookIntegration)
class WebhookIntegrationAdmin(admin.ModelAdmin):
    form = WebhookIntegrationForm
    list_display = ["name", "kind", "provider", "source", "is_active", "secret_hint"]
    list_filter = ["kind", "provider", "is_active"]
    readonly_fields = ["inbound_url"]
    raw_id_fields = ["default_owner"]

    @admin.display(description="Secret")
    def secret_hint(self, obj):
        return masked(obj.secret)

    @admin.display(description="Inbound URL")
    def inbound_url(self, obj):
        return _inbound_url(f"{obj.kind}/{obj.key}") if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        generated = not change and not form.data.get("secret")
        super().save_model(request, obj, form, change)
        if generated:
            messages.info(
                request,
                f"The secret of {obj.name} is {obj.secret} — copy it now into the sending "
                "service: it is not shown again.",
            )


@admin.register(AdPlatformIntegration)
class AdPlatformIntegrationAdmin(admin.ModelAdmin):
    form = AdPlatformIntegrationForm
    list_display = ["name", "platform", "source", "campaign", "is_active"]
    list_filter = ["platform", "is_active"]
    readonly_fields = ["inbound_url"]
    raw_id_fields = ["default_owner"]

    @admin.display(description="Webhook URL")
    def inbound_url(self, obj):
        if not obj.pk:
            return "—"
        return _inbound_url(f"{'meta' if obj.platform == 'meta' else 'google-ads'}/{obj.key}")


@admin.register(ExternalCampaign)
class ExternalCampaignAdmin(admin.ModelAdmin):
    list_display = ["platform", "external_id", "campaign"]
    list_filter = ["platform"]
    search_fields = ["external_id", "campaign__name"]


@admin.register(TrackingNumber)
class TrackingNumberAdmin(admin.ModelAdmin):
    form = TrackingNumberForm
    list_display = ["number", "source", "campaign", "is_active"]
    list_filter = ["is_active", "source"]
    search_fields = ["number"]


# --- file imports ---------------------------------------------------------------------


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """A read-only register of imports; they are run from the import page or
    `galena import`, where the mapping, dry run and progress are."""

    list_display = [
        "original_name",
        "source",
        "status",
        "processed_rows",
        "total_rows",
        "created_count",
        "failed_count",
        "duplicate_count",
        "created_by",
        "created_at",
        "page",
    ]
    list_filter = ["status", "source"]
    list_select_related = ["source", "created_by"]
    search_fields = ["original_name"]
    readonly_fields = [f.name for f in ImportJob._meta.fields] + ["page"]

    @admin.display(description="Import page")
    def page(self, job: ImportJob) -> str:
        return format_html('<a href="{}">open</a>', reverse("import-job", args=[job.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
