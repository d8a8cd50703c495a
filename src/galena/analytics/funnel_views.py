"""The funnel page: /analytics/funnel/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from galena.analytics import funnel
from galena.analytics.views import render_report, report_filter
from galena.core.views import page


@page
@require_GET
def funnel_page(request: HttpRequest) -> HttpResponse:
    form, f = report_filter(request, funnel.CODE, group_by=funnel.GROUP_BY)
    table = funnel.funnel_table(request.user, f)
    return render_report(
        request,
        table=table,
        charts=funnel.funnel_charts(table, f),
        template="analytics/funnel.html",
        code=funnel.CODE,
        form=form,
        context={"steps": funnel.funnel_steps(table)},
    )
