from django.urls import path

from galena.activities import views

urlpatterns = [
    path(
        "leads/<int:lead_id>/activities/forms/<str:name>/",
        views.composer_form,
        name="activity-composer-form",
    ),
    path("leads/<int:lead_id>/activities/call/", views.call_log, name="activity-call-log"),
    path("leads/<int:lead_id>/activities/email/", views.email_send, name="activity-email-send"),
    path(
        "leads/<int:lead_id>/activities/email/preview/",
        views.email_preview,
        name="activity-email-preview",
    ),
    path(
        "leads/<int:lead_id>/activities/email/template/",
        views.email_template_fill,
        name="activity-email-template",
    ),
    path(
        "leads/<int:lead_id>/activities/email/<int:sent_id>/retry/",
        views.email_retry,
        name="activity-email-retry",
    ),
    path("leads/<int:lead_id>/activities/offer/", views.offer_send, name="activity-offer-send"),
    path(
        "leads/<int:lead_id>/activities/documents/",
        views.document_upload,
        name="activity-document-upload",
    ),
    path(
        "leads/<int:lead_id>/activities/meeting/",
        views.meeting_schedule,
        name="activity-meeting-schedule",
    ),
    path("documents/", views.document_library, name="document-library"),
    path("documents/<int:document_id>/", views.document_download, name="document-download"),
    path(
        "documents/<int:document_id>/archive/",
        views.document_archive,
        name="document-archive",
    ),
    path("meetings/<int:meeting_id>/invite.ics", views.meeting_ics, name="meeting-ics"),
    path(
        "meetings/<int:meeting_id>/reschedule/",
        views.meeting_reschedule,
        name="meeting-reschedule",
    ),
    path("meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("my-day/", views.my_day, name="my-day"),
    path("my-day/signature/", views.signature_edit, name="email-signature"),
    path(
        "my-day/tasks/<int:task_id>/done/",
        views.my_day_task_complete,
        name="my-day-task-complete",
    ),
]
