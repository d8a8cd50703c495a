"""The Celery app. Without a broker configured, tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galena.config.settings")

app = Celery("galena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
