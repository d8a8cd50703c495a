"""Public intake pages: hosted forms, quizzes, the embed script, quick entry."""

from django.urls import path

from galena.intake import import_views, views

urlpatterns = [
    path("f/<slug:slug>/", views.hosted_form, name="intake-hosted-form"),
    path("f/<slug:slug>/embed.js", views.embed_script, name="intake-embed-script"),
    path("intake/quick/", views.quick_entry_list, name="intake-quick-entry-list"),
    path("intake/quick/<slug:slug>/", views.quick_entry, name="intake-quick-entry"),
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
