from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "galena.leads"
    label = "leads"
    verbose_name = "Leads"
