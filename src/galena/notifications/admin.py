from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from galena.core.errors import ValidationFailed
from galena.notifications import webhooks
from galena.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "lead", "in_app", "read_at", "emailed_at"]
    list_filter = ["kind", "in_app", "email_wanted"]
    list_select_related = ["user", "lead"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "lead"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "emailed_at"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "in_app", "email", "updated_at"]
    list_filter = ["kind", "in_app", "email"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


class WebhookForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events sent; none ticked: all."),
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "kinds", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.webhook_url_check(url)
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "signing"]
    fields = ["name", "url", "kinds", "is_active", "secret", "signing"]
    actions = ["send_test"]

    @admin.display(description=_("How to check the signature"))
    def signing(self, obj):
        return _(
            "Each POST carries X-Galena-Timestamp (Unix seconds) and X-Galena-Signature: "
            "sha256=HMAC-SHA256(secret, timestamp + '.' + raw body) in hex. Refuse old "
            "timestamps; X-Galena-Event names the kind, X-Galena-Delivery the attempt's log row."
        )

    @admin.action(description=_("Send a test event"))
    def send_test(self, request, queryset):
        for webhook in queryset:
            delivery = webhooks.webhook_test_send(webhook=webhook)
            if delivery.status == DeliveryStatus.DELIVERED:
                self.message_user(
                    request,
                    _("%(name)s answered %(code)s.")
                    % {"name": webhook, "code": delivery.response_code},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    _("%(name)s failed: %(error)s") % {"name": webhook, "error": delivery.error},
                    messages.ERROR,
                )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "webhook",
        "kind",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "kind", "webhook"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry now"), permissions=["view"])
    def retry_now(self, request, queryset):
        count = webhooks.deliveries_retry_now(
            delivery_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again now.",
                "%(count)d deliveries will be sent again now.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
