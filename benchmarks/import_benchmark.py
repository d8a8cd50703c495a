"""Benchmark of the file import: a realistic CSV of N people (default 1,000,000) imported
through the intake pipeline into a fresh PostgreSQL database with production settings.

    .venv/bin/python benchmarks/import_benchmark.py [--rows N] [--keep-file]
        [--database-url postgres://postgres@127.0.0.1:5432/galena_bench] [--no-docs]

Prints wall time, rows/s and peak RSS, checks the counts, and rewrites the "File import"
section of docs/benchmarks.md with the machine it ran on."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "File import"
COUNTRIES = {  # locale -> country code, a phone number's national shape
    "ro_RO": ("RO", "07## ### ###"),
    "ru_RU": ("RU", "+7 9## ###-##-##"),
    "es_ES": ("ES", "6## ## ## ##"),
    "fi_FI": ("FI", "04# ### ####"),
    "en_GB": ("GB", "07### ######"),
}
RUSSIAN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),  # noqa: SIM905
        strict=True,
    )
)
DOMAINS = ("gmail.com", "yahoo.com", "mail.ru", "yandex.ru", "outlook.es", "luukku.fi", "bt.com")
HEADERS = ["First name", "Last name", "Phone", "Email", "Company", "City", "Country", "Comment"]
INVALID_EMAIL_SHARE = 0.01
DUPLICATE_SHARE = 0.005
NO_PHONE_SHARE = 0.05
NO_EMAIL_SHARE = 0.10


def ascii_name(text: str) -> str:
    text = "".join(RUSSIAN.get(c, c) for c in text.casefold())
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z]", "", "".join(c for c in text if not unicodedata.combining(c)))


def pools(size: int = 3000) -> dict[str, dict[str, list]]:
    from faker import Faker

    result = {}
    for locale in COUNTRIES:
        fake = Faker(locale)
        fake.seed_instance(7)
        firsts = [fake.first_name() for _ in range(size)]
        lasts = [fake.last_name() for _ in range(size)]
        result[locale] = {
            "first": firsts,
            "last": lasts,
            "ascii": [
                (ascii_name(f), ascii_name(last)) for f, last in zip(firsts, lasts, strict=True)
            ],
            "company": [fake.company() for _ in range(size // 3)],
            "city": [fake.city() for _ in range(size // 10)],
        }
    return result


def phone(shape: str, country: str, rng: random.Random) -> str:
    """A number in the country's national shape that can exist (people's lists hold real
    numbers; the quality stage takes an impossible one for no way to reach the person)."""
    import phonenumbers

    for _ in range(50):
        digits = iter(f"{rng.randrange(10**12):012d}")
        number = "".join(next(digits) if c == "#" else c for c in shape)
        if phonenumbers.is_valid_number(phonenumbers.parse(number, country)):
            return number
    raise ValueError(f"no valid number in the shape {shape!r} for {country}")


def generate(path: Path, rows: int, seed: int = 1) -> dict[str, int]:
    """Write the CSV; returns what an import of it must find."""
    rng = random.Random(seed)
    data = pools()
    locales = list(COUNTRIES)
    expected = {"rows": rows, "invalid": 0, "duplicates": 0}
    recent: dict[str, list[str]] = {locale: [] for locale in COUNTRIES}  # per country
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for n in range(rows):
            locale = locales[n % len(locales)]
            pool = data[locale]
            country, shape = COUNTRIES[locale]
            i = rng.randrange(len(pool["first"]))
            first, last = pool["first"][i], pool["last"][i]
            roll = rng.random()
            number = phone(shape, country, rng) if roll >= NO_PHONE_SHARE else ""
            a_first, a_last = pool["ascii"][i]
            email = (
                f"{a_first}.{a_last}{n}@{rng.choice(DOMAINS)}" if roll < 1 - NO_EMAIL_SHARE else ""
            )
            if recent[locale] and rng.random() < DUPLICATE_SHARE:
                number, email = rng.choice(recent[locale]), ""  # the same person listed twice
                expected["duplicates"] += 1
            elif email and rng.random() < INVALID_EMAIL_SHARE:
                email = email.replace("@", " at ")
                expected["invalid"] += 1
            elif not number and not email:
                email = f"{a_first}{n}@{DOMAINS[0]}"
            if "@" not in email and email:
                pass  # a refused row: its number is not in the import, so never a duplicate
            elif number and len(recent[locale]) < 1000:
                recent[locale].append(number)
            elif number and rng.random() < 0.01:
                recent[locale][rng.randrange(len(recent[locale]))] = number
            writer.writerow(
                [
                    first,
                    last,
                    number,
                    email,
                    rng.choice(pool["company"]) if rng.random() < 0.4 else "",
                    rng.choice(pool["city"]),
                    country,
                    "Asked for a call back" if rng.random() < 0.05 else "",
                ]
            )
    return expected


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{ram_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def write_docs(result: dict[str, str]) -> None:
    """Rewrite this benchmark's section of docs/benchmarks.md (the others are left alone)."""
    lines = [
        "`benchmarks/import_benchmark.py` generates a CSV of people from Romania, Russia, Spain,",
        "Finland and the UK (names, national phone numbers, e-mails; about 1 % invalid e-mails",
        "and 0.5 % people listed twice) and imports it with `import_job_run` — the intake",
        "stages, then leads, contact points, submissions and events written in chunks of",
        f"{result['chunk']} rows — into a fresh PostgreSQL database with GALENA_ENV=production.",
        "",
        f"Command: `{result['command']}`",
        "",
        "| what | value |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in result.items() if key in RESULT_ROWS),
        "",
        result.get("notes", "").strip(),
    ]
    body = "\n".join(lines)
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.docs import replace_section
    except ImportError:  # the shared helper is missing: rewrite our section ourselves
        text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
        section = f"## {SECTION}\n\n{body.strip()}\n"
        pattern = re.compile(rf"^## {re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _: section + "\n", text)
        else:
            text = text.rstrip() + "\n\n" + section
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(text.rstrip() + "\n")
        return
    replace_section(SECTION, body)


RESULT_ROWS = (
    "date",
    "rows",
    "file size",
    "wall time",
    "rows/s",
    "peak RSS",
    "leads created",
    "rows with problems",
    "duplicates in the file",
    "machine",
    "CPU",
    "RAM",
    "Python",
    "PostgreSQL",
    "stages",
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/galena_bench"
        ),
    )
    parser.add_argument("--file", type=Path, help="Reuse this CSV instead of generating one.")
    parser.add_argument("--keep-file", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help="Do not update docs/benchmarks.md.")
    parser.add_argument("--profile", type=Path, help="Write a cProfile of the import here.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="galena-bench-"))
    path = args.file or work / f"people-{args.rows}.csv"
    expected = None
    if not args.file:
        started = time.perf_counter()
        expected = generate(path, args.rows)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f}s: {path}")

    os.environ.update(
        GALENA_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="off",
        DATABASE_URL=args.database_url,
        GALENA_DATA_DIR=str(work),
        MEDIA_ROOT=str(work / "media"),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="galena.config.settings",
    )
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from galena.intake.importing.services import import_job_create, import_job_run
    from galena.intake.models import Submission
    from galena.leads.models import ContactPoint, Lead, LeadEvent, Source

    source = Source.objects.create(name="Bought list 2026", channel="bought_list")
    with path.open("rb") as f:
        job = import_job_create(file=File(f, name=path.name), name=path.name, source=source)
    print(
        f"job #{job.pk}: {job.total_rows:,} rows; mapping {dict(zip(job.headers, job.mapping, strict=True))}"
    )

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    job = import_job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"status {job.status}: {job.processed_rows:,} rows in {elapsed:.1f}s = "
        f"{job.processed_rows / elapsed:,.0f} rows/s; peak RSS {peak_mb:,.0f} MiB"
    )
    print(
        f"created {job.created_count:,}, problems {job.failed_count:,}, "
        f"duplicates {job.duplicate_count:,}, other {job.other_count:,}"
    )

    counts = {
        "leads": Lead.objects.count(),
        "submissions": Submission.objects.filter(endpoint=job.endpoint).count(),
        # a row the matching stage finds to be a lead of an earlier chunk joins that lead
        "submissions on a lead": Submission.objects.filter(
            endpoint=job.endpoint, lead__isnull=False
        ).count(),
        "contact points": ContactPoint.objects.count(),
        "events": LeadEvent.objects.count(),
    }
    print(counts)
    failures = []
    if job.status != "done" or (expected and job.processed_rows != args.rows):
        failures.append(f"status {job.status}, {job.processed_rows} rows processed")
    if counts["leads"] != job.created_count:
        failures.append("leads != created count")
    if counts["submissions"] != job.processed_rows:
        failures.append("one submission per row expected")
    if counts["events"] != counts["leads"] + counts["submissions on a lead"]:
        failures.append("one event per lead created and one per submission on a lead expected")
    if (
        job.created_count + job.failed_count + job.duplicate_count + job.other_count
        != job.processed_rows
    ):
        failures.append("the counts do not add up to the rows")
    if expected:
        if job.failed_count != expected["invalid"]:
            failures.append(f"{expected['invalid']} invalid rows expected, got {job.failed_count}")
        if job.duplicate_count < expected["duplicates"]:
            failures.append(f"at least {expected['duplicates']} duplicates expected")
    for failure in failures:
        print("CHECK FAILED:", failure)

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    info = machine()
    size_mb = path.stat().st_size / 1024 / 1024
    result = {
        "date": dt.date.today().isoformat(),
        "rows": f"{job.processed_rows:,}",
        "file size": f"{size_mb:,.0f} MiB",
        "wall time": f"{elapsed:.1f} s",
        "rows/s": f"{job.processed_rows / elapsed:,.0f}",
        "peak RSS": f"{peak_mb:,.0f} MiB",
        "leads created": f"{job.created_count:,}",
        "rows with problems": f"{job.failed_count:,}",
        "duplicates in the file": f"{job.duplicate_count:,}",
        "machine": f"{info['cpus']} CPUs, {info['system']}",
        "CPU": info["cpu"],
        "RAM": info["ram"],
        "Python": info["python"],
        "PostgreSQL": pg_version,
        "stages": ", ".join(settings.INTAKE_STAGES) or "none configured",
        "chunk": f"{settings.INTAKE_IMPORT_CHUNK_ROWS:,}",
        "command": "python benchmarks/import_benchmark.py"
        + (f" --rows {args.rows}" if args.rows != 1_000_000 else ""),
        "notes": os.environ.get("BENCH_NOTES", ""),
    }
    if not args.no_docs:
        write_docs(result)
        print(f"updated {DOCS.relative_to(ROOT)}")
    if not args.keep_file and not args.file:
        path.unlink()
    subprocess.run(["rm", "-rf", str(work / "media")], check=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
