"""The team report's page (``analytics-team``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from galena.analytics import team
from galena.analytics.cost_rates import RateBook
from galena.analytics.views import render_report, report_filter
from galena.core.views import page


@page
@require_GET
def team_report(request: HttpRequest) -> HttpResponse:
    """Per manager and telemarketer: leads, response, conversion, won deals, card
    completeness and rejections, against the previous period."""
    form, report_filter_ = report_filter(request, team.CODE, group_by=team.GROUP_BY)
    form.fields.pop("group_by", None)  # one row per person, always
    table = team.team_table(request.user, report_filter_, book=RateBook.load())
    return render_report(
        request,
        table=table,
        charts=team.team_charts(table),
        template="analytics/team.html",
        code=team.CODE,
        form=form,
    )
