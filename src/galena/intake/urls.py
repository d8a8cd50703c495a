"""Public intake pages: hosted forms, quizzes, the embed script, quick entry."""

from django.urls import path

from galena.intake import import_views

urlpatterns = [
    path("intake/import/", import_views.import_start, name="import-start"),
    path("intake/import/<int:job_id>/", import_views.import_job, name="import-job"),
    path(
        "intake/import/<int:job_id>/run/", import_views.import_job_action, name="import-job-action"
    ),
    path(
        "intake/import/<int:job_id>/progress/",
        import_views.import_job_progress,
        name="import-job-progress",
    ),
    path(
        "intake/import/<int:job_id>/problems.csv",
        import_views.import_job_errors,
        name="import-job-errors",
    ),
]
