"""Personal-data pages for administrators: find a person, read everything held (a printable
page or JSON), erase it, and the retention dry run."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from galena.core import audit
from galena.core.errors import ValidationFailed
from galena.core.views import page
from galena.leads.models import Lead
from galena.privacy.access import (
    require_subject_handler,
    subject_counts,
    subject_report,
)
from galena.privacy.erasure import erase_subject
from galena.privacy.forms import ErasureForm, SubjectSearchForm
from galena.privacy.models import Erasure
from galena.privacy.retention import retention_plan
from galena.privacy.subjects import find_subject

SUBJECT_EXPORT = "subject_export"
ERASURE = "erasure"


def _search(request: HttpRequest) -> tuple[SubjectSearchForm, object]:
    form = SubjectSearchForm(request.GET or None)
    subject = find_subject(**form.lookup()) if form.is_bound and form.is_valid() else None
    return form, subject


@require_GET
@page
def privacy_home(request: HttpRequest) -> HttpResponse:
    """Find a person: what is held about them, table by table, and what can be done."""
    require_subject_handler(request.user)
    form, subject = _search(request)
    context = {
        "section": "privacy",
        "form": form,
        "subject": subject,
        "erasures": Erasure.objects.select_related("actor")[:20],
    }
    if subject is not None:
        context["counts"] = subject_counts(subject)
        context["leads"] = (
            Lead.objects.filter(pk__in=sorted(subject.lead_ids))
            .select_related("stage")
            .order_by("-created_at")
        )
        context["query"] = urlencode({k: v for k, v in request.GET.items() if v})
        context["erase_form"] = ErasureForm(initial=form.cleaned_data)
    return render(request, "privacy/home.html", context)


def _report(request: HttpRequest):
    require_subject_handler(request.user)
    form, subject = _search(request)
    if subject is None:
        return None, form
    report = subject_report(subject, actor=request.user)
    audit.record(
        actor=request.user,
        action=SUBJECT_EXPORT,
        object_type="privacy.subject",
        count=report.rows_total,
        params={"lead_ids": sorted(subject.lead_ids), "contact_ids": sorted(subject.contact_ids)},
        request=request,
    )
    return report, form


@require_GET
@page
def privacy_report(request: HttpRequest) -> HttpResponse:
    """Everything held about the person as a readable page (print it, or save it as PDF)."""
    report, form = _report(request)
    if report is None:
        return redirect(reverse("privacy-home"))
    return render(
        request, "privacy/report.html", {"section": "privacy", "report": report, "form": form}
    )


@require_GET
@page
def privacy_report_json(request: HttpRequest) -> HttpResponse:
    """Everything held about the person as a JSON file."""
    report, _form = _report(request)
    if report is None:
        return redirect(reverse("privacy-home"))
    body = json.dumps(report.as_dict(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@page
def privacy_erase(request: HttpRequest) -> HttpResponse:
    """Erase the person found by the form's e-mail, phone or lead."""
    require_subject_handler(request.user)
    form = ErasureForm(request.POST)
    back = reverse("privacy-home")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        query = {k: request.POST.get(k, "") for k in ("email", "phone", "lead")}
        return redirect(f"{back}?{urlencode({k: v for k, v in query.items() if v})}")
    subject = find_subject(**form.lookup())
    try:
        result = erase_subject(subject, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect(back)
    audit.record(
        actor=request.user,
        action=ERASURE,
        object_type="privacy.subject",
        count=sum(result.counts.values()),
        params={"erasure_id": result.erasure.pk, "lead_ids": sorted(subject.lead_ids)},
        request=request,
    )
    messages.success(
        request,
        _("Erased: %(rows)d rows in %(tables)d tables, %(files)d files deleted.")
        % {
            "rows": sum(result.counts.values()),
            "tables": len(result.counts),
            "files": result.files_deleted,
        },
    )
    return redirect(back)


@require_GET
@page
def retention_report(request: HttpRequest) -> HttpResponse:
    """The dry run: what the retention sweep would depersonalise now."""
    require_subject_handler(request.user)
    return render(
        request,
        "privacy/retention.html",
        {"section": "privacy", "plans": retention_plan(), "now": timezone.now()},
    )
