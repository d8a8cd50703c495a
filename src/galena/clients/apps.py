from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "galena.clients"
    label = "clients"
    verbose_name = "Clients"
