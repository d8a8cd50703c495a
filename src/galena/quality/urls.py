from django.urls import path

from galena.quality import verification_views, views

urlpatterns: list = []

# verification: the double opt-in page and the lead card's actions
urlpatterns += [
    path("v/<str:token>/", verification_views.verify_confirm, name="verify-confirm"),
    path(
        "leads/<int:lead_id>/verification/resend/",
        verification_views.lead_confirmation_resend,
        name="lead-confirmation-resend",
    ),
    path(
        "leads/<int:lead_id>/verification/call/",
        verification_views.lead_call_log,
        name="lead-call-log",
    ),
]

# review: the quarantine queue, its decisions, and the per-source credibility report
urlpatterns += [
    path("quality/queue/", views.review_queue, name="quality-queue"),
    path("quality/queue/count/", views.queue_count, name="quality-queue-count"),
    path("quality/review/", views.review_decide, name="quality-review"),
    path("quality/sources/", views.source_report, name="quality-sources"),
]
