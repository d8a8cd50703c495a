from django.urls import path

from galena.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/badge/", views.notification_badge, name="notification-badge"),
    path("notifications/read/", views.notification_read_all, name="notification-read-all"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path(
        "notifications/<int:notification_id>/",
        views.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
