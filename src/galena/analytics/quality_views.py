"""The quality report's page (``analytics-quality``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from galena.analytics import quality
from galena.analytics.views import render_report, report_filter
from galena.core.views import page


@page
@require_GET
def quality_report(request: HttpRequest) -> HttpResponse:
    """Source credibility: pseudo-leads, verification, non-target, rejections, duplicates."""
    form, report_filter_ = report_filter(request, quality.CODE, group_by=quality.GROUP_BY)
    table = quality.quality_table(request.user, report_filter_)
    return render_report(
        request,
        table=table,
        charts=quality.quality_charts(table),
        template="analytics/quality.html",
        code=quality.CODE,
        form=form,
    )
