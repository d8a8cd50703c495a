from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "galena.leads"
    label = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        # source names kept for the intake (leads.sources.kept), forgotten when one changes
        from django.db.models.signals import post_delete, post_save

        from galena.leads.models import Source
        from galena.leads.sources import kept

        post_save.connect(kept.forget, sender=Source, dispatch_uid="kept-source-names")
        post_delete.connect(kept.forget, sender=Source, dispatch_uid="kept-source-names-d")
