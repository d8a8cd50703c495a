"""Consent benchmark (issue 10): what asking "is this person blocked?" costs routing.

Routing asks ``consent.services.restricted_lead_ids`` for every new lead before it routes:
one statement, a semi-join of the leads' contact points against the active blocks' partial
index. Measured on PostgreSQL with ``--leads`` leads (an e-mail and a phone each) and
``--blocks`` active blocks (and twice as many lifted ones, which the index leaves out):
the statement's time from Python for batches of 1 and 50 leads, and its plan.

    .venv/bin/python benchmarks/restriction_benchmark.py \\
        --database-url postgres://postgres@127.0.0.1:5432/galena_bench_consent \\
        [--leads 100000] [--blocks 1000] [--calls 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(leads: int, blocks: int, rng: random.Random) -> list[int]:
    from galena.consent.models import RestrictedValue, Restriction
    from galena.core.bulk import insert_many, instance_factory
    from galena.leads.models import ContactPoint, Lead, Stage

    new_lead = instance_factory(Lead, stage=Stage.objects.get(is_initial=True))
    insert_many(Lead, [new_lead(first_name=f"L{i}") for i in range(leads)], batch_size=5000)
    ids = list(Lead.objects.values_list("pk", flat=True))
    points = []
    for pk in ids:
        email, phone = f"p{pk}@example.com", f"+4072{pk:07d}"
        points.append(ContactPoint(lead_id=pk, kind="email", value_raw=email, value=email))
        points.append(ContactPoint(lead_id=pk, kind="phone", value_raw=phone, value=phone))
    insert_many(ContactPoint, points, batch_size=5000)
    for active, count in ((True, blocks), (False, 2 * blocks)):
        for pk in rng.sample(ids, count):
            restriction = Restriction.objects.create(reason="benchmark")
            RestrictedValue.objects.create(
                restriction=restriction, kind="email", value=f"p{pk}@example.com", active=active
            )
    return ids


def measure(ids: list[int], calls: int, rng: random.Random) -> dict[int, tuple[float, float]]:
    from galena.consent.services import restricted_lead_ids

    results = {}
    for size in (1, 50):
        samples = []
        for _ in range(calls):
            batch = rng.sample(ids, size)
            began = time.perf_counter()
            restricted_lead_ids(batch)
            samples.append((time.perf_counter() - began) * 1000)
        samples.sort()
        results[size] = (statistics.median(samples), samples[max(int(len(samples) * 0.99) - 1, 0)])
    return results


def plan(lead_id: int) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from galena.consent.services import restricted_lead_ids

    with CaptureQueriesContext(connection) as queries:
        restricted_lead_ids([lead_id])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + queries.captured_queries[0]["sql"])
        return "\n".join(row[0] for row in cursor.fetchall())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args(argv)

    from benchmarks.quality_benchmark import django_setup

    database = django_setup(args.database_url, Path(tempfile.mkdtemp(prefix="galena-consent-")))
    from django.db import connection

    rng = random.Random(3)
    ids = setup(args.leads, args.blocks, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"{database}; {args.leads:,} leads, {args.blocks:,} active blocks")
    print("| leads asked about | median | p99 |\n|---:|---:|---:|")
    for size, (median, p99) in measure(ids, args.calls, rng).items():
        print(f"| {size} | {median:.2f} ms | {p99:.2f} ms |")
    print(plan(ids[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
