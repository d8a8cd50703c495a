"""The Celery app. Without a broker configured, tasks run eagerly in-process."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galena.config.settings")

app = Celery("galena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm(**_kwargs) -> None:
    """Each worker process, before its first task: what it loaded frozen out of the garbage
    collector's full collections (core.warm)."""
    from galena.core.warm import process_warm

    process_warm()
