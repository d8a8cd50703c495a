"""The Celery app. Without a broker configured, tasks run eagerly in-process."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

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


def connections_refresh() -> None:
    """What Django does around a request, for work outside one: each open database
    connection that broke, was left outside autocommit or outlived CONN_MAX_AGE is closed
    (the next query opens a new one); a healthy one is kept, and with CONN_HEALTH_CHECKS it
    is checked before its next use."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


@task_prerun.connect
@task_postrun.connect
def _connections_around_task(task=None, **_kwargs) -> None:
    """Around each task a worker runs (decision 0011): Celery's Django fixup would close the
    connections outright (it does so unless CELERY_DB_REUSE_MAX is set, which settings
    sets), so every task would open a new one. An eager task runs inside its caller, whose
    cursor or transaction may still be open: left alone."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    connections_refresh()
