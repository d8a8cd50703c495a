"""`galena analytics`: the daily facts the reports add up.

galena analytics refresh   recompute the days written since the last refresh
galena analytics rebuild   recompute every fact from the base tables (after a bulk load);
                           --kind arrival conversion … only those kinds (after an upgrade
                           that added them)
galena analytics verify    refresh, recompute everything in memory and compare; exits 1
                           and lists the rows that differ when the facts are wrong
galena analytics attribute read the visitors' first touch again from their first page's
                           address and referrer (after sources or campaigns got their UTM
                           tags or referring sites); --since YYYY-MM-DD: only visitors first
                           seen since that day
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from galena.analytics.facts import facts_rebuild, facts_refresh, facts_verify
from galena.analytics.models import FactKind
from galena.scoring.attribution import visitors_attribute_again


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since {text!r}: write the day as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Refresh, rebuild or verify the analytics facts; attribute visitors again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=("refresh", "rebuild", "verify", "attribute"))
        parser.add_argument(
            "--since", help="attribute: only visitors first seen since this day (YYYY-MM-DD)"
        )
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

    def handle(
        self, *args, action: str, show: int, kind: list[str], since: str | None, **options
    ) -> None:
        started = time.perf_counter()
        if action == "attribute":
            self._attribute(since, started)
        elif action == "refresh":
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

    def _attribute(self, since: str | None, started: float) -> None:
        moment = None
        if since:
            day = _day(since)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
        with tqdm(desc="visitors", unit="visitor", file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            changed = visitors_attribute_again(since=moment, progress=progress)
        self.stdout.write(
            f"{changed} visitor(s) attributed anew in {time.perf_counter() - started:.1f} s; "
            "the funnel shows them after the next refresh of the facts"
        )
