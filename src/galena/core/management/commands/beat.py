"""`galena beat`: the Celery scheduler that queues Galena's periodic tasks."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from galena.core.management.commands._celery import broker_require


def beat_argv(*, loglevel: str = "INFO", schedule: str = "") -> list[str]:
    """The `celery beat` arguments for these options."""
    argv = ["beat", f"--loglevel={loglevel}"]
    if schedule:
        argv.append(f"--schedule={schedule}")
    return argv


class Command(BaseCommand):
    help = "Run the Celery beat scheduler for Galena's periodic tasks (needs REDIS_URL); run one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loglevel", default="INFO", help="DEBUG, INFO, WARNING or ERROR.")
        parser.add_argument(
            "--schedule",
            default=None,
            help="File where beat keeps its state (default: GALENA_DATA_DIR/celerybeat-schedule).",
        )

    def handle(self, *args, **options) -> None:
        broker_require()
        from galena.config.celery import app

        schedule = options["schedule"] or str(settings.DATA_DIR / "celerybeat-schedule")
        app.start(argv=beat_argv(loglevel=options["loglevel"], schedule=schedule))
