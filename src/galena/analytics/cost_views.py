"""The cost report's page (``analytics-cost``) and the spend import (``analytics-spend-import``)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from galena.analytics import cost
from galena.analytics.charts import bar_chart, line_chart
from galena.analytics.cost_import import (
    COLUMNS,
    MAX_BYTES,
    campaign_spend_import,
    may_import_spend,
    require_spend_import,
    spend_csv_decode,
    spend_csv_read,
    spend_rows_check,
)
from galena.analytics.filters import business_zone
from galena.analytics.views import render_report, report_filter
from galena.core.errors import ValidationFailed
from galena.core.views import page
from galena.leads.models import Campaign

SESSION_KEY = "analytics_spend_import"
PREVIEW_ROWS = 50


@page
@require_GET
def cost_report(request: HttpRequest) -> HttpResponse:
    """Spend, cost per lead / qualified lead / client, revenue and ROI per group."""
    form, report_filter_ = report_filter(request, cost.CODE, group_by=cost.GROUP_BY)
    base = settings.ANALYTICS_BASE_CURRENCY
    table = cost.cost_table(request.user, report_filter_)
    labels, money, costs = cost.chart_series(table)
    charts = [
        bar_chart(labels, money, unit=f" {base}", title=_("Spend and revenue")),
        bar_chart(
            labels,
            {name: [value or 0 for value in values] for name, values in costs.items()},
            unit=f" {base}",
            title=_("Cost per lead and per client"),
        ),
    ]
    query = request.GET.copy()
    query.pop("format", None)
    if "from" not in query:
        # seasons want years side by side: the last three calendar years by default
        query["from"] = dt.date(report_filter_.date_to.year - 2, 1, 1).isoformat()
        query["to"] = report_filter_.date_to.isoformat()
    return _render(request, table, charts, form, seasonality=False, other_query=query.urlencode())


@page
@require_GET
def cost_seasonality(request: HttpRequest) -> HttpResponse:
    """Spend, leads and cost per lead per calendar month, the years side by side."""
    form, report_filter_ = report_filter(request, cost.CODE, group_by=cost.GROUP_BY)
    form.fields.pop("group_by", None)  # one row per calendar month, always
    table = cost.seasonality_table(request.user, report_filter_)
    years = range(report_filter_.date_from.year, report_filter_.date_to.year + 1)

    def per_lead(row, year):
        value = row[f"cost_per_lead_{year}"]
        return float(value) if value is not None else None

    charts = [
        line_chart(
            [row["label"] for row in table.rows],
            {str(year): [per_lead(row, year) for row in table.rows] for year in years},
            unit=f" {settings.ANALYTICS_BASE_CURRENCY}",
            title=_("Cost per lead, month by month, one line a year"),
        )
    ]
    query = request.GET.copy()
    query.pop("format", None)
    return _render(request, table, charts, form, seasonality=True, other_query=query.urlencode())


def _render(request, table, charts, form, *, seasonality: bool, other_query: str) -> HttpResponse:
    return render_report(
        request,
        table=table,
        charts=charts,
        template="analytics/cost.html",
        code=cost.CODE,
        form=form,
        context={
            "seasonality": seasonality,
            "other_query": other_query,
            "missing_rates": table.missing_rates,
            "may_import": may_import_spend(request.user),
        },
    )


class SpendFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: campaign (id, name or UTM campaign), date (2026-01-31), amount; "
            "optional: currency (the campaign's if empty), clicks, impressions. At most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@page
@require_http_methods(["GET", "POST"])
def spend_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every problem with its row and column) → import."""
    require_spend_import(request.user)
    if request.method == "GET" and request.GET.get("template"):
        return _template_csv()
    form = SpendFileForm()
    context: dict = {"section": "analytics", "form": form, "max_bytes": MAX_BYTES}
    if request.method == "POST" and request.POST.get("action") == "import":
        stored = request.session.get(SESSION_KEY) or {}
        if not stored or stored.get("digest") != request.POST.get("digest"):
            messages.error(request, _("Upload the file again: the preview has expired."))
            return redirect("analytics-spend-import")
        rows, errors = spend_csv_read(stored["text"])
        try:
            if errors:
                raise ValidationFailed({f"row {e.row}, {e.column}": e.message for e in errors})
            imported = campaign_spend_import(user=request.user, raw_rows=rows)
        except ValidationFailed:
            messages.error(
                request,
                _("The rows no longer pass the checks (campaigns changed?): preview again."),
            )
            return redirect("analytics-spend-import")
        del request.session[SESSION_KEY]
        messages.success(
            request,
            _(
                "Imported %(created)s rows of spend for %(days)s campaign days "
                "(%(replaced)s stored rows replaced)."
            )
            % {"created": imported.created, "days": imported.days, "replaced": imported.replaced},
        )
        return redirect("analytics-spend-import")
    if request.method == "POST":
        form = SpendFileForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            text, errors = spend_csv_decode(upload.read(MAX_BYTES + 1))
            rows, read_errors = spend_csv_read(text) if not errors else ([], [])
            errors = errors or read_errors
            check = spend_rows_check(rows) if not errors else None
            if check is not None:
                errors = check.errors
            context.update(file_name=upload.name, errors=errors, check=check)
            if check is not None and check.ok:
                # kept as read, so the import writes exactly what the preview showed
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                request.session[SESSION_KEY] = {"text": text, "digest": digest}
                context.update(digest=digest, preview=check.rows[:PREVIEW_ROWS])
    return render(request, "analytics/cost_import.html", context)


def _template_csv() -> HttpResponse:
    """A file to fill in: yesterday's row of each active campaign, by id, amount 0."""
    yesterday = timezone.localdate(timezone=business_zone()) - dt.timedelta(days=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for campaign_id, currency in (
        Campaign.objects.filter(is_active=True).order_by("name").values_list("pk", "currency")
    ):
        writer.writerow([campaign_id, yesterday.isoformat(), "0.00", currency, "", ""])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="galena-spend-template.csv"'
    return response
