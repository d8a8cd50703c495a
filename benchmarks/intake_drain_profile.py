"""Intake worker profile (issues 3, 4, 7): where the worker's time per lead goes.

In-process, on PostgreSQL, with the capture benchmark's submissions and its routing (a team
of eight, round robin, each owner notified): stores ``--submissions`` captured submissions,
then processes them the way the Celery worker's drain does (``submissions_process_pending``,
``--batch`` at a time), and reports per stage of the pipeline (each stage's ``prepare`` and
its per-submission calls) and for the write (leads, their hooks: routing, notifications,
clients) the milliseconds per lead and the SQL statements per batch. Each batch's
transaction is rolled back and the same batch is processed ``--repeat`` times, so
alternatives can be compared on the same data in the same process.

    .venv/bin/python benchmarks/intake_drain_profile.py \\
        --database-url postgres://postgres@127.0.0.1:5432/galena_intakespeed_profile \\
        [--submissions 2000] [--batch 200] [--repeat 3] [--cprofile 25]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class _Rollback(Exception):
    pass


def setup(count: int) -> None:
    from django.contrib.auth import get_user_model

    from benchmarks.intake_benchmark import make_bodies
    from galena.accounts.models import Profile, Team
    from galena.intake.models import Form
    from galena.intake.services import KEPT_HEADERS, parse_body, submission_receive
    from galena.leads.models import Source
    from galena.routing.models import RoutingRule

    source, _ = Source.objects.get_or_create(name="Website", defaults={"channel": "landing_page"})
    form = Form.objects.create(
        name="Bench",
        slug="bench",
        source=source,
        consent_version="1",
        consent_purposes=["contact"],
        fields=[
            {"name": "first_name", "label": "First name", "type": "text", "required": True},
            {"name": "last_name", "label": "Last name", "type": "text", "required": False},
            {"name": "email", "label": "E-mail", "type": "email", "required": False},
            {"name": "phone", "label": "Phone", "type": "tel", "required": False},
        ],
    )
    team = Team.objects.create(name="Sales", time_zone="Europe/Bucharest")
    for i in range(8):
        user = get_user_model().objects.create(username=f"sales{i}", email=f"s{i}@x.io")
        Profile.objects.create(
            user=user,
            role="sales_manager",
            team=team,
            capacity_per_day=0,
            working_hours={str(d): ["00:00", "24:00"] for d in range(1, 8)},
        )
    RoutingRule.objects.create(
        name="Website → Sales",
        order=1,
        team=team,
        target_kind="team",
        strategy="round_robin",
        conditions=[],
    )
    for body, raw_headers in make_bodies(count):
        headers = dict(line.split(": ", 1) for line in raw_headers.decode().split("\r\n") if line)
        headers["Content-Type"] = "application/json"
        submission_receive(
            adapter="capture",
            channel=form.channel,
            endpoint=form.key,
            form=form,
            content_type="application/json",
            raw_body=body.decode(),
            payload=parse_body(body, "application/json", None),
            headers={k: headers[k] for k in KEPT_HEADERS if k in headers},
            remote_addr=headers["X-Forwarded-For"],
        )


class Meter:
    """Wall time and SQL statements per named part of a batch's processing."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        self.stack: list[str] = []
        self.slowest: dict[str, list[tuple[float, str]]] = defaultdict(list)

    def wrap(self, name: str, function):
        from django.db import connection

        meter = self

        def timed(*args, **kwargs):
            meter.stack.append(name)
            before = len(connection.queries)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                statements = len(connection.queries) - before
                meter.stack.pop()
                meter.seconds[name] += elapsed
                for query in connection.queries[before:]:
                    meter.slowest[name].append((float(query["time"]), query["sql"][:300]))
                meter.statements[name] += statements
                if meter.stack:  # exclusive figures: the enclosing part excludes ours
                    meter.seconds[meter.stack[-1]] -= elapsed
                    meter.statements[meter.stack[-1]] -= statements

        return timed


def instrumented(meter: Meter):
    """Patch the pipeline's stages and the write's parts to be timed; returns an undo."""
    from galena.intake import batching, pipeline
    from galena.intake.pipeline import stage_name
    from galena.leads import services as lead_services

    stages = pipeline.configured_stages()

    class Timed:
        def __init__(self, stage):
            self.name = stage_name(stage)
            self._call = meter.wrap(f"stage {self.name}", stage)
            prepare = getattr(stage, "prepare", None)
            if prepare is not None:
                self.prepare = meter.wrap(f"prepare {self.name}", prepare)

        def __call__(self, decision, context):
            return self._call(decision, context)

    timed_stages = tuple(Timed(stage) for stage in stages)
    patches = [
        (pipeline, "configured_stages", lambda: timed_stages),
        (batching, "parse", meter.wrap("parse", batching.parse)),
        (
            batching,
            "_write_plain",
            meter.wrap("write (leads, events, consents)", batching._write_plain),
        ),
        (batching, "_write", meter.wrap("write one by one", batching._write)),
        (batching, "update_many", meter.wrap("submissions update", batching.update_many)),
        (
            lead_services,
            "_created_hooks",
            meter.wrap("created hooks", lead_services._created_hooks),
        ),
    ]
    from django.conf import settings
    from django.utils.module_loading import import_string

    hook_names = list(settings.LEADS_CREATED_HOOKS)
    for path in hook_names:
        module_path, name = path.rsplit(".", 1)
        module = import_module(module_path)
        patches.append((module, name, meter.wrap(f"hook {path}", import_string(path))))
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)

    def undo():
        for owner, name, value in saved:
            setattr(owner, name, value)

    return undo


def process_once(
    batch_size: int, meter: Meter | None, profiler=None, *, commit: bool = False
) -> tuple[float, int]:
    """Process one batch in a transaction that is rolled back (``commit``: committed, as the
    worker does; the next batch is then other submissions); returns (seconds, statements)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from galena.intake.batching import submissions_process_pending

    undo = instrumented(meter) if meter is not None else (lambda: None)
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    if profiler is not None:
                        profiler.enable()
                    done = submissions_process_pending(limit=batch_size)
                    if profiler is not None:
                        profiler.disable()
                    elapsed = time.perf_counter() - started
                    assert done == batch_size, done
                    if not commit:
                        raise _Rollback
            except _Rollback:
                pass
    finally:
        undo()
    return elapsed, len(queries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--statements", action="store_true", help="print the slowest SQL")
    parser.add_argument(
        "--commit",
        action="store_true",
        help="commit each batch, as the worker does (psycopg forgets its prepared statements "
        "at a rollback); needs --submissions of at least --batch × (--repeat + 1), twice that "
        "with --cprofile",
    )
    parser.add_argument(
        "--list", action="store_true", help="list one batch's statements, part by part"
    )
    parser.add_argument("--sort", default="cumulative", help="cProfile order (tottime, ...)")
    parser.add_argument("--cprofile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args(argv)

    from benchmarks.quality_benchmark import django_setup

    database = django_setup(args.database_url, Path(tempfile.mkdtemp(prefix="galena-drain-")))
    os.environ["REDIS_URL"] = os.environ.get("PROFILE_REDIS_URL", "redis://127.0.0.1:6379/13")
    from django.db import connection

    setup(args.submissions)
    connection.force_debug_cursor = True
    process_once(args.batch, None, commit=args.commit)  # warm caches (forms, rules, seeds)
    meter = Meter()
    totals = []
    for _ in range(args.repeat):
        totals.append(process_once(args.batch, meter, commit=args.commit))
    leads = args.batch * args.repeat
    print(f"{database}; batch {args.batch}, {args.repeat} runs")
    print(f"{'part':58} {'ms/lead':>8} {'stmts/batch':>11}")
    for name in sorted(meter.seconds, key=lambda n: -meter.seconds[n]):
        print(
            f"{name:58} {meter.seconds[name] * 1000 / leads:8.3f} "
            f"{meter.statements[name] / args.repeat:11.1f}"
        )
    if args.statements:
        for name, timed in meter.slowest.items():
            for seconds, sql in sorted(timed, reverse=True)[:3]:
                print(f"  {name}: {seconds * 1000:.1f} ms {sql}")
    seconds = statistics.median(t for t, _ in totals)
    print(
        f"{'total (median batch)':58} {seconds * 1000 / args.batch:8.3f} "
        f"{statistics.median(n for _, n in totals):11.1f}"
    )
    print(f"=> {args.batch / seconds:.0f} leads/s in one process")
    if args.list:
        listed = Meter()
        process_once(args.batch, listed)
        for name, timed in listed.slowest.items():
            print(f"{name}:")
            for seconds, sql in timed:
                print(f"  {seconds * 1000:5.1f} ms  {sql[:160]}")
    if args.cprofile:  # --repeat more batches, as measured above (committed with --commit)
        profiler = cProfile.Profile()
        for _ in range(args.repeat):
            process_once(args.batch, None, profiler, commit=args.commit)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
