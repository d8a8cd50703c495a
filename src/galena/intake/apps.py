from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "galena.intake"
    label = "intake"
    verbose_name = "Intake"
