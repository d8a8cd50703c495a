from django.contrib import admin
from django.urls import include, path

from galena.config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("galena.accounts.urls")),
    path("", include("galena.leads.urls")),
    path("", include("galena.notifications.urls")),
    path("", include("galena.intake.urls")),
    path("", include("galena.quality.urls")),
    path("", include("galena.matching.urls")),
    path("", include("galena.matching.review_urls")),
    path("", include("galena.scoring.urls")),
    path("scoring/", include("galena.scoring.calibration_urls")),
    path("routing/", include("galena.routing.urls")),
    path("", include("galena.activities.urls")),
    path("", include("galena.clients.urls")),
    path("", include("galena.nurture.urls")),
    path("", include("galena.consent.urls")),
    path("", include("galena.compliance.urls")),
    path("", include("galena.privacy.urls")),
    path("analytics/", include("galena.analytics.urls")),
]
