"""The cohorts page: /analytics/cohorts/ (``?measure=converted|qualified|rejected``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from galena.analytics import cohorts
from galena.analytics.views import render_report, report_filter
from galena.core.views import page


@page
@require_GET
def cohorts_page(request: HttpRequest) -> HttpResponse:
    form, f = report_filter(request, cohorts.CODE, group_by=cohorts.GROUP_BY)
    measure = request.GET.get("measure", "converted")
    if measure not in cohorts.MEASURES:
        measure = "converted"
    table = cohorts.cohort_table(request.user, f, measure=measure)
    return render_report(
        request,
        table=table,
        charts=cohorts.cohort_charts(table, measure),
        template="analytics/cohorts.html",
        code=cohorts.CODE,
        form=form,
        context={"measure": measure, "measures": list(cohorts.MEASURES.items())},
    )
