"""`galena beat`: the Celery scheduler that queues Galena's periodic tasks.

With a broker, run exactly one (or `galena worker --with-beat`). Without one, `galena
serve` starts `galena beat --embedded`, the same scheduler running each task itself.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from galena.core.management.commands._celery import broker_require
from galena.core.management.commands._embedded_beat import beat_embedded_run


def beat_argv(*, loglevel: str = "INFO", schedule: str = "") -> list[str]:
    """The `celery beat` arguments for these options."""
    argv = ["beat", f"--loglevel={loglevel}"]
    if schedule:
        argv.append(f"--schedule={schedule}")
    return argv


class Command(BaseCommand):
    help = (
        "Run the Celery beat scheduler for Galena's periodic tasks (needs REDIS_URL); run one. "
        "Without a broker, `galena serve` runs them itself with --embedded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loglevel", default="INFO", help="DEBUG, INFO, WARNING or ERROR.")
        parser.add_argument(
            "--schedule",
            default=None,
            help="File where beat keeps its state (default: GALENA_DATA_DIR/celerybeat-schedule).",
        )
        parser.add_argument(
            "--embedded",
            action="store_true",
            help="No broker: run each periodic task in this process when it falls due "
            "(what `galena serve` starts when REDIS_URL is unset).",
        )
        parser.add_argument(
            "--parent-pid",
            type=int,
            default=None,
            help="With --embedded: stop when this process ends (`galena serve` passes its own).",
        )

    def handle(self, *args, **options) -> None:
        schedule = options["schedule"] or str(settings.DATA_DIR / "celerybeat-schedule")
        if options["embedded"]:
            if settings.CELERY_BROKER_URL:
                raise CommandError(
                    "--embedded is for running without a broker, but one is configured "
                    "(REDIS_URL or CELERY_BROKER_URL): run `galena beat` and `galena worker`."
                )
            beat_embedded_run(
                schedule=schedule, loglevel=options["loglevel"], parent_pid=options["parent_pid"]
            )
            return
        broker_require()
        from galena.config.celery import app

        app.start(argv=beat_argv(loglevel=options["loglevel"], schedule=schedule))
