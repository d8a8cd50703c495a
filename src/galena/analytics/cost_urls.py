"""The cost report's pages, included from analytics/urls.py."""

from django.urls import path

from galena.analytics import cost_views

urlpatterns = [
    path("cost/", cost_views.cost_report, name="analytics-cost"),
    path("cost/seasonality/", cost_views.cost_seasonality, name="analytics-cost-seasonality"),
    path("spend/import/", cost_views.spend_import, name="analytics-spend-import"),
]
