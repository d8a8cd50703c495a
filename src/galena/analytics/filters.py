"""What every report is asked for: a period, the slices, the grouping, and who asks.

A report takes a ``ReportFilter`` and the user; ``lead_scope`` gives the condition on
``leads.Lead`` the user's role allows together with the filter's slices (each report decides
which of the lead's dates the period applies to), and ``require_report`` refuses a role
a report is not for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galena.accounts.models import Role, Team
from galena.accounts.roles import role_of, team_id_of
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import Campaign, Channel, Source

# Who may open which report. Marketers see channels, campaigns, costs and the quality of
# sources, never per-person team figures; cost is the business's and marketing's money.
ALL_ROLES = frozenset(Role)
REPORT_ROLES: dict[str, frozenset[Role]] = {
    "funnel": ALL_ROLES,
    "cohorts": ALL_ROLES,
    "speed": ALL_ROLES,
    "quality": ALL_ROLES,
    "team": frozenset({Role.ADMIN, Role.HEAD_OF_SALES, Role.SALES_MANAGER, Role.TELEMARKETER}),
    "cost": frozenset({Role.ADMIN, Role.HEAD_OF_SALES, Role.MARKETER}),
}
# Roles whose figures cover every lead; the others see their team's or their own.
WHOLE_BUSINESS_ROLES = frozenset({Role.ADMIN, Role.MARKETER})
# Roles that may slice by person (owner, team).
PERSON_SLICING_ROLES = frozenset({Role.ADMIN, Role.HEAD_OF_SALES})

GROUP_BY_LABELS = {
    "channel": gettext_lazy("Channel"),
    "source": gettext_lazy("Source"),
    "campaign": gettext_lazy("Campaign"),
    "region": gettext_lazy("Region"),
    "month": gettext_lazy("Month"),
    "owner": gettext_lazy("Owner"),
    "team": gettext_lazy("Team"),
}


def business_zone() -> ZoneInfo:
    """The business time zone: days and months of every report are counted in it."""
    return ZoneInfo(settings.TIME_ZONE)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve full months before the current one."""
    today = today or timezone.localdate(timezone=business_zone())
    end = today.replace(day=1) - dt.timedelta(days=1)
    year, month = end.year, end.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1), end


@dataclass(frozen=True)
class ReportFilter:
    """The question a report answers: a period of whole days in the business time zone
    (both ends included), the slices (empty = all) and what to group by."""

    date_from: dt.date
    date_to: dt.date
    channel: str = ""
    source_id: int | None = None
    campaign_id: int | None = None
    region: str = ""
    team_id: int | None = None
    owner_id: int | None = None
    group_by: str = "channel"

    @classmethod
    def default(cls, **slices: Any) -> ReportFilter:
        date_from, date_to = default_period()
        return cls(date_from=date_from, date_to=date_to, **slices)

    def start_at(self) -> dt.datetime:
        """The aware moment the period starts (midnight of ``date_from``, business time)."""
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=business_zone())

    def end_at(self) -> dt.datetime:
        """The aware moment the period ends, excluded (midnight after ``date_to``)."""
        next_day = self.date_to + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time.min, tzinfo=business_zone())

    def with_changes(self, **changes: Any) -> ReportFilter:
        return replace(self, **changes)

    def slices(self) -> dict[str, Any]:
        """The slices that are set, as query parameters (for links and exports)."""
        names = {
            "channel": self.channel,
            "source": self.source_id,
            "campaign": self.campaign_id,
            "region": self.region,
            "team": self.team_id,
            "owner": self.owner_id,
        }
        return {key: value for key, value in names.items() if value not in (None, "")}

    def has_slices(self) -> bool:
        return bool(self.slices())


def report_roles(user) -> set[str]:
    """The codes of the reports the user's role may open."""
    role = role_of(user)
    return {code for code, roles in REPORT_ROLES.items() if role in roles}


def require_report(user, report_code: str) -> None:
    """Refuse (PermissionDenied) a user whose role may not see this report."""
    role = role_of(user)
    if role is None or role not in REPORT_ROLES.get(report_code, frozenset()):
        raise PermissionDenied(_("Your role does not give access to this report."))


def role_scope(user) -> Q:
    """The leads whose figures the user's role may see in analytics (no slices)."""
    role = role_of(user)
    if role in WHOLE_BUSINESS_ROLES:
        return Q()
    if role == Role.HEAD_OF_SALES:
        team_id = team_id_of(user)
        return Q(team_id=team_id) | Q(owner=user) if team_id else Q(owner=user)
    if role in (Role.SALES_MANAGER, Role.TELEMARKETER):
        return Q(owner=user) | Q(original_owner=user)
    raise PermissionDenied(_("Your role does not give access to reports."))


def sees_whole_business(user) -> bool:
    return role_of(user) in WHOLE_BUSINESS_ROLES


def lead_scope(user, f: ReportFilter, *, prefix: str = "") -> Q:
    """The condition on ``leads.Lead`` for this user and filter: what the role allows, the
    filter's slices, and never a lead merged into another (its survivor counts). The
    period is not in it: each report applies it to the date that matters to it.
    ``prefix`` ("lead__") puts the condition on a model that points to a lead."""
    condition = people_scope(user, f) & attribute_condition(f)
    return prefixed(condition, prefix) if prefix else condition


def people_scope(user, f: ReportFilter) -> Q:
    """The part of ``lead_scope`` about people: what the role allows, the filter's team and
    owner, and never a merged lead."""
    return role_scope(user) & Q(merged_into__isnull=True) & _equal(_people_fields(f))


def attribute_condition(f: ReportFilter) -> Q:
    """The part of ``lead_scope`` about the lead's own attributes: the filter's channel,
    source, campaign and region (a merged lead is counted by its own, e.g. as a duplicate
    of that channel, with the people of the lead it was merged into)."""
    return _equal(_attribute_fields(f))


def _equal(fields: tuple[tuple[str, Any], ...]) -> Q:
    condition = Q()
    for field_name, value in fields:
        if value not in (None, ""):
            condition &= Q(**{field_name: value})
    return condition


def _attribute_fields(f: ReportFilter) -> tuple[tuple[str, Any], ...]:
    return (
        ("channel", f.channel),
        ("source_id", f.source_id),
        ("campaign_id", f.campaign_id),
        ("region", f.region),
    )


def _people_fields(f: ReportFilter) -> tuple[tuple[str, Any], ...]:
    return (("team_id", f.team_id), ("owner_id", f.owner_id))


def prefixed(condition: Q, prefix: str) -> Q:
    children = [
        prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in condition.children
    ]
    result = Q(*children, _connector=condition.connector, _negated=condition.negated)
    return result


class ReportFilterForm(forms.Form):
    """The filter line of every report page and the API's query parameters:
    ``from``, ``to``, ``channel``, ``source``, ``campaign``, ``region``, ``team``, ``owner``,
    ``group_by``. Unbound (no parameters), it shows the default: the last 12 full months."""

    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(label=gettext_lazy("Group by"), required=False, choices=())
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False, choices=())
    source = forms.TypedChoiceField(
        label=gettext_lazy("Source"), required=False, coerce=int, empty_value=None, choices=()
    )
    campaign = forms.TypedChoiceField(
        label=gettext_lazy("Campaign"), required=False, coerce=int, empty_value=None, choices=()
    )
    region = forms.CharField(label=gettext_lazy("Region"), required=False, max_length=120)
    team = forms.TypedChoiceField(
        label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None, choices=()
    )
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner"), required=False, coerce=int, empty_value=None, choices=()
    )

    MAX_DAYS = 3 * 366 + 1

    def __init__(
        self,
        data: Any = None,
        *,
        user,
        group_by: tuple[str, ...] = ("channel", "source", "campaign", "region", "month"),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "report-%s")
        kwargs.setdefault("label_suffix", "")
        names = set(self.base_fields) | {"from", "to"}
        if data is not None and not any(name in data for name in names):
            data = None
        super().__init__(data, **kwargs)
        self.user = user
        role = role_of(user)
        self.person_slicing = role in PERSON_SLICING_ROLES
        group_by = tuple(
            key for key in group_by if key not in ("owner", "team") or self.person_slicing
        )
        self.group_by_keys = group_by
        self.fields["group_by"].choices = [(key, GROUP_BY_LABELS[key]) for key in group_by]
        everything = [("", _("All"))]
        self.fields["channel"].choices = everything + list(Channel.choices)
        self.fields["source"].choices = everything + list(
            Source.objects.order_by("name").values_list("pk", "name")
        )
        self.fields["campaign"].choices = everything + list(
            Campaign.objects.order_by("name").values_list("pk", "name")
        )
        if self.person_slicing:
            teams = Team.objects.order_by("name")
            if role == Role.HEAD_OF_SALES:
                teams = teams.filter(pk=team_id_of(user))
            self.fields["team"].choices = everything + list(teams.values_list("pk", "name"))
            people = get_user_model().objects.filter(
                is_active=True,
                profile__role__in=[Role.HEAD_OF_SALES, Role.SALES_MANAGER, Role.TELEMARKETER],
            )
            if role == Role.HEAD_OF_SALES:
                people = people.filter(profile__team_id=team_id_of(user))
            self.fields["owner"].choices = everything + [
                (person.pk, person.get_full_name() or person.get_username())
                for person in people.order_by("first_name", "last_name", "username")
            ]
        else:
            del self.fields["team"]
            del self.fields["owner"]
        if not self.is_bound:
            start, end = default_period()
            self.initial.update(date_from=start, date_to=end, group_by=group_by[0])

    def add_prefix(self, field_name: str) -> str:
        # the URL says ?from=…&to=…, like the other reports and the API
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        default_from, default_to = default_period()
        start = data.get("date_from") or default_from
        end = data.get("date_to") or default_to
        if start > end:
            raise forms.ValidationError(_("The period starts after it ends."))
        if (end - start).days > self.MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data["date_from"], data["date_to"] = start, end
        return data

    def to_filter(self) -> ReportFilter:
        """The filter the form asks for; the default one when unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return ReportFilter.default(group_by=self.group_by_keys[0])
        data = self.cleaned_data
        return ReportFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            channel=data.get("channel") or "",
            source_id=data.get("source"),
            campaign_id=data.get("campaign"),
            region=(data.get("region") or "").strip(),
            team_id=data.get("team"),
            owner_id=data.get("owner"),
            group_by=data.get("group_by") or self.group_by_keys[0],
        )

    def to_filter_or_refuse(self) -> ReportFilter:
        """For the API: the filter, or ValidationFailed naming the wrong parameters."""
        errors = self.refusals()
        if errors:
            raise ValidationFailed(errors)
        return self.to_filter()

    def refusals(self) -> dict[str, str]:
        """What is wrong with the query, by its parameter's name (``__all__``: the whole);
        empty when it is fine or was not given."""
        if not self.is_bound or self.is_valid():
            return {}
        return {
            self.add_prefix(name) if name != "__all__" else "__all__": " ".join(messages)
            for name, messages in self.errors.items()
        }
