from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "galena.privacy"
    label = "privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        # the built-in apps' tables, then every app's own ``personal_data`` module (the
        # consent ledger, the request register…): all declared before the first request
        from django.utils.module_loading import autodiscover_modules

        from galena.privacy import declarations  # noqa: F401

        autodiscover_modules("personal_data")
