"""Intake benchmark: realistic submissions posted on loopback to the capture API of Galena
running with production settings on PostgreSQL, several web worker processes.

Reports, in one run:
- the bare single-row INSERT commit rate of the same PostgreSQL (the reference);
- phase "max": as many submissions as the server takes from CONCURRENCY clients for
  SECONDS — accepted leads/s, latency p50/p95/p99, lost (accepted but not stored: must be 0);
- phase "rate": a fixed RATE of submissions/s for SECONDS — latency p50/p95/p99;
- whether every accepted submission went through the whole pipeline (status processed,
  a lead written) and how long the pipeline took to drain.

Usage (from the repository root, after `make test` or `pip install -e .`):
    .venv/bin/python benchmarks/intake_benchmark.py [--seconds 20] [--rate 200]
        [--concurrency 16] [--web-workers 4] [--celery] [--worker-nice 0] [--write-docs]
With --celery, submissions are processed by a Celery worker on the local Redis (the
production topology); without, in the web process before it answers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GALENA = str(VENV_BIN / "galena")
PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "galena_bench_intake"
WORKER_ARGS = ["--loglevel", "WARNING"]


# --- the reference: what this PostgreSQL does with nothing in front of it ------------------


def pg_insert_commit_rate(dsn: str, rows: int = 3000) -> float:
    """Single-row INSERTs, each its own committed transaction, from one connection."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_reference")
        conn.execute(
            "CREATE TABLE bench_reference (id bigserial PRIMARY KEY, payload jsonb, "
            "received_at timestamptz DEFAULT now())"
        )
        payload = json.dumps({"name": "Ana Marin", "phone": "+40722123456"})
        started = time.perf_counter()
        for _ in range(rows):
            conn.execute("INSERT INTO bench_reference (payload) VALUES (%s)", (payload,))
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_reference")
    return rows / elapsed


# --- realistic submissions ------------------------------------------------------------


# Browsers the visitors use; what the embed script posts from (its User-Agent is the browser's).
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
PROVIDERS = ["gmail.com", "yahoo.com", "outlook.com", "mail.ru", "yandex.ru", "hotmail.es"]


def make_bodies(count: int, seed: int = 7) -> list[tuple[bytes, bytes]]:
    """Different people from different addresses (behind one trusted proxy, as a
    production server sits behind its TLS proxy), posting what the embed script posts:
    the fields, the honeypot left empty and the time they took, from a real browser."""
    from faker import Faker

    locales = ["ro_RO", "ru_RU", "es_ES", "fi_FI", "en_GB"]
    fakers = {loc: Faker(loc) for loc in locales}
    for n, fake in enumerate(fakers.values()):
        fake.seed_instance(seed + n)
    rng = random.Random(seed)
    sources = ["google", "yandex", "facebook", "vk", "newsletter", "partner"]
    products = ["Solar panels", "Heat pump", "Battery storage", "Installation", "Maintenance"]
    bodies = []
    for _ in range(count):
        locale = rng.choice(locales)
        fake = fakers[locale]
        first, last = fake.first_name(), fake.last_name()
        body = {
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}{rng.randint(1, 9999)}@{rng.choice(PROVIDERS)}".lower().replace(
                " ", ""
            ),
            "phone": fake.phone_number(),
            "company": fake.company() if rng.random() < 0.6 else "",
            "interest": rng.choice(products),
            "message": fake.sentence(nb_words=12),
            "utm_source": rng.choice(sources),
            "utm_medium": "cpc",
            "utm_campaign": f"spring-{rng.randint(1, 5)}",
            "landing_page": f"https://example.com/{rng.choice(['solar', 'offer', 'pricing'])}",
            "consent": True,
            "_ts": rng.randint(8000, 90000),
            "_hp": "",
            "roof_area_m2": rng.randint(20, 300),
        }
        address = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        headers = f"User-Agent: {rng.choice(USER_AGENTS)}\r\nX-Forwarded-For: {address}\r\n"
        bodies.append((json.dumps(body, ensure_ascii=False).encode(), headers.encode()))
    return bodies


# --- the server -----------------------------------------------------------------------


def recreate_database() -> str:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (DB_NAME,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{DB_NAME}"


def server_env(dsn: str, celery: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GALENA_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=dsn.replace("postgresql://", "postgres://"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        GALENA_DATA_DIR="/tmp/galena-bench-intake",
        INTAKE_RATE_PER_ADDRESS="0",
        INTAKE_RATE_PER_FORM="0",
        TRUSTED_PROXY_COUNT="1",  # the visitors' addresses come in X-Forwarded-For
        LOG_LEVEL="WARNING",
        SESSION_COOKIE_SECURE="off",
        CSRF_COOKIE_SECURE="off",
    )
    if celery:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    else:
        env.pop("REDIS_URL", None)
        env.pop("CELERY_BROKER_URL", None)
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def create_form(env: dict[str, str]) -> str:
    code = (
        "from galena.leads.models import Source\n"
        "from galena.intake.models import Form\n"
        "s, _ = Source.objects.get_or_create(name='Website', defaults={'channel': 'landing_page'})\n"
        "f = Form.objects.create(name='Bench', slug='bench', source=s, consent_version='1',"
        " consent_purposes=['contact'], fields=["
        "{'name': 'first_name', 'label': 'First name', 'type': 'text', 'required': True},"
        "{'name': 'last_name', 'label': 'Last name', 'type': 'text', 'required': False},"
        "{'name': 'email', 'label': 'E-mail', 'type': 'email', 'required': False},"
        "{'name': 'phone', 'label': 'Phone', 'type': 'tel', 'required': False}])\n"
        # routing on: a sales team of eight working around the clock takes the site's leads,
        # round robin, and each owner is notified (issue 7: capture → owner notified)
        "from django.contrib.auth import get_user_model\n"
        "from galena.accounts.models import Profile, Team\n"
        "from galena.routing.models import RoutingRule\n"
        "t = Team.objects.create(name='Sales', time_zone='Europe/Bucharest')\n"
        "for i in range(8):\n"
        "    u = get_user_model().objects.create(username=f'sales{i}', email=f's{i}@x.io')\n"
        "    Profile.objects.create(user=u, role='sales_manager', team=t, capacity_per_day=0,"
        " working_hours={str(d): ['00:00', '24:00'] for d in range(1, 8)})\n"
        "RoutingRule.objects.create(name='Website → Sales', order=1, team=t, target_kind='team',"
        " strategy='round_robin', conditions=[])\n"
        "print(f.key)\n"
    )
    return run([GALENA, "shell", "-c", code], env).strip().splitlines()[-1]


@dataclass
class Server:
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def start_server(
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int,
    celery: bool,
    worker_nice: int = 0,
    worker_processes: int = 2,
) -> Server:
    server = Server()
    log = open("/tmp/galena-bench-intake-web.log", "w")  # noqa: SIM115
    server.processes.append(
        subprocess.Popen(
            [
                GALENA,
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    )
    if celery:
        worker_log = open("/tmp/galena-bench-intake-worker.log", "w")  # noqa: SIM115
        server.processes.append(
            subprocess.Popen(
                # --worker-nice 10 puts the worker behind the web on this shared machine: the
                # web then takes more at most, but the notices wait seconds at 200/s
                # (docs/benchmarks.md, fifteenth session); the default is the same priority
                [
                    *["nice", "-n", str(worker_nice), GALENA, "worker"],
                    *["--concurrency", str(worker_processes), *WORKER_ARGS],
                ],
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _, _ = asyncio.run(request(port, "GET", "/login/", b""))
            if status in (200, 302):
                return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise SystemExit("The server did not start: see /tmp/galena-bench-intake-web.log")


# --- the load generator ---------------------------------------------------------------


async def request(
    port: int, method: str, path: str, body: bytes, headers: bytes = b""
) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    ).encode()
    writer.write(head + headers + b"\r\n" + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    elapsed = time.perf_counter() - started
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.partition(b"\r\n\r\n")[2], elapsed


class KeepAliveClient:
    """One visitor's connection kept open between posts (as a proxy in front would keep
    it), so the load generator spends its share of the two cores on requests, not on
    TCP handshakes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: bytes = b"") -> tuple[int, bytes, float]:
        started = time.perf_counter()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
        ).encode()
        try:
            self.writer.write(head + headers + b"\r\n" + body)
            await self.writer.drain()
            header = await self.reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError):
            self.close()
            raise OSError("connection closed by the server") from None
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:]) if k
        }
        content = await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, content, time.perf_counter() - started

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Phase:
    name: str
    sent: int = 0
    accepted: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    references: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def record(self, status: int, body: bytes, elapsed: float) -> None:
        self.sent += 1
        self.latencies.append(elapsed)
        if status == 201:
            self.accepted += 1
            self.references.append(json.loads(body)["reference"])
        else:
            self.errors[status] = self.errors.get(status, 0) + 1

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def summary(self) -> dict:
        return {
            "phase": self.name,
            "seconds": round(self.seconds, 1),
            "sent": self.sent,
            "accepted": self.accepted,
            "accepted_per_s": round(self.accepted / self.seconds, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "median_ms": round(statistics.median(self.latencies) * 1000, 1),
            "errors": self.errors,
        }


# one sequence of people across all phases: someone posting twice would be a repeat
# inquiry (matching attaches it to the first lead), not the new lead this benchmark measures
PEOPLE = itertools.count()


async def max_phase(
    port: int, path: str, bodies: list[tuple[bytes, bytes]], seconds: float, clients: int
) -> Phase:
    phase = Phase("max")
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        connection = KeepAliveClient(port)
        while time.perf_counter() < deadline:
            body, headers = bodies[next(PEOPLE) % len(bodies)]
            try:
                phase.record(*await connection.post(path, body, headers))
            except OSError:
                phase.record(0, b"", 0.0)
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    phase.seconds = time.perf_counter() - started
    return phase


async def rate_phase(
    port: int, path: str, bodies: list[tuple[bytes, bytes]], seconds: float, rate: int
) -> Phase:
    phase = Phase(f"rate {rate}/s")
    total = int(seconds * rate)
    started = time.perf_counter()

    async def one(n: int) -> None:
        # open-loop: each request starts at its scheduled time, whatever the others do
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        try:
            body, headers = bodies[next(PEOPLE) % len(bodies)]
            phase.record(*await request(port, "POST", path, body, headers))
        except OSError:
            phase.record(0, b"", 0.0)

    await asyncio.gather(*(one(n) for n in range(total)))
    phase.seconds = time.perf_counter() - started
    return phase


def statistics_refresh(dsn: str) -> None:
    """What autovacuum does on a live database: the tables' statistics and dead rows. Its
    naptime (a minute) is longer than a phase, so without this every phase would run on the
    plans of a database that was empty when it started (the workers' connections keep their
    prepared statements: a scan of every phone for one phone, seen with auto_explain)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def drain(dsn: str, references: list[int], timeout: float) -> dict:
    """Wait until every accepted submission is processed; count lost and failed ones."""
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            rows = dict(
                conn.execute(
                    "SELECT status, count(*) FROM intake_submission GROUP BY status"
                ).fetchall()
            )
            pending = rows.get("received", 0) + rows.get("processing", 0)
            if pending == 0 or time.perf_counter() - started > timeout:
                break
            time.sleep(0.5)
        stored = conn.execute(
            "SELECT count(*) FROM intake_submission WHERE id = ANY(%s)", (references,)
        ).fetchone()[0]
        leads = conn.execute("SELECT count(*) FROM leads_lead").fetchone()[0]
        # capture accepted (the submission stored) → its lead's owner notified (the
        # notification stored, its e-mail and webhooks queued)
        # split at the start of the worker's batch (processed_at: when the batch that took
        # the submission began): waiting for a batch, then the batch's work up to the notice
        notified = conn.execute(
            "SELECT count(*),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
            " percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY waited),"
            " percentile_cont(0.99) WITHIN GROUP (ORDER BY waited),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY ms - waited),"
            " percentile_cont(0.99) WITHIN GROUP (ORDER BY ms - waited),"
            " count(DISTINCT processed_at) FROM ("
            "  SELECT extract(epoch FROM n.created_at - s.received_at) * 1000 AS ms,"
            "  extract(epoch FROM s.processed_at - s.received_at) * 1000 AS waited,"
            "  s.processed_at"
            "  FROM intake_submission s JOIN notifications_notification n"
            "  ON n.lead_id = s.lead_id AND n.kind = 'lead_assigned'"
            "  WHERE s.id = ANY(%s)) AS t",
            (references,),
        ).fetchone()
        # the quality gate's verdicts: these are genuine visitors, so nearly all accepted
        quality = dict(
            conn.execute(
                "SELECT quality_status, count(*) FROM leads_lead GROUP BY quality_status"
            ).fetchall()
        )
    return {
        "lost": len(references) - stored,
        "processed": rows.get("processed", 0),
        "failed": rows.get("failed", 0),
        "pending": rows.get("received", 0) + rows.get("processing", 0),
        "leads": leads,
        "notified": notified[0],
        "notified_p50_ms": round(notified[1] or 0, 1),
        "notified_p99_ms": round(notified[2] or 0, 1),
        "batch_wait_p50_ms": round(notified[3] or 0, 1),
        "batch_wait_p99_ms": round(notified[4] or 0, 1),
        "in_batch_p50_ms": round(notified[5] or 0, 1),
        "in_batch_p99_ms": round(notified[6] or 0, 1),
        "batches": notified[7],
        "quality": quality,
        "drain_seconds": round(time.perf_counter() - started, 1),
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    with psycopg.connect(PG_ADMIN_DSN) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, Python {platform.python_version()}, "
        f"PostgreSQL {pg}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--celery", action="store_true")
    parser.add_argument("--worker-nice", type=int, default=0)
    parser.add_argument(
        "--worker-processes", type=int, default=2, help="the Celery worker's processes"
    )
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    print("machine:", machine())
    reference = pg_insert_commit_rate(PG_ADMIN_DSN)
    print(f"reference: {reference:,.0f} single-row INSERT commits/s")
    # enough different people that none posts twice in a run (a repeat is a repeat inquiry)
    bodies = make_bodies(40000)
    dsn = recreate_database()
    env = server_env(dsn, args.celery)
    run([GALENA, "migrate", "--noinput"], env)
    run([GALENA, "collectstatic", "--noinput"], env)
    key = create_form(env)
    path = f"/api/v1/capture/{key}"
    server = start_server(
        env,
        args.port,
        args.web_workers,
        args.web_threads,
        args.celery,
        args.worker_nice,
        args.worker_processes,
    )
    results = {}
    try:
        phase = asyncio.run(max_phase(args.port, path, bodies, 3, args.concurrency))  # warm-up
        drain(dsn, phase.references, 300)
        statistics_refresh(dsn)
        phase = asyncio.run(max_phase(args.port, path, bodies, args.seconds, args.concurrency))
        results["max"] = {**phase.summary(), **drain(dsn, phase.references, 300)}
        print(json.dumps(results["max"]))
        statistics_refresh(dsn)
        phase = asyncio.run(rate_phase(args.port, path, bodies, args.seconds, args.rate))
        results["rate"] = {**phase.summary(), **drain(dsn, phase.references, 300)}
        print(json.dumps(results["rate"]))
    finally:
        server.stop()
    if args.write_docs:
        write_docs(args, reference, results)


def write_docs(args, reference: float, results: dict) -> None:
    from benchmarks.docs import replace_section

    m, r = results["max"], results["rate"]
    mode = "Celery worker on Redis" if args.celery else "in the web process"
    text = f"""Run: `.venv/bin/python benchmarks/intake_benchmark.py --seconds {args.seconds:g} --rate {args.rate} --concurrency {args.concurrency} --web-workers {args.web_workers} --web-threads {args.web_threads}{" --celery" if args.celery else ""}{f" --worker-nice {args.worker_nice}" if args.worker_nice else ""}{f" --worker-processes {args.worker_processes}" if args.worker_processes != 2 else ""} --write-docs`
on {time.strftime("%Y-%m-%d")}, {machine()}. Load generator on the same machine (loopback).
Production settings, `galena serve` with {args.web_workers} worker processes × {args.web_threads} threads; processing {mode}.
Routing on: one rule gives every lead to a team of eight (round robin), and each owner is
notified (the in-app notice stored, its e-mail queued): the whole pipeline, quality to routing.
After the warm-up and after the max phase the database is vacuumed and analysed, as
autovacuum would have done on a live database (its naptime, a minute, outlasts a phase).

| measure | value |
| --- | --- |
| reference: bare single-row INSERT commits/s, same PostgreSQL | {reference:,.0f} |
| max: accepted submissions/s ({args.concurrency} clients, {m["seconds"]} s) | **{m["accepted_per_s"]:,.0f}** |
| max: latency p50 / p95 / p99 | {m["p50_ms"]} / {m["p95_ms"]} / {m["p99_ms"]} ms |
| max: accepted vs reference | {m["accepted_per_s"] / reference:.2f}× |
| max: through the whole pipeline (accepted ÷ (phase + drain time)) | **{m["accepted"] / (m["seconds"] + m["drain_seconds"]):,.0f}**/s |
| rate {args.rate}/s: latency p50 / p95 / p99 | {r["p50_ms"]} / {r["p95_ms"]} / **{r["p99_ms"]}** ms |
| rate {args.rate}/s: capture accepted → owner notified, p50 / p99 ({r["notified"]:,} leads routed) | {r["notified_p50_ms"]} / **{r["notified_p99_ms"]}** ms |
| of which: waiting for the worker's batch, p50 / p99 | {r["batch_wait_p50_ms"]} / {r["batch_wait_p99_ms"]} ms |
| of which: in the batch, up to the notice, p50 / p99 ({r["batches"]:,} batches) | {r["in_batch_p50_ms"]} / {r["in_batch_p99_ms"]} ms |
| lost (accepted, not stored) | {m["lost"] + r["lost"]} |
| failed in processing | {m["failed"] + r["failed"]} |
| leads written / accepted | {r["leads"]:,} / {m["accepted"] + r["accepted"]:,} (the warm-up adds a few) |
| non-201 answers | max {m["errors"] or "none"}, rate {r["errors"] or "none"} |
"""
    replace_section(f"Intake: capture API ({'celery' if args.celery else 'in-process'})", text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
