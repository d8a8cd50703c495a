from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "galena.matching"
    label = "matching"
    verbose_name = "Matching"
