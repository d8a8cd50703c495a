"""`galena worker`: the Celery worker that runs Galena's background tasks."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from galena.core.management.commands._celery import broker_require


def worker_argv(
    *,
    loglevel: str = "INFO",
    concurrency: int | None = None,
    queues: str = "",
    with_beat: bool = False,
    schedule: str = "",
) -> list[str]:
    """The `celery worker` arguments for these options."""
    argv = ["worker", f"--loglevel={loglevel}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    if queues:
        argv.append(f"--queues={queues}")
    if with_beat:
        argv += ["--beat", f"--schedule={schedule}"]
    return argv


class Command(BaseCommand):
    help = "Run the Celery worker for Galena's background tasks (needs REDIS_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loglevel", default="INFO", help="DEBUG, INFO, WARNING or ERROR.")
        parser.add_argument(
            "--concurrency", type=int, default=None, help="Processes (default: one per core)."
        )
        parser.add_argument("--queues", default="", help="Comma-separated queues to consume.")
        parser.add_argument(
            "--with-beat",
            action="store_true",
            help="Also run the periodic scheduler in this process (one such worker only).",
        )

    def handle(self, *args, **options) -> None:
        broker_require()
        from django.conf import settings

        from galena.config.celery import app

        argv = worker_argv(
            loglevel=options["loglevel"],
            concurrency=options["concurrency"],
            queues=options["queues"],
            with_beat=options["with_beat"],
            schedule=str(settings.DATA_DIR / "celerybeat-schedule"),
        )
        app.worker_main(argv=argv)
