"""The reports' pages, mounted at /analytics/: one line per report."""

from django.urls import include, path

from galena.analytics import (
    cohorts_views,
    funnel_views,
    quality_views,
    speed_views,
    team_views,
    views,
)

urlpatterns = [
    path("", views.report_index, name="analytics-index"),
    path("funnel/", funnel_views.funnel_page, name="analytics-funnel"),
    path("cohorts/", cohorts_views.cohorts_page, name="analytics-cohorts"),
    path("speed/", speed_views.speed_report, name="analytics-speed"),
    path("team/", team_views.team_report, name="analytics-team"),
    path("quality/", quality_views.quality_report, name="analytics-quality"),
    path("", include("galena.analytics.cost_urls")),
]
