from django import forms
from django.utils.translation import gettext_lazy as _


class SubjectSearchForm(forms.Form):
    """Who: an e-mail address, a phone number or a lead's number (any one is enough)."""

    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    lead = forms.IntegerField(label=_("Lead number"), min_value=1, required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("email", "").strip() or data.get("phone", "").strip() or data.get("lead")):
            raise forms.ValidationError(
                _("Give an e-mail address, a phone number or a lead number.")
            )
        return data

    def lookup(self) -> dict:
        """The search as find_subject's arguments."""
        data = self.cleaned_data
        return {
            "email": data.get("email", "").strip() or None,
            "phone": data.get("phone", "").strip() or None,
            "lead_id": data.get("lead"),
        }


class ErasureForm(SubjectSearchForm):
    reason = forms.CharField(
        label=_("Why (the request, its reference)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the erasure; the person's own values in it are removed."),
    )
    confirm = forms.BooleanField(
        label=_("I understand this cannot be undone."),
        required=True,
    )
