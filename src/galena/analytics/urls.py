"""The reports' pages, mounted at /analytics/: one line per report."""

from django.urls import include, path

from galena.analytics import speed_views, views

urlpatterns = [
    path("", views.report_index, name="analytics-index"),
    path("speed/", speed_views.speed_report, name="analytics-speed"),
    path("", include("galena.analytics.cost_urls")),
]
