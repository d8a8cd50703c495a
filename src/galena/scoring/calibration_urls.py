from django.urls import path

from galena.scoring import calibration_views

urlpatterns = [
    path("calibration/", calibration_views.calibration_report, name="scoring-calibration"),
]
