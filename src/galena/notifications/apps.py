from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "galena.notifications"
    label = "notifications"
    verbose_name = "Notifications"
