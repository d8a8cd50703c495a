from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "galena.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        # the checks' settings, fit rules and forms the stage keeps (quality.stage.kept),
        # forgotten when one of them is saved
        from django.db.models.signals import post_delete, post_save

        from galena.intake.models import Form
        from galena.leads.models import Source
        from galena.quality.models import FitRule, QualityCheck
        from galena.quality.stage import kept

        for model in (QualityCheck, FitRule, Form, Source):
            post_save.connect(kept.forget, sender=model, dispatch_uid=f"kept-{model.__name__}")
            post_delete.connect(kept.forget, sender=model, dispatch_uid=f"kept-d-{model.__name__}")
