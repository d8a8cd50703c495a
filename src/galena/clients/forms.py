"""Forms of the client pages. They check the shape of the input; the services decide the
rest (required client fields, owners, refusals), and their refusals come back onto the
fields through ``leads.forms.add_service_error`` with ``FIELD_MAP``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from galena.clients.models import ACCOUNT_DETAILS, DealKind, DealStage
from galena.leads import access
from galena.leads.forms import PageForm, UserChoiceField
from galena.leads.models import ContactKind

NEW, NONE = "new", "none"
ACCOUNT_FIELDS = ACCOUNT_DETAILS
CONTACT_FIELDS = ("first_name", "middle_name", "last_name", "position", "language", "country")
DEAL_FIELDS = ("title", "kind", "amount", "currency", "expected_close_on", "stage")

# service error field -> form field
FIELD_MAP = {
    **{f"account.{name}": f"account_{name}" for name in ACCOUNT_FIELDS},
    **{f"contact.{name}": f"contact_{name}" for name in CONTACT_FIELDS},
    **{f"deal.{name}": f"deal_{name}" for name in DEAL_FIELDS},
    "deal.stage_id": "deal_stage",
    "owner_id": "owner",
    "lead": None,
}


def _contact_fields() -> dict[str, forms.Field]:
    return {
        "contact_first_name": forms.CharField(
            label=_("First name"), max_length=100, required=False
        ),
        "contact_middle_name": forms.CharField(
            label=_("Middle name"), max_length=100, required=False
        ),
        "contact_last_name": forms.CharField(label=_("Last name"), max_length=100, required=False),
        "contact_position": forms.CharField(label=_("Position"), max_length=120, required=False),
        "contact_language": forms.CharField(label=_("Language"), max_length=12, required=False),
        "contact_country": forms.CharField(
            label=_("Country"),
            max_length=2,
            required=False,
            widget=forms.TextInput(attrs={"size": 3}),
        ),
    }


def _account_fields() -> dict[str, forms.Field]:
    return {
        "account_name": forms.CharField(label=_("Company name"), max_length=200, required=False),
        "account_legal_name": forms.CharField(
            label=_("Legal name"), max_length=255, required=False
        ),
        "account_tax_id": forms.CharField(label=_("Tax id"), max_length=40, required=False),
        "account_registration_number": forms.CharField(
            label=_("Registration number"), max_length=60, required=False
        ),
        "account_billing_address": forms.CharField(
            label=_("Billing address"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        ),
        "account_country": forms.CharField(
            label=_("Country"),
            max_length=2,
            required=False,
            help_text=_("Two letters, e.g. RO"),
            widget=forms.TextInput(attrs={"size": 3, "autocomplete": "country"}),
        ),
        "account_website": forms.CharField(label=_("Website"), max_length=255, required=False),
        "account_industry": forms.CharField(label=_("Industry"), max_length=120, required=False),
    }


def _deal_fields(*, required: bool) -> dict[str, forms.Field]:
    return {
        "deal_title": forms.CharField(label=_("Deal"), max_length=200, required=False),
        "deal_kind": forms.ChoiceField(label=_("Kind"), choices=DealKind.choices),
        "deal_amount": forms.DecimalField(
            label=_("Amount"),
            max_digits=14,
            decimal_places=2,
            min_value=0,
            required=required,
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        ),
        "deal_currency": forms.CharField(
            label=_("Currency"),
            max_length=3,
            min_length=3,
            required=required,
            widget=forms.TextInput(attrs={"size": 4}),
        ),
        "deal_expected_close_on": forms.DateField(
            label=_("Expected close"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        ),
        "deal_stage": forms.ModelChoiceField(
            label=_("Deal stage"), queryset=DealStage.objects.all(), empty_label=None
        ),
    }


def mark_required(form: forms.Form, record: str, fields: list[str]) -> None:
    """Mark the client fields the business requires (ClientField rows), so the form shows
    them as required; the service refuses what is missing."""
    for name in fields:
        field = form.fields.get(f"{record}_{name}")
        if field is not None:
            field.label = f"{field.label} *"
            field.widget.attrs["data-client-required"] = "true"


class ConvertForm(PageForm):
    """Convert a lead: link or create its contact and account, and optionally a deal."""

    id_prefix = "convert"

    contact = forms.ChoiceField(label=_("Contact"), widget=forms.RadioSelect)
    account = forms.ChoiceField(label=_("Account"), widget=forms.RadioSelect)
    add_deal = forms.BooleanField(label=_("Record the deal"), required=False, initial=True)
    owner = UserChoiceField(
        label=_("Client owner"), queryset=None, empty_label=None, required=False
    )

    def __init__(
        self,
        *args: Any,
        user,
        lead,
        contact_choices: list[tuple[str, str]],
        account_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_contact_fields())
        self.fields.update(_account_fields())
        self.fields.update(_deal_fields(required=False))
        self.fields["contact"].choices = [
            *contact_choices,
            (NEW, _("Create a new contact from this lead")),
        ]
        self.fields["account"].choices = [
            *account_choices,
            (NEW, _("Create a new account")),
            (NONE, _("No account: a consumer (a private person)")),
        ]
        owners = access.assignable_owners(user)
        if lead.owner_id is not None:
            owners = owners | get_user_model().objects.filter(pk=lead.owner_id)
        self.fields["owner"].queryset = owners.distinct().order_by("username")
        self.fields["owner"].help_text = _("The client may have another owner than the lead.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("add_deal"):
            for name in ("deal_amount", "deal_currency"):
                if data.get(name) in (None, ""):
                    self.add_error(
                        name, _("Give the deal's amount and currency, or untick “Record the deal”.")
                    )
        if data.get("account") == NEW and not (data.get("account_name") or "").strip():
            self.add_error("account_name", _("Give the company's name, or choose “No account”."))
        return data


class AccountForm(PageForm):
    """The account's details on its card (the required client fields among them)."""

    id_prefix = "account"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_account_fields())
        self.fields["account_name"].required = True


class DealForm(PageForm):
    """A new deal on a client: a repeat purchase, an upsell or a cross-sell."""

    id_prefix = "deal"

    def __init__(self, *args: Any, contacts=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_deal_fields(required=True))
        self.fields["deal_kind"].initial = DealKind.REPEAT
        self.fields["deal_currency"].initial = settings.DEFAULT_CURRENCY
        self.fields["deal_stage"].initial = (
            DealStage.objects.filter(is_default=True).values_list("pk", flat=True).first()
        )
        if contacts is not None:
            self.fields["deal_contact"] = forms.ModelChoiceField(
                label=_("Contact"), queryset=contacts, required=False, empty_label=_("—")
            )


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Accounts and consumers")),
            ("account", _("Accounts")),
            ("contact", _("Consumers")),
        ],
    )
    owner = UserChoiceField(
        label=_("Owner"), required=False, queryset=None, empty_label=_("Anyone")
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "client-filter-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = access.assignable_owners(user)


class ContactForm(PageForm):
    """The contact's details on its card."""

    id_prefix = "contact"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_contact_fields())


class MethodForm(PageForm):
    """Another way to reach a contact."""

    id_prefix = "method"

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    value = forms.CharField(label=_("Value"), max_length=320)
    label = forms.CharField(label=_("Label"), max_length=40, required=False)


class OwnerForm(PageForm):
    """Give a client another owner."""

    id_prefix = "owner"

    owner = UserChoiceField(
        label=_("Owner"), queryset=None, empty_label=_("Nobody"), required=False
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = access.assignable_owners(user)
