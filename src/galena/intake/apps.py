from django.apps import AppConfig
from django.core.signals import setting_changed


def _forget_stages(*, setting, **kwargs):
    if setting == "INTAKE_STAGES":
        from galena.intake.pipeline import configured_stages

        configured_stages.cache_clear()


class IntakeConfig(AppConfig):
    name = "galena.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self):
        setting_changed.connect(_forget_stages)
