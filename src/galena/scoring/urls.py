"""Public addresses of behaviour tracking: the script sites include and the tracked links
and image of e-mails."""

from django.urls import path

from galena.scoring import tracking_views

urlpatterns = [
    path("t/track.js", tracking_views.track_script, name="scoring-track-script"),
    path("t/c/<str:token>", tracking_views.email_click, name="scoring-email-click"),
    path("t/o/<str:token>.gif", tracking_views.email_open, name="scoring-email-open"),
]
