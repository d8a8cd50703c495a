"""Pages of matching: the side-by-side merge page and undoing a merge.

Who may merge: heads of sales and admins (``access.can_assign``), on leads they can all see;
others get 403, a lead out of sight 404 — like the rest of the app. Writes go through
galena.matching.services as a MANUAL actor.

The survivor offered by default is selectors.default_survivor's: the oldest lead with an
owner, else the oldest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from galena.core.errors import ApplicationError, NotFound, PermissionDenied
from galena.core.views import page
from galena.leads.models import ActorSource, ContactPoint, Lead, LeadEvent, Task
from galena.leads.services import Actor
from galena.leads.templatetags.lead_tags import attribute_value, person_name
from galena.matching import merge as survivorship
from galena.matching import selectors, services

# --- which leads ----------------------------------------------------------------------

_ID_SEPARATORS = re.compile(r"[\s,;]+")


def parse_lead_ids(values: Sequence[str]) -> list[int]:
    """Lead ids from ``leads=12,34`` and/or ``leads=12&leads=34`` (a "#" allowed), in the
    order given, each once; NotFound for anything that is not an id."""
    ids: list[int] = []
    for value in values:
        for part in _ID_SEPARATORS.split(value or ""):
            part = part.strip().lstrip("#")
            if not part:
                continue
            if not part.isdigit():
                raise NotFound(_("“%(value)s” is not a lead id.") % {"value": part})
            if int(part) not in ids:
                ids.append(int(part))
    return ids


# --- the side-by-side page ------------------------------------------------------------

CHOICE_LABELS = {
    "first_name": gettext_lazy("First name"),
    "middle_name": gettext_lazy("Middle name"),
    "last_name": gettext_lazy("Last name"),
    "company_name": gettext_lazy("Company"),
    "position": gettext_lazy("Position"),
    "address": gettext_lazy("Address"),
    "language": gettext_lazy("Language"),
    "interest": gettext_lazy("Interest"),
    "comment": gettext_lazy("Comment"),
    "preferred_contact_time": gettext_lazy("Best time to call"),
    "fit": gettext_lazy("Fit"),
    "origin": gettext_lazy("Origin"),
    "contact_type": gettext_lazy("Contact type"),
    "recontact_at": gettext_lazy("Come back on"),
    "temperature": gettext_lazy("Temperature"),
    "verification": gettext_lazy("Verification"),
    "quality": gettext_lazy("Quality"),
    "score": gettext_lazy("Score"),
    "predicted_probability": gettext_lazy("Predicted probability"),
    "assignment": gettext_lazy("Owner"),
    "pipeline": gettext_lazy("Stage"),
    "created_at": gettext_lazy("First contact"),
    "attribution": gettext_lazy("Attribution"),
    "first_response_at": gettext_lazy("First response"),
}
RULE_LABELS = {
    "fill": gettext_lazy("the survivor's, else the latest filled in"),
    "address": gettext_lazy("the most complete address"),
    "verification": gettext_lazy("verified wins"),
    "assignment": gettext_lazy("the survivor's owner, else the latest owner"),
    "first_contact": gettext_lazy("the first contact's"),
    "quality": gettext_lazy("the best quality status"),
    "survivor": gettext_lazy("the survivor's"),
    "hottest": gettext_lazy("the hottest"),
    "earliest": gettext_lazy("the earliest"),
    "highest": gettext_lazy("the highest"),
}
FIELD_LABELS = {
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "city": gettext_lazy("City"),
    "verification": gettext_lazy("Status"),
    "verification_method": gettext_lazy("Method"),
    "verified_at": gettext_lazy("Verified"),
    "quality_status": gettext_lazy("Status"),
    "quality_reasons": gettext_lazy("Reasons"),
    "owner_id": gettext_lazy("Owner"),
    "team_id": gettext_lazy("Team"),
    "assigned_at": gettext_lazy("Assigned"),
    "stage_id": gettext_lazy("Stage"),
    "qualified_at": gettext_lazy("Qualified"),
    "converted_at": gettext_lazy("Converted"),
    "rejected_at": gettext_lazy("Rejected"),
    "source_id": gettext_lazy("Source"),
    "campaign_id": gettext_lazy("Campaign"),
    "channel": gettext_lazy("Channel"),
    "offline_event_id": gettext_lazy("Offline event"),
    "referrer": gettext_lazy("Referrer"),
    "landing_page": gettext_lazy("Landing page"),
}
RELATED = {
    "owner_id": "owner",
    "team_id": "team",
    "stage_id": "stage",
    "source_id": "source",
    "campaign_id": "campaign",
    "offline_event_id": "offline_event",
}


def _shown(lead: Lead, name: str) -> str:
    """A field's value as the page shows it: names for related rows, labels for choices,
    local dates; empty when there is nothing."""
    if name in RELATED:
        related = getattr(lead, RELATED[name])
        if related is None:
            return ""
        return person_name(related) if name == "owner_id" else str(related)
    if name.startswith(survivorship.ATTRIBUTE_PREFIX):
        value = lead.attributes.get(name.removeprefix(survivorship.ATTRIBUTE_PREFIX))
        return "" if survivorship.is_empty(name, value) else attribute_value(value)
    value = getattr(lead, name)
    if survivorship.is_empty(name, value):
        return ""
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if name == "quality_reasons":
        return ", ".join(
            str(reason.get("code") if isinstance(reason, dict) else reason) for reason in value
        )
    if name == "predicted_probability":
        return formats.number_format(value, 2)
    choices = dict(Lead._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


@dataclass
class Cell:
    lead: Lead
    parts: list[tuple[str, str]]  # (label, value); one part without label for one field
    is_default: bool
    is_picked: bool

    @property
    def is_empty(self) -> bool:
        return not any(value for _label, value in self.parts)


@dataclass
class Row:
    name: str
    label: str
    rule: str
    differs: bool
    cells: list[Cell] = field(default_factory=list)


def _cells(choice: survivorship.Choice, lead: Lead) -> list[tuple[str, str]]:
    if len(choice.fields) == 1:
        value = _shown(lead, choice.fields[0])
        return [("", value)] if value else []
    parts = [(str(FIELD_LABELS.get(name, name)), _shown(lead, name)) for name in choice.fields]
    if choice.name == "address":
        parts += [
            (str(key), attribute_value(value))
            for key, value in lead.attributes.items()
            if survivorship.is_address_key(key) and not survivorship.is_empty(key, value)
        ]
    return [(label, value) for label, value in parts if value]


def _rows(
    leads: Sequence[Lead], chosen: survivorship.Survivorship, picks: dict[str, int]
) -> list[Row]:
    records = [selectors.lead_values(lead) for lead in leads]
    rows = []
    for choice in chosen.choices:
        label = CHOICE_LABELS.get(choice.name) or choice.name.removeprefix(
            survivorship.ATTRIBUTE_PREFIX
        )
        row = Row(
            name=choice.name,
            label=str(label),
            rule=str(RULE_LABELS[choice.rule]),
            differs=survivorship.choice_differs(choice, records),
        )
        for lead in leads:
            row.cells.append(
                Cell(
                    lead=lead,
                    parts=_cells(choice, lead),
                    is_default=chosen.defaults[choice.name] == lead.pk,
                    is_picked=picks.get(choice.name, chosen.defaults[choice.name]) == lead.pk,
                )
            )
        if any(not cell.is_empty for cell in row.cells):  # nothing to choose between
            rows.append(row)
    return rows


def _activity(lead_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {lead_id: {"events": 0, "tasks": 0} for lead_id in lead_ids}
    for model, name in ((LeadEvent, "events"), (Task, "tasks")):
        for lead_id, n in (
            model.objects.filter(lead_id__in=lead_ids)
            .values_list("lead_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            counts[lead_id][name] = n
    return counts


def _mark_contacts(leads: Sequence[Lead], survivor: Lead) -> None:
    """Give each lead its contact points (``merge_contacts``), marked with what the merge
    does to them."""
    points = list(
        ContactPoint.objects.filter(lead_id__in=[lead.pk for lead in leads]).order_by(
            "-is_primary", "kind", "id"
        )
    )
    others = [lead for lead in leads if lead.pk != survivor.pk]
    plan = selectors.contact_plan(survivor=survivor, others=others, points=points)
    by_lead: dict[int, list[ContactPoint]] = {lead.pk: [] for lead in leads}
    for point in points:
        point.stays = point.pk in plan.stay
        point.becomes_primary = plan.primary.get(point.kind) == point.pk
        by_lead[point.lead_id].append(point)
    for lead in leads:
        lead.merge_contacts = by_lead[lead.pk]


def _picks_from(params: QueryDict) -> dict[str, int]:
    picks = {}
    for key, value in params.items():
        if key.startswith("pick:") and value.strip().isdigit():
            picks[key.removeprefix("pick:")] = int(value)
    return picks


def _page_context(
    request: HttpRequest, params: QueryDict, *, picks: dict[str, int] | None = None
) -> dict[str, Any]:
    user = request.user
    selectors.require_merger(user)
    lead_ids = parse_lead_ids(params.getlist("leads"))
    context: dict[str, Any] = {
        "section": "leads",
        "lead_ids": lead_ids,
        "leads_param": ",".join(str(i) for i in lead_ids),
        "max_leads": services.MERGE_MAX_LEADS,
        "deadline_days": selectors.matching_settings().unmerge_days,
        "problems": [],
    }
    if len(lead_ids) < 2:
        context["problems"].append(_("Give at least two lead ids to compare and merge."))
        context["leads"] = selectors.leads_for_merge(user=user, lead_ids=lead_ids)
        return context
    if len(lead_ids) > services.MERGE_MAX_LEADS:
        context["problems"].append(
            _("Merge at most %(n)d leads at a time.") % {"n": services.MERGE_MAX_LEADS}
        )
        context["leads"] = []
        return context
    leads = selectors.leads_for_merge(user=user, lead_ids=lead_ids)
    for lead in leads:
        if lead.merged_into_id:
            context["problems"].append(
                _("Lead #%(id)s (%(name)s) was already merged into lead #%(into)s.")
                % {"id": lead.pk, "name": lead, "into": lead.merged_into_id}
            )
    survivor_id = params.get("survivor", "")
    survivor = next(
        (lead for lead in leads if str(lead.pk) == survivor_id.strip()), None
    ) or selectors.default_survivor(leads)
    others = [lead for lead in leads if lead.pk != survivor.pk]
    chosen = selectors.survivorship_for(survivor=survivor, others=others)
    picks = {
        name: lead_id
        for name, lead_id in (picks or {}).items()
        if lead_id in lead_ids and name in chosen.defaults
    }
    activity = _activity(lead_ids)
    for lead in leads:
        lead.activity = activity[lead.pk]
        lead.is_survivor = lead.pk == survivor.pk
    _mark_contacts(leads, survivor)
    context.update(
        leads=leads,
        survivor=survivor,
        rows=_rows(leads, chosen, picks),
    )
    return context


@page
def merge_page(request: HttpRequest) -> HttpResponse:
    """GET: the leads side by side with the default choices; POST: merge them."""
    if request.method == "POST":
        return _merge(request)
    context = _page_context(request, request.GET)
    template = "matching/merge.html"
    if request.htmx and not request.htmx.history_restore_request:
        template = "matching/_merge_form.html"
    return render(request, template, context)


def _merge(request: HttpRequest) -> HttpResponse:
    picks = _picks_from(request.POST)
    context = _page_context(request, request.POST, picks=picks)
    if context["problems"]:
        return render(request, "matching/merge.html", context, status=400)
    survivor = context["survivor"]
    others = [lead for lead in context["leads"] if lead.pk != survivor.pk]
    try:
        merge = services.leads_merge(
            survivor=survivor,
            others=others,
            actor=Actor(user=request.user, source=ActorSource.MANUAL),
            choices=picks or None,
        )
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as error:
        context["problems"].append(error.message)
        return render(request, "matching/merge.html", context, status=400)
    deadline = selectors.unmerge_deadline(merge)
    messages.success(
        request,
        ngettext(
            "Merged %(n)d lead into this one. You can undo it until %(date)s.",
            "Merged %(n)d leads into this one. You can undo it until %(date)s.",
            len(others),
        )
        % {
            "n": len(others),
            "date": formats.date_format(timezone.localtime(deadline), "SHORT_DATE_FORMAT"),
        },
    )
    return redirect("lead-detail", lead_id=survivor.pk)


# --- undo -----------------------------------------------------------------------------


@page
@require_POST
def unmerge(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = selectors.merge_for(user=request.user, merge_id=merge_id)
    try:
        services.lead_unmerge(
            merge=merge, actor=Actor(user=request.user, source=ActorSource.MANUAL)
        )
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        ids = ", ".join(f"#{lead_id}" for lead_id in merge.merged_ids)
        messages.success(request, _("Merge undone: %(ids)s restored.") % {"ids": ids})
    # back to the card the button was on (one of the merge's leads), else the survivor's
    back = request.POST.get("lead", "")
    involved = [merge.survivor_id, *merge.merged_ids]
    lead_id = int(back) if back.isdigit() and int(back) in involved else merge.survivor_id
    return redirect("lead-detail", lead_id=lead_id)
