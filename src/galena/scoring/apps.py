from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "galena.scoring"
    label = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        # cached rules, settings and model forgotten when they are saved in this process
        # (other processes look again within SCORING_CONFIG_SECONDS)
        from django.db.models.signals import post_delete, post_save

        from galena.scoring.models import PredictiveModel, ScoreRule, ScoreSettings
        from galena.scoring.services import config_forget

        for model in (ScoreRule, ScoreSettings):
            post_save.connect(config_forget, sender=model, dispatch_uid=f"forget-{model.__name__}")
            post_delete.connect(
                config_forget, sender=model, dispatch_uid=f"forget-d-{model.__name__}"
            )
        post_save.connect(_model_forget, sender=PredictiveModel, dispatch_uid="forget-model")


def _model_forget(**kwargs) -> None:
    from galena.scoring.training import model_forget

    model_forget()
