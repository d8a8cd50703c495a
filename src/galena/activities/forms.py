"""The composer's forms on the lead card: log a call, write an e-mail, send documents,
schedule a meeting. Times typed in a form are read in the named time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from galena.activities.models import Document, DocumentKind
from galena.activities.selectors import email_templates_for
from galena.leads.models import CallOutcome
from galena.quality.verification import CALL_NOTE_MAX

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def aware_in(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A datetime-local value (the form makes it aware in the site's zone) read as wall time
    in ``zone``."""
    if value is None:
        return None
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return value
    return value.replace(tzinfo=None).replace(tzinfo=tz)


class CallForm(forms.Form):
    prefix = "call"
    outcome = forms.ChoiceField(label=_("How did the call go?"), choices=CallOutcome.choices)
    duration_minutes = forms.DecimalField(
        label=_("Minutes"), required=False, min_value=0, max_value=480, decimal_places=1
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=CALL_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        widget=LOCAL_INPUT,
        help_text=_("For “call back later”: a call task is planned then."),
    )
    task = forms.TypedChoiceField(
        label=_("Planned call"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tasks = {t.pk: t for t in tasks}
        self.fields["task"].choices = [("", _("— none —"))] + [
            (t.pk, f"{t.title} ({t.due_at:%d.%m %H:%M})" if t.due_at else t.title) for t in tasks
        ]
        if not tasks:
            self.fields["task"].widget = forms.HiddenInput()

    @property
    def duration_seconds(self) -> int | None:
        minutes = self.cleaned_data.get("duration_minutes")
        return None if minutes is None else int(minutes * 60)


class EmailForm(forms.Form):
    prefix = "email"
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=None, required=False, empty_label=_("— write freely —")
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Message"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 9})
    )

    def __init__(self, *args, lead=None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        field.queryset = email_templates_for(lead)
        if templates is not None:
            # the card reads the templates once for both composers: no query per select
            field.choices = [("", field.empty_label), *((t.pk, t.label) for t in templates)]


class OfferForm(EmailForm):
    prefix = "offer"
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = Document.objects.filter(
            pk__in=[d.pk for d in documents]
        )
        self.fields["documents"].choices = [
            (d.pk, f"{d.title} · {d.get_kind_display()}") for d in documents
        ]


class DocumentForm(forms.Form):
    prefix = "document"
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))


class MeetingForm(forms.Form):
    prefix = "meeting"
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL_INPUT)
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), min_value=5, max_value=24 * 60, initial=60
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial=settings.TIME_ZONE)
    location = forms.CharField(label=_("Place"), max_length=300, required=False)
    video_url = forms.URLField(
        label=_("Video link"), max_length=500, required=False, assume_scheme="https"
    )
    attendees = forms.CharField(
        label=_("Also invite"),
        required=False,
        help_text=_("E-mail addresses, separated by commas."),
    )
    description = forms.CharField(
        label=_("Agenda"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    send_invitation = forms.BooleanField(
        label=_("E-mail the invitation (.ics) to the lead"), required=False, initial=True
    )

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("Unknown time zone: use one like Europe/Bucharest.")
            ) from None
        return zone

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        starts = aware_in(self.cleaned_data["starts_at"], self.cleaned_data["time_zone"])
        return starts, starts + dt.timedelta(minutes=self.cleaned_data["duration_minutes"])

    def attendee_list(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data.get("attendees", "").split(",") if a.strip()]


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL_INPUT)
    duration_minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=24 * 60)
