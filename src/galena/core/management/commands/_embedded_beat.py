"""The embedded default's periodic work: Celery beat running each due task itself.

Without a broker nothing would carry beat's messages to a worker, so `galena serve` starts
`galena beat --embedded` next to the web server: the real Celery beat, pointed at kombu's
in-memory transport (`memory://`, which its producer connects to) with tasks applied
eagerly, so each task runs in the beat process when it falls due, one after another.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError

logger = logging.getLogger("galena.beat")

LOG_FORMAT = "[%(asctime)s] [beat] [%(levelname)s] %(message)s"
TASK_LOG_FORMAT = "[%(asctime)s] [beat] [%(levelname)s] %(task_name)s[%(task_id)s]: %(message)s"
# Holds the lock while an embedded beat runs for a data directory: the kernel releases it
# when the process ends, however it ends, so no stale pidfile can keep the next one out.
LOCK_NAME = "celerybeat.lock"


def every(seconds: float) -> str:
    """An interval in words: 'every 15 minutes', 'every 0.2 s'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"every {count} {unit}{'' if count == 1 else 's'}"
    return f"every {seconds:g} s"


def schedule_describe(schedule: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One line per entry of a CELERY_BEAT_SCHEDULE: name, task and when it runs."""
    from celery.schedules import maybe_schedule
    from celery.schedules import schedule as interval

    lines = []
    for name, entry in schedule.items():
        when = maybe_schedule(entry["schedule"])
        text = every(when.run_every.total_seconds()) if type(when) is interval else str(when)
        lines.append(f"{name}: {entry['task']} {text}")
    return lines


class _ConnectionsRefresh:
    """What Celery's Django fixup does around a worker's tasks: a database connection that
    broke or outlived CONN_MAX_AGE while beat slept is not handed to the next task. Only
    around the task beat runs: the tasks it queues run inside it, at once, and closing the
    connection there would cut the cursor or transaction it is still using."""

    def __init__(self) -> None:
        self.depth = 0

    def started(self, **_kwargs) -> None:
        if self.depth == 0:
            self.refresh()
        self.depth += 1

    def finished(self, **_kwargs) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.refresh()

    @staticmethod
    def refresh() -> None:
        from galena.config.celery import connections_refresh

        connections_refresh()


def _parent_watch(parent_pid: int, *, every_seconds: float = 1.0) -> None:
    """Stop this process (as SIGTERM would) once its parent has gone, even by SIGKILL."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_seconds)
        logger.warning(
            "Its parent process (pid %s) has gone: stopping the periodic tasks.", parent_pid
        )
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _lock_take(path: Path) -> IO[str]:
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise CommandError(
            f"Another `galena beat --embedded` (pid {holder}) already runs the periodic "
            f"tasks for {path.parent}; this one does not start."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def beat_embedded_run(
    *, schedule: str, loglevel: str = "INFO", parent_pid: int | None = None
) -> None:
    """Run Celery beat with no broker, each due task executed in this process; returns when
    stopped by SIGTERM or SIGINT (the schedule file is saved first)."""
    from celery.signals import beat_init, task_postrun, task_prerun

    from galena.config.celery import app

    lock = _lock_take(Path(schedule).parent / LOCK_NAME)
    app.conf.update(
        broker_url="memory://localhost/",
        task_always_eager=True,
        # a failing task is logged by Celery's tracer and beat carries on with the next one
        task_eager_propagates=False,
        worker_log_format=LOG_FORMAT,
        worker_task_log_format=TASK_LOG_FORMAT,
    )
    refresh = _ConnectionsRefresh()
    task_prerun.connect(refresh.started, weak=False)
    task_postrun.connect(refresh.finished, weak=False)

    def announce(**_kwargs) -> None:
        logger.info(
            "No broker: the periodic tasks run in this process (pid %s); schedule kept in %s.",
            os.getpid(),
            schedule,
        )
        for line in schedule_describe(app.conf.beat_schedule):
            logger.info("  %s", line)

    beat_init.connect(announce, weak=False)
    if parent_pid:
        _parent_watch(parent_pid)
    try:
        # print() (the console e-mail backend) writes to the terminal as in the web server,
        # not through the log at WARNING, line by line
        app.Beat(loglevel=loglevel, schedule=schedule, quiet=True, redirect_stdouts=False).run()
    finally:
        lock.close()


def beat_embedded_start() -> subprocess.Popen:
    """Start `galena beat --embedded` as a child of this process, on the same settings and
    data directory; it stops by itself if this process dies without stopping it."""
    env = {**os.environ, "GALENA_DATA_DIR": str(settings.DATA_DIR)}
    env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
    argv = [sys.executable, "-m", "galena", "beat", "--embedded", f"--parent-pid={os.getpid()}"]
    # Its own session: Ctrl+C reaches the web server only, which then stops it once, with
    # SIGTERM, instead of both signals racing through beat's save of its schedule.
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        argv, env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )


def beat_embedded_stop(process: subprocess.Popen, *, timeout: float = 10.0) -> int:
    """Stop a started embedded beat: SIGTERM (it saves its schedule and leaves a running
    task, which is idempotent), SIGKILL after `timeout` seconds. Returns its exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            return process.wait()
    return process.returncode
