from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "galena.routing"
    label = "routing"
    verbose_name = "Routing and SLAs"

    def ready(self) -> None:
        # cached rules and policies forgotten when they are saved in this process (other
        # processes look again within ROUTING_CONFIG_SECONDS)
        from django.db.models.signals import post_delete, post_save

        from galena.routing.models import RoutingRule, SlaPolicy
        from galena.routing.services import config_forget

        for model in (RoutingRule, SlaPolicy):
            post_save.connect(config_forget, sender=model, dispatch_uid=f"forget-{model.__name__}")
            post_delete.connect(
                config_forget, sender=model, dispatch_uid=f"forget-d-{model.__name__}"
            )

        # the SLA policies and the calendars their deadlines count in
        from galena.accounts.models import Team
        from galena.routing.models import Holiday, TeamRouting
        from galena.routing.sla import sla_config_forget

        for model in (SlaPolicy, Holiday, TeamRouting, Team):
            post_save.connect(
                sla_config_forget, sender=model, dispatch_uid=f"sla-forget-{model.__name__}"
            )
            post_delete.connect(
                sla_config_forget, sender=model, dispatch_uid=f"sla-forget-d-{model.__name__}"
            )

        # who the members are, their absences, the holidays and source names (routing.kept)
        from django.contrib.auth import get_user_model

        from galena.accounts.models import Profile
        from galena.leads.models import Source
        from galena.routing.models import Absence
        from galena.routing.services import kept

        for model in (get_user_model(), Profile, Absence, Holiday, Team, Source):
            post_save.connect(kept.forget, sender=model, dispatch_uid=f"kept-{model.__name__}")
            post_delete.connect(kept.forget, sender=model, dispatch_uid=f"kept-d-{model.__name__}")
