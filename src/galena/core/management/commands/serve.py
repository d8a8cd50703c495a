"""`galena serve`: the production web server (gunicorn) with static files from whitenoise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

from galena.core.management.commands._embedded_beat import (
    beat_embedded_start,
    beat_embedded_stop,
)


def default_workers() -> int:
    """WEB_CONCURRENCY, else gunicorn's 2 × cores + 1, capped at 4 for a modest server."""
    value = os.environ.get("WEB_CONCURRENCY", "")
    if value:
        try:
            return max(1, int(value))
        except ValueError as error:
            raise CommandError(f"WEB_CONCURRENCY={value!r} is not a number.") from error
    return min(4, 2 * (os.cpu_count() or 1) + 1)


class GalenaServer(BaseApplication):
    """gunicorn configured from Python, so no shell or config file is needed."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # settings a given gunicorn version does not know are skipped, not fatal
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from galena.config.wsgi import application
        from galena.core.warm import process_warm

        process_warm()  # in each worker (nothing is preloaded), before its first request
        return application


def embedded_beat_when_ready(arbiter) -> None:
    """gunicorn hook, in the master once it listens: start the periodic tasks' process."""
    arbiter.galena_beat = beat_embedded_start()
    arbiter.log.info(
        "No broker: periodic tasks run in-process, in `galena beat --embedded` (pid %s).",
        arbiter.galena_beat.pid,
    )


def embedded_beat_on_exit(arbiter) -> None:
    """gunicorn hook, in the master as it exits (Ctrl+C, SIGTERM): stop that process."""
    # A hook, not a `finally` around run(): a worker forked from the master unwinds
    # through run() too when it exits, and must not stop the master's child.
    process = getattr(arbiter, "galena_beat", None)
    if process is not None:
        beat_embedded_stop(process)


def server_build(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    threads: int = 1,
    timeout: int = 30,
    graceful_timeout: int = 30,
    access_log: bool = False,
    embedded_beat: bool = False,
) -> GalenaServer:
    """A configured, not yet started, gunicorn server for Galena; with `embedded_beat`, it
    runs the periodic tasks in a child process while it serves (no broker)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    hooks = (
        {"when_ready": embedded_beat_when_ready, "on_exit": embedded_beat_on_exit}
        if embedded_beat
        else {}
    )
    return GalenaServer(
        {
            "bind": [bind],
            "workers": workers or default_workers(),
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": timeout,
            "graceful_timeout": graceful_timeout,
            "accesslog": "-" if access_log else None,
            "errorlog": "-",
            "proc_name": "galena",
            # the control socket would live in $HOME, shared by every instance on the machine
            "control_socket_disable": True,
            **hooks,
        }
    )


def static_files_missing() -> str | None:
    """Why static files would not be served, or None when STATIC_ROOT is ready."""
    root = Path(settings.STATIC_ROOT)
    if not root.is_dir() or not any(root.iterdir()):
        return f"STATIC_ROOT ({root}) is empty"
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" in backend and not (root / "staticfiles.json").exists():
        return f"STATIC_ROOT ({root}) has no staticfiles.json manifest"
    return None


class Command(BaseCommand):
    help = (
        "Run Galena's production web server (gunicorn; static files served by whitenoise); "
        "without a broker it also runs the periodic tasks (galena beat --embedded)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default=None, help="Address to bind (HOST, default 127.0.0.1)."
        )
        parser.add_argument("--port", type=int, default=None, help="Port (PORT, default 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (WEB_CONCURRENCY, default min(4, 2 × cores + 1)).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "8")),
            help="Threads per worker (WEB_THREADS, default 8): concurrent capture requests "
            "in one worker share their commits (intake group commit).",
        )
        parser.add_argument(
            "--timeout", type=int, default=30, help="Seconds before a silent worker is restarted."
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            default=30,
            help="Seconds workers get to finish requests on stop or reload.",
        )
        parser.add_argument(
            "--access-log", action="store_true", help="Log every request to standard output."
        )

    def handle(self, *args, **options) -> None:
        host = options["host"] or os.environ.get("HOST") or "127.0.0.1"
        port = options["port"] or int(os.environ.get("PORT") or 8000)
        problem = static_files_missing()
        if problem:
            self.stderr.write(
                self.style.WARNING(
                    f"Warning: {problem}: pages will miss their styles and scripts. "
                    "Run `galena collectstatic --noinput` first."
                )
            )
        server = server_build(
            host=host,
            port=port,
            workers=options["workers"],
            threads=options["threads"],
            timeout=options["timeout"],
            graceful_timeout=options["graceful_timeout"],
            access_log=options["access_log"],
            # with a broker, `galena beat` (or `galena worker --with-beat`) runs on its own
            embedded_beat=not settings.CELERY_BROKER_URL,
        )
        self.stdout.write(
            f"Serving Galena on http://{host}:{port} with {server.cfg.workers} worker(s)."
        )
        # workers are forked from this process: they must not share its database connection
        connections.close_all()
        server.run()
