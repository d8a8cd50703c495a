from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "galena.activities"
    label = "activities"
    verbose_name = "Activities"
