"""Analytics benchmark (issue 9): every report on 1,000,000 leads and 10,000,000 events.

Target: each report answers in ≤ 500 ms for a 12-month range.

1. A PostgreSQL database (default ``galena_bench_analytics``) filled once with INSERT …
   SELECT from generate_series — no ORM row by row: three teams of a head and eight
   managers, a marketer, twenty sources in ten channels, forty campaigns with two years of
   daily spend in two currencies and their rates, ``--leads`` leads (default 1,000,000)
   over the last 24 months in twelve regions, in realistic stage shares with their
   qualification, conversion, rejection and first-response times (one in fifty a
   pseudo-lead, one in a hundred merged into another), ten events each (created,
   assigned, stage changes with their kinds, calls, e-mails, notes, tasks: 10,000,000),
   a contact, a deal and a conversion for each converted lead, a submission for each lead
   plus 200,000 contact-less interests, and 2.5 visitors per lead (60 % identified; 7 in 10
   of the others with a first touch: a source's channel, 3 in 10 a campaign too).
   ``--reuse`` keeps a database already filled (the schema is migrated either way).
2. Each registered report (``analytics-<code>`` URL names that resolve) requested through
   Django's test client in-process with ``?format=json`` — the view's whole time: role
   check, filter form, queries, table — for the last 12 full months, grouped by channel, by
   month, by month for one channel (``SLICE``) and by channel for one region
   (``CROSS_SLICE``), as an admin (every lead) and as a sales manager (their own leads; a head of
   sales for reports a manager may not open), ``--repeat`` times each.
3. Prints median and p95 per report, with ``--explain`` the plans of the funnel's
   queries, and with ``--write-docs`` rewrites the "Analytics reports" section of
   docs/benchmarks.md.

    .venv/bin/python benchmarks/analytics_benchmark.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/galena_bench_analytics] \\
        [--leads 1000000] [--repeat 15] [--reuse] [--explain] [--write-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bulk_sql import insert_select

SECTION = "Analytics reports (issue 9)"
TARGET_MS = 500.0
TEAMS = ("East", "North", "South")
MANAGERS_PER_TEAM = 8
CHANNELS = (
    "organic_search",
    "paid_search",
    "social",
    "email_campaign",
    "referral",
    "landing_page",
    "quiz",
    "phone_call",
    "exhibition",
    "ad_lead_form",
)
REGIONS = ("Bucharest", "Cluj", "Iasi", "Timis", "Constanta", "Brasov", "Dolj", "Prahova")
REGIONS += ("Bihor", "Sibiu", "Arges", "Mures")
SOURCES = 20
CAMPAIGNS = 40
EVENTS_PER_LEAD = 10
INTERESTS = 200_000
VISITORS_PER_LEAD = 2.5
REPORTS = ("funnel", "cohorts", "speed", "team", "quality", "cost")
# a part of a report's page asked for after the page: (label, report, query parameters)
PARTS = (("speed: time in stage", "speed", {"part": "stages"}),)
# a slice every report is also asked for (by month), as "for any slice" means
SLICE = {"channel": "paid_search"}
# and a slice grouped by something else (one region's figures per channel): the facts hold
# one attribution per row, so such a question reads the base tables
CROSS_SLICE = {"region": "Cluj"}
ROW_ORDER = ("funnel", "cohorts", "speed", "speed: time in stage", "team", "quality", "cost")
# the indexes decision 0005 proposed on other apps' tables, measured with and without; they
# are now in scoring's and intake's migrations (visitor_first_seen, since scoring 0007 with the
# visitor's first touch: visitor_first_seen_touch; submission_interest), so --compare-proposed
# only adds copies of them
PROPOSED_INDEXES = {
    "bench_visitor_first_seen": "ON scoring_visitor (first_seen_at, lead_id)",
    "bench_submission_interest": "ON intake_submission (received_at) WHERE outcome = 'interest'",
}


def proposed_indexes(present: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, definition in PROPOSED_INDEXES.items():
            if present:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("ANALYZE scoring_visitor")
        cursor.execute("ANALYZE intake_submission")


def _array(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values) + "]"


def _step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:.0f} s", flush=True)
    return now


def fill(leads: int) -> None:
    """The people, attribution, leads, events, clients, submissions and visitors."""
    from django.db import connection, transaction

    from galena.accounts.models import Profile, Role, Team
    from galena.clients.models import Contact, Conversion, Deal, DealStage
    from galena.intake.models import Submission
    from galena.leads.models import (
        Campaign,
        CampaignSpend,
        CurrencyRate,
        Lead,
        LeadEvent,
        Source,
        Stage,
    )
    from galena.scoring.models import Visitor
    from tests.factories import UserFactory

    started = time.perf_counter()
    with transaction.atomic():
        UserFactory(username="bench-admin", role=Role.ADMIN, is_superuser=True)
        UserFactory(username="bench-marketer", role=Role.MARKETER)
        managers = []
        for name in TEAMS:
            team = Team.objects.create(name=name)
            team.head = UserFactory(
                username=f"head-{name.lower()}", role=Role.HEAD_OF_SALES, team=team
            )
            team.save()
            managers += [
                UserFactory(username=f"{name.lower()}-{n}", role=Role.SALES_MANAGER, team=team)
                for n in range(MANAGERS_PER_TEAM)
            ]
        sources = [
            Source.objects.create(name=f"Source {n}", channel=CHANNELS[n % len(CHANNELS)])
            for n in range(SOURCES)
        ]
        campaigns = [
            Campaign.objects.create(
                name=f"Campaign {n}",
                source=sources[n % SOURCES],
                region=REGIONS[n % len(REGIONS)],
                currency="EUR" if n % 3 else "RON",
            )
            for n in range(CAMPAIGNS)
        ]
        today = dt.date.today()
        CurrencyRate.objects.bulk_create(
            CurrencyRate(
                from_currency="RON",
                to_currency="EUR",
                valid_from=today - dt.timedelta(days=30 * month),
                rate="0.2010",
            )
            for month in range(26)
        )
    stage_ids = {stage.code: stage.pk for stage in Stage.objects.all()}
    owners = [manager.pk for manager in managers]
    teams = [Profile.objects.get(user=manager).team_id for manager in managers]
    source_ids = [source.pk for source in sources]
    campaign_ids = [campaign.pk for campaign in campaigns]
    # (cumulative share, stage): most leads end rejected or converted
    shares = [
        (0.08, "new"),
        (0.20, "in_work"),
        (0.27, "qualified"),
        (0.42, "converted"),
        (0.88, "rejected"),
        (1.00, "deferred"),
    ]
    stage = (
        "CASE "
        + " ".join(f"WHEN r.s < {share} THEN {stage_ids[code]}" for share, code in shares)
        + " END"
    )
    converted, qualified = stage_ids["converted"], stage_ids["qualified"]
    created = "now() - (r.c * interval '730 days')"
    owner = f"({_array(owners)})[1 + (g % {len(owners)})]"
    lead_sql = {
        "first_name": "'Ana'",
        "last_name": "'Pop ' || g",
        "display_name": "'Ana Pop ' || g",
        "stage_id": stage,
        "owner_id": f"CASE WHEN g % 30 = 0 THEN NULL ELSE {owner} END",
        "original_owner_id": f"CASE WHEN g % 7 = 0 THEN ({_array(owners)})[1 + ((g / 7) % {len(owners)})] ELSE NULL END",
        "team_id": f"({_array(teams)})[1 + (g % {len(owners)})]",
        "source_id": f"({_array(source_ids)})[1 + ((g / 3) % {SOURCES})]",
        "campaign_id": f"CASE WHEN g % 4 = 0 THEN NULL ELSE ({_array(campaign_ids)})[1 + ((g / 5) % {CAMPAIGNS})] END",
        "channel": f"({_array(CHANNELS)})[1 + ((g / 3) % {SOURCES}) % {len(CHANNELS)}]",
        "region": f"({_array(REGIONS)})[1 + ((g / 11) % {len(REGIONS)})]",
        "temperature": "(ARRAY['unknown','cold','warm','hot'])[1 + ((g / 11) % 4)]",
        "fit": "(ARRAY['unknown','target','target','non_target'])[1 + ((g / 13) % 4)]",
        "origin": "'unknown'",
        "contact_type": "'unknown'",
        "verification": "CASE WHEN g % 3 = 0 THEN 'verified' ELSE 'unverified' END",
        "quality_status": "CASE WHEN g % 50 = 0 THEN 'rejected' WHEN g % 51 = 0 THEN 'quarantined' ELSE 'accepted' END",
        "created_at": created,
        "updated_at": "now()",
        "assigned_at": f"{created} + interval '3 minutes'",
        "first_response_at": f"CASE WHEN g % 10 = 0 THEN NULL ELSE {created} + r.s * interval '30 hours' END",
        "response_due_at": f"{created} + interval '4 hours'",
        "qualified_at": f"CASE WHEN {stage} IN ({qualified}, {converted}) AND g % 5 <> 0 THEN {created} + r.s * interval '20 days' ELSE NULL END",
        "converted_at": f"CASE WHEN {stage} = {converted} THEN {created} + r.s * interval '60 days' ELSE NULL END",
        "rejected_at": f"CASE WHEN {stage} = {stage_ids['rejected']} THEN {created} + r.s * interval '30 days' ELSE NULL END",
        "deal_value": f"CASE WHEN {stage} = {converted} THEN round((1000 + (g % 9000))::numeric, 2) ELSE NULL END",
        "deal_currency": f"CASE WHEN {stage} = {converted} THEN (ARRAY['EUR','RON'])[1 + g % 2] ELSE '' END",
        "search_text": "'ana pop ' || g",
        "name_translit": "'ana pop ' || g",
    }
    print(f"filling {leads:,} leads …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    mark = started
    insert_select(
        Lead,
        lead_sql,
        f"FROM generate_series(1, {int(leads)}) AS g, "
        f"LATERAL (SELECT random() + g * 0 AS s, random() + g * 0 AS c) AS r",
    )
    with connection.cursor() as cursor:
        # one lead in a hundred merged into the one before it (the survivor counts)
        cursor.execute(
            "UPDATE leads_lead SET merged_into_id = id - 1 WHERE id % 100 = 0 "
            "AND id > (SELECT min(id) FROM leads_lead)"
        )
    mark = _step("leads", mark)
    event_types = [
        "created",
        "assigned",
        "stage_changed",
        "call",
        "email_sent",
        "note_added",
        "task_created",
        "call",
        "task_completed",
        "stage_changed",
    ]
    stage_codes = "(SELECT code FROM leads_stage WHERE id = l.stage_id)"
    stage_kinds = "(SELECT kind FROM leads_stage WHERE id = l.stage_id)"
    insert_select(
        LeadEvent,
        {
            "lead_id": "l.id",
            "type": f"({_array(event_types)})[n]",
            "occurred_at": "CASE WHEN n = 10 THEN coalesce(l.converted_at, l.rejected_at, "
            "l.created_at + interval '9 days') ELSE l.created_at + (n - 1) * interval '20 hours' END",
            "actor_id": "l.owner_id",
            "actor_source": "CASE WHEN n <= 2 THEN 'system' ELSE 'manual' END",
            "params": "CASE WHEN n = 3 THEN jsonb_build_object('from', 'new', 'to', 'in_work', "
            "'to_kind', 'open') WHEN n = 10 THEN jsonb_build_object('from', 'in_work', 'to', "
            f"{stage_codes}, 'to_kind', {stage_kinds}) WHEN n = 4 THEN "
            "'{\"outcome\": \"reached\"}'::jsonb ELSE '{}'::jsonb END",
        },
        f"FROM leads_lead l, generate_series(1, {EVENTS_PER_LEAD}) AS n",
    )
    mark = _step("events", mark)
    with transaction.atomic():
        stage_won = DealStage.objects.filter(kind="won").order_by("order").first()
    won = f"FROM leads_lead l WHERE l.stage_id = {converted}"
    insert_select(
        Contact,
        {
            "id": "l.id",
            "first_name": "l.first_name",
            "last_name": "l.last_name",
            "display_name": "l.display_name",
            "owner_id": "l.owner_id",
            "team_id": "l.team_id",
            "created_at": "l.converted_at",
            "updated_at": "l.converted_at",
        },
        won,
    )
    insert_select(
        Deal,
        {
            "id": "l.id",
            "contact_id": "l.id",
            "lead_id": "l.id",
            "title": "'Deal ' || l.id",
            "kind": "'new'",
            "amount": "l.deal_value",
            "currency": "l.deal_currency",
            "stage_id": str(stage_won.pk),
            "owner_id": "l.owner_id",
            "closed_at": "l.converted_at",
            "created_at": "l.converted_at",
            "updated_at": "l.converted_at",
        },
        won,
    )
    insert_select(
        Conversion,
        {
            "lead_id": "l.id",
            "contact_id": "l.id",
            "deal_id": "l.id",
            "converted_by_id": "l.owner_id",
            "client_owner_id": "l.owner_id",
            "lead_owner_id": "l.owner_id",
            "converted_at": "l.converted_at",
            "first_contact_at": "l.created_at",
            "conversion_time": "l.converted_at - l.created_at",
            "lead_time": "l.converted_at - l.created_at",
        },
        won,
    )
    with connection.cursor() as cursor:
        for table in ("clients_contact", "clients_deal"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    mark = _step("clients", mark)
    insert_select(
        CampaignSpend,
        {
            "campaign_id": "c.id",
            "date": "current_date - d",
            "amount": "round((50 + (d * c.id) % 400)::numeric, 2)",
            "currency": "c.currency",
            "clicks": "(d * c.id) % 900",
            "impressions": "(d * c.id) % 20000",
        },
        "FROM leads_campaign c, generate_series(0, 729) AS d",
    )
    submission = {
        "channel": "l.channel",
        "adapter": "'capture'",
        "received_at": "l.created_at",
        "status": "'processed'",
        "outcome": "'created'",
        "processed_at": "l.created_at",
        "lead_id": "l.id",
        "source_id": "l.source_id",
        "payload": "'{}'::jsonb",
        "headers": "'{}'::jsonb",
        "decision": "'{}'::jsonb",
    }
    insert_select(Submission, submission, "FROM leads_lead l")
    insert_select(
        Submission,
        {
            **submission,
            "channel": f"({_array(CHANNELS)})[1 + g % {len(CHANNELS)}]",
            "received_at": "now() - random() * interval '730 days'",
            "processed_at": "now()",
            "outcome": "'interest'",
            "lead_id": "NULL",
            "source_id": f"({_array(source_ids)})[1 + g % {SOURCES}]",
        },
        f"FROM generate_series(1, {INTERESTS}) AS g",
    )
    mark = _step("submissions", mark)
    identified = int(leads * VISITORS_PER_LEAD * 0.6)
    anonymous = int(leads * VISITORS_PER_LEAD) - identified
    insert_select(
        Visitor,
        {
            "key": "md5(l.id::text || '-' || n)",
            "lead_id": "l.id",
            "first_seen_at": "l.created_at - n * interval '2 days'",
            "last_seen_at": "l.created_at",
            "identified_at": "l.created_at",
        },
        f"FROM leads_lead l, generate_series(1, 2) AS n WHERE l.id % 4 <> 0 LIMIT {identified}",
    )
    insert_select(
        Visitor,
        {
            "key": "md5('anonymous-' || g)",
            "first_seen_at": "now() - random() * interval '730 days'",
            "last_seen_at": "now()",
            # first touch (decision 0009): 7 in 10 came by a source, 3 of those by a
            # campaign; the rest were direct visits
            "channel": f"CASE WHEN g % 10 < 7 THEN ({_array(CHANNELS)})"
            f"[1 + (g % {SOURCES}) % {len(CHANNELS)}] ELSE '' END",
            "source_id": f"CASE WHEN g % 10 < 7 THEN ({_array(source_ids)})[1 + g % {SOURCES}] END",
            "campaign_id": f"CASE WHEN g % 10 < 3 THEN ({_array(campaign_ids)})"
            f"[1 + g % {CAMPAIGNS}] END",
        },
        f"FROM generate_series(1, {anonymous}) AS g",
    )
    mark = _step("visitors", mark)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the visibility map of tables at rest
    _step("vacuum", mark)
    print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)


def actors() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return {
        "admin": users.get(username="bench-admin"),
        "manager": users.get(username="east-1"),
        "head of sales": users.get(username="head-east"),
    }


def scenarios() -> list[tuple[str, str, str, dict]]:
    """(report, URL, grouping, more parameters) for every report whose page is registered,
    and the parts of pages asked for after them (the time in each stage)."""
    from django.urls import NoReverseMatch, reverse

    rows = []
    for code in REPORTS:
        try:
            url = reverse(f"analytics-{code}")
        except NoReverseMatch:
            continue
        # only the groupings the report offers: another makes the filter form invalid, and
        # the report then answers its default question (another period, no slice)
        offered = import_module(f"galena.analytics.{code}").GROUP_BY
        for group_by in ("channel", "month"):
            if group_by not in offered:
                continue
            rows.append((code, url, group_by, {"format": "json"}))
            rows += [
                (label, url, group_by, parameters)
                for label, report, parameters in PARTS
                if report == code
            ]
        # "any slice": one channel's figures by month, one region's per channel
        by_month = "month" if "month" in offered else offered[0]
        rows.append((code, url, by_month, {"format": "json", **SLICE}))
        by_channel = "channel" if "channel" in offered else offered[0]
        rows.append((code, url, by_channel, {"format": "json", **CROSS_SLICE}))
    return rows


def readers(people: dict, code: str) -> list[str]:
    """The admin, and the manager — or a head of sales when a manager may not open it."""
    from galena.analytics.filters import report_roles

    report = next((report for label, report, _ in PARTS if label == code), code)
    second = "manager" if report in report_roles(people["manager"]) else "head of sales"
    return ["admin", second]


def facts_ready() -> None:
    """The daily facts (docs/decisions/0006-analytics-daily-facts.md): built once after the
    bulk fill (or on a database filled before they existed), then only the days written
    since are refreshed. Prints how long it took."""
    from django.db import connection

    from galena.analytics.facts import FACT_MODELS, facts_rebuild, facts_refresh
    from galena.analytics.models import LeadFact

    started = time.perf_counter()
    if LeadFact.objects.exists():
        days, what = facts_refresh(), "refreshed"
    else:
        days, what = facts_rebuild(), "built"
    with connection.cursor() as cursor:
        for model in {model for models in FACT_MODELS.values() for model in models}:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    print(f"  facts {what} for {days:,} days: {time.perf_counter() - started:.0f} s", flush=True)


def refresh_costs(repeat: int = 3) -> dict[str, float]:
    """Per kind of fact, the median time (ms) to refresh one marked UTC day in the middle of
    the last 12 months (one or two business days: what a single write costs the next
    report), after the same day was refreshed once to warm its pages."""
    from galena.analytics.facts import FACT_MODELS, facts_refresh
    from galena.analytics.models import DirtyDay

    day = dt.date.today() - dt.timedelta(days=180)
    costs = {}
    for kind in FACT_MODELS:
        times = []
        for _ in range(repeat + 1):
            DirtyDay.objects.create(kind=kind, day=day)
            started = time.perf_counter()
            facts_refresh([kind])
            times.append((time.perf_counter() - started) * 1000)
        costs[kind] = statistics.median(times[1:])
    return costs


def measure(people: dict, rows, repeat: int) -> list[dict]:
    from django.db import connection
    from django.test import Client

    clients = {}
    for who, user in people.items():
        clients[who] = Client()
        clients[who].force_login(user)
    sql_time = [0.0, 0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_time[0] += time.perf_counter() - started
            sql_time[1] += 1

    results: dict[tuple[str, str, str], list[tuple[float, float, int]]] = {}
    with connection.execute_wrapper(timed):
        for _ in range(repeat):
            for code, url, group_by, parameters in rows:
                for who in readers(people, code):
                    sql_time[0], sql_time[1] = 0.0, 0
                    started = time.perf_counter()
                    response = clients[who].get(url, {"group_by": group_by, **parameters})
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, (url, who, response.status_code)
                    shown = group_by + "".join(
                        f"; {key} {value}"
                        for key, value in parameters.items()
                        if key in SLICE or key in CROSS_SLICE
                    )
                    results.setdefault((code, who, shown), []).append(
                        (elapsed, sql_time[0] * 1000, sql_time[1])
                    )
    out = []
    for (code, who, group_by), triples in results.items():
        times = sorted(total for total, _sql, _n in triples)
        sqls = sorted(sql for _total, sql, _n in triples)
        out.append(
            {
                "report": code,
                "who": who,
                "group_by": group_by,
                "p50": statistics.median(times),
                "p95": times[max(0, round(0.95 * len(times)) - 1)],
                "sql50": statistics.median(sqls),
                "queries": triples[-1][2],
                "n": len(times),
            }
        )
    return out


def explain(people: dict) -> None:
    """The plans of the funnel's queries for an admin, grouped by channel."""
    from django.db import connection

    from galena.analytics.filters import ReportFilter

    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    from galena.analytics.funnel import funnel_table

    with connection.execute_wrapper(capture):
        funnel_table(people["admin"], ReportFilter.default(group_by="channel"))
    for sql, params in captured:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("---", sql[:160])
            print("\n".join(row[0] for row in cursor.fetchall()))


def counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for name, table in (
            ("leads", "leads_lead"),
            ("events", "leads_leadevent"),
            ("visitors", "scoring_visitor"),
            ("submissions", "intake_submission"),
            ("conversions", "clients_conversion"),
        ):
            cursor.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")
            out[name] = int(cursor.fetchone()[0])
    return out


def report(
    results: list[dict],
    sizes: dict[str, int],
    database: str,
    *,
    compared: bool,
    load: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
) -> str:
    from benchmarks.docs import cpu_model

    loads = (
        " Load average (1, 5, 15 min) when the timed runs began "
        + ", ".join(f"{value:.2f}" for value in load[0])
        + " and when they ended "
        + ", ".join(f"{value:.2f}" for value in load[1])
        + "."
        if load
        else ""
    )

    lines = [
        f"{sizes['leads']:,} leads over 24 months, {sizes['events']:,} events, "
        f"{sizes['visitors']:,} visitors, {sizes['submissions']:,} submissions, "
        f"{sizes['conversions']:,} conversions in {database}; {platform.node()}, "
        f"{cpu_model()}, {os.cpu_count()} CPUs, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. "
        "Each report's JSON (`?format=json`: role check, filter form, queries, table) "
        "— and the speed page's time in each stage, a part the page asks for once shown "
        "(`?part=stages`, HTML) — "
        "through Django's test client in-process, for the last 12 full months; target "
        f"≤ {TARGET_MS:.0f} ms. The manager sees their own leads (~1/24 of them); reports "
        "a manager may not open are timed for a head of sales (a team)."
        + loads
        + (
            " *with proposed*: the same run after creating the two indexes on scoring's and "
            "intake's tables that decision 0005 proposes (not in their migrations yet)."
            if compared
            else ""
        ),
        "",
        "| report | who | grouped by | median ms | p95 ms | SQL median ms | queries |"
        + (" with proposed: median ms | p95 ms |" if compared else ""),
        "|---|---|---|---:|---:|---:|---:|" + ("---:|---:|" if compared else ""),
    ]
    for row in sorted(
        results, key=lambda r: (ROW_ORDER.index(r["report"]), r["who"], r["group_by"])
    ):
        flag = "" if row["p95"] <= TARGET_MS else " ⚠"
        line = (
            f"| {row['report']} | {row['who']} | {row['group_by']} | {row['p50']:.0f} | "
            f"{row['p95']:.0f}{flag} | {row['sql50']:.0f} | {row['queries']} |"
        )
        if compared:
            flag = "" if row["with_p95"] <= TARGET_MS else " ⚠"
            line += f" {row['with_p50']:.0f} | {row['with_p95']:.0f}{flag} |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/galena_bench_analytics"
    )
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--notes", default="", help="a paragraph added under the table")
    parser.add_argument(
        "--compare-proposed",
        action="store_true",
        help="measure again with the indexes proposed for scoring's and intake's tables",
    )
    args = parser.parse_args()
    from benchmarks.pipeline_board_benchmark import django_setup

    django_setup(
        args.database_url, Path(tempfile.mkdtemp(prefix="galena-analytics-")), reuse=args.reuse
    )
    from django.db import connection

    from galena.leads.models import Lead

    if not (args.reuse and Lead.objects.exists()):
        fill(args.leads)
    facts_ready()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        database = f"PostgreSQL {cursor.fetchone()[0]}"
    people = actors()
    if args.explain:
        explain(people)
    rows = scenarios()
    proposed_indexes(present=False)
    measure(people, rows, 1)  # warm the caches
    load_before = os.getloadavg()
    results = measure(people, rows, args.repeat)
    load = (load_before, os.getloadavg())
    if args.compare_proposed:
        proposed_indexes(present=True)
        measure(people, rows, 1)
        with_indexes = {
            (row["report"], row["who"], row["group_by"]): row
            for row in measure(people, rows, args.repeat)
        }
        for row in results:
            other = with_indexes[(row["report"], row["who"], row["group_by"])]
            row["with_p50"], row["with_p95"] = other["p50"], other["p95"]
        proposed_indexes(present=False)
    text = report(results, counts(), database, compared=args.compare_proposed, load=load)
    costs = refresh_costs()
    text += (
        "\n\nRefreshing one marked UTC day (the next report's cost of a single write), median of 3: "
        + ", ".join(f"{kind} {ms:.0f} ms" for kind, ms in costs.items())
        + "."
    )
    if args.notes:
        text += "\n\n" + args.notes.strip()
    print(text)
    if args.write_docs:
        from benchmarks.docs import replace_section

        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
