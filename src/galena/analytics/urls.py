"""The reports' pages, mounted at /analytics/: one line per report."""

from django.urls import include, path

from galena.analytics import views

urlpatterns = [
    path("", views.report_index, name="analytics-index"),
    path("", include("galena.analytics.cost_urls")),
]
