"""`galena demo`: migrate, load the demo business once, collect static files and serve."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError

from galena.accounts.models import Role
from galena.demo import catalogue
from galena.demo.loader import demo_conflicts, demo_data_load, demo_data_wipe, demo_load_get


def static_files_current() -> bool:
    """Whether STATIC_ROOT's manifest is newer than every static source file."""
    if "Manifest" not in settings.STORAGES["staticfiles"]["BACKEND"]:
        return False
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > collected:
                return False
    return True


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as error:
        raise CommandError(f"{name}={value!r} is not a number.") from error


class Command(BaseCommand):
    help = (
        "Run Galena with demo data: migrate, load a demo business with its leads (once), "
        "collect static files, print the logins and start the production server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Prepare everything but do not start the server.",
        )
        parser.add_argument(
            "--leads", type=int, default=5000, help="How many leads to load (default 5000)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Wipe the demo data (and any leads) and load anew."
        )
        parser.add_argument(
            "--host", default=None, help="Address to bind (HOST, default 127.0.0.1)."
        )
        parser.add_argument("--port", type=int, default=None, help="Port (PORT, default 8000).")
        parser.add_argument(
            "--workers", type=int, default=None, help="Web server processes (WEB_CONCURRENCY)."
        )

    def handle(self, *args, **options) -> None:
        if options["leads"] < 0:
            raise CommandError("--leads must be 0 or more.")
        host = options["host"] or os.environ.get("HOST") or "127.0.0.1"
        port = options["port"] or _env_int("PORT", 8000)
        verbosity = options["verbosity"]
        if not os.environ.get("SITE_URL"):
            # links in the demo's e-mails (notices, opt-in, unsubscribe) point at this server
            os.environ["SITE_URL"] = settings.SITE_URL = _url(host, port)

        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)

        if options["reset"]:
            if settings.PRODUCTION:
                raise CommandError("Refusing --reset with GALENA_ENV=production.")
            self.stdout.write("Wiping the demo data…")
            try:
                demo_data_wipe()
            except ProtectedError as error:
                used = sorted({str(obj) for obj in error.protected_objects})[:5]
                raise CommandError(
                    f"Cannot wipe the demo data: still in use by {', '.join(used)}. "
                    "Delete those first, or start from an empty database."
                ) from error

        load = demo_load_get()
        if load is not None:
            self.stdout.write(
                f"Demo data already loaded on {load.loaded_at:%Y-%m-%d %H:%M} "
                f"({load.lead_count:,} leads, seed {load.seed}); keeping it. "
                "Use --reset to load it anew."
            )
        else:
            problems = demo_conflicts()
            if problems:
                raise CommandError(
                    "Not loading demo data: "
                    + "; ".join(problems)
                    + ". Use an empty database (e.g. GALENA_DATA_DIR=/tmp/galena-demo) "
                    "or --reset to wipe it."
                )
            self.stdout.write(f"Loading the demo business with {options['leads']:,} leads…")
            load = demo_data_load(
                leads=options["leads"],
                seed=options["seed"],
                progress=verbosity > 0 and sys.stderr.isatty(),
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {load.lead_count:,} leads in {load.duration_seconds:.1f} s."
                )
            )

        if static_files_current():
            self.stdout.write("Static files are up to date.")
        else:
            self.stdout.write("Collecting static files…")
            call_command("collectstatic", interactive=False, verbosity=0)

        self.stdout.write(self._banner(host, port))
        if options["no_serve"]:
            return
        call_command("serve", host=host, port=port, workers=options["workers"])

    def _banner(self, host: str, port: int) -> str:
        url = _url(host, port)
        labels = dict(Role.choices)
        lines = [
            "",
            self.style.SUCCESS(f"Galena demo: {catalogue.COMPANY}") + f" at {url}",
            f"  Admin site: {url}/admin/   API docs: {url}/api/v1/docs",
            f"  Log in with any of these users, password {catalogue.DEMO_PASSWORD!r}:",
        ]
        for role in Role:
            users = [u for u in catalogue.USERS if u.role == role]
            names = ", ".join(f"{u.username} ({u.team})" if u.team else u.username for u in users)
            lines.append(f"    {labels[role]:<24} {names}")
        forms = "   ".join(
            f"{url}/intake/quick/{slug}/" if kind == "quick_entry" else f"{url}/f/{slug}/"
            for slug, _, kind, *_ in catalogue.DEMO_FORMS
        )
        lines.append(f"  Capture forms to try: {forms}")
        lines.append("  Stop with Ctrl+C; the data stays. `galena demo --reset` loads it anew.")
        lines.append("")
        return "\n".join(lines)


def _url(host: str, port: int) -> str:
    """The address people open: a server listening everywhere is reached at 127.0.0.1."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    return f"http://{shown_host}:{port}"
