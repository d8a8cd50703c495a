"""The "Personal data" panel's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConsentMethod, ConsentStatus
from .services import purposes

# how a consent reaches a person working the card
BY_HAND_METHODS = [
    (ConsentMethod.CALL, ConsentMethod.CALL.label),
    (ConsentMethod.EMAIL, ConsentMethod.EMAIL.label),
    (ConsentMethod.MANUAL, ConsentMethod.MANUAL.label),
]
# the lead's fields a person may have corrected from the panel
RECTIFIABLE_FIELDS = [
    ("first_name", _("First name")),
    ("middle_name", _("Middle name")),
    ("last_name", _("Last name")),
    ("display_name", _("Display name")),
    ("company_name", _("Company")),
    ("position", _("Position")),
    ("country", _("Country")),
    ("region", _("Region")),
    ("city", _("City")),
]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"))
    status = forms.ChoiceField(label=_("Consent"), choices=ConsentStatus.choices)
    method = forms.ChoiceField(label=_("How"), choices=BY_HAND_METHODS)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = list(purposes().items())


class BlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    request_reference = forms.CharField(
        label=_("Request reference"), required=False, max_length=100
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=2000)


class RectifyForm(forms.Form):
    request_reference = forms.CharField(
        label=_("Request reference"), required=False, max_length=100
    )
    field = forms.ChoiceField(
        label=_("Field"), choices=[("", "—"), *RECTIFIABLE_FIELDS], required=False
    )
    value = forms.CharField(label=_("Corrected value"), required=False, max_length=255)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    contact_value = forms.CharField(label=_("Corrected contact"), required=False, max_length=320)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—"), *((v, v) for v in contacts)]

    def clean(self):
        data = super().clean()
        if not data.get("field") and not data.get("contact"):
            raise forms.ValidationError(_("Choose a field or a contact to correct."))
        if data.get("contact") and not (data.get("contact_value") or "").strip():
            self.add_error("contact_value", _("Give the corrected contact."))
        return data
