"""The reports' pages: the filter line, the charts, the table and its exports.

A report's view is three lines: ``form, f = report_filter(request, code, group_by=…)``,
build its table and charts, ``return render_report(...)``. ``?format=csv|xlsx|json``
serves the same table as a file (or the API's JSON shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from galena.analytics.charts import Chart
from galena.analytics.filters import (
    ReportFilter,
    ReportFilterForm,
    report_roles,
    require_report,
    role_scope,
)
from galena.analytics.tables import ReportTable, table_csv, table_json, table_xlsx
from galena.core import audit
from galena.core.api import error_body
from galena.core.views import ImmediateResponse, page

EXPORT_FORMATS = ("csv", "xlsx", "json")


def report_filter(
    request: HttpRequest, code: str, *, group_by: tuple[str, ...] = ()
) -> tuple[ReportFilterForm, ReportFilter]:
    """Refuses a role the report is not for, then reads the filter from the query. An
    export (``?format=``) of a question the report cannot answer is refused at once, with
    400 naming the parameter, before any figure is computed: a page shows the form's errors
    instead, but a file would hold the default question's figures."""
    require_report(request.user, code)
    role_scope(request.user)  # a user without a role has no figures
    kwargs = {"group_by": group_by} if group_by else {}
    form = ReportFilterForm(request.GET, user=request.user, **kwargs)
    refusals = form.refusals() if request.GET.get("format", "") in EXPORT_FORMATS else {}
    if refusals:
        field, message = next(iter(refusals.items()))
        fields = {name: text for name, text in refusals.items() if name != "__all__"}
        body = error_body(
            code="invalid",
            message=message,
            field=field if field != "__all__" else None,
            fields=fields,
        )
        raise ImmediateResponse(JsonResponse(body, status=400))
    return form, form.to_filter()


def _export_query(request: HttpRequest, export: str) -> str:
    query = request.GET.copy()
    query["format"] = export
    return query.urlencode()


def render_report(
    request: HttpRequest,
    *,
    table: ReportTable,
    charts: Sequence[Chart],
    template: str,
    code: str,
    form: ReportFilterForm | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The report as a page, or as CSV / XLSX / JSON when ``?format=`` asks for it."""
    require_report(request.user, code)
    export = request.GET.get("format", "")
    if export in EXPORT_FORMATS:  # the figures leave Galena: who took which, with what filter
        audit.record(
            actor=request.user,
            action=audit.BULK_EXPORT,
            object_type=f"analytics.{code}",
            count=len(table.rows),
            params={"format": export, **{k: v for k, v in request.GET.items() if k != "format"}},
            request=request,
        )
    if export == "csv":
        return table_csv(table)
    if export == "xlsx":
        return table_xlsx(table)
    if export == "json":
        return JsonResponse(table_json(table))
    page_context = {
        "section": "analytics",
        "report_code": code,
        "table": table,
        "charts": charts,
        "form": form,
        "exports": [(name, _export_query(request, name)) for name in EXPORT_FORMATS],
    }
    page_context.update(context or {})
    return render(request, template, page_context)


@page
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    allowed = report_roles(request.user)
    role_scope(request.user)
    return render(request, "analytics/index.html", {"section": "analytics", "allowed": allowed})
