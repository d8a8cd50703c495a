"""Periodic tasks for the embedded beat's tests (tests/commands/embedded_beat_settings.py)."""

import os

from celery import shared_task
from django.conf import settings


@shared_task
def tick() -> int:
    """Add the id of the process that ran it to DATA_DIR/ticks."""
    with (settings.DATA_DIR / "ticks").open("a") as ticks:
        ticks.write(f"{os.getpid()}\n")
    return os.getpid()


@shared_task
def fail() -> None:
    raise RuntimeError("a periodic task failed")


@shared_task
def relay() -> int:
    """Read rows through an open cursor and queue a task per row, as a sweep does: the
    tasks run at once, in this process, while the cursor is still being read."""
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3")
        while cursor.fetchone() is not None:
            tick.delay()
            count += 1
    return count
