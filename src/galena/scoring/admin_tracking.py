"""Admin of behaviour tracking: the tracked sites (with the snippet to put in their pages),
greetings, page categories, and read-only lists of visitors and their events."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from galena.leads.models import Temperature
from galena.scoring.models import Greeting, PageCategoryRule, TrackedEvent, TrackingSite, Visitor

QUEUE_STUB = (
    "<script>window.galena=window.galena||function(){(galena.q=galena.q||[]).push(arguments)};"
    "</script>"
)


def tracking_snippet(site: TrackingSite, *, consent_required: bool = False) -> str:
    """What a site puts in its pages, before </body>, to be tracked."""
    script_url = settings.SITE_URL + reverse("scoring-track-script")
    consent = ' data-consent="required"' if consent_required else ""
    return (
        f'{QUEUE_STUB}\n<script async src="{script_url}" data-site="{site.key}"{consent}></script>'
    )


class OriginsField(forms.JSONField):
    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


@admin.register(TrackingSite)
class TrackingSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "origins", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "key"]
    readonly_fields = ["key", "snippet"]
    fields = ["name", "is_active", "allowed_origins", "key", "snippet"]
    formfield_overrides = {
        models.JSONField: {
            "form_class": OriginsField,
            "widget": forms.Textarea(
                attrs={"rows": 4, "cols": 60, "style": "font-family: monospace"}
            ),
        }
    }

    @admin.display(description=_("Allowed origins"))
    def origins(self, site: TrackingSite) -> str:
        return ", ".join(site.allowed_origins) if isinstance(site.allowed_origins, list) else ""

    @admin.display(description=_("Snippet for the site's pages"))
    def snippet(self, site: TrackingSite) -> str:
        if not site.pk:
            return _("Save the site to get its snippet.")
        return format_html(
            "<p>{}</p><pre>{}</pre><p>{}</p><pre>{}</pre><p>{}</p><pre>{}</pre><p>{}</p>",
            _("Put this before </body> on every page of the site:"),
            tracking_snippet(site),
            _(
                "Where visitors must agree first, use this instead and call "
                "galena('consent', true) when they do (galena('consent', false) forgets them):"
            ),
            tracking_snippet(site, consent_required=True),
            _(
                "The site's own events, a page's category, and where a greeting for a "
                "returning known visitor goes:"
            ),
            "galena('track', 'webinar', {title: 'Spring webinar'});\n"
            '<meta name="galena:category" content="pricing">\n'
            "<p data-galena-greeting hidden></p>",
            _(
                "Browsers that ask not to be tracked (Do-Not-Track, Global Privacy Control) "
                "send nothing."
            ),
        )


class GreetingForm(forms.ModelForm):
    temperatures = forms.MultipleChoiceField(
        choices=Temperature.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The lead's temperature is one of these; none ticked for any."),
    )

    class Meta:
        model = Greeting
        fields = [
            "name",
            "is_active",
            "order",
            "site",
            "temperatures",
            "interest_contains",
            "page_category",
            "message",
            "offer_text",
            "offer_url",
        ]


@admin.register(Greeting)
class GreetingAdmin(admin.ModelAdmin):
    form = GreetingForm
    list_display = ["name", "order", "is_active", "site", "page_category", "message"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "site"]
    list_select_related = ["site"]
    search_fields = ["name", "message", "offer_text"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "order"]}),
        (
            _("Who sees it"),
            {
                "fields": ["site", "temperatures", "interest_contains", "page_category"],
                "description": _(
                    "Only returning visitors Galena knows as a lead (they sent a form or "
                    "followed a link of a tracked e-mail). The first greeting in order "
                    "whose conditions hold is shown."
                ),
            },
        ),
        (_("What it says"), {"fields": ["message", "offer_text", "offer_url"]}),
    ]


@admin.register(PageCategoryRule)
class PageCategoryRuleAdmin(admin.ModelAdmin):
    list_display = ["url_contains", "category", "order"]
    list_editable = ["category", "order"]
    search_fields = ["url_contains", "category"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by tracking, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrackedEvent)
class TrackedEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "category", "lead", "visitor_key", "origin", "url"]
    list_filter = ["kind", "origin", "category"]
    list_select_related = ["lead"]
    search_fields = ["visitor_key", "url", "external_id"]
    show_full_result_count = False  # the table is large: no second COUNT(*) per page


@admin.register(Visitor)
class VisitorAdmin(ReadOnlyAdmin):
    list_display = [
        "key",
        "lead",
        "first_seen_at",
        "last_seen_at",
        "identified_at",
        "channel",
        "source",
        "campaign",
    ]
    list_filter = ["channel"]
    list_select_related = ["lead", "source", "campaign"]
    search_fields = ["key"]
    show_full_result_count = False
