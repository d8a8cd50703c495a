from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from galena.clients.models import (
    ACCOUNT_DETAILS,
    CONTACT_DETAILS,
    Account,
    ClientField,
    ClientLead,
    Contact,
    ContactMethod,
    Conversion,
    Deal,
    DealStage,
)


@admin.register(ClientField)
class ClientFieldAdmin(admin.ModelAdmin):
    """Which fields a client needs that a lead did not: the conversion form asks for them
    and the client card says which are missing."""

    list_display = ["record", "field", "is_required", "order"]
    list_editable = ["is_required", "order"]
    list_filter = ["record", "is_required"]


@admin.register(DealStage)
class DealStageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "order", "is_default"]
    list_editable = ["order"]


class ContactMethodInline(admin.TabularInline):
    model = ContactMethod
    extra = 0
    fields = ["kind", "value_raw", "value", "label", "is_primary", "verified"]
    readonly_fields = ["value"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["display_name", "position", "owner"]
    readonly_fields = ["display_name"]
    show_change_link = True


class ClientEditsRecorded:
    """A contact's or an account's details changed here are on the client's history with
    their before and after, as an edit on the card is."""

    detail_fields: tuple[str, ...] = ()
    client_argument = ""

    def save_model(self, request, obj, form, change):
        from galena.clients.services import client_edit_record
        from galena.leads.models import ActorSource
        from galena.leads.services import Actor

        before = {
            name: form.initial.get(name) for name in self.detail_fields if name in form.changed_data
        }
        super().save_model(request, obj, form, change)
        if change and before:
            client_edit_record(
                actor=Actor(user=request.user, source=ActorSource.MANUAL),
                before=before,
                **{self.client_argument: obj},
            )


class AccountAdminForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = "__all__"  # noqa: DJ007 - the admin edits every editable field

    def clean_tax_id(self) -> str:
        from galena.clients.services import tax_id_normalise

        value = self.cleaned_data["tax_id"]
        normalised = tax_id_normalise(value)
        other = (
            Account.objects.filter(tax_id_normalised=normalised)
            .exclude(pk=self.instance.pk)
            .first()
            if normalised
            else None
        )
        if other is not None:
            raise forms.ValidationError(
                _("%(account)s (#%(id)s) has this tax id already: one account per company.")
                % {"account": other.name, "id": other.pk}
            )
        return value


@admin.register(Account)
class AccountAdmin(ClientEditsRecorded, admin.ModelAdmin):
    form = AccountAdminForm
    detail_fields = ACCOUNT_DETAILS
    client_argument = "account"
    list_display = ["name", "tax_id", "registration_number", "country", "owner", "created_at"]
    list_filter = ["country", "team"]
    list_select_related = ["owner"]
    search_fields = ["name", "legal_name", "tax_id", "registration_number"]
    raw_id_fields = ["owner"]
    inlines = [ContactInline]

    def save_model(self, request, obj, form, change):
        from galena.clients.services import tax_id_normalise

        obj.tax_id_normalised = tax_id_normalise(obj.tax_id)
        obj.search_text = " ".join(
            p for p in (obj.name, obj.legal_name, obj.tax_id, obj.registration_number) if p
        ).casefold()
        super().save_model(request, obj, form, change)


@admin.register(Contact)
class ContactAdmin(ClientEditsRecorded, admin.ModelAdmin):
    detail_fields = CONTACT_DETAILS
    client_argument = "contact"
    list_display = ["__str__", "position", "account", "owner", "created_at"]
    list_select_related = ["account", "owner"]
    search_fields = ["display_name", "first_name", "last_name", "methods__value"]
    raw_id_fields = ["account", "owner"]
    inlines = [ContactMethodInline]


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "amount", "currency", "stage", "account", "contact", "owner"]
    list_filter = ["kind", "stage", "currency"]
    list_select_related = ["stage", "account", "contact", "owner"]
    search_fields = ["title", "account__name", "contact__display_name"]
    raw_id_fields = ["account", "contact", "lead", "owner", "created_by"]


@admin.register(Conversion)
class ConversionAdmin(admin.ModelAdmin):
    """The record of each conversion, read-only: analytics sums its times."""

    list_display = [
        "lead",
        "contact",
        "account",
        "deal",
        "converted_at",
        "converted_by",
        "client_owner",
        "conversion_time",
        "lead_time",
    ]
    list_select_related = ["lead", "contact", "account", "deal", "converted_by", "client_owner"]
    date_hierarchy = "converted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClientLead)
class ClientLeadAdmin(admin.ModelAdmin):
    list_display = ["lead", "contact", "account", "kind", "linked_at"]
    list_filter = ["kind"]
    list_select_related = ["lead", "contact", "account"]
    raw_id_fields = ["lead", "contact", "account"]
