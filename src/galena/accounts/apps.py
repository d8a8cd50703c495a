from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "galena.accounts"
    label = "accounts"
    verbose_name = "Users, teams and roles"
