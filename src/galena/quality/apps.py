from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "galena.quality"
    label = "quality"
    verbose_name = "Quality"
