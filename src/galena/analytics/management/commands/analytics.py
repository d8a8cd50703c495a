"""`galena analytics`: the daily facts the reports add up.

galena analytics refresh   recompute the days written since the last refresh
galena analytics rebuild   recompute every fact from the base tables (after a bulk load);
                           --kind arrival conversion … only those kinds (after an upgrade
                           that added them)
galena analytics verify    refresh, recompute everything in memory and compare; exits 1
                           and lists the rows that differ when the facts are wrong
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from galena.analytics.facts import facts_rebuild, facts_refresh, facts_verify
from galena.analytics.models import FactKind


class Command(BaseCommand):
    help = "Refresh, rebuild or verify the analytics facts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=("refresh", "rebuild", "verify"))
        parser.add_argument(
            "--show", type=int, default=20, help="how many differing rows verify lists"
        )
        parser.add_argument(
            "--kind",
            nargs="+",
            choices=list(FactKind.values),
            default=list(FactKind.values),
            help="the kinds of facts rebuild recomputes (all by default)",
        )

    def handle(self, *args, action: str, show: int, kind: list[str], **options) -> None:
        started = time.perf_counter()
        if action == "refresh":
            days = facts_refresh()
            self.stdout.write(f"{days} day(s) recomputed in {time.perf_counter() - started:.1f} s")
        elif action == "rebuild":
            days = facts_rebuild(kind)
            self.stdout.write(f"{days} day(s) computed in {time.perf_counter() - started:.1f} s")
        else:
            differences = facts_verify()
            elapsed = time.perf_counter() - started
            if not differences:
                self.stdout.write(f"the facts equal the base tables ({elapsed:.1f} s)")
                return
            for difference in differences[:show]:
                self.stderr.write(
                    f"{difference.table} {difference.key}: stored {difference.stored}, "
                    f"expected {difference.expected}"
                )
            raise CommandError(f"{len(differences)} fact row(s) differ from the base tables")
