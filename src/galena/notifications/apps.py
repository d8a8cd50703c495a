from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "galena.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # who may be told and how, and the webhooks (notifications.services.kept), forgotten
        # when one of them is saved in this process
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from galena.notifications.models import NotificationPreference, Webhook
        from galena.notifications.services import kept

        for model in (get_user_model(), NotificationPreference, Webhook):
            post_save.connect(kept.forget, sender=model, dispatch_uid=f"kept-{model.__name__}")
            post_delete.connect(kept.forget, sender=model, dispatch_uid=f"kept-d-{model.__name__}")
