"""Pages of the quality gate: the review queue where heads of sales release or reject
quarantined leads (one by one or in bulk), and the per-source credibility report.

Decisions go through galena.quality.services as a MANUAL actor. With htmx the queue's
actions answer with the re-rendered queue; without JavaScript the same URLs redirect back.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from galena.accounts.roles import can_see_marketing
from galena.core.errors import ApplicationError, NotFound, PermissionDenied
from galena.core.spreadsheets import spreadsheet_safe
from galena.core.views import page
from galena.leads import access
from galena.leads.models import ActorSource, Source
from galena.leads.services import Actor
from galena.quality import selectors, services

QUEUE_PAGE_SIZE = 25


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- the review queue -----------------------------------------------------------------


class QueueFilterForm(forms.Form):
    source = forms.TypedChoiceField(
        label=gettext_lazy("Source"), required=False, coerce=int, empty_value=None
    )
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), required=False)

    def __init__(self, *args: Any, reason_codes: list[str], labels: dict[str, str], **kwargs):
        kwargs.setdefault("auto_id", "queue-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [
            ("", _("Any")),
            *list(Source.objects.values_list("pk", "name").order_by("name")),
        ]
        codes = list(reason_codes)
        asked = str((self.data or {}).get("reason") or "")[:60]
        if asked and asked not in codes:
            # a shared link may name a reason no waiting lead has any more: keep it chosen
            codes.append(asked)
        self.fields["reason"].choices = [
            ("", _("Any")),
            *[(code, selectors.reason_label(code, labels)) for code in codes],
        ]

    def filters(self) -> selectors.QueueFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.QueueFilters()
        return selectors.QueueFilters(
            source=self.cleaned_data["source"], reason=self.cleaned_data["reason"] or ""
        )


def _queue_params(params: QueryDict) -> QueryDict:
    """The queue's filters and page from a request, without empty values."""
    clean = QueryDict(mutable=True)
    for name in ("source", "reason", "page"):
        value = params.get(name, "").strip()
        if value:
            clean[name] = value
    return clean


def _queue_context(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    user = request.user
    selectors.require_reviewer(user)
    labels = selectors.reason_labels()
    form = QueueFilterForm(
        params or None, reason_codes=selectors.queue_reason_codes(user=user), labels=labels
    )
    filters = form.filters()
    queue = selectors.review_queue(user=user, filters=filters)
    page_obj = Paginator(queue, QUEUE_PAGE_SIZE).get_page(params.get("page"))
    leads = list(page_obj.object_list)
    for lead in leads:
        lead.presented_reasons = selectors.present_reasons(lead.quality_reasons, labels)
    clean = _queue_params(params)
    filter_query = clean.copy()
    filter_query.pop("page", None)
    return {
        "section": "quality",
        "tab": "queue",
        "form": form,
        "filters": filters,
        "page_obj": page_obj,
        "leads": leads,
        "params": clean,
        "filter_query": filter_query.urlencode(),
        "is_filtered": bool(filters.source or filters.reason),
        "reject_reasons": _reject_reasons(labels, form.fields["reason"].choices[1:]),
        "here": reverse("quality-queue") + (f"?{clean.urlencode()}" if clean else ""),
    }


def _reject_reasons(
    labels: dict[str, str], in_queue: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The reasons a reviewer may give for a rejection: the configured checks and any other
    reason the waiting leads carry."""
    reasons = dict(in_queue)
    reasons.update(labels)
    return sorted(reasons.items(), key=lambda item: str(item[1]).casefold())


@page
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request, request.GET)
    if _is_partial(request):
        response = render(request, "quality/_queue_results.html", context)
    else:
        response = render(request, "quality/queue.html", context)
    response["Vary"] = "HX-Request"
    return response


@page
@require_GET
def queue_count(request: HttpRequest) -> HttpResponse:
    """The number of leads waiting for review, for the navigation (refreshed by htmx)."""
    count = selectors.quarantine_count(user=request.user)
    return render(request, "quality/_nav_count.html", {"quality_waiting": count})


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _decision(request: HttpRequest) -> tuple[str, list[str]]:
    """Which action and which leads: a row's own button wins over the checked boxes."""
    for action in ("release", "reject"):
        one = request.POST.get(f"{action}_one")
        if one:
            return action, [one]
    return request.POST.get("action", ""), request.POST.getlist("lead_ids")


def _parse_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.strip().isdigit():
            raise NotFound("No lead with this id.")
        ids.append(int(value))
    return ids


@page
@require_POST
def review_decide(request: HttpRequest) -> HttpResponse:
    """Release or reject the chosen leads, then show the queue (or the page asked for) again."""
    action, values = _decision(request)
    if action not in ("release", "reject"):
        raise Http404(_("Unknown review action."))
    actor = Actor(user=request.user, source=ActorSource.MANUAL)
    note = request.POST.get("note", "")
    try:
        ids = _parse_ids(values)
        if action == "release":
            outcome = services.lead_quality_release(actor=actor, leads=ids, note=note)
        else:
            outcome = services.lead_quality_reject(
                actor=actor,
                leads=ids,
                reason_code=request.POST.get("reason_code", ""),
                note=note,
            )
    except (NotFound, PermissionDenied):
        raise
    except ApplicationError as error:
        messages.error(request, _service_message(error))
    else:
        _report(request, action, outcome)
    default = reverse("quality-queue")
    if _is_partial(request) and request.POST.get("from") == "queue":
        context = _queue_context(request, request.POST)
        html = render_to_string("quality/_queue_results.html", context, request)
        html += render_to_string("core/_messages_oob.html", {}, request)
        html += render_to_string(
            "quality/_nav_count.html",
            {"quality_waiting": selectors.quarantine_count(user=request.user), "oob": True},
            request,
        )
        return HttpResponse(html)
    return redirect(_safe_next(request, default))


def _service_message(error: ApplicationError) -> str:
    if error.field == "lead_ids" and error.message == services.NO_LEADS_CHOSEN:
        return _("Choose at least one lead first.")
    if error.field == "lead_ids":
        return _("Too many leads at once: decide on one page of the queue at a time.")
    if error.field == "note":
        return _("The note is too long.")
    return _("The reason code is not valid.")


def _report(request: HttpRequest, action: str, outcome: services.ReviewOutcome) -> None:
    n = len(outcome.changed)
    if n:
        if action == "release":
            text = ngettext("Released %(n)d lead to sales.", "Released %(n)d leads to sales.", n)
        else:
            text = ngettext(
                "Rejected %(n)d lead as a pseudo-lead.", "Rejected %(n)d leads as pseudo-leads.", n
            )
        messages.success(request, text % {"n": n})
    skipped = len(outcome.skipped)
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)d lead was no longer waiting for this decision and was left as it is.",
                "%(n)d leads were no longer waiting for this decision and were left as they are.",
                skipped,
            )
            % {"n": skipped},
        )


# --- the per-source credibility report ------------------------------------------------


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "period-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_prefix(self, field_name: str) -> str:
        # the URL says ?from=…&to=…, like the API
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data


REPORT_COLUMNS = [
    ("name", gettext_lazy("Source")),
    ("submissions", gettext_lazy("Submissions")),
    ("leads", gettext_lazy("New leads")),
    (None, gettext_lazy("Accepted")),
    (None, gettext_lazy("Interests")),
    (None, gettext_lazy("Quarantined")),
    (None, gettext_lazy("Released")),
    (None, gettext_lazy("Waiting")),
    (None, gettext_lazy("Rejected")),
    ("pseudo_rate", gettext_lazy("Pseudo-lead rate")),
    ("verified_rate", gettext_lazy("Verified rate")),
]
DESCENDING_FIRST = {"submissions", "leads", "pseudo_rate", "verified_rate"}


def _report_columns(sort: str) -> list[dict[str, Any]]:
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    columns = []
    for key, heading in REPORT_COLUMNS:
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


def _report_period(form: PeriodForm) -> selectors.Period:
    if form.is_bound and form.is_valid():
        return selectors.Period.of(form.cleaned_data["date_from"], form.cleaned_data["date_to"])
    return selectors.Period.default()


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


@page
@require_GET
def source_report(request: HttpRequest) -> HttpResponse:
    if not can_see_marketing(request.user):
        raise PermissionDenied(
            _("The source credibility report is for admins, heads of sales and marketers.")
        )
    params = request.GET
    form = PeriodForm(params if ("from" in params or "to" in params) else None)
    sort = params.get("sort") or selectors.DEFAULT_REPORT_SORT
    if sort.lstrip("-") not in selectors.REPORT_SORTS:
        sort = selectors.DEFAULT_REPORT_SORT
    report = selectors.source_credibility(user=request.user, period=_report_period(form), sort=sort)
    if params.get("format") == "csv":
        return _report_csv(report)
    if not form.is_bound:
        # show the period the figures are for in the date fields
        form = PeriodForm(initial={"date_from": report.period.start, "date_to": report.period.end})
    labels = selectors.reason_labels()
    for row in [*report.rows, report.total]:
        row.reason_cells = [row.reasons.get(code, 0) for code in report.reason_codes]
    query = QueryDict(mutable=True)
    query["from"] = report.period.start.isoformat()
    query["to"] = report.period.end.isoformat()
    context = {
        "section": "quality",
        "tab": "sources",
        "form": form,
        "report": report,
        "columns": _report_columns(report.sort),
        "reason_columns": [
            (code, selectors.reason_label(code, labels)) for code in report.reason_codes
        ],
        "period_query": query.urlencode(),
        "sort": report.sort,
        "reviews": access.can_assign(request.user),
    }
    return render(request, "quality/sources.html", context)


class _Line:
    def write(self, text: str) -> str:
        return text


def _report_csv(report: selectors.CredibilityReport) -> HttpResponse:
    # translated now: the lines are written after the request's language is deactivated
    total_label, no_source = _("Total"), _("No source")

    def lines() -> Iterator[str]:
        writer = csv.writer(_Line())
        yield writer.writerow(
            [
                "source_id",
                "source",
                "vendor",
                "channel",
                "submissions",
                "new_leads",
                "accepted",
                "interests",
                "repeat_inquiries",
                "quarantined",
                "released",
                "waiting",
                "rejected",
                "rejected_in_review",
                "verified",
                "pseudo_lead_rate_percent",
                "verified_rate_percent",
                *[f"reason:{code}" for code in report.reason_codes],
            ]
        )
        for row in [*report.rows, report.total]:
            name = total_label if row.is_total else (row.name or no_source)
            yield writer.writerow(
                [
                    spreadsheet_safe(value)
                    for value in (
                        "" if row.is_total else (row.source_id or ""),
                        name,
                        row.vendor,
                        row.channel,
                        row.submissions,
                        row.leads,
                        row.accepted,
                        row.interests,
                        row.attached,
                        row.quarantined,
                        row.released,
                        row.waiting,
                        row.rejected,
                        row.rejected_in_review,
                        row.verified,
                        _rate(row.pseudo_rate),
                        _rate(row.verified_rate),
                        *[row.reasons.get(code, 0) for code in report.reason_codes],
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"source-credibility-{report.period.start}-{report.period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
