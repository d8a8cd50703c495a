from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "galena.analytics"
    label = "analytics"
    verbose_name = "Analytics"
