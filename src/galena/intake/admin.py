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


# --- inbound channels: mailboxes, call and chat integrations, ad platforms ------------

from django import forms  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib import messages  # noqa: E402

from galena.intake.models import (  # noqa: E402
    AdPlatformIntegration,
    ExternalCampaign,
    Mailbox,
    TrackingNumber,
    WebhookIntegration,
)
from galena.leads.normalise import normalise_phone  # noqa: E402


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
