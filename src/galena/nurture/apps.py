from django.apps import AppConfig


class NurtureConfig(AppConfig):
    name = "galena.nurture"
    label = "nurture"
    verbose_name = "Rejection and nurture"
