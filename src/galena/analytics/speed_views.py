"""The speed report's page (``analytics-speed``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from galena.analytics import speed
from galena.analytics.views import render_report, report_filter
from galena.core.views import page


@page
@require_GET
def speed_report(request: HttpRequest) -> HttpResponse:
    """Lead time to money, time in each stage, first response and SLA compliance."""
    form, report_filter_ = report_filter(request, speed.CODE, group_by=speed.GROUP_BY)
    figures = speed.speed_report(request.user, report_filter_)
    return render_report(
        request,
        table=speed.speed_table(request.user, report_filter_, figures=figures),
        charts=speed.speed_charts(figures),
        template="analytics/speed.html",
        code=speed.CODE,
        form=form,
        context={"stages": speed.stage_table(figures)},
    )
