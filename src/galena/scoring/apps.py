from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "galena.scoring"
    label = "scoring"
    verbose_name = "Scoring"
