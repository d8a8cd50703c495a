"""Pages for working leads: the dashboard, the list, the card with its actions, a new lead,
sources and campaigns.

Every write goes through galena.leads.services as a MANUAL actor. A refusal comes back onto
the form it came from and writes nothing (each service is one transaction). With htmx a
successful card action answers with the re-rendered card, a refused one with its form;
without JavaScript the same URLs redirect (success) or re-render the whole page (refusal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, reswap, retarget

from galena.accounts.models import Team
from galena.accounts.roles import can_see_marketing, can_work_leads
from galena.core import audit
from galena.core.api import first_rows, keyset_first_pages, keyset_page
from galena.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from galena.core.views import page
from galena.leads import access, exports, selectors, services
from galena.leads.forms import (
    AssignForm,
    BulkForm,
    ContactAddForm,
    LeadCreateForm,
    LeadEditForm,
    LeadFilterForm,
    NoteForm,
    SavedFilterForm,
    StageForm,
    TaskCompleteForm,
    TaskForm,
    add_service_error,
)
from galena.leads.models import (
    ActorSource,
    CallOutcome,
    Campaign,
    Channel,
    ContactKind,
    EventType,
    Lead,
    LeadEvent,
    OfflineEvent,
    RejectionReason,
    SavedFilter,
    Source,
    Stage,
    StageKind,
    VerificationMethod,
)
from galena.leads.selectors import LeadFilters
from galena.leads.services import ContactInput

PAGE_SIZE = 50


# --- plumbing -------------------------------------------------------------------------


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor(user=request.user, source=ActorSource.MANUAL)


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (a history restore wants the whole)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _partial(
    request: HttpRequest, template: str, context: dict[str, Any], *, target: str = ""
) -> HttpResponse:
    """A fragment for htmx, with any flash messages swapped into their place out of band."""
    html = render_to_string(template, context, request)
    html += render_to_string("core/_messages_oob.html", {}, request)
    response = HttpResponse(html)
    if target:
        reswap(retarget(response, target), "outerHTML")
    return response


# --- dashboard ------------------------------------------------------------------------

CHART_HEIGHT = 120
CHART_BAR = 18


def day_chart(per_day: Iterable[dict], *, days: int) -> dict[str, Any]:
    """Bars for an inline SVG: one per day from `days` ago to today, zeros included."""
    counts = {row["day"]: row["n"] for row in per_day}
    today = timezone.localdate()
    dates = [today - dt.timedelta(days=offset) for offset in range(days, -1, -1)]
    peak = max(counts.values(), default=0)
    bars = []
    for index, day in enumerate(dates):
        n = counts.get(day, 0)
        height = round(CHART_HEIGHT * n / peak) if peak else 0
        if n and height < 2:
            height = 2  # a day with leads stays visible next to a big one
        bars.append(
            {
                "day": day,
                "n": n,
                "x": index * CHART_BAR + 2,
                "y": CHART_HEIGHT - height,
                "width": CHART_BAR - 4,
                "height": height,
                "label_x": index * CHART_BAR + CHART_BAR / 2,
                "tick": index % 7 == 0 or index == len(dates) - 1,
            }
        )
    return {
        "bars": bars,
        "peak": peak,
        "width": len(dates) * CHART_BAR,
        "height": CHART_HEIGHT,
        "total_height": CHART_HEIGHT + 18,
        "label_y": CHART_HEIGHT + 13,
    }


def _share_rows(rows: Iterable[tuple[Any, str, int]]) -> list[dict[str, Any]]:
    """(key, label, count) rows with each count as a percentage of the largest, for bars."""
    rows = list(rows)
    peak = max((n for _key, _label, n in rows), default=0)
    return [
        {"key": key, "label": label, "n": n, "percent": round(100 * n / peak) if peak else 0}
        for key, label, n in rows
    ]


def _channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


@page
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"section": "dashboard"}
    if can_work_leads(user):
        data = selectors.dashboard(user=user)
        context["stages"] = _share_rows(
            (row["stage"].code, row["stage"].label, row["n"]) for row in data["open_per_stage"]
        )
        context["my_tasks"] = selectors.my_open_tasks(user=user)
        context["works_leads"] = True
    elif can_see_marketing(user):
        data = selectors.marketing_overview()
        context["sources"] = _share_rows(
            (row["source_id"], row["source__name"] or _("No source"), row["n"])
            for row in data["per_source"]
        )
    else:
        return render(request, "leads/dashboard_no_role.html", context)
    context.update(
        days=data["days"],
        new_total=data["new_total"],
        chart=day_chart(data["per_day"], days=data["days"]),
        channels=_share_rows(
            (row["channel"], _channel_label(row["channel"]), row["n"])
            for row in data["per_channel"]
        ),
    )
    return render(request, "leads/dashboard.html", context)


# --- the list -------------------------------------------------------------------------

# (sort key or None, heading); the sort keys are selectors.SORTS
COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("company", gettext_lazy("Company")),
    (None, gettext_lazy("Phone / e-mail")),
    ("stage", gettext_lazy("Stage")),
    ("temperature", gettext_lazy("Temperature")),
    ("owner", gettext_lazy("Owner")),
    # the first-response deadline: the "due" sort puts what must be answered first on top
    ("due", gettext_lazy("SLA")),
    ("source", gettext_lazy("Source")),
    ("score", gettext_lazy("Score")),
    ("created", gettext_lazy("Created")),
]
# Numbers and dates read best biggest/newest first; text from A.
DESCENDING_FIRST = {"score", "created"}


def _columns(sort: str) -> list[dict[str, Any]]:
    current = sort.lstrip("-") or "created"
    descending = sort.startswith("-") or not sort
    columns = []
    for key, heading in COLUMNS:
        column: dict[str, Any] = {"key": key, "heading": heading, "sortable": key is not None}
        if key is not None:
            active = key == current
            if active:
                next_sort = key if descending else f"-{key}"
            else:
                next_sort = f"-{key}" if key in DESCENDING_FIRST else key
            column.update(
                active=active,
                direction=("descending" if descending else "ascending") if active else "",
                next_sort=next_sort,
            )
        columns.append(column)
    return columns


DEFAULT_SORT = LeadFilters.sort


def _clean_params(params: QueryDict) -> QueryDict:
    """The list's parameters without empty values or the default sort: short, shareable URLs."""
    clean = QueryDict(mutable=True)
    for name, values in params.lists():
        kept = [v for v in values if v.strip() and not (name == "sort" and v == DEFAULT_SORT)]
        if kept:
            clean.setlist(name, kept)
    return clean


def _list_query(params: QueryDict) -> str:
    """The list's filters as a query string, without the page number."""
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


# A text search is counted after its list or board shows (lead_count, lead_board_counts):
# the count reads the search's trigram index again. ?counts=exact counts with the page (for
# a browser without JavaScript: the placeholder's link).
EXACT_COUNTS = "counts"


def _switches(params: QueryDict, **expected: str) -> tuple[QueryDict, dict[str, bool]]:
    """A page's switches (``name=value``: on when given that value) taken out of its
    parameters, so they stay out of the filters, their links and saved filters."""
    switches = {name: params.get(name) == value for name, value in expected.items()}
    if any(name in params for name in expected):
        params = params.copy()
        for name in expected:
            params.pop(name, None)
    return params, switches


class CappedPaginator(Paginator):
    """Pages whose count stops at selectors.LIST_COUNT_CAP (``is_capped``: there are more;
    the pages past the cap are not offered: the message says to narrow the filters).
    ``parts``: selectors.leads_filtered_parts, counted and read one at a time."""

    def __init__(
        self,
        object_list,
        per_page,
        *,
        parts: Sequence[QuerySet] = (),
        count_parts: Sequence[QuerySet] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.parts = parts
        self.count_parts = parts if count_parts is None else count_parts

    @cached_property
    def count(self) -> int:
        return selectors.capped_count(self.object_list, parts=self.count_parts)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = first_rows(self.object_list, parts=self.parts, stop=top)[bottom:top]
        return self._get_page(rows, number, self)

    @property
    def is_capped(self) -> bool:
        return self.count > selectors.LIST_COUNT_CAP

    counted = True


class _UncountedPage(Page):
    """A page of a list whose count comes later (``UncountedPaginator``): whether a next
    page exists is known from one row more than the page holds."""

    def __init__(self, object_list, number, paginator, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class UncountedPaginator(CappedPaginator):
    """Pages of a text search, counted after the page (GET leads/count/, fetched by htmx
    when the list shows): the count reads the search's trigram index, the page's rows do
    not. A page past the last is found by counting, as the counted paginator does."""

    counted = False

    def get_page(self, number):
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        number = min(number, max(1, selectors.LIST_COUNT_CAP // self.per_page))
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        rows = list(first_rows(self.object_list, parts=self.parts, stop=top + 1)[bottom : top + 1])
        if not rows and number > 1:
            self.counted = True  # past the end: the count says where the last page is
            return super().get_page(number)
        more = len(rows) > self.per_page and top < selectors.LIST_COUNT_CAP
        return _UncountedPage(rows[: self.per_page], number, self, more=more)


def _filter_context(
    request: HttpRequest,
    params: QueryDict,
    saved_form: SavedFilterForm | None = None,
    *,
    on_page: str = "list",
) -> dict[str, Any]:
    """The filters the list and the board share: the form, the filters it gives, the clean
    query string and the user's saved filters."""
    user = request.user
    access.require_lead_access(user)
    form = LeadFilterForm(params or None, user=user)
    filters = form.filters()
    clean = _clean_params(params)
    query = _list_query(clean)
    return {
        "params": clean,
        "section": "leads",
        "form": form,
        "filters": filters,
        "sort": filters.sort,
        "query": query,
        "is_filtered": form.active_count > 0 or bool(filters.q.strip()),
        "saved_filters": _saved_filters(user, query),
        "saved_form": saved_form or SavedFilterForm(initial={"query": query}),
        "on_page": on_page,
        "page_url": reverse(SAVED_FILTER_PAGES.get(on_page, "lead-list")),
    }


# where a saved filter's link leads: the page it was saved on
SAVED_FILTER_PAGES = {"list": "lead-list", "board": "lead-board"}


def _lead_list_context(
    request: HttpRequest,
    params: QueryDict,
    saved_form: SavedFilterForm | None = None,
    *,
    exact_counts: bool = False,
) -> dict[str, Any]:
    context = _filter_context(request, params, saved_form)
    leads = selectors.lead_list(user=request.user, filters=context["filters"])
    filters = context["filters"]
    parts = selectors.leads_filtered_parts(user=request.user, filters=filters)
    count_parts = selectors.count_parts(filters, parts)
    # a text search is counted after the page (lead_count), unless asked with it
    paginate = UncountedPaginator if filters.q.strip() and not exact_counts else CappedPaginator
    paginator = paginate(leads, PAGE_SIZE, parts=parts, count_parts=count_parts)
    page_obj = paginator.get_page(params.get("page"))
    context.update(
        page_obj=page_obj,
        leads=page_obj.object_list,
        columns=_columns(context["filters"].sort),
        bulk_form=BulkForm(user=request.user),
        count_cap=selectors.LIST_COUNT_CAP,
        bulk_limit=services.BULK_LIMIT,
        export_limit=EXPORT_LIMIT,
    )
    return context


def _saved_filters(user, query: str) -> list[SavedFilter]:
    """The user's saved filters, the one matching the current filters marked."""
    current = sorted(parse_qsl(query))
    saved_filters = list(SavedFilter.objects.filter(user=user).order_by("name"))
    for saved in saved_filters:
        saved.is_current = sorted(parse_qsl(saved.query)) == current
    return saved_filters


@page
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    # ?bulk=fields: the bulk actions' fields on the page, for a browser without JavaScript;
    # ?counts=exact: a text search counted with the page (the same)
    params, switches = _switches(request.GET, bulk="fields", **{EXACT_COUNTS: "exact"})
    bulk_fields, exact_counts = switches["bulk"], switches[EXACT_COUNTS]
    context = _lead_list_context(request, params, exact_counts=exact_counts)
    context["bulk_fields"] = bulk_fields
    audit.record_bulk_view(
        request=request,
        object_type="leads.Lead",
        count=len(context["leads"]),
        params={"filter": context["params"].dict(), "page": context["page_obj"].number},
    )
    if _is_partial(request):
        context["partial"] = True
        response = render(request, "leads/_lead_results.html", context)
        clean = context["params"].urlencode()
        push_url(response, reverse("lead-list") + (f"?{clean}" if clean else ""))
    else:
        response = render(request, "leads/lead_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@page
@require_GET
def lead_count(request: HttpRequest) -> HttpResponse:
    """How many leads the list's filters leave (a text search's count, fetched by htmx when
    the list shows), in place of the list's "Counting…"."""
    access.require_lead_access(request.user)
    form = LeadFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    leads = selectors.lead_list(user=request.user, filters=filters)
    parts = selectors.leads_filtered_parts(user=request.user, filters=filters)
    paginator = CappedPaginator(
        leads, PAGE_SIZE, parts=parts, count_parts=selectors.count_parts(filters, parts)
    )
    context = {"paginator": paginator, "count_cap": selectors.LIST_COUNT_CAP}
    return render(request, "leads/_lead_count.html", context)


def _saved_filters_response(
    request: HttpRequest, query: str, form: SavedFilterForm | None = None
) -> HttpResponse:
    params = QueryDict(query)
    on_page = request.POST.get("on_page", "list")
    page_url = reverse(SAVED_FILTER_PAGES.get(on_page, "lead-list"))
    if _is_partial(request):
        context = {
            "saved_filters": _saved_filters(request.user, query),
            "saved_form": form or SavedFilterForm(initial={"query": query}),
            "query": query,
            "on_page": on_page,
            "page_url": page_url,
        }
        return _partial(request, "leads/_saved_filters.html", context)
    if form is not None:
        if on_page == "board":
            return render(request, "leads/board.html", _board_context(request, params, form))
        context = _lead_list_context(request, params, saved_form=form)
        return render(request, "leads/lead_list.html", context)
    return redirect(page_url + (f"?{query}" if query else ""))


@page
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    access.require_lead_access(request.user)
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = services.saved_filter_save(
                user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return _saved_filters_response(request, saved.query)
    return _saved_filters_response(request, query, form)


@page
@require_POST
def saved_filter_delete(request: HttpRequest, saved_filter_id: int) -> HttpResponse:
    services.saved_filter_delete(user=request.user, saved_filter_id=saved_filter_id)
    messages.success(request, _("Saved filter deleted."))
    return _saved_filters_response(request, request.POST.get("query", ""))


# --- the card -------------------------------------------------------------------------

# Lead fields that hold an id in a diff, and where to look the name up.
RELATED_IN_DIFFS = {
    "source_id": Source,
    "campaign_id": Campaign,
    "offline_event_id": OfflineEvent,
    "team_id": Team,
}
# Events whose "changes" are a diff of the lead's fields, {field: [before, after]}.
DIFF_EVENTS = (EventType.UPDATED, EventType.CLASSIFIED, EventType.MERGED, EventType.UNMERGED)
# The params of a merge's events that name leads: the merged (or restored) leads on the
# survivor's event, the survivor on theirs.
MERGE_LEAD_PARAMS = {
    EventType.MERGED: ("merged_ids", "into"),
    EventType.UNMERGED: ("restored_ids", "from"),
}


# labels of lead fields the edit form does not show
EXTRA_FIELD_LABELS = {
    "rejection_reason": gettext_lazy("Rejection reason"),
    "rejection_note": gettext_lazy("Rejection note"),
    "offline_event": gettext_lazy("Offline event"),
    "rejected_at": gettext_lazy("Rejected"),
}


def _field_label(name: str) -> str:
    """The label people know from the edit form (translated), else the model's."""
    if name.removesuffix("_id") in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[name.removesuffix("_id")])
    form_field = LeadEditForm.base_fields.get(name.removesuffix("_id"))
    if form_field is not None and form_field.label:
        return str(form_field.label)
    try:
        return str(Lead._meta.get_field(name.removesuffix("_id")).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


def _is_shown(name: str) -> bool:
    """Whether a changed field means something to people: not what Galena derives for its
    own searches, which a merge's diff records too (the transliterated name)."""
    try:
        return Lead._meta.get_field(name.removesuffix("_id")).editable
    except FieldDoesNotExist:
        return True


def _diff_value(name: str, value: Any, names: dict[str, dict[Any, str]]) -> Any:
    if value in (None, "", {}, []):
        return None
    if name in names:
        return names[name].get(value, f"#{value}")
    if name.endswith("_at") and isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    try:
        field = Lead._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


def _changes(event: LeadEvent, names: dict[str, dict[Any, str]]) -> list[dict[str, Any]]:
    """An event's field diff in words; for a merge, the lead each value came from when it
    was not the survivor's own."""
    params = event.params or {}
    sources = params.get("sources") or {}
    return [
        {
            "label": _field_label(name),
            "before": _diff_value(name, pair[0], names),
            "after": _diff_value(name, pair[1], names),
            "from_lead": sources.get(name) if sources.get(name) != event.lead_id else None,
        }
        for name, pair in (params.get("changes") or {}).items()
        if _is_shown(name)
    ]


def _merge_lead_ids(event: LeadEvent) -> tuple[list[int], int | None]:
    """The leads a merge's (or an undo's) event names: the others, and the survivor."""
    params = event.params or {}
    many, one = MERGE_LEAD_PARAMS[event.type]
    others = [lead_id for lead_id in params.get(many) or [] if isinstance(lead_id, int)]
    survivor = params.get(one)
    return others, survivor if isinstance(survivor, int) else None


def _present_merge(event: LeadEvent, lead_names: dict[int, str]) -> None:
    params = event.params or {}
    others, survivor = _merge_lead_ids(event)
    event.merged_leads = [(lead_id, lead_names.get(lead_id, "")) for lead_id in others]
    event.survivor = (
        (survivor, lead_names.get(survivor) or params.get("into_name") or "") if survivor else None
    )
    event.kept_labels = [
        _field_label(name) for name in params.get("kept_fields") or [] if _is_shown(name)
    ]


def _present_stage_change(
    event: LeadEvent, names: dict[str, dict[Any, str]], reasons: dict[str, str]
) -> None:
    """A stage change in words: the rejection's reason, the deferral's date, the fields filled
    in with the move and what leaving the stage cleared."""
    params = event.params or {}
    code = params.get("rejection_reason")
    event.rejection_reason_label = reasons.get(code, code) if code else ""
    event.recontact = _diff_value("recontact_at", params.get("recontact_at"), names)
    event.changes = _changes(event, names)
    cleared = params.get("cleared") or {}
    event.cleared = [
        {
            "label": _field_label(name),
            "value": reasons.get(value, value)
            if name == "rejection_reason"
            else _diff_value(name, value, names),
        }
        for name, value in cleared.items()
    ]


def _present_by_hooks(events: list[LeadEvent]) -> None:
    """Let later apps present their own events (settings.TIMELINE_PRESENTERS): each presenter
    is called once, with every event of its type, so it can look names up in bulk."""
    by_type: dict[str, list[LeadEvent]] = {}
    for event in events:
        if event.type in settings.TIMELINE_PRESENTERS:
            by_type.setdefault(event.type, []).append(event)
    for type_, same_type in by_type.items():
        import_string(settings.TIMELINE_PRESENTERS[type_])(same_type)


# What intake decided about a submission (the SUBMISSION_RECEIVED event's "action").
SUBMISSION_ACTIONS = {
    "create": gettext_lazy("a new lead"),
    "attach": gettext_lazy("added to this lead"),
    "interest": gettext_lazy("an interest, not a lead"),
    "quarantine": gettext_lazy("held for review"),
    "reject": gettext_lazy("rejected as a pseudo-lead"),
}


def present_timeline(
    events: list[LeadEvent], *, stages: list[Stage] | None = None
) -> list[LeadEvent]:
    """Give each event what its line on the card needs, with names looked up in bulk
    (one query per kind of thing named, whatever the number of events; ``stages``, when the
    caller has them, save one). An event a later app presents (settings.TIMELINE_PRESENTERS)
    gets ``template``, its line's template."""
    presented = [event for event in events if event.type not in settings.TIMELINE_PRESENTERS]
    wanted: dict[str, set[Any]] = {name: set() for name in RELATED_IN_DIFFS}
    user_ids: set[int] = set()
    lead_ids: set[int] = set()
    for event in presented:
        params = event.params or {}
        if event.type in DIFF_EVENTS:
            for name, pair in (params.get("changes") or {}).items():
                if name in wanted:
                    wanted[name].update(v for v in pair if v is not None)
                elif name == "owner_id":
                    user_ids.update(v for v in pair if v)
            if event.type in MERGE_LEAD_PARAMS:
                others, survivor = _merge_lead_ids(event)
                lead_ids.update([*others, *([survivor] if survivor else [])])
        elif event.type == EventType.ASSIGNED:
            user_ids.update(v for v in (params.get("from"), params.get("to")) if v)
        elif event.type == EventType.TASK_CREATED and params.get("assignee_id"):
            user_ids.add(params["assignee_id"])
    names: dict[str, dict[Any, str]] = {
        name: (
            dict(RELATED_IN_DIFFS[name].objects.filter(pk__in=ids).values_list("pk", "name"))
            if ids
            else {}
        )
        for name, ids in wanted.items()
    }
    users = {
        user.pk: user.get_full_name() or user.get_username()
        for user in (get_user_model().objects.filter(pk__in=user_ids) if user_ids else [])
    }
    lead_names = (
        dict(Lead.objects.filter(pk__in=lead_ids).values_list("pk", "display_name"))
        if lead_ids
        else {}
    )
    reason_codes = {
        code
        for event in presented
        if event.type == EventType.STAGE_CHANGED
        for code in (
            (event.params or {}).get("rejection_reason"),
            ((event.params or {}).get("cleared") or {}).get("rejection_reason"),
        )
        if code
    }
    reasons = (
        {r.code: r.label for r in RejectionReason.objects.filter(code__in=reason_codes)}
        if reason_codes
        else {}
    )
    all_stages = list(Stage.objects.all()) if stages is None else stages
    stage_labels = {stage.code: stage.label for stage in all_stages}
    names["stage_id"] = {stage.pk: stage.label for stage in all_stages}
    names["owner_id"] = users
    for event in presented:
        params = event.params or {}
        if event.type in DIFF_EVENTS:
            event.changes = _changes(event, names)
            if event.type in MERGE_LEAD_PARAMS:
                _present_merge(event, lead_names)
        elif event.type == EventType.STAGE_CHANGED:
            event.stage_from = stage_labels.get(params.get("from"), params.get("from"))
            event.stage_to = stage_labels.get(params.get("to"), params.get("to"))
            _present_stage_change(event, names, reasons)
        elif event.type == EventType.ASSIGNED:
            event.owner_from = users.get(params.get("from"))
            event.owner_to = users.get(params.get("to")) or params.get("to_name")
        elif event.type == EventType.TASK_CREATED:
            event.due = _diff_value("due_at", params.get("due_at"), names)
            event.assignee_name = users.get(params.get("assignee_id"))
        elif event.type == EventType.CREATED:
            event.contacts = params.get("contacts") or []
        elif event.type == EventType.SUBMISSION_RECEIVED:
            channel = params.get("channel")
            event.channel_label = Channel(channel).label if channel in Channel.values else ""
            event.action_label = SUBMISSION_ACTIONS.get(params.get("action"), "")
            event.reason_messages = [
                reason.get("message") or reason.get("code")
                for reason in params.get("reasons") or []
                if isinstance(reason, dict)
            ]
        elif event.type == EventType.CALL and params.get("outcome") in CallOutcome.values:
            event.call_outcome = CallOutcome(params["outcome"]).label
            event.details = [
                (key.replace("_", " ").capitalize(), value)
                for key, value in params.items()
                if key not in ("outcome", "note")
            ]
        elif event.type == EventType.VERIFIED and params.get("method") in VerificationMethod.values:
            event.verified_by = VerificationMethod(params["method"]).label
        elif event.type not in (
            EventType.NOTE_ADDED,
            EventType.TASK_COMPLETED,
            EventType.CONTACT_ADDED,
            EventType.CONTACT_REMOVED,
        ):
            event.details = [
                (key.replace("_", " ").capitalize(), value) for key, value in params.items()
            ]
    _present_by_hooks(events)
    return events


def _card_context(
    request: HttpRequest, lead: Lead, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    can_assign = access.can_assign(user)
    tasks = list(selectors.lead_tasks(lead=lead))
    done_form = bound.get("done")
    for task in tasks:
        if task.done_at is None:
            task.complete_form = (
                done_form
                if done_form is not None and done_form.task.pk == task.pk
                else TaskCompleteForm(task=task)
            )
    open_tasks = [t for t in tasks if t.done_at is None]
    stages = list(Stage.objects.all())
    # a refused form comes back open; without JavaScript, ?open= asks for one
    open_form = next(iter(bound), "") or request.GET.get("open", "")
    forms = {
        name: bound.get(name) or (_card_form(request, lead, name) if name == open_form else None)
        for name in LAZY_FORMS
    }
    return {
        "section": "leads",
        "lead": lead,
        "contacts": list(lead.contact_points.all()),
        "open_tasks": open_tasks,
        "done_tasks": [t for t in tasks if t.done_at is not None],
        "overdue_count": sum(1 for t in open_tasks if t.is_overdue),
        "events": present_timeline(list(selectors.lead_timeline(lead=lead)), stages=stages),
        # banners and panels later apps add to the card (quality, matching, scoring…), named
        # in settings
        "card_banners": settings.LEAD_CARD_BANNERS,
        "card_panels": settings.LEAD_CARD_PANELS,
        "stages": stages,
        "can_assign": can_assign,
        "can_take": lead.owner_id is None and not can_assign,
        "open_form": open_form,
        # the facts edited in place read their labels and values from the edit form (built
        # without its choices' queries: only the whole form, when opened, renders them)
        "edit_form": forms["edit"] or LeadEditForm(lead=lead),
        "edit_form_open": forms["edit"] is not None,
        "contact_form": forms["contact"],
        "note_form": forms["note"],
        "task_form": forms["task"],
        "assign_form": forms["assign"],
        "stage_form": bound.get("stage") or StageForm(lead=lead),
        "convert_url": convert_url(lead.pk),
        "next_stage": next_stage_needs(lead, stages),
        "take_form": bound.get("take"),
        "now": timezone.now(),
    }


@page
@require_GET
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.lead_detail(user=request.user, lead_id=lead_id)
    return render(request, "leads/lead_detail.html", _card_context(request, lead))


# The card's forms that come when opened (a click or a key fetches them with htmx; without
# JavaScript a link opens the card with that one built): built and rendered on every open
# of the card, their widgets and choices cost it most of its time.
LAZY_FORMS = ("edit", "contact", "note", "task", "assign")


def _card_form(request: HttpRequest, lead: Lead, name: str) -> Any:
    """A new, empty form of the card; None for one the user may not use (or no such form)."""
    user = request.user
    builders: dict[str, Callable[[], Any]] = {
        "edit": lambda: LeadEditForm(lead=lead),
        "contact": ContactAddForm,
        "note": NoteForm,
        "task": lambda: TaskForm(user=user),
        "assign": lambda: AssignForm(user=user, lead=lead) if access.can_assign(user) else None,
    }
    build = builders.get(name)
    return build() if build is not None else None


@page
@require_GET
def lead_card_form(request: HttpRequest, lead_id: int, name: str) -> HttpResponse:
    """One of the card's forms, fetched when it is opened (LAZY_FORMS)."""
    if name not in LAZY_FORMS:
        raise Http404(_("No such form on a lead's card."))
    lead = _visible_lead(request, lead_id)
    form = _card_form(request, lead, name)
    if form is None:
        raise PermissionDenied("Only heads of sales and admins assign leads.")
    return render(request, FORM_TEMPLATES[name], {"lead": lead, f"{name}_form": form})


def _card_updated(request: HttpRequest, lead_id: int) -> HttpResponse:
    if not _is_partial(request):
        return redirect("lead-detail", lead_id=lead_id)
    try:
        lead = selectors.lead_detail(user=request.user, lead_id=lead_id)
    except NotFound:  # e.g. handed to someone outside the user's sight
        return HttpResponseClientRedirect(reverse("lead-list"))
    return _partial(request, "leads/_card.html", _card_context(request, lead), target="#lead-card")


# name -> the template of that form, used alone when htmx swaps a refused form back
FORM_TEMPLATES = {
    "edit": "leads/forms/_edit.html",
    "contact": "leads/forms/_contact.html",
    "note": "leads/forms/_note.html",
    "task": "leads/forms/_task.html",
    "done": "leads/forms/_task_complete.html",
    "assign": "leads/forms/_assign.html",
    "stage": "leads/forms/_stage.html",
    "take": "leads/forms/_take.html",
}


def _card_refused(request: HttpRequest, lead: Lead, name: str, form: Any) -> HttpResponse:
    if _is_partial(request):
        # only the refused form goes back, swapped in place of itself
        context: dict[str, Any] = {"lead": lead, "form": form, f"{name}_form": form}
        if name == "stage":
            context["stages"] = list(Stage.objects.all())
            context["convert_url"] = convert_url(lead.pk)
        if name == "done":
            context["task"] = form.task
        return _partial(request, FORM_TEMPLATES[name], context)
    return render(request, "leads/lead_detail.html", _card_context(request, lead, {name: form}))


def _card_action(
    request: HttpRequest,
    lead: Lead,
    name: str,
    form: Any,
    perform: Callable[[dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """Validate the form, let the service write, and answer as the card or the refused form."""
    if form.is_valid():
        try:
            outcome = perform(form.cleaned_data)
        except NotFound:
            raise
        except ApplicationError as error:
            add_service_error(form, error, getattr(form, "field_map", None))
        else:
            if outcome is not False:
                messages.success(request, success)
            return _card_updated(request, lead.pk)
    return _card_refused(request, lead, name, form)


def _visible_lead(request: HttpRequest, lead_id: int) -> Lead:
    return selectors.lead_detail(user=request.user, lead_id=lead_id)


@page
@require_POST
def lead_edit(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    form = LeadEditForm(request.POST, lead=lead)

    def perform(data: dict[str, Any]) -> Any:
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing changed."))
            return False
        return services.lead_update(actor=_actor(request), lead=lead, data=changes)

    return _card_action(request, lead, "edit", form, perform, _("Lead saved."))


@page
@require_POST
def lead_contact_add(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    form = ContactAddForm(request.POST)

    def perform(data: dict[str, Any]) -> Any:
        contact = ContactInput(
            kind=data["kind"], value=data["value"], label=data["label"], verified=data["verified"]
        )
        return services.contact_point_add(actor=_actor(request), lead=lead, contact=contact)

    return _card_action(request, lead, "contact", form, perform, _("Contact added."))


@page
@require_POST
def lead_note_add(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    form = NoteForm(request.POST)

    def perform(data: dict[str, Any]) -> Any:
        return services.note_add(actor=_actor(request), lead=lead, text=data["text"])

    return _card_action(request, lead, "note", form, perform, _("Note added."))


@page
@require_POST
def lead_task_add(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    form = TaskForm(request.POST, user=request.user)

    def perform(data: dict[str, Any]) -> Any:
        return services.task_create(
            actor=_actor(request),
            lead=lead,
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            due_at=data["due_at"],
            assignee=data.get("assignee"),
        )

    return _card_action(request, lead, "task", form, perform, _("Task added."))


@page
@require_POST
def lead_task_complete(request: HttpRequest, lead_id: int, task_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    task = selectors.lead_tasks(lead=lead).filter(pk=task_id).first()
    if task is None:
        raise Http404(_("No such task on this lead."))
    form = TaskCompleteForm(request.POST, task=task)

    def perform(data: dict[str, Any]) -> Any:
        return services.task_complete(actor=_actor(request), task=task, outcome=data["outcome"])

    return _card_action(request, lead, "done", form, perform, _("Task done."))


def next_stage_needs(lead: Lead, stages: list[Stage]) -> dict[str, Any] | None:
    """The card's completeness: the next open stage of the pipeline and, for each field it
    requires, whether the lead has it (no query: the stages are given)."""
    current = next((s for s in stages if s.pk == lead.stage_id), None)
    if current is None or current.kind != StageKind.OPEN:
        return None
    later = [
        s
        for s in stages
        if s.kind == StageKind.OPEN and (s.order, s.pk) > (current.order, current.pk)
    ]
    if not later:
        return None
    stage = later[0]
    missing = set(stage.missing_fields(lead))
    fields = [
        {"name": name, "label": _field_label(name), "done": name not in missing}
        for name in stage.required_fields or ()
    ]
    done = sum(1 for f in fields if f["done"])
    return {
        "stage": stage,
        "fields": fields,
        "missing": [f for f in fields if not f["done"]],
        "percent": round(100 * done / len(fields)) if fields else 100,
    }


def convert_url(lead_id: int) -> str | None:
    """The conversion page of the clients app (client-convert), if it is installed: a move
    to a won stage goes there, never straight through the stage form."""
    try:
        return reverse("client-convert", args=[lead_id])
    except NoReverseMatch:
        return None


def stage_move(*, actor: services.Actor, lead: Lead, stage: Stage, values: dict[str, Any]) -> Lead:
    """Move a lead with what the stage form asked for: a deferral through lead_defer (its
    task), anything else through lead_change_stage with the fields filled in."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    if stage.kind == StageKind.DEFERRED:
        return services.lead_defer(
            actor=actor,
            lead=lead,
            recontact_at=values.pop("recontact_day", None),
            note=values.pop("note", ""),
        )
    return services.lead_change_stage(actor=actor, lead=lead, stage=stage, fields=values)


# a deferral's form field for what the service calls recontact_at
STAGE_FIELD_MAP = {"recontact_at": "recontact_day"}


@page
@require_POST
def lead_stage_change(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    form = StageForm(request.POST, lead=lead)
    form.field_map = STAGE_FIELD_MAP
    if form.is_valid():
        stage = form.cleaned_data["stage"]
        url = convert_url(lead.pk) if stage.kind == StageKind.WON else None
        if url is not None and stage.pk != lead.stage_id:
            if _is_partial(request):
                return HttpResponseClientRedirect(url)
            return redirect(url)
        if form.asking:
            return _card_refused(request, lead, "stage", form)

    def perform(data: dict[str, Any]) -> Any:
        if data["stage"].pk == lead.stage_id:
            return False
        return stage_move(
            actor=_actor(request), lead=lead, stage=data["stage"], values=form.fill_values()
        )

    message = _("Stage changed.")
    if form.is_valid():
        kind = form.cleaned_data["stage"].kind
        message = {
            StageKind.WON: _("Converted. Well done!"),
            StageKind.LOST: _("Lead rejected."),
            StageKind.DEFERRED: _("Lead deferred: a call is planned for that day."),
        }.get(kind, message)
    return _card_action(request, lead, "stage", form, perform, message)


@page
@require_POST
def lead_assign(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    taking = "take" in request.POST
    if taking:
        # "Take it": the only owner a manager may choose is themselves
        form = AssignForm({"owner": request.user.pk}, user=request.user, lead=lead)
    else:
        form = AssignForm(request.POST, user=request.user, lead=lead)

    def perform(data: dict[str, Any]) -> Any:
        owner = data["owner"]
        if (owner.pk if owner else None) == lead.owner_id:
            return False
        return services.lead_assign(
            actor=_actor(request), lead=lead, owner=owner, reason=data.get("reason") or ""
        )

    message = _("You took this lead.") if taking else _("Owner changed.")
    return _card_action(request, lead, "take" if taking else "assign", form, perform, message)


# --- a new lead -----------------------------------------------------------------------


@page
def lead_new(request: HttpRequest) -> HttpResponse:
    access.require_lead_access(request.user)
    form = LeadCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contacts = [
            (name, ContactInput(kind=kind, value=data[name]))
            for name, kind in (("phone", ContactKind.PHONE), ("email", ContactKind.EMAIL))
            if data[name].strip()
        ]
        source, campaign = data["source"], data["campaign"]
        if source is None and campaign is not None:
            source = campaign.source
        fields = {
            name: data[name]
            for name in (
                "first_name",
                "middle_name",
                "last_name",
                "company_name",
                "position",
                "interest",
                "comment",
            )
        }
        fields.update(
            source_id=source.pk if source else None,
            campaign_id=campaign.pk if campaign else None,
            channel=source.channel if source else Channel.MANUAL,
        )
        field_map = dict(form.field_map)
        for index, (name, _contact) in enumerate(contacts):
            field_map[f"contacts[{index}].value"] = name
            field_map[f"contacts[{index}].kind"] = name
        field_map["contacts"] = "phone"
        try:
            lead = services.lead_create(
                actor=_actor(request), data=fields, contacts=[c for _n, c in contacts]
            )
        except ApplicationError as error:
            add_service_error(form, error, field_map)
        else:
            messages.success(request, _("Lead “%(name)s” created.") % {"name": lead})
            return redirect("lead-detail", lead_id=lead.pk)
    return render(request, "leads/lead_new.html", {"section": "leads", "form": form})


# --- sources and campaigns ------------------------------------------------------------


@page
@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    if not can_see_marketing(request.user):
        raise PermissionDenied(_("Sources and campaigns are for marketing and sales heads."))
    return render(
        request,
        "leads/sources.html",
        {
            "section": "sources",
            "sources": list(selectors.sources_with_lead_counts()),
            "campaigns": selectors.campaigns_with_spend(),
            "works_leads": can_work_leads(request.user),
        },
    )


# --- the board ------------------------------------------------------------------------

# cards a board column shows at first and on each "load more"
BOARD_PAGE = 20


def _board_stages(filters: LeadFilters) -> list[Stage]:
    stages = list(Stage.objects.all())
    if filters.stage:
        stages = [stage for stage in stages if stage.code == filters.stage]
    return stages


def _board_scope(stage: Stage, ordering: Sequence[str]) -> str:
    return f"board:{stage.pk}:" + ",".join(ordering)


def _board_column(
    request: HttpRequest, filters: LeadFilters, stage: Stage, *, cursor: str | None = None
) -> tuple[list[Lead], str | None]:
    ordering = selectors.sort_fields(filters.sort)
    cards = selectors.board_cards(user=request.user, filters=filters, stage=stage)
    return keyset_page(
        cards,
        ordering=ordering,
        scope=_board_scope(stage, ordering),
        cursor=cursor,
        limit=BOARD_PAGE,
        parts=selectors.board_cards_parts(user=request.user, filters=filters, stage=stage),
    )


def _board_first_pages(
    request: HttpRequest, filters: LeadFilters, stages: list[Stage]
) -> dict[int, tuple[list[Lead], str | None]]:
    """Each column's first cards (``_board_column`` without a cursor), read together: two
    queries for the board instead of one or two per column."""
    if not stages:
        return {}
    ordering = selectors.sort_fields(filters.sort)
    user = request.user
    return keyset_first_pages(
        {
            stage.pk: selectors.board_cards(user=user, filters=filters, stage=stage)
            for stage in stages
        },
        rows=Lead.objects.select_related("stage", "owner"),
        group_of=lambda lead: lead.stage_id,
        ordering=ordering,
        scopes={stage.pk: _board_scope(stage, ordering) for stage in stages},
        limit=BOARD_PAGE,
        parts={
            stage.pk: selectors.board_cards_parts(user=user, filters=filters, stage=stage)
            for stage in stages
        },
    )


# A text search's column counts come after the board (GET leads/board/counts/, fetched by
# htmx when the board shows): each count reads the search's trigram index again, and the
# cards come first. ``?counts=exact`` counts them with the page (a browser without
# JavaScript follows the placeholder's link).
def _board_context(
    request: HttpRequest,
    params: QueryDict,
    saved_form: SavedFilterForm | None = None,
    *,
    exact_counts: bool = False,
) -> dict[str, Any]:
    context = _filter_context(request, params, saved_form, on_page="board")
    filters = context["filters"]
    stages = _board_stages(filters)
    deferred = bool(filters.q.strip()) and not exact_counts
    counts = (
        {}
        if deferred
        else selectors.board_counts(user=request.user, filters=filters, stages=stages)
    )
    # closed stages sit at the end as counts; their cards load when asked for
    shown = [stage for stage in stages if not (stage.is_closed and not filters.stage)]
    pages = _board_first_pages(request, filters, shown)
    columns = []
    for stage in stages:
        collapsed = stage.pk not in pages
        cards, cursor = pages.get(stage.pk, ([], None))
        columns.append(
            {
                "stage": stage,
                "count": None if deferred else counts.get(stage.pk, 0),
                "cards": cards,
                "cursor": cursor,
                "collapsed": collapsed,
                "needs": [_field_label(name) for name in stage.required_fields or ()],
            }
        )
    columns.sort(key=lambda column: column["collapsed"])
    context.update(
        columns=columns,
        stages=stages if filters.stage else list(Stage.objects.all()),
        all_stages=list(Stage.objects.all()),
        counts_deferred=deferred,
        total_known=not deferred,
        **_board_total(counts),
        now=timezone.now(),
        convert_available=convert_url(0) is not None,
    )
    return context


def _board_total(counts: dict[int, int]) -> dict[str, Any]:
    return {
        "total": sum(counts.values()),
        "count_cap": selectors.COUNT_CAP,
        "total_capped": any(n > selectors.COUNT_CAP for n in counts.values()),
    }


@page
@require_GET
def lead_board(request: HttpRequest) -> HttpResponse:
    params, switches = _switches(request.GET, **{EXACT_COUNTS: "exact"})
    context = _board_context(request, params, exact_counts=switches[EXACT_COUNTS])
    audit.record_bulk_view(
        request=request,
        object_type="leads.Lead",
        count=sum(len(column["cards"]) for column in context["columns"]),
        params={"filter": context["params"].dict(), "view": "board"},
    )
    if _is_partial(request):
        response = render(request, "leads/_board.html", context)
        clean = context["params"].urlencode()
        push_url(response, reverse("lead-board") + (f"?{clean}" if clean else ""))
    else:
        response = render(request, "leads/board.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@page
@require_GET
def lead_board_counts(request: HttpRequest) -> HttpResponse:
    """A text search's column counts, swapped into the board's column heads: from one read
    of the matches (``selectors.search_counts``); a stage that read leaves open answers a
    request of its own (``?stage=``), so no answer reads the trigram index more than once
    per part of what the user may see."""
    access.require_lead_access(request.user)
    params = request.GET.copy()
    stage_id = params.pop("stage", [""])[-1]
    form = LeadFilterForm(params or None, user=request.user)
    filters = form.filters()
    query = _list_query(_clean_params(params))
    stages = _board_stages(filters)
    if stage_id:
        stages = [stage for stage in stages if str(stage.pk) == stage_id]
        if not stages:
            raise Http404(_("No such stage."))
        counts = selectors.stages_counts(user=request.user, filters=filters, stages=stages)
    elif filters.q.strip():
        counts = selectors.search_counts(user=request.user, filters=filters, stages=stages)
    else:
        counts = selectors.board_counts(user=request.user, filters=filters, stages=stages)
    context = {
        "columns": [{"stage": stage, "count": counts.get(stage.pk)} for stage in stages],
        "query": query,
        "one_stage": bool(stage_id),
        **_board_total(counts),
    }
    # a stage the read of the matches leaves open means that read was full: more than the
    # cap in all
    context["total_capped"] = context["total_capped"] or any(
        column["count"] is None for column in context["columns"]
    )
    context["total_known"] = True
    return render(request, "leads/_board_counts.html", context)


@page
@require_GET
def lead_board_column(request: HttpRequest, stage_id: int) -> HttpResponse:
    """More cards of one column (after ``cursor``), or a closed column's first cards."""
    access.require_lead_access(request.user)
    stage = Stage.objects.filter(pk=stage_id).first()
    if stage is None:
        raise Http404(_("No such stage."))
    params = request.GET.copy()
    cursor = params.pop("cursor", [None])[-1]
    form = LeadFilterForm(params or None, user=request.user)
    filters = form.filters()
    cards, next_cursor = _board_column(request, filters, stage, cursor=cursor or None)
    audit.record_bulk_view(
        request=request,
        object_type="leads.Lead",
        count=len(cards),
        params={"filter": params.dict(), "view": "board", "stage": stage.code},
    )
    context = {
        "column": {"stage": stage, "cards": cards, "cursor": next_cursor},
        "query": _list_query(_clean_params(params)),
        "all_stages": list(Stage.objects.all()),
        "now": timezone.now(),
    }
    return render(request, "leads/_board_cards.html", context)


def _board_card_response(request: HttpRequest, lead_id: int, message: str) -> HttpResponse:
    lead = selectors.board_card(user=request.user, lead_id=lead_id)
    if lead is None:  # e.g. moved out of the user's sight
        return HttpResponse("")
    messages.success(request, message)
    context = {"lead": lead, "all_stages": list(Stage.objects.all()), "now": timezone.now()}
    response = _partial(request, "leads/_board_card.html", context)
    response["HX-Trigger"] = "board-moved"
    return response


@page
@require_POST
def lead_board_move(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Move a card to a stage from the board (a drop or the card's "move to" control): a
    stage that needs fields asks for them in a dialog; a won stage goes to the conversion
    page (or the lead's card, until there is one)."""
    lead = _visible_lead(request, lead_id)
    form = StageForm(request.POST, lead=lead)
    form.field_map = STAGE_FIELD_MAP
    back = reverse("lead-board")
    if form.is_valid():
        stage = form.cleaned_data["stage"]
        if stage.pk == lead.stage_id:
            return (
                _board_card_response(request, lead.pk, _("Nothing changed."))
                if _is_partial(request)
                else redirect(back)
            )
        if stage.kind == StageKind.WON:
            url = convert_url(lead.pk) or reverse("lead-detail", args=[lead.pk])
            return HttpResponseClientRedirect(url) if _is_partial(request) else redirect(url)
        if not form.asking:
            try:
                stage_move(actor=_actor(request), lead=lead, stage=stage, values=form.fill_values())
            except NotFound:
                raise
            except ApplicationError as error:
                add_service_error(form, error, form.field_map)
            else:
                message = _("“%(lead)s” moved to “%(stage)s”.") % {
                    "lead": lead,
                    "stage": stage.label,
                }
                if _is_partial(request):
                    return _board_card_response(request, lead.pk, message)
                messages.success(request, message)
                return redirect(back)
    context = {"lead": lead, "stage_form": form, "form": form, "in_dialog": _is_partial(request)}
    if _is_partial(request):
        return _partial(request, "leads/_board_fill.html", context, target="#board-dialog-body")
    return render(request, "leads/board_fill.html", {"section": "leads", **context})


# --- bulk actions in the list ---------------------------------------------------------

# the most leads one export writes (all that match the filter, up to this)
EXPORT_LIMIT = 10_000
# refusals named one by one in the result message; the rest are counted
REFUSALS_SHOWN = 5


def _bulk_targets(request: HttpRequest, form: BulkForm, *, limit: int) -> list[int] | None:
    """The ids the action is for: the ticked rows, or every lead the filter matches (up to
    ``limit``; more is refused with a message, None)."""
    if not form.cleaned_data["all_matching"]:
        return form.lead_ids()
    filters = LeadFilterForm(QueryDict(form.cleaned_data["query"]) or None, user=request.user)
    leads = selectors.leads_filtered(user=request.user, filters=filters.filters())
    ids = list(leads.values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        messages.error(
            request,
            _(
                "The filter matches more than %(limit)s leads: narrow it down, or tick the "
                "rows to act on."
            )
            % {"limit": f"{limit:,}"},
        )
        return None
    return ids


def _refusal_text(refusal: services.BulkRefusal) -> str:
    error = refusal.error
    if isinstance(error, services.StageFieldsMissing):
        why = _("needs %(fields)s") % {"fields": ", ".join(_field_label(n) for n in error.missing)}
    else:
        why = error.message
    return f"{refusal.name}: {why}"


def _bulk_report(request: HttpRequest, result: services.BulkResult, done_text: str) -> None:
    if result.done:
        messages.success(request, done_text % {"n": len(result.done)})
    if result.refused:
        shown = "; ".join(_refusal_text(r) for r in result.refused[:REFUSALS_SHOWN])
        more = len(result.refused) - REFUSALS_SHOWN
        text = _("%(n)s refused: %(list)s") % {"n": len(result.refused), "list": shown}
        if more > 0:
            text += " " + _("(and %(n)s more)") % {"n": more}
        messages.warning(request, text)


def _export_response(request: HttpRequest, ids: list[int], kind: str) -> HttpResponse:
    leads = selectors.lead_list(user=request.user, filters=LeadFilters()).filter(pk__in=ids)
    leads = leads.select_related("rejection_reason")
    for leave_out in getattr(settings, "LEAD_EXPORT_FILTERS", []):
        leads = import_string(leave_out)(leads)  # e.g. blocked people are not exported
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    audit.record(
        actor=request.user,
        action=audit.BULK_EXPORT,
        object_type="leads.Lead",
        count=leads.count(),
        params={
            "format": kind.removeprefix("export_"),
            "ticked": None if request.POST.get("all_matching") else len(ids),
            "filter": QueryDict(request.POST.get("query", "")).dict(),
        },
        request=request,
    )
    if kind == "export_xlsx":
        response = HttpResponse(
            exports.export_xlsx(leads),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.xlsx"'
    else:
        response = HttpResponse(exports.export_csv(leads), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
    return response


@page
@require_GET
def lead_bulk_fields(request: HttpRequest) -> HttpResponse:
    """The bulk actions' fields (new owner, stage, reason, day, task, note), fetched when a
    row is first ticked or an action chosen: rendered on every page of the list they cost
    about a sixth of its time (and two or three queries), and most pages are only read."""
    access.require_lead_access(request.user)
    return render(request, "leads/_bulk_fields.html", {"bulk_form": BulkForm(user=request.user)})


@page
@require_POST
def lead_bulk(request: HttpRequest) -> HttpResponse:
    """One action on many leads from the list: each lead through its service, in batches;
    the result says how many changed and which were refused, and why."""
    access.require_lead_access(request.user)
    form = BulkForm(request.POST, user=request.user)
    back = reverse("lead-list") + (
        f"?{request.POST.get('query')}" if request.POST.get("query") else ""
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    exporting = action.startswith("export")
    ids = _bulk_targets(request, form, limit=EXPORT_LIMIT if exporting else services.BULK_LIMIT)
    if ids is None:
        return redirect(back)
    if exporting:
        return _export_response(request, ids, action)
    actor = _actor(request)
    if action == "assign":
        owner = data["owner"]

        def change(lead: Lead) -> Any:
            return services.lead_assign(actor=actor, lead=lead, owner=owner, reason=data["note"])

        done_text = _("%(n)s assigned.")
    elif action == "stage":
        stage, values = data["stage"], form.stage_values()

        def change(lead: Lead) -> Any:
            if lead.stage_id == stage.pk:
                raise ValidationFailed({"stage": _("already there")})
            return stage_move(actor=actor, lead=lead, stage=stage, values=dict(values))

        done_text = _("%(n)s moved to “%(stage)s”.").replace("%(stage)s", str(stage.label))
    else:

        def change(lead: Lead) -> Any:
            return services.task_create(
                actor=actor,
                lead=lead,
                kind=data["task_kind"] or "call",
                title=data["task_title"],
                description=data["note"],
                due_at=data["task_due"],
            )

        done_text = _("%(n)s tasks added.")
    try:
        result = services.leads_bulk_apply(actor=actor, lead_ids=ids, change=change)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    _bulk_report(request, result, done_text)
    return redirect(back)


# --- inline editing on the card -------------------------------------------------------

# the card's facts a click edits in place (the edit form's fields)
INLINE_FIELDS = frozenset(
    name
    for name in LeadEditForm.base_fields
    if name not in ("source", "campaign", "recontact_at", "comment")
)


def _inline_context(lead: Lead, field: str, form: LeadEditForm | None = None) -> dict[str, Any]:
    form = form or LeadEditForm(lead=lead)
    return {"lead": lead, "field": form[field], "name": field}


@page
def lead_field_edit(request: HttpRequest, lead_id: int, field: str) -> HttpResponse:
    """One fact of the card edited in place: GET the field's input (``?show=1``: its value
    again, on Esc), POST its new value through lead_update; a refusal comes back next to
    the field, a change answers with the whole card."""
    if field not in INLINE_FIELDS:
        raise Http404(_("This field cannot be edited here."))
    lead = _visible_lead(request, lead_id)
    if request.method == "GET":
        template = "leads/_inline_value.html" if request.GET.get("show") else None
        context = _inline_context(lead, field)
        return render(request, template or "leads/forms/_inline_field.html", context)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    # every other field as it is: only this one can change
    data = QueryDict(mutable=True)
    base = LeadEditForm(lead=lead)
    for name, form_field in base.fields.items():
        value = base.initial.get(name)
        data[name] = form_field.prepare_value(value) if value is not None else ""
        if hasattr(value, "pk"):
            data[name] = value.pk
    data[field] = request.POST.get(field, "")
    form = LeadEditForm(data, lead=lead)
    if form.is_valid():
        changes = {k: v for k, v in form.changes().items() if k == field}
        if not changes:
            return render(request, "leads/_inline_value.html", _inline_context(lead, field))
        try:
            services.lead_update(actor=_actor(request), lead=lead, data=changes)
        except NotFound:
            raise
        except ApplicationError as error:
            add_service_error(form, error, form.field_map)
        else:
            messages.success(request, _("Saved."))
            return _card_updated(request, lead.pk)
    return render(request, "leads/forms/_inline_field.html", _inline_context(lead, field, form))
