"""Pages of the possible-duplicate review: the queue, where heads of sales and admins see
two leads side by side with the evidence and either open the merge page or say they are
different people, and that decision from the lead card.

Reads go through galena.matching.review, the decision through galena.matching.duplicates.
With htmx a dismissed pair's row leaves the page; without JavaScript the same URL
redirects back to the queue (or the card) with a message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from galena.core.errors import ApplicationError
from galena.core.views import page
from galena.matching import review
from galena.matching.duplicates import duplicate_dismiss
from galena.matching.models import DuplicateCandidate, DuplicateFoundBy

QUEUE_PAGE_SIZE = 25
FILTER_NAMES = ("found_by", "min", "lead")


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


class DuplicateFilterForm(forms.Form):
    found_by = forms.ChoiceField(
        label=gettext_lazy("Found by"),
        required=False,
        choices=[("", gettext_lazy("Any")), *DuplicateFoundBy.choices],
    )
    min = forms.IntegerField(
        label=gettext_lazy("At least (%)"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}),
    )
    lead = forms.IntegerField(
        label=gettext_lazy("Lead id"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "duplicates-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def filters(self) -> review.DuplicateFilters:
        if not self.is_bound or not self.is_valid():
            return review.DuplicateFilters()
        data = self.cleaned_data
        return review.DuplicateFilters(
            found_by=data["found_by"] or "",
            min_probability=None if data["min"] is None else data["min"] / 100,
            lead=data["lead"],
        )


def _queue_params(params: QueryDict) -> QueryDict:
    """The queue's filters and page from a request, without empty values."""
    clean = QueryDict(mutable=True)
    for name in (*FILTER_NAMES, "page"):
        value = params.get(name, "").strip()
        if value:
            clean[name] = value
    return clean


def _queue_url(params: QueryDict) -> str:
    query = params.urlencode()
    return reverse("matching-duplicates") + (f"?{query}" if query else "")


def _present(pair: DuplicateCandidate) -> DuplicateCandidate:
    pair.explained = review.explanation_of(pair.explanation)
    pair.rows = review.side_by_side(pair, pair.explained)
    return pair


def _filtered(params: QueryDict) -> tuple[QueryDict, DuplicateFilterForm]:
    clean = _queue_params(params)
    return clean, DuplicateFilterForm(clean or None)


def _is_filtered(clean: QueryDict) -> bool:
    return any(name in clean for name in FILTER_NAMES)


def _queue_context(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    user = request.user
    review.require_reviewer(user)
    clean, form = _filtered(params)
    pairs = review.duplicates_open(user=user, filters=form.filters())
    page_obj = Paginator(pairs, QUEUE_PAGE_SIZE).get_page(params.get("page"))
    return {
        "section": "duplicates",
        "form": form,
        "page_obj": page_obj,
        "total": page_obj.paginator.count,
        "pairs": [_present(pair) for pair in page_obj.object_list],
        "params": clean,
        "here": _queue_url(clean),
        "is_filtered": _is_filtered(clean),
    }


@page
@require_GET
def duplicates_queue(request: HttpRequest) -> HttpResponse:
    """The open possible duplicates, most probable first, each pair side by side."""
    context = _queue_context(request, request.GET)
    template = "matching/_duplicates_results.html" if _is_partial(request) else None
    response = render(request, template or "matching/duplicates.html", context)
    response["Vary"] = "HX-Request"
    return response


@page
@require_POST
def duplicates_dismiss(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """Not the same person: the pair leaves the queue and is not asked again."""
    pair = review.duplicate_for(user=request.user, candidate_id=candidate_id)
    try:
        duplicate_dismiss(candidate=pair, user=request.user)
    except ApplicationError:
        messages.warning(request, _("This pair was already decided; it has left the queue."))
    else:
        messages.success(
            request,
            _("Kept apart: %(older)s (#%(older_id)s) and %(newer)s (#%(newer_id)s).")
            % {
                "older": pair.other,
                "older_id": pair.other_id,
                "newer": pair.lead,
                "newer_id": pair.lead_id,
            },
        )
    # from the card: back to the lead the button was on
    back = request.POST.get("lead", "")
    card_lead = int(back) if back.isdigit() and int(back) in (pair.lead_id, pair.other_id) else None
    if _is_partial(request):
        # the row is swapped for this: nothing, the messages and the queue's new count
        html = render_to_string("core/_messages_oob.html", {}, request)
        if card_lead is None:
            clean, form = _filtered(request.POST)
            total = review.duplicates_open(user=request.user, filters=form.filters()).count()
            html += render_to_string(
                "matching/_duplicates_count.html",
                {"total": total, "is_filtered": _is_filtered(clean), "oob": True},
                request,
            )
        return HttpResponse(html)
    if card_lead is not None:
        return redirect("lead-detail", lead_id=card_lead)
    return redirect(_queue_url(_queue_params(request.POST)))
