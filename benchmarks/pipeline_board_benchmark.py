"""Pipeline benchmark (issue 8): the lead list, the board and the card with 1,000,000 leads.

Target: p95 ≤ 100 ms server time for the list and the board with the common filters
(owner, stage, temperature, source, created range, text search), and for the card.

1. A PostgreSQL database with ``--leads`` leads (default 1,000,000) written with one
   INSERT … SELECT from generate_series: three teams of a head and eight managers, twenty
   sources, the default stages in realistic shares (most leads rejected or converted),
   two years of creation dates, a phone each, names and companies to search; a few
   hundred of them with a history of thirty events and some tasks (the cards measured).
   ``--reuse`` keeps a database already filled.
2. Each page requested through Django's test client in-process (the view's whole time:
   access rules, filters, queries, templates), ``--repeat`` times per scenario, as an
   admin (every lead), a head of sales (a team) and a manager (their own leads).
3. Prints p50/p95 per scenario, the plans of the board's queries with ``--explain``, and
   with ``--write-docs`` rewrites the "Pipeline: list, board and card" section of
   docs/benchmarks.md.

    .venv/bin/python benchmarks/pipeline_board_benchmark.py \\
        --database-url postgres://postgres@127.0.0.1:5432/galena_bench_pipeline_board \\
        [--leads 1000000] [--repeat 30] [--reuse] [--explain] [--write-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bulk_sql import insert_select

SECTION = "Pipeline: list, board and card (issue 8)"
TARGET_MS = 100.0
TEAMS = ("East", "North", "South")
MANAGERS_PER_TEAM = 8
SOURCES = 20
SAMPLE_CARDS = 200
FIRST = ["Ana", "Ion", "Maria", "Andrei", "Elena", "Mihai", "Olga", "Pekka", "Lucía", "James"]
LAST = ["Popescu", "Ionescu", "Marin", "Stan", "Smirnova", "Virtanen", "García", "Smith"]
COMPANY = ["Solaris", "Helios", "Voltra", "Sunway", "Energo", "Lumen", "Terra", "Nordic"]


def django_setup(database_url: str, work: Path, *, reuse: bool) -> None:
    if not reuse:
        from benchmarks.quality_benchmark import fresh_postgres

        fresh_postgres(database_url)
    os.environ.update(
        GALENA_ENV="development",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="off",
        DATABASE_URL=database_url,
        GALENA_DATA_DIR=str(work),
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "galena.config.settings"),
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # plain static URLs: the pages' time, without a collectstatic manifest to keep
    storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": storage}}

    call_command("migrate", verbosity=0)


def fill(leads: int) -> dict:
    """The teams, users, sources and leads; returns who and what the scenarios use."""
    from django.db import connection, transaction

    from galena.accounts.models import Profile, Role, Team
    from galena.leads.models import Lead, Source, Stage
    from tests.factories import UserFactory

    with transaction.atomic():
        UserFactory(username="bench-admin", role=Role.ADMIN, is_superuser=True)
        managers, heads = [], []
        for name in TEAMS:
            team = Team.objects.create(name=name)
            head = UserFactory(username=f"head-{name.lower()}", role=Role.HEAD_OF_SALES, team=team)
            team.head = head
            team.save()
            heads.append(head)
            for n in range(MANAGERS_PER_TEAM):
                managers.append(
                    UserFactory(username=f"{name.lower()}-{n}", role=Role.SALES_MANAGER, team=team)
                )
        for n in range(SOURCES):
            Source.objects.create(name=f"Source {n}", channel="landing_page")
    stage_ids = {s.code: s.pk for s in Stage.objects.all()}
    # (cumulative share, stage): most leads end rejected or converted
    shares = [
        (0.08, "new"),
        (0.20, "in_work"),
        (0.25, "qualified"),
        (0.40, "converted"),
        (0.88, "rejected"),
        (1.00, "deferred"),
    ]
    stage_case = (
        "CASE "
        + " ".join(f"WHEN r.s < {share} THEN {stage_ids[code]}" for share, code in shares)
        + " END"
    )
    owners = [m.pk for m in managers]
    teams = [Profile.objects.get(user=m).team_id for m in managers]
    sources = list(Source.objects.values_list("pk", flat=True))
    names = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST) + "]"
    lasts = "ARRAY[" + ",".join(f"'{n}'" for n in LAST) + "]"
    companies = "ARRAY[" + ",".join(f"'{n}'" for n in COMPANY) + "]"
    owner_array = "ARRAY[" + ",".join(map(str, owners)) + "]"
    team_array = "ARRAY[" + ",".join(map(str, teams)) + "]"
    source_array = "ARRAY[" + ",".join(map(str, sources)) + "]"
    first = f"({names})[1 + (g % {len(FIRST)})]"
    last = f"({lasts})[1 + ((g / 7) % {len(LAST)})]"
    company = f"({companies})[1 + ((g / 13) % {len(COMPANY)})] || ' ' || (g % 5000)"
    phone = "'+4072' || lpad((g % 10000000)::text, 7, '0')"
    sql = {
        "first_name": first,
        "last_name": last,
        "display_name": f"{first} || ' ' || {last}",
        "company_name": company,
        "stage_id": stage_case,
        # one lead in thirty unassigned, in its team's queue
        "owner_id": f"CASE WHEN g % 30 = 0 THEN NULL ELSE ({owner_array})[1 + (g % {len(owners)})] END",
        "team_id": f"({team_array})[1 + (g % {len(owners)})]",
        "source_id": f"({source_array})[1 + ((g / 3) % {len(sources)})]",
        "temperature": "(ARRAY['unknown','cold','warm','hot'])[1 + ((g / 11) % 4)]",
        "fit": "'unknown'",
        "origin": "'unknown'",
        "contact_type": "'unknown'",
        "verification": "'unverified'",
        "quality_status": "CASE WHEN g % 50 = 0 THEN 'quarantined' WHEN g % 40 = 0 THEN 'unknown' ELSE 'accepted' END",
        "channel": "'landing_page'",
        "score": "(g * 37) % 100",
        "created_at": "now() - (r.c * interval '730 days')",
        "updated_at": "now()",
        "search_text": f"lower({first} || ' ' || {last} || ' ' || {company} || ' ' || {phone})",
        "name_translit": f"lower({first} || ' ' || {last})",
        "quality_reasons": "'[]'::jsonb",
        "attributes": "'{}'::jsonb",
        "rejection_note": "''",
    }
    started = time.perf_counter()
    insert_select(
        Lead,
        sql,
        f"FROM generate_series(1, {int(leads)}) AS g, "
        "LATERAL (SELECT random() + g * 0 AS s, random() + g * 0 AS c) AS r",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_contactpoint (lead_id, kind, value_raw, value, label, is_primary, "
            "is_valid, status, line_type, verified, created_at) "
            "SELECT id, 'phone', search_text, '+40' || id, '', true, true, 'valid', '', false, "
            "created_at FROM leads_lead"
        )
        # the cards measured: a history of thirty events and three tasks each
        cursor.execute(
            "CREATE TEMP TABLE sample AS SELECT id, owner_id FROM leads_lead "
            "WHERE owner_id IS NOT NULL ORDER BY id DESC LIMIT %s",
            [SAMPLE_CARDS],
        )
        cursor.execute(
            "INSERT INTO leads_leadevent (lead_id, type, occurred_at, actor_id, actor_source, params) "
            "SELECT s.id, (ARRAY['note_added','updated','task_created','call','stage_changed'])[1 + n % 5], "
            "now() - n * interval '1 hour', s.owner_id, 'manual', "
            'CASE n % 5 WHEN 0 THEN \'{"text": "Called, interested"}\'::jsonb '
            'WHEN 1 THEN \'{"changes": {"city": ["Iasi", "Cluj"]}}\'::jsonb '
            'WHEN 2 THEN \'{"title": "Call", "kind": "call"}\'::jsonb '
            'WHEN 3 THEN \'{"outcome": "reached"}\'::jsonb '
            'ELSE \'{"from": "new", "to": "in_work", "to_kind": "open"}\'::jsonb END '
            "FROM sample s, generate_series(1, 30) n"
        )
        cursor.execute(
            "INSERT INTO leads_task (created_at, updated_at, lead_id, kind, title, description, "
            "due_at, outcome, assignee_id, created_by_id) "
            "SELECT now(), now(), s.id, 'call', 'Call back', '', now() + n * interval '1 day', '', "
            "s.owner_id, s.owner_id FROM sample s, generate_series(1, 3) n"
        )
        cursor.execute("VACUUM ANALYZE")  # the visibility map of a table at rest
    print(f"filled {leads:,} leads in {time.perf_counter() - started:.0f} s")
    return {}


def actors() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return {
        "admin": users.get(username="bench-admin"),
        "head": users.get(username="head-east"),
        "manager": users.get(username="east-1"),
    }


def scenarios(people: dict) -> list[tuple[str, str, str]]:
    """(who, page, query string) for the list and the board with the common filters."""
    from galena.leads.models import Lead, Source

    source = Source.objects.order_by("pk").first().pk
    recent = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    manager = people["manager"].pk
    common = [
        ("", "no filter"),
        (f"owner={manager}", "owner"),
        ("stage=in_work", "stage"),
        ("temperature=hot", "temperature"),
        (f"source={source}", "source"),
        (f"created_from={recent}", "created in the last 30 days"),
        ("q=ionescu", "text search (name)"),
        ("q=voltra 1234", "text search (company)"),
        (f"temperature=hot&source={source}&created_from={recent}", "combined"),
    ]
    rows = []
    for who in ("admin", "head", "manager"):
        for query, label in common:
            if who == "manager" and query.startswith("owner="):
                query = "owner=me"
            for page in ("/leads/", "/leads/board/"):
                rows.append((who, page, query, label))
    card_ids = list(
        Lead.objects.filter(events__isnull=False, owner=people["manager"])
        .values_list("pk", flat=True)
        .distinct()[:20]
    )
    for lead_id in card_ids:
        rows.append(("manager", f"/leads/{lead_id}/", "", "card"))
    return rows


def measure(people: dict, rows, repeat: int) -> list[dict]:
    from django.test import Client

    clients = {}
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        clients[who] = client
    from django.db import connection

    sql_time = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_time[0] += time.perf_counter() - started

    results: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    with connection.execute_wrapper(timed):
        for _ in range(repeat):
            for who, page, query, label in rows:
                key = (who, "card" if label == "card" else page, label)
                sql_time[0] = 0.0
                started = time.perf_counter()
                response = clients[who].get(page + (f"?{query}" if query else ""))
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (page, query, response.status_code)
                results.setdefault(key, []).append((elapsed, sql_time[0] * 1000))
                # what the page fetches when it shows (a text search's counts), timed as
                # requests of their own, as a browser sends them
                pending = _loaded_after(response)
                while pending:
                    url = pending.pop(0)
                    after = url.split("?")[0] + (" (a stage)" if "stage=" in url else "")
                    sql_time[0] = 0.0
                    started = time.perf_counter()
                    fetched = clients[who].get(url, headers={"HX-Request": "true"})
                    elapsed = (time.perf_counter() - started) * 1000
                    assert fetched.status_code == 200, (url, fetched.status_code)
                    results.setdefault((who, after, label), []).append(
                        (elapsed, sql_time[0] * 1000)
                    )
                    pending += _loaded_after(fetched)
    out = []
    for (who, page, label), pairs in results.items():
        times = sorted(total for total, _sql in pairs)
        sqls = sorted(sql for _total, sql in pairs)
        out.append(
            {
                "who": who,
                "page": page,
                "label": label,
                "p50": statistics.median(times),
                "p95": times[max(0, round(0.95 * len(times)) - 1)],
                "sql50": statistics.median(sqls),
                "sql95": sqls[max(0, round(0.95 * len(sqls)) - 1)],
                "n": len(times),
            }
        )
    return out


LOADED_AFTER = re.compile(r'hx-get="(/leads/(?:board/counts|count)/[^"]*)"\s+hx-trigger="load"')


def _loaded_after(response) -> list[str]:
    """The counts a list's or board's htmx fetches as soon as it shows
    (``hx-trigger="load"``): a text search's (the menu's badges, on every page, are not the
    list's)."""
    return [html.unescape(url) for url in LOADED_AFTER.findall(response.content.decode())]


def explain(people: dict) -> None:
    """The plans of the board's count and first column for a head of sales, each part of
    what they see (their own leads, their team's others) as the board reads it."""
    from django.db import connection

    from galena.leads import selectors
    from galena.leads.models import Stage
    from galena.leads.selectors import LeadFilters

    user = people["head"]
    filters = LeadFilters()
    in_work = Stage.objects.get(code="in_work")
    parts = selectors.leads_filtered_parts(user=user, filters=filters)
    queries = [
        (f"count, part {n}", part.filter(stage=in_work).order_by().values("pk")[:1001])
        for n, part in enumerate(parts)
    ]
    queries += [
        (f"column, part {n}", part.values("pk")[:21])
        for n, part in enumerate(
            selectors.board_cards_parts(user=user, filters=filters, stage=in_work)
        )
    ]
    queries.append(
        ("search", selectors.leads_filtered(user=user, filters=LeadFilters(q="ionescu"))[:51])
    )
    for name, queryset in queries:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"--- {name}")
            print("\n".join(row[0] for row in cursor.fetchall()))


def report(
    results: list[dict], leads: int, database: str, load: tuple[float, float], repeat: int
) -> str:
    lines = [
        f"{leads:,} leads in {database}; {platform.node()}, {os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {load[0]:.1f} before "
        f"and {load[1]:.1f} after (1 min). Server time of each page through Django's test "
        f"client in-process (access rules, filters, queries, template; the process warmed "
        f"as `galena serve` warms its workers, core.warm), {repeat} times each "
        f"(p50 is the median); target p95 ≤ {TARGET_MS:.0f} ms. A text search's list and "
        "board show their rows and cards first; the counts their htmx fetches when they show "
        "are timed as requests of their own, as the browser sends them: `/leads/count/`, "
        "`/leads/board/counts/`, and `(a stage)` for each stage that one read of the matches "
        "leaves open.",
        "",
        "| who | page | filters | p50 ms | p95 ms | SQL p50 ms | SQL p95 ms |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in sorted(results, key=lambda r: (r["page"], r["who"], r["label"])):
        flag = "" if row["p95"] <= TARGET_MS else " ⚠"
        lines.append(
            f"| {row['who']} | {row['page']} | {row['label']} | {row['p50']:.1f} | "
            f"{row['p95']:.1f}{flag} | {row['sql50']:.1f} | {row['sql95']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/galena_bench_pipeline_board"
    )
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    django_setup(
        args.database_url, Path(tempfile.mkdtemp(prefix="galena-pipeline-")), reuse=args.reuse
    )
    from django.db import connection

    from galena.leads.models import Lead

    if not (args.reuse and Lead.objects.exists()):
        fill(args.leads)
    leads = Lead.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        database = f"PostgreSQL {cursor.fetchone()[0]}"
    people = actors()
    if args.explain:
        explain(people)
    rows = scenarios(people)
    from galena.core.warm import process_warm

    process_warm()  # as `galena serve` does in each worker before its first request
    measure(people, rows, 2)  # warm the caches
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    results = measure(people, rows, args.repeat)
    load = (load_before, os.getloadavg()[0])
    text = report(results, leads, database, load, args.repeat)
    print(text)
    if args.write_docs:
        from benchmarks.docs import replace_section

        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
