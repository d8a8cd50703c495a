"""Recompute after a rule edit, two ways alternating on one base: leads in neighbouring
chunks against strided passes (``galena.scoring.services.STRIDE``), or arrays sent as text
against binary (``galena.core.bulk.BinaryArray``).

Run ``benchmarks/scoring_benchmark.py`` first (it builds the base and stores every lead's
score); then each run here edits the rule "Named the product" by +3 or -3 points (so most
leads' scores move, back and forth), vacuums the tables it writes as autovacuum would, and
times ``leads_scores_recompute(workers=None)`` as `galena score recompute` runs it. An arm
is a stride, followed by ``t`` for arrays sent as text (``8t``); the two alternate in the
order A B B A …, so a drift of the machine falls on both. For each run: seconds, leads
changed, and how many of the leads' row updates were heap-only (no index touched:
``pg_stat_user_tables.n_tup_hot_upd``).

    .venv/bin/python benchmarks/recompute_stride.py \\
        --database-url postgres://postgres@127.0.0.1:5432/galena_bench_scoring \\
        [--pairs 2] [--arms 1,8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _updates(cursor) -> tuple[int, int]:
    cursor.execute("SELECT pg_stat_force_next_flush()")
    cursor.execute(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'leads_lead'"
    )
    return cursor.fetchone()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--arms", default="1,8", help="two arms, e.g. 1,8 or 8t,8")
    args = parser.parse_args(argv)
    first, second = args.arms.split(",")

    from benchmarks.matching_online import _attach

    database = _attach(args.database_url, Path(tempfile.mkdtemp(prefix="galena-stride-")))
    from django.db import connection

    from galena.core import bulk, lookups
    from galena.leads.models import Lead
    from galena.scoring import services
    from galena.scoring.models import ScoreRule

    leads = Lead.objects.count()
    edited = ScoreRule.objects.get(name="Named the product")
    binary = bulk.BinaryArray
    order = []
    for _pair in range(args.pairs):
        order += [first, second] if len(order) % 4 == 0 else [second, first]
    runs: list[dict] = []
    sign = 1
    try:
        for arm in order:
            edited.points += 3 * sign
            edited.save()
            sign = -sign
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE leads_lead, scoring_leadscore")
                before = _updates(cursor)
            services.STRIDE = int(arm.rstrip("t"))
            # read at each call, and inherited by the forked workers
            bulk.BinaryArray = lookups.BinaryArray = list if arm.endswith("t") else binary
            began = time.monotonic()
            changed = services.leads_scores_recompute(workers=None)
            seconds = time.monotonic() - began
            connection.close()  # the workers' statistics reach the server as they exit
            with connection.cursor() as cursor:
                after = _updates(cursor)
            updated, hot = after[0] - before[0], after[1] - before[1]
            runs.append({"arm": arm, "seconds": seconds, "changed": changed, "hot": hot})
            print(
                f"{arm}: {seconds:.1f} s, {changed:,} leads changed, "
                f"{hot:,} of {updated:,} lead updates heap-only",
                file=sys.stderr,
            )
    finally:
        if sign < 0:  # an odd number of edits: put the rule back
            edited.points -= 3
            edited.save()
    print(f"\n{database}, {leads:,} leads\n")
    print("| arm | runs (s) | median | heap-only lead updates |")
    print("|---:|---|---:|---:|")
    for arm in (first, second):
        mine = [r for r in runs if r["arm"] == arm]
        times = ", ".join(f"{r['seconds']:.1f}" for r in mine)
        hot = ", ".join(f"{r['hot']:,}/{r['changed']:,}" for r in mine)
        median = statistics.median(r["seconds"] for r in mine)
        print(f"| {arm} | {times} | **{median:.1f} s** | {hot} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
