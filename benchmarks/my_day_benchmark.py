"""My day benchmark (issue 8): how long a manager's day takes to read with a large base.

Measured in-process on PostgreSQL: 40 managers in two teams; ``--leads`` leads (default
200,000) owned by them, each with two tasks (most done long ago, some open: overdue,
today, later), a meeting for one lead in twenty, and replies (``email_received``) spread
over the last month. Per read: ``activities.selectors.my_day`` for a random manager — its
six queries — and the plan of each query, which must use an index (no sequential scan of
leads, tasks, meetings or events; the exit status says so).

    .venv/bin/python benchmarks/my_day_benchmark.py \\
        --database-url postgres://postgres@127.0.0.1:5432/galena_bench_my_day [--leads 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MANAGERS = 40


def setup(leads: int, seed_value: int) -> list:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from galena.accounts.models import Profile, Role, Team
    from galena.activities.models import Meeting
    from galena.core.bulk import insert_many, instance_factory
    from galena.leads.models import EventType, Lead, LeadEvent, Stage, Task

    rng = random.Random(seed_value)
    now = timezone.now()
    teams = [Team.objects.create(name=f"Team {i}") for i in range(2)]
    users = []
    for index in range(MANAGERS):
        user = get_user_model().objects.create(username=f"manager{index}")
        Profile.objects.update_or_create(
            user=user, defaults={"role": Role.SALES_MANAGER, "team": teams[index % 2]}
        )
        users.append(user)
    stage = Stage.objects.get(is_initial=True)
    new_lead = instance_factory(Lead, stage=stage)
    rows = []
    for index in range(leads):
        owner = users[index % MANAGERS]
        created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        answered = rng.random() < 0.97
        rows.append(
            new_lead(
                first_name=f"Person{index}",
                display_name=f"Person {index}",
                owner_id=owner.pk,
                team_id=teams[index % 2].pk,
                created_at=created,
                temperature=rng.choice(["cold", "warm", "hot", "unknown"]),
                response_due_at=created + dt.timedelta(hours=1),
                first_response_at=created + dt.timedelta(minutes=20) if answered else None,
            )
        )
    lead_rows = insert_many(Lead, rows, batch_size=5000)
    new_task = instance_factory(Task, kind="call", title="Call")
    tasks = []
    for lead in lead_rows:
        for _ in range(2):
            due = now + dt.timedelta(minutes=rng.randint(-60 * 24 * 60, 60 * 24 * 14))
            done = rng.random() < 0.9
            tasks.append(
                new_task(
                    lead_id=lead.pk,
                    assignee_id=lead.owner_id,
                    kind=rng.choice(["call", "call", "email", "other"]),
                    due_at=due,
                    done_at=due if done else None,
                    created_at=now,
                    updated_at=now,
                )
            )
    insert_many(Task, tasks, batch_size=5000)
    meetings = []
    for index, lead in enumerate(lead_rows[::20]):
        starts = now + dt.timedelta(minutes=rng.randint(-60 * 24 * 30, 60 * 24 * 30))
        meetings.append(
            Meeting(
                lead_id=lead.pk,
                organizer_id=lead.owner_id,
                title="Meeting",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
                uid=f"bench-{index}@galena",
                created_at=now,
                updated_at=now,
            )
        )
    insert_many(Meeting, meetings, batch_size=5000)
    new_event = instance_factory(LeadEvent, actor_source="email")
    events = [
        new_event(
            lead_id=lead.pk,
            type=EventType.EMAIL_RECEIVED,
            occurred_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
            params={"subject": "Re: offer", "body": "Thank you"},
        )
        for lead in lead_rows[::4]
    ]
    insert_many(LeadEvent, events, batch_size=5000)
    return users


def measure(users: list, reads: int, seed_value: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from galena.activities.selectors import my_day

    rng = random.Random(seed_value)
    times = []
    queries = 0
    for _ in range(reads):
        user = rng.choice(users)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            day = my_day(user=user)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    plans = []
    with CaptureQueriesContext(connection) as captured:
        my_day(user=users[0])
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "queries": queries,
        "rows": len(day.overdue) + len(day.calls) + len(day.today) + len(day.meetings),
        "plans": plans,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)

    from benchmarks.quality_benchmark import django_setup

    database = django_setup(args.database_url, Path(tempfile.mkdtemp(prefix="galena-my-day-")))
    from django.db import connection

    users = setup(args.leads, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    result = measure(users, args.reads, args.seed)
    print(f"{database}; {args.leads:,} leads, {args.leads * 2:,} tasks, {MANAGERS} managers")
    print(
        f"my_day: median {result['median_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms, "
        f"{result['queries']} queries, {result['rows']} rows shown for the last manager"
    )
    # the stages (a handful of rows) and an empty table may be read whole; never these
    big = ("leads_lead", "leads_task", "leads_leadevent", "activities_meeting")
    scans = [
        plan for plan in result["plans"] if any(f"Seq Scan on {table} " in plan for table in big)
    ]
    for plan in result["plans"]:
        print("-" * 60)
        print(plan)
    return 1 if scans else 0


if __name__ == "__main__":
    raise SystemExit(main())
