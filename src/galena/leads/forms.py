"""Forms of the lead pages. They check the shape of the input; the services decide the rest,
and their refusals come back onto the fields through ``add_service_error``."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.core.errors import ApplicationError, ValidationFailed
from galena.leads import access
from galena.leads.models import (
    UNKNOWN,
    Campaign,
    Channel,
    ContactKind,
    ContactType,
    Fit,
    OfflineEvent,
    Origin,
    RejectionReason,
    Source,
    Stage,
    StageKind,
    TaskKind,
    Temperature,
)
from galena.leads.selectors import SORTS, LeadFilters

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _blank(label: str = "—") -> list[tuple[str, str]]:
    return [("", label)]


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def add_service_error(
    form: forms.Form, error: ApplicationError, field_map: dict[str, str] | None = None
) -> None:
    """Put a service's refusal on the form field it names, or on the form as a whole."""
    field_map = field_map or {}
    errors = error.errors if isinstance(error, ValidationFailed) else {error.field: error.message}
    for name, message in errors.items():
        target = field_map.get(name or "", name)
        form.add_error(target if target in form.fields else None, message)


class PageForm(forms.Form):
    """A form on a page with several forms: ids prefixed per form, labels without colons."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def campaign_label(campaign: Campaign) -> str:
    return f"{campaign.name} ({campaign.source.name})"


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return campaign_label(obj)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def _campaigns():
    return Campaign.objects.select_related("source").order_by("source__name", "name")


# --- the list -------------------------------------------------------------------------


def _sort_choices() -> list[tuple[str, str]]:
    return [(key, key) for name in SORTS for key in (name, f"-{name}")]


class LeadFilterForm(PageForm):
    id_prefix = "filter"

    """The lead list's filters: every field of selectors.LeadFilters, all optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, company, phone or e-mail"),
                "autocomplete": "off",
            }
        ),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    temperature = forms.ChoiceField(
        label=_("Temperature"), required=False, choices=_blank(_("Any")) + Temperature.choices
    )
    fit = forms.ChoiceField(label=_("Fit"), required=False, choices=_blank(_("Any")) + Fit.choices)
    source = forms.TypedChoiceField(label=_("Source"), required=False, coerce=int, empty_value=None)
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=_blank(_("Any")) + Channel.choices
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    quality = forms.ChoiceField(
        label=_("Quality"),
        required=False,
        choices=[
            ("", _("Sent to sales")),
            ("quarantined", _("Quarantined")),
            ("rejected", _("Rejected as pseudo-lead")),
            ("all", _("All")),
        ],
    )
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        if not access.can_assign(user):
            # quarantined and rejected leads are not sent to sales: only reviewers see them
            del fields["quality"]
        fields["stage"].choices = _blank(_("Any")) + [
            (stage.code, stage.label) for stage in Stage.objects.all()
        ]
        owners = [(str(u.pk), u.get_full_name() or u.get_username()) for u in _other_owners(user)]
        fields["owner"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *owners,
        ]
        fields["source"].choices = _blank(_("Any")) + list(
            Source.objects.values_list("pk", "name").order_by("name")
        )
        fields["campaign"].choices = _blank(_("Any")) + [
            (c.pk, campaign_label(c)) for c in _campaigns()
        ]
        fields["sort"].choices = _sort_choices()

    def filters(self) -> LeadFilters:
        """The filters from the fields that are valid; an invalid field filters nothing."""
        if not self.is_bound:
            return LeadFilters()
        self.is_valid()
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name in LeadFilters.names()
        }
        return LeadFilters(**values)

    @property
    def active_count(self) -> int:
        """How many filters narrow the list (search and sort not counted)."""
        if not self.is_bound:
            return 0
        return sum(
            1
            for name, value in self.cleaned_data.items()
            if name not in ("q", "sort") and value not in (None, "")
        )


def _other_owners(user):
    """People a user may filter by besides themselves: the ones they could assign to."""
    if not access.can_assign(user):
        return []
    return access.assignable_owners(user).exclude(pk=user.pk)


class SavedFilterForm(PageForm):
    id_prefix = "saved-filter"

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Hot leads this week")}),
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


# --- a new lead -----------------------------------------------------------------------


class LeadCreateForm(PageForm):
    id_prefix = "new"

    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=320,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        max_length=320,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    interest = forms.CharField(
        label=_("Interest"),
        max_length=200,
        required=False,
        help_text=_("The product or service the person asked about."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ModelChoiceField(
        label=_("Source"), required=False, queryset=Source.objects.filter(is_active=True)
    )
    campaign = CampaignChoiceField(
        label=_("Campaign"), required=False, queryset=_campaigns().filter(is_active=True)
    )

    # service field name -> form field; contact indexes are set per submission
    field_map = {"source_id": "source", "campaign_id": "campaign"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        campaign, source = data.get("campaign"), data.get("source")
        if campaign is not None and source is not None and campaign.source_id != source.pk:
            self.add_error(
                "campaign", _("This campaign belongs to %(source)s.") % {"source": campaign.source}
            )
        return data


# --- the lead card --------------------------------------------------------------------


class LeadEditForm(PageForm):
    id_prefix = "edit"

    """The lead's own fields; only the ones changed go to lead_update."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    interest = forms.CharField(label=_("Interest"), max_length=200, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    preferred_contact_time = forms.CharField(
        label=_("Best time to call"), max_length=120, required=False
    )
    language = forms.CharField(label=_("Language"), max_length=12, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two letters, e.g. RO.")
    )
    region = forms.CharField(label=_("Region"), max_length=120, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    temperature = forms.ChoiceField(label=_("Temperature"), choices=Temperature.choices)
    fit = forms.ChoiceField(label=_("Fit"), choices=Fit.choices)
    origin = forms.ChoiceField(label=_("Origin"), choices=Origin.choices)
    contact_type = forms.ChoiceField(label=_("Contact type"), choices=ContactType.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    source = forms.ModelChoiceField(label=_("Source"), required=False, queryset=Source.objects)
    campaign = CampaignChoiceField(label=_("Campaign"), required=False, queryset=_campaigns())
    recontact_at = forms.DateTimeField(
        label=_("Come back on"), required=False, widget=_datetime_input()
    )

    field_map = {"source_id": "source", "campaign_id": "campaign"}
    related = {"source": "source_id", "campaign": "campaign_id"}

    def __init__(self, *args: Any, lead, **kwargs: Any) -> None:
        initial = {name: getattr(lead, self.related.get(name, name)) for name in self.base_fields}
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        """The changed fields, named as lead_update takes them."""
        data: dict[str, Any] = {}
        for name in self.changed_data:
            value = self.cleaned_data[name]
            if name == "recontact_at" and _same_minute(self.initial.get(name), value):
                continue  # the input shows minutes: seconds alone are no change
            if name in self.related:
                data[self.related[name]] = value.pk if value is not None else None
            else:
                data[name] = "" if value is None and name != "recontact_at" else value
        return data


def _same_minute(before, after) -> bool:
    if before is None or after is None:
        return False
    return before.replace(second=0, microsecond=0) == after.replace(second=0, microsecond=0)


class ContactAddForm(PageForm):
    id_prefix = "contact"

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    value = forms.CharField(label=_("Value"), max_length=320)
    label = forms.CharField(
        label=_("Label"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("mobile, work, telegram…")}),
    )
    verified = forms.BooleanField(label=_("Verified"), required=False)

    field_map = {"contacts[0].value": "value", "contacts[0].kind": "kind"}


class NoteForm(PageForm):
    id_prefix = "note"

    text = forms.CharField(
        label=_("Note"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What happened, what was said")}),
    )


class TaskForm(PageForm):
    id_prefix = "task"

    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.CALL)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the kind."),
    )
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=_datetime_input())
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    assignee = UserChoiceField(
        label=_("For"),
        required=False,
        queryset=None,
        empty_label=_("The lead's owner"),
    )

    field_map = {"assignee_id": "assignee"}

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if access.can_assign(user):
            self.fields["assignee"].queryset = access.assignable_owners(user)
        else:
            del self.fields["assignee"]


class TaskCompleteForm(PageForm):
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("What came of it")}),
    )

    def __init__(self, *args: Any, task, **kwargs: Any) -> None:
        self.id_prefix = f"done-{task.pk}"
        super().__init__(*args, **kwargs)
        self.task = task


def _fill_field(name: str) -> forms.Field:
    """A form field to fill in a lead field a stage requires: the edit form's own when it
    has one (same label, same checks), required."""
    if name == "rejection_reason":
        field: forms.Field = forms.ModelChoiceField(
            label=_("Reason"),
            queryset=RejectionReason.objects.filter(is_active=True),
            empty_label=None,
            widget=forms.RadioSelect,
        )
    elif name == "rejection_note":
        field = forms.CharField(
            label=_("Note"),
            max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What was said, if useful")}),
        )
    elif name == "offline_event":
        field = forms.ModelChoiceField(label=_("Offline event"), queryset=OfflineEvent.objects)
    else:
        field = copy.deepcopy(LeadEditForm.base_fields[name])
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            field.choices = _blank() + [c for c in field.choices if c[0] != UNKNOWN]
    field.required = True
    return field


def stage_fill_fields(stage: Stage, lead) -> dict[str, forms.Field]:
    """The fields to ask for when a lead moves to ``stage``: what the stage requires and the
    lead lacks; a rejection's note and a deferral's day and note are always offered."""
    fields = {name: _fill_field(name) for name in stage.missing_fields(lead)}
    if stage.kind == StageKind.LOST and "rejection_note" not in fields:
        fields["rejection_note"] = _fill_field("rejection_note")
        fields["rejection_note"].required = False
    if stage.kind == StageKind.DEFERRED:
        # lead_defer takes a day (the morning there) and always needs one
        fields.pop("recontact_at", None)
        fields["recontact_day"] = forms.DateField(
            label=_("Come back on"),
            widget=forms.DateInput(attrs={"type": "date"}),
            initial=timezone.localtime(lead.recontact_at).date() if lead.recontact_at else None,
        )
        fields["note"] = forms.CharField(
            label=_("Note"),
            required=False,
            max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Why later, what to offer")}),
        )
    return fields


class StageForm(PageForm):
    """Move the lead to a stage. A stage that needs fields the lead lacks asks for them
    first (``asking``); sent again with ``filling`` set to that stage, they are checked and
    go to the service with the move."""

    id_prefix = "stage"

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects, empty_label=None)
    filling = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, lead, target: Stage | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"stage": lead.stage_id})
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.target = target or self._bound_target()
        self.fill_names: list[str] = []
        target = self.target
        if target is not None and target.pk != lead.stage_id and target.kind != StageKind.WON:
            extra = stage_fill_fields(target, lead)
            self.fields.update(extra)
            self.fill_names = list(extra)
        self.filling = (
            bool(self.fill_names)
            and self.is_bound
            and (str(self.data.get("filling") or "") == str(self.target.pk))
        )
        if self.fill_names and not self.filling:
            for name in self.fill_names:
                self.fields[name].required = False
        self.asking = bool(self.fill_names) and not self.filling

    def _bound_target(self) -> Stage | None:
        if not self.is_bound:
            return None
        value = str(self.data.get("stage") or "")
        return Stage.objects.filter(pk=value).first() if value.isdigit() else None

    @property
    def fill_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fill_names]

    def fill_values(self) -> dict[str, Any]:
        """The filled-in fields, named as lead_change_stage takes them."""
        return {name: self.cleaned_data.get(name) for name in self.fill_names}


class AssignForm(PageForm):
    id_prefix = "assign"

    owner = UserChoiceField(
        label=_("Owner"), required=False, queryset=None, empty_label=_("Nobody (unassigned)")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    field_map = {"owner_id": "owner"}

    def __init__(self, *args: Any, user, lead, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"owner": lead.owner_id})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = access.assignable_owners(user)


# --- bulk actions in the list ---------------------------------------------------------


class BulkForm(PageForm):
    """One action on the chosen rows of the list (or on every lead the filter matches)."""

    id_prefix = "bulk"

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("", _("Choose an action…")),
            ("assign", _("Assign to…")),
            ("stage", _("Move to stage…")),
            ("task", _("Add a task…")),
            ("export_csv", _("Export as CSV")),
            ("export_xlsx", _("Export as Excel (XLSX)")),
        ],
    )
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    owner = UserChoiceField(label=_("New owner"), required=False, queryset=None)
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        required=False,
        queryset=Stage.objects.exclude(kind=StageKind.WON),
        help_text=_("Converting is done one lead at a time, on its conversion page."),
    )
    rejection_reason = forms.ModelChoiceField(
        label=_("Rejection reason"),
        required=False,
        queryset=RejectionReason.objects.filter(is_active=True),
    )
    recontact_day = forms.DateField(
        label=_("Come back on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=10_000)
    task_kind = forms.ChoiceField(
        label=_("Task"), required=False, choices=TaskKind.choices, initial=TaskKind.CALL
    )
    task_title = forms.CharField(label=_("Title"), required=False, max_length=200)
    task_due = forms.DateTimeField(label=_("Due"), required=False, widget=_datetime_input())

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if access.can_assign(user):
            self.fields["owner"].queryset = access.assignable_owners(user)
        else:
            # managers take leads one by one; assigning to others is for heads and admins
            del self.fields["owner"]
            self.fields["action"].choices = [
                c for c in self.fields["action"].choices if c[0] != "assign"
            ]

    def lead_ids(self) -> list[int]:
        """The rows ticked (ids that are not numbers are ignored)."""
        return [int(v) for v in self.data.getlist("ids") if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if not data.get("all_matching") and not self.lead_ids():
            raise forms.ValidationError(_("Tick the leads to act on, or all that match."))
        if action == "assign" and not data.get("owner"):
            self.add_error("owner", _("Choose who gets the leads."))
        if action == "stage":
            stage = data.get("stage")
            if stage is None:
                self.add_error("stage", _("Choose the stage to move the leads to."))
            elif stage.kind == StageKind.LOST and not data.get("rejection_reason"):
                self.add_error("rejection_reason", _("Choose why these leads are rejected."))
            elif stage.kind == StageKind.DEFERRED and not data.get("recontact_day"):
                self.add_error("recontact_day", _("Choose the day to come back to them."))
        return data

    def stage_values(self) -> dict[str, Any]:
        """What the stage form would ask for the chosen stage, for views.stage_move."""
        data, stage = self.cleaned_data, self.cleaned_data["stage"]
        if stage.kind == StageKind.LOST:
            return {"rejection_reason": data["rejection_reason"], "rejection_note": data["note"]}
        if stage.kind == StageKind.DEFERRED:
            return {"recontact_day": data["recontact_day"], "note": data["note"]}
        return {}
