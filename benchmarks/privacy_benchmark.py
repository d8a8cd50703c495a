"""Privacy benchmark (issue 10): finding and erasing one person in a large base, and the
retention sweep's throughput.

Measured in-process on PostgreSQL: ``--leads`` leads (default 200,000), each with an e-mail
and a phone, two events, a submission as received, three matching keys and a webhook
delivery; one in ten with a sent e-mail and a task; one in ``--interest-every`` also sent a
submission that made no lead (an interest). Then, for ``--people`` random people: finding
their interests by e-mail (the submissions table's lookup alone), ``find_subject`` by
e-mail and ``erase_subject`` (time and statements each); then the retention sweep over
``--expired`` leads made past their period (leads per second).

    .venv/bin/python benchmarks/privacy_benchmark.py \\
        --database-url postgres://postgres@127.0.0.1:5432/galena_bench_privacy [--leads 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(leads: int, seed_value: int, interest_every: int = 4) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from galena.activities.models import SentEmail
    from galena.core.bulk import insert_many, instance_factory
    from galena.intake.models import Submission
    from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent, Stage, Task
    from galena.matching.models import MatchKey
    from galena.notifications.models import Webhook, WebhookDelivery

    try:  # the index of the contacts in submissions that made no lead, as intake writes it
        from galena.privacy.submissions import submission_contacts_record
    except ImportError:  # a version before it: the lookup reads the bodies
        submission_contacts_record = None

    rng = random.Random(seed_value)
    now = timezone.now()
    admin = get_user_model().objects.create(username="admin", is_superuser=True, is_staff=True)
    webhook = Webhook.objects.create(name="CRM", url="https://hooks.example.com/", secret="s" * 32)
    stage = Stage.objects.get(is_initial=True)
    new_lead = instance_factory(Lead, stage=stage, channel="landing_page")
    chunk = 20_000
    for start in range(0, leads, chunk):
        rows = []
        for index in range(start, min(leads, start + chunk)):
            created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            rows.append(
                new_lead(
                    first_name=f"Person{index}",
                    last_name=f"Family{index % 5000}",
                    display_name=f"Person{index} Family{index % 5000}",
                    search_text=f"person{index} family{index % 5000} p{index}@mail.example",
                    name_translit=f"person{index} family{index % 5000}",
                    comment=f"Call Person{index} after lunch",
                    created_at=created,
                )
            )
        made = insert_many(Lead, rows)
        points, events, submissions, keys, deliveries, emails, tasks = [], [], [], [], [], [], []
        interests = []
        new_point = instance_factory(ContactPoint)
        new_event = instance_factory(LeadEvent, actor_source="web_form")
        new_submission = instance_factory(
            Submission, channel="landing_page", adapter="capture", status="processed"
        )
        new_key = instance_factory(MatchKey)
        new_delivery = instance_factory(WebhookDelivery, webhook_id=webhook.pk, kind="lead_new")
        new_email = instance_factory(
            SentEmail, from_email="sales@galena.example", status="sent", sender_id=admin.pk
        )
        new_task = instance_factory(Task, kind="call")
        for lead in made:
            index = int(lead.first_name[6:])
            email, phone = f"p{index}@mail.example", f"+4072{index:07d}"
            points.append(new_point(lead_id=lead.pk, kind="email", value=email, value_raw=email))
            points.append(new_point(lead_id=lead.pk, kind="phone", value=phone, value_raw=phone))
            events.append(
                new_event(lead_id=lead.pk, type=EventType.CREATED, occurred_at=lead.created_at)
            )
            events.append(
                new_event(
                    lead_id=lead.pk,
                    type=EventType.NOTE_ADDED,
                    occurred_at=lead.created_at,
                    params={"text": f"{lead.display_name} wants a call"},
                )
            )
            body = json.dumps({"name": lead.display_name, "email": email, "phone": phone})
            submissions.append(
                new_submission(
                    lead_id=lead.pk,
                    raw_body=body,
                    payload=json.loads(body),
                    received_at=lead.created_at,
                    remote_addr="203.0.113.7",
                )
            )
            if index % interest_every == 0:
                # asked about something before, without leaving a lead
                interests.append(
                    new_submission(
                        raw_body=body,
                        payload=json.loads(body),
                        received_at=lead.created_at - dt.timedelta(days=3),
                        remote_addr="203.0.113.8",
                        outcome="interest",
                    )
                )
            keys += [
                new_key(lead_id=lead.pk, key=f"n:{lead.name_translit}"),
                new_key(lead_id=lead.pk, key=f"f:family{index % 5000}"),
                new_key(lead_id=lead.pk, key=f"p:{index}"),
            ]
            deliveries.append(
                new_delivery(
                    payload={"lead_id": lead.pk, "lead": {"display_name": lead.display_name}},
                    created_at=lead.created_at,
                    status="delivered",
                )
            )
            if index % 10 == 0:
                emails.append(
                    new_email(
                        lead_id=lead.pk,
                        to=email,
                        subject=f"Offer for {lead.first_name}",
                        body_text=f"Hello {lead.first_name}",
                        message_id=f"<{index}@galena.example>",
                        sent_at=lead.created_at,
                    )
                )
                tasks.append(new_task(lead_id=lead.pk, title=f"Call {lead.display_name}"))
        for model, objects in (
            (ContactPoint, points),
            (LeadEvent, events),
            (Submission, submissions),
            (MatchKey, keys),
            (WebhookDelivery, deliveries),
            (SentEmail, emails),
            (Task, tasks),
        ):
            insert_many(model, objects)
        insert_many(Submission, interests)
        if submission_contacts_record is not None:
            for submission in Submission.objects.filter(
                lead__isnull=True, received_at__gte=min(s.received_at for s in interests)
            ):
                submission_contacts_record(submission=submission, contacts=())
        print(f"  {start + len(made):,} leads", file=sys.stderr)


def measure_interests(leads: int, people: int, seed_value: int, interest_every: int) -> dict:
    """Finding a person's submissions that made no lead, by e-mail: the submissions table's
    lookup as access and erasure run it (the lead's own submissions are found by lead)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from galena.privacy.registry import table_for
    from galena.privacy.subjects import find_subject

    table = table_for("intake.Submission")
    rng = random.Random(seed_value + 1)
    times, found = [], []
    candidates = list(range(0, leads, interest_every))
    for index in rng.sample(candidates, min(people, len(candidates))):
        subject = find_subject(email=f"p{index}@mail.example")
        started = time.perf_counter()
        with CaptureQueriesContext(connection):
            n = table.rows(subject).filter(lead__isnull=True).count()
        times.append((time.perf_counter() - started) * 1000)
        found.append(n)
    return {
        "median_ms": statistics.median(times),
        "p95_ms": sorted(times)[max(int(len(times) * 0.95) - 1, 0)],
        "found": statistics.median(found),
    }


def measure_erasure(leads: int, people: int, seed_value: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from galena.privacy.erasure import erase_subject
    from galena.privacy.subjects import find_subject

    admin = get_user_model().objects.get(username="admin")
    rng = random.Random(seed_value)
    finds, erases, statements, rows = [], [], [], []
    for index in rng.sample(range(leads), people * 3):
        if len(finds) == people:
            break
        started = time.perf_counter()
        subject = find_subject(email=f"p{index}@mail.example")
        if not subject.lead_ids:
            continue  # erased or swept by an earlier run on the same base
        found = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = erase_subject(subject, actor=admin, reason="benchmark")
        done = time.perf_counter()
        finds.append((found - started) * 1000)
        erases.append((done - found) * 1000)
        statements.append(len(queries))
        rows.append(sum(result.counts.values()))
    return {
        "find_median_ms": statistics.median(finds),
        "erase_median_ms": statistics.median(erases),
        "erase_p95_ms": sorted(erases)[int(len(erases) * 0.95) - 1],
        "statements": max(statements),
        "rows": statistics.median(rows),
    }


def measure_retention(expired: int, batch: int) -> dict:
    from django.db.models import Subquery
    from django.utils import timezone

    from galena.leads.models import Lead
    from galena.privacy.models import ErasedLead
    from galena.privacy.retention import retention_plan, retention_sweep

    old = timezone.now() - dt.timedelta(days=800)
    ids = (
        Lead.objects.exclude(pk__in=Subquery(ErasedLead.objects.values("lead_id")))
        .order_by("pk")
        .values_list("pk", flat=True)[:expired]
    )
    Lead.objects.filter(pk__in=list(ids)).update(updated_at=old, created_at=old)
    from galena.leads.models import LeadEvent

    LeadEvent.objects.filter(lead_id__in=list(ids)).update(occurred_at=old)
    started = time.perf_counter()
    plans = retention_plan()
    planned = time.perf_counter()
    result = retention_sweep(batch_size=batch)
    done = time.perf_counter()
    swept = sum(result.leads.values())
    return {
        "plan_ms": (planned - started) * 1000,
        "would": sum(p.count for p in plans if not p.is_submissions),
        "swept": swept,
        "seconds": done - planned,
        "per_second": swept / (done - planned) if done > planned else 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--expired", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--interest-every", type=int, default=4)
    parser.add_argument(
        "--reuse", action="store_true", help="Measure on the base a previous run left."
    )
    args = parser.parse_args(argv)

    from benchmarks import quality_benchmark

    work = Path(tempfile.mkdtemp(prefix="galena-privacy-"))
    if args.reuse:
        # the base a previous run wrote (its erased people and swept leads stay erased)
        quality_benchmark.fresh_postgres = lambda url: None
    database = quality_benchmark.django_setup(args.database_url, work)
    from django.db import connection

    started = time.perf_counter()
    if not args.reuse:
        setup(args.leads, args.seed, args.interest_every)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"{database}; {args.leads:,} leads written in {time.perf_counter() - started:.0f} s")
    interests = measure_interests(args.leads, args.people, args.seed, args.interest_every)
    print(
        f"a person's submissions without a lead, by e-mail: median {interests['median_ms']:.1f} "
        f"ms, p95 {interests['p95_ms']:.1f} ms ({interests['found']:.0f} found each; "
        f"{args.leads // args.interest_every:,} such submissions in the base)"
    )
    erasure = measure_erasure(args.leads, args.people, args.seed)
    print(
        f"find_subject by e-mail: median {erasure['find_median_ms']:.1f} ms; "
        f"erase_subject: median {erasure['erase_median_ms']:.1f} ms, "
        f"p95 {erasure['erase_p95_ms']:.1f} ms, at most {erasure['statements']} statements, "
        f"{erasure['rows']:.0f} rows per person"
    )
    retention = measure_retention(args.expired, args.batch)
    print(
        f"retention dry run: {retention['plan_ms']:.0f} ms ({retention['would']:,} leads due); "
        f"sweep: {retention['swept']:,} leads in {retention['seconds']:.1f} s "
        f"({retention['per_second']:.0f} leads/s, batches of {args.batch})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
