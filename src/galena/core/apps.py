from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "galena.core"
    label = "core"
