"""Forms of the compliance pages: the public request form, the staff register and its actions,
the audit log's filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from galena.accounts.roles import PERSONAL_DATA_ROLES
from galena.compliance import selectors
from galena.compliance.models import AuditAction, RequestKind, RequestStatus
from galena.compliance.services import DETAILS_MAX, EXTENSION_MAX_DAYS, NOTE_MAX

# the honeypot's name: a field people never see (hidden by CSS, out of the tab order)
HONEYPOT = "website"


class PublicRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you ask for?"), choices=RequestKind.choices, widget=forms.RadioSelect
    )
    email = forms.CharField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link there to confirm it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("If we may also know you by a phone number, with its country code."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    details = forms.CharField(
        label=_("Anything we should know (optional)"),
        max_length=DETAILS_MAX,
        required=False,
        help_text=_("For a correction, what is wrong and what is right."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def _handlers():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(profile__role__in=sorted(PERSONAL_DATA_ROLES)))
        .order_by("first_name", "last_name", "username")
    )


class HandlerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


STATUS_FILTERS = [
    (selectors.OPEN, _("Open")),
    (selectors.OVERDUE, _("Overdue")),
    (selectors.CLOSED, _("Closed")),
    *RequestStatus.choices,
    ("all", _("All")),
]


class RequestFilterForm(forms.Form):
    q = forms.CharField(
        label=_("E-mail, phone or number"),
        required=False,
        max_length=254,
        widget=forms.SearchInput(attrs={"id": "request-filter-q"}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *RequestKind.choices], required=False
    )
    handler = HandlerChoice(
        label=_("Handler"), queryset=_handlers(), required=False, empty_label=_("Anyone")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _handlers()

    def filters(self) -> selectors.RequestFilters:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or selectors.OPEN
        handler = data.get("handler")
        return selectors.RequestFilters(
            status="" if status == "all" else status,
            kind=data.get("kind", ""),
            handler_id=handler.pk if handler else None,
            q=data.get("q", ""),
        )


class StaffRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    details = forms.CharField(
        label=_("What the person asked"),
        max_length=DETAILS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        help_text=_("Empty: now. The deadline counts from it."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    verified = forms.BooleanField(label=_("The person's identity is verified"), required=False)


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=EXTENSION_MAX_DAYS)
    text = forms.CharField(label=_("Reason"), max_length=NOTE_MAX)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any")), *AuditAction.choices], required=False
    )
    actor = HandlerChoice(
        label=_("Who"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )
    object_type = forms.ChoiceField(label=_("Records"), choices=[("", _("Any"))], required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["object_type"].choices = [
            ("", _("Any")),
            *[(name, name) for name in selectors.audit_object_types()],
        ]

    def filters(self) -> selectors.AuditFilters:
        data = self.cleaned_data if self.is_valid() else {}
        actor = data.get("actor")
        return selectors.AuditFilters(
            action=data.get("action", ""),
            actor_id=actor.pk if actor else None,
            object_type=data.get("object_type", ""),
            since=data.get("since"),
            until=data.get("until"),
        )
