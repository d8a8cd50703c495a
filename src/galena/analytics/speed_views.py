"""The speed report's page (``analytics-speed``); its time-in-stage part is asked for by the
page itself once shown (``?part=stages``), since it reads every stage change of the leads."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from galena.analytics import speed
from galena.analytics.views import render_report, report_filter
from galena.core.views import page


@page
@require_GET
def speed_report(request: HttpRequest) -> HttpResponse:
    """Lead time to money, first response and SLA compliance; then the time in each stage."""
    form, report_filter_ = report_filter(request, speed.CODE, group_by=speed.GROUP_BY)
    if request.GET.get("part") == "stages":
        stages = speed.stage_report(request.user, report_filter_)
        back = request.GET.copy()
        back.pop("part", None)
        return render(
            request,
            # htmx puts the part in the page; a link opens it as a page of its own
            "analytics/_speed_stages.html" if request.htmx else "analytics/speed_stages.html",
            {
                "section": "analytics",
                "stages": speed.stage_table(stages),
                "chart": speed.stage_chart(stages),
                "report_query": back.urlencode(),
            },
        )
    figures = speed.speed_report(request.user, report_filter_)
    query = request.GET.copy()
    query.pop("format", None)
    query["part"] = "stages"
    return render_report(
        request,
        table=speed.speed_table(request.user, report_filter_, figures=figures),
        charts=speed.speed_charts(figures),
        template="analytics/speed.html",
        code=speed.CODE,
        form=form,
        context={"stages_query": query.urlencode()},
    )
