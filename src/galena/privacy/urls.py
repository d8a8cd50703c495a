from django.urls import path

from galena.privacy import views

urlpatterns = [
    path("privacy/", views.privacy_home, name="privacy-home"),
    path("privacy/report/", views.privacy_report, name="privacy-report"),
    path("privacy/report.json", views.privacy_report_json, name="privacy-report-json"),
    path("privacy/erase/", views.privacy_erase, name="privacy-erase"),
    path("privacy/retention/", views.retention_report, name="privacy-retention"),
]
