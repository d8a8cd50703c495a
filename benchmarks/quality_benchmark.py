"""Quality benchmark: how well the intake stages tell genuine people from pseudo-leads.

A labelled day of submissions (``benchmarks/quality_data.py``: genuine people from the
seeds' countries and every kind of pseudo-lead) is validated and stored the way the capture
API stores it, then processed in received order, batch after batch, through the real
pipeline (``intake.batching.submissions_process_pending`` with the configured
``INTAKE_STAGES``), so checks that look back in time see the history a live system has.

Reports, for "caught" = quarantined or rejected — the lead's final quality status, what a
reviewer sees after the day (bursts found late hold their earlier leads afterwards), or the
submission's outcome when it made no lead:
- the confusion of genuine vs pseudo; genuine people wrongly caught (target ≤ 1 %); bots and
  test values caught (target ≥ 99 %);
- recall per pseudo category and the wrongly caught share per genuine trait;
- per reason code: on how many submissions it fired, how many of them were pseudo
  (precision), and which categories;
- honest typos: flagged, given a suggestion, wrongly caught;
- throughput of the stages and of the whole processing.

    .venv/bin/python benchmarks/quality_benchmark.py [--count 20000] [--seed 1]
        [--batch-size 50] [--database-url postgres://postgres@127.0.0.1:5432/galena_bench_quality]
        [--mix bot_fast=0.05,...] [--examples 5] [--report /tmp/quality-report.json]
        [--write-docs [--notes analysis.md]]
    .venv/bin/python benchmarks/quality_benchmark.py --docs-from REPORT [--notes analysis.md]

Without --database-url the database is a throw-away SQLite file; a PostgreSQL database named
by --database-url is dropped and created anew.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SECTION = "Quality gate: pseudo-lead detection"
CAUGHT = ("quarantined", "rejected")
STAGE_OF: dict[str, str] = {}  # reason code -> the stage that gave it
TARGET_GENUINE_CAUGHT = 1.0  # % at most
TARGET_BOTS_CAUGHT = 99.0  # % at least


# --- set-up ----------------------------------------------------------------------------


def fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def django_setup(database_url: str | None, work: Path, *, redis_url: str = "") -> str:
    """Production settings on a throw-away database; returns the database's description.
    ``redis_url``: the cache (and the task queue) in Redis, as in production; without it the
    cache is a file and follow-ups run in-process."""
    if database_url:
        fresh_postgres(database_url)
    else:
        database_url = f"sqlite:///{work / 'quality.sqlite3'}"
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        os.environ.pop(name, None)  # follow-ups run in-process; no mail leaves the machine
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    os.environ.update(
        GALENA_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="off",
        DATABASE_URL=database_url,
        GALENA_DATA_DIR=str(work),
        MEDIA_ROOT=str(work / "media"),
        LOG_LEVEL="ERROR",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SETTINGS_MODULE="galena.config.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return f"SQLite {connection.Database.sqlite_version} (temporary file)"


def create_forms(dataset) -> dict:
    """One Form (and its Source) per capture point the data uses, and the configured lists."""
    from benchmarks.quality_data import FORMS
    from galena.intake.models import Form
    from galena.leads.models import Source
    from galena.quality.lists import normalise_listed_value
    from galena.quality.models import ListedValue

    forms = {}
    for spec in FORMS:
        source, _ = Source.objects.get_or_create(
            name=spec.source,
            defaults={"channel": spec.channel, "default_region": spec.default_region},
        )
        forms[spec.slug] = Form.objects.create(
            name=spec.name,
            slug=spec.slug,
            kind=spec.kind,
            channel=spec.channel,
            source=source,
            default_region=spec.default_region,
            lead_rule=spec.lead_rule,
            consent_version="2026-1",
            consent_purposes=["contact"],
        )
    config = dataset.config
    listed = [
        *(("competitor", "email_domain", value) for value in config.competitor_domains),
        *(("blocked", "email_domain", value) for value in config.blocked_domains),
        *(("blocked", "email", value) for value in config.blocked_emails),
        *(("blocked", "phone", value) for value in config.blocked_phones),
    ]
    for purpose, kind, value in listed:
        ListedValue.objects.create(
            purpose=purpose, kind=kind, value=normalise_listed_value(kind, value), note="benchmark"
        )
    return forms


# --- the run ---------------------------------------------------------------------------


class Progress:
    def __init__(self, total: int, label: str):
        self.total, self.label, self.started = total, label, time.perf_counter()
        self.shown = -1

    def update(self, done: int) -> None:
        percent = int(100 * done / max(1, self.total))
        if percent == self.shown and done != self.total:
            return
        self.shown = percent
        elapsed = time.perf_counter() - self.started
        bar = "#" * (percent // 4) + "." * (25 - percent // 4)
        rate = done / elapsed if elapsed else 0.0
        sys.stderr.write(
            f"\r{self.label:10} [{bar}] {percent:3d}% {done:,}/{self.total:,} {rate:,.0f}/s"
        )
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


@dataclass
class Timers:
    store: float = 0.0
    stages: float = 0.0
    processing: float = 0.0


@dataclass
class Outcome:
    item: object
    submission_id: int | None = None
    outcome: str = ""  # Submission.outcome, "refused" at validation, "failed" on an error
    codes: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def caught(self) -> bool:
        return self.outcome in CAUGHT


def run(dataset, forms: dict, batch_size: int) -> tuple[list[Outcome], Timers]:
    """Validate and store the items in received order, ``batch_size`` at a time, each batch
    processed before the next arrives (as the worker takes what waits)."""
    from django.db import transaction

    from benchmarks.quality_data import FORM_BY_SLUG
    from galena.intake import batching
    from galena.intake.adapters import capture
    from galena.intake.fields import fields_or_default
    from galena.intake.models import Submission, SubmissionStatus
    from galena.intake.services import submission_receive

    timers = Timers()
    timed_run_stages = batching.run_stages

    def run_stages(batch, stages=None):
        started = time.perf_counter()
        try:
            return timed_run_stages(batch, stages)
        finally:
            timers.stages += time.perf_counter() - started

    batching.run_stages = run_stages  # measure the stages inside the real batch processing
    required = {
        slug: [s["name"] for s in fields_or_default([], spec.kind) if s.get("required")]
        for slug, spec in FORM_BY_SLUG.items()
    }
    outcomes = [Outcome(item) for item in dataset.items]
    progress = Progress(len(outcomes), "processing")

    def process() -> None:
        started = time.perf_counter()
        while batching.submissions_process_pending(limit=batch_size):
            pass
        timers.processing += time.perf_counter() - started

    for first in range(0, len(outcomes), batch_size):
        chunk = outcomes[first : first + batch_size]
        started = time.perf_counter()
        with transaction.atomic():  # one commit per batch: the storing is not what is measured
            for outcome in chunk:
                item = outcome.item
                form = forms[item.form]
                if capture.validate(item.payload, required=required[item.form]):
                    outcome.outcome = "refused"  # the visitor is told what to fix
                    continue
                submission, _ = submission_receive(
                    adapter="capture",
                    channel=form.channel,
                    endpoint=form.key,
                    form=form,
                    content_type="application/json",
                    raw_body=json.dumps(item.payload, ensure_ascii=False),
                    payload=item.payload,
                    # what capture_submit keeps of a real request: its Content-Type, and
                    # the User-Agent when the sender gave one
                    headers={"Content-Type": "application/json"}
                    | ({"User-Agent": item.user_agent} if item.user_agent else {}),
                    remote_addr=item.remote_addr,
                )
                Submission.objects.filter(pk=submission.pk).update(received_at=item.received_at)
                outcome.submission_id = submission.pk
        timers.store += time.perf_counter() - started
        process()
        progress.update(first + len(chunk))
    batching.run_stages = timed_run_stages
    read_back(outcomes)
    stuck = Submission.objects.exclude(status=SubmissionStatus.PROCESSED).count()
    if stuck:
        print(f"warning: {stuck} submissions not processed (failed or still received)")
    return outcomes, timers


def read_back(outcomes: list[Outcome]) -> None:
    """Each submission's outcome as a reviewer sees it once the day is processed, its
    reasons' codes (DecisionReason rows, the late ones too) and suggestions.

    The outcome is the lead's final ``quality_status`` when it was held or rejected, else
    ``Submission.outcome``: a burst is only known once it reaches its threshold, and its
    earlier leads, accepted when they arrived, are quarantined afterwards by the follow-up
    the quality stage queues (``quality.tasks.quarantine_burst``, run in-process here);
    ``Submission.outcome`` keeps what the pipeline decided at the time."""
    from galena.intake.models import DecisionReason, Submission

    by_id = {o.submission_id: o for o in outcomes if o.submission_id}
    for row in Submission.objects.filter(pk__in=by_id).values(
        "pk", "status", "outcome", "decision", "lead__quality_status"
    ):
        outcome = by_id[row["pk"]]
        outcome.outcome = row["outcome"] if row["status"] == "processed" else row["status"]
        if row["status"] == "processed" and row["lead__quality_status"] in CAUGHT:
            outcome.outcome = row["lead__quality_status"]
        outcome.suggestions = [
            reason.get("suggestion")
            for reason in (row["decision"] or {}).get("reasons", [])
            if reason.get("suggestion")
        ]
    for submission_id, stage, code in DecisionReason.objects.filter(
        submission_id__in=by_id
    ).values_list("submission_id", "stage", "code"):
        by_id[submission_id].codes.append(code)
        STAGE_OF.setdefault(code, stage)


# --- the figures -----------------------------------------------------------------------


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def figures(outcomes: list[Outcome], timers: Timers) -> dict:
    from benchmarks.quality_data import BOTS_AND_TEST_VALUES, GENUINE, PSEUDO_CATEGORIES

    genuine = [o for o in outcomes if o.item.truth == GENUINE]
    pseudo = [o for o in outcomes if o.item.truth != GENUINE]
    bots = [o for o in pseudo if o.item.category in BOTS_AND_TEST_VALUES]
    result = {
        "total": len(outcomes),
        "confusion": {
            "genuine_passed": sum(not o.caught for o in genuine),
            "genuine_caught": sum(o.caught for o in genuine),
            "pseudo_caught": sum(o.caught for o in pseudo),
            "pseudo_passed": sum(not o.caught for o in pseudo),
        },
        "outcomes": {
            truth: dict(Counter(o.outcome or "none" for o in group))
            for truth, group in (("genuine", genuine), ("pseudo", pseudo))
        },
        "genuine_caught_percent": percent(sum(o.caught for o in genuine), len(genuine)),
        "bots_and_test_values_caught_percent": percent(sum(o.caught for o in bots), len(bots)),
        "pseudo_caught_percent": percent(sum(o.caught for o in pseudo), len(pseudo)),
    }
    caught_pseudo = sum(o.caught for o in pseudo)
    caught_all = caught_pseudo + sum(o.caught for o in genuine)
    result["precision_percent"] = percent(caught_pseudo, caught_all)

    # the first of a burst, farm or repeat looks like anyone else until the next ones come
    firsts = {}
    for o in outcomes:
        if o.item.group:
            firsts.setdefault(o.item.group, o)
    first_ids = {id(o) for o in firsts.values()}
    categories = {}
    for category in PSEUDO_CATEGORIES:
        group = [o for o in pseudo if o.item.category == category]
        later = [o for o in group if id(o) not in first_ids]
        if group:
            categories[category] = {
                "count": len(group),
                "quarantined": sum(o.outcome == "quarantined" for o in group),
                "rejected": sum(o.outcome == "rejected" for o in group),
                "refused": sum(o.outcome == "refused" for o in group),
                "recall_percent": percent(sum(o.caught for o in group), len(group)),
                "groups": len(group) - len(later),
                "recall_after_first_percent": percent(sum(o.caught for o in later), len(later)),
            }
    result["categories"] = categories

    traits = {}
    for trait in sorted({o.item.trait for o in genuine}):
        group = [o for o in genuine if o.item.trait == trait]
        traits[trait] = {
            "count": len(group),
            "caught": sum(o.caught for o in group),
            "flagged": sum(bool(o.codes) and not o.caught for o in group),
            "caught_percent": percent(sum(o.caught for o in group), len(group)),
        }
    result["genuine_traits"] = traits

    fired: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for code in set(o.codes):
            fired[code].append(o)
    groups = check_groups()
    reasons = {}
    for code, group in sorted(fired.items(), key=lambda kv: -len(kv[1])):
        on_pseudo = [o for o in group if o.item.truth != GENUINE]
        reasons[code] = {
            "stage": STAGE_OF.get(code, ""),
            "group": groups.get(code, ""),
            "fired": len(group),
            "on_pseudo": len(on_pseudo),
            "on_genuine": len(group) - len(on_pseudo),
            "precision_percent": percent(len(on_pseudo), len(group)),
            "caught": sum(o.caught for o in group),
            "coverage_percent": percent(sum(o.caught for o in on_pseudo), caught_pseudo),
            "categories": dict(Counter(o.item.category for o in group).most_common(4)),
        }
    result["reasons"] = reasons

    typos = {}
    for trait in ("typo_phone", "typo_email"):
        group = [o for o in genuine if o.item.trait == trait]
        typos[trait] = {
            "count": len(group),
            "flagged": sum(bool(o.codes) for o in group),
            "with_suggestion": sum(bool(o.suggestions) for o in group),
            "caught": sum(o.caught for o in group),
        }
    result["typos"] = typos
    stored = sum(o.submission_id is not None for o in outcomes)
    result["throughput"] = {
        "stored": stored,
        "store_per_s": stored / timers.store if timers.store else 0.0,
        "stages_per_s": stored / timers.stages if timers.stages else 0.0,
        "processing_per_s": stored / timers.processing if timers.processing else 0.0,
    }
    return result


def check_groups() -> dict[str, str]:
    """Each configured check's group (bot, fake, mistake…), for reading the reason table."""
    from galena.quality.models import QualityCheck

    return dict(QualityCheck.objects.values_list("code", "group"))


def summary_of(outcome: Outcome) -> dict:
    item = outcome.item
    return {
        "index": item.index,
        "category": item.category,
        "trait": item.trait,
        "form": item.form,
        "outcome": outcome.outcome,
        "reasons": sorted(set(outcome.codes)),
        "suggestions": outcome.suggestions,
        "payload": {k: v for k, v in item.payload.items() if not k.startswith("utm_")},
        "user_agent": item.user_agent,
        "remote_addr": item.remote_addr,
        "received_at": item.received_at.isoformat(),
        "group": item.group,
    }


def mistakes(outcomes: list[Outcome], *, flagged: bool = False) -> dict[str, list[dict]]:
    """Genuine people caught and pseudo-leads let through, by trait or category; with
    ``flagged``, genuine people accepted with a reason (a flag a reviewer reads)."""
    from benchmarks.quality_data import GENUINE

    found: dict[str, list[dict]] = defaultdict(list)
    for o in outcomes:
        if o.item.truth == GENUINE and o.caught:
            found[f"genuine caught: {o.item.trait}"].append(summary_of(o))
        elif o.item.truth != GENUINE and not o.caught:
            found[f"pseudo passed: {o.item.category}"].append(summary_of(o))
        elif flagged and o.item.truth == GENUINE and o.codes:
            found[f"genuine flagged: {o.item.trait}"].append(summary_of(o))
    return dict(found)


# --- printing and the docs ---------------------------------------------------------------


def tables(result: dict) -> str:
    c = result["confusion"]
    genuine_ok = result["genuine_caught_percent"] <= TARGET_GENUINE_CAUGHT
    bots_ok = result["bots_and_test_values_caught_percent"] >= TARGET_BOTS_CAUGHT
    lines = [
        "| measure | value | target |",
        "| --- | --- | --- |",
        f"| genuine people wrongly quarantined or rejected | **{result['genuine_caught_percent']:.2f} %** "
        f"({c['genuine_caught']:,} of {c['genuine_caught'] + c['genuine_passed']:,}) | ≤ 1 % "
        f"{'met' if genuine_ok else '**not met**'} |",
        f"| bots and test values caught | **{result['bots_and_test_values_caught_percent']:.2f} %** "
        f"| ≥ 99 % {'met' if bots_ok else '**not met**'} |",
        f"| all pseudo-leads caught (recall) | {result['pseudo_caught_percent']:.2f} % "
        f"({c['pseudo_caught']:,} of {c['pseudo_caught'] + c['pseudo_passed']:,}) | |",
        f"| of all caught, pseudo (precision) | {result['precision_percent']:.2f} % | |",
        "",
        "Confusion (caught = quarantined or rejected):",
        "",
        "| truth | caught | passed | outcomes |",
        "| --- | --- | --- | --- |",
        f"| genuine | {c['genuine_caught']:,} | {c['genuine_passed']:,} | "
        f"{fmt_counts(result['outcomes']['genuine'])} |",
        f"| pseudo | {c['pseudo_caught']:,} | {c['pseudo_passed']:,} | "
        f"{fmt_counts(result['outcomes']['pseudo'])} |",
        "",
        "Recall per pseudo-lead category:",
        "",
        "| category | items | quarantined | rejected | refused by the form | caught | "
        "groups | caught after each group's first |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {name} | {v['count']:,} | {v['quarantined']:,} | {v['rejected']:,} | "
            f"{v['refused']:,} | **{v['recall_percent']:.1f} %** | {v['groups'] or ''} | "
            + (f"{v['recall_after_first_percent']:.1f} % |" if v["groups"] else " |")
            for name, v in result["categories"].items()
        ),
        "",
        "Genuine people by trait (flagged = a reason recorded, the lead still accepted):",
        "",
        "| trait | items | flagged | wrongly caught |",
        "| --- | --- | --- | --- |",
        *(
            f"| {name} | {v['count']:,} | {v['flagged']:,} | {v['caught']:,} "
            f"({v['caught_percent']:.2f} %) |"
            for name, v in result["genuine_traits"].items()
        ),
        "",
        "Per reason code (precision = share of the submissions it fired on that were pseudo;"
        " coverage = share of all caught pseudo-leads it fired on):",
        "",
        "| reason | stage | check group | fired | on pseudo | on genuine | precision | coverage "
        "| categories it fired on |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| `{code}` | {v['stage']} | {v['group']} | {v['fired']:,} | {v['on_pseudo']:,} | {v['on_genuine']:,} | "
            f"{v['precision_percent']:.1f} % | {v['coverage_percent']:.1f} % | "
            f"{fmt_counts(v['categories'])} |"
            for code, v in result["reasons"].items()
        ),
        "",
        "Honest typos (they should be flagged with a fix, not caught):",
        "",
        "| typo | items | flagged | with a suggestion | wrongly caught |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {name} | {v['count']:,} | {v['flagged']:,} | {v['with_suggestion']:,} | {v['caught']:,} |"
            for name, v in result["typos"].items()
        ),
    ]
    t = result["throughput"]
    lines += [
        "",
        f"Throughput: stages {t['stages_per_s']:,.0f} submissions/s; whole batch processing "
        f"(stages and writing leads, reasons, events) {t['processing_per_s']:,.0f}/s; storing "
        f"(validation, one INSERT each, a commit per batch) {t['store_per_s']:,.0f}/s.",
    ]
    return "\n".join(lines)


def fmt_counts(counts: dict) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items()) or "—"


def machine(database: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python "
        f"{platform.python_version()}, {database}"
    )


def write_docs(run: dict, notes: str = "") -> None:
    """Rewrite this benchmark's section of docs/benchmarks.md from a run's record."""
    from benchmarks.docs import replace_section

    result = run["result"]
    stages = ", ".join(f"`{s}`" for s in run["stages"]) or "none"
    body = f"""`benchmarks/quality_benchmark.py` generates a labelled day of {result["total"]:,} web
submissions (`benchmarks/quality_data.py`, seed {run["seed"]}): genuine people from Romania,
Moldova, Russia, Ukraine, Spain, Finland, the UK, the US and a dozen other countries (Latin
and Cyrillic names with apostrophes, hyphens, particles and diacritics, short Asian names;
mobile and fixed numbers in national and international shapes; providers' and company
e-mails; honest typos; autofill speed; offices behind one address; an exhibition stand's
tablet; people coming back on another form) and pseudo-leads of eleven kinds. It stores them
as the capture API does and processes them in received order, {run["batch_size"]} at a time,
through the configured stages ({stages}).

Run: `{run["command"]}` on {run["date"]} at commit {run["commit"]}, {run["machine"]}.

{tables(result)}
"""
    if notes.strip():
        body += "\n" + notes.strip() + "\n"
    replace_section(SECTION, body)


def git_commit() -> str:
    import subprocess

    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def print_examples(found: dict[str, list[dict]], limit: int) -> None:
    for key, items in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{key}: {len(items)}")
        for example in items[:limit]:
            payload = {k: v for k, v in example["payload"].items() if k not in ("consent",)}
            print(
                f"  #{example['index']} {example['trait']} {example['form']} -> "
                f"{example['outcome']} {example['reasons']} {example['suggestions'] or ''}\n"
                f"    {json.dumps(payload, ensure_ascii=False)[:300]}\n"
                f"    UA {example['user_agent'][:60]!r} from {example['remote_addr']} "
                f"at {example['received_at'][11:19]} {example['group']}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--day",
        type=dt.date.fromisoformat,
        default=None,
        help="the day the submissions arrive (UTC); yesterday by default",
    )
    parser.add_argument("--mix", default="", help="e.g. genuine=0.9,bot_fast=0.02")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--examples", type=int, default=4, help="misclassified examples shown")
    parser.add_argument(
        "--report", type=Path, default=Path(tempfile.gettempdir()) / "galena-quality-report.json"
    )
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--notes", type=Path, help="a Markdown file of analysis added under the figures"
    )
    parser.add_argument(
        "--docs-from",
        type=Path,
        metavar="REPORT",
        help="rewrite the docs section from a saved --report (with --notes) and stop",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    notes = args.notes.read_text() if args.notes else ""
    if args.docs_from:
        write_docs(json.loads(args.docs_from.read_text())["run"], notes)
        print("updated docs/benchmarks.md")
        return 0
    from benchmarks.quality_data import generate, parse_mix

    day = args.day or (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()
    started = time.perf_counter()
    dataset = generate(args.count, seed=args.seed, day=day, mix=parse_mix(args.mix))
    print(
        f"generated {len(dataset.items):,} submissions for {day} in {time.perf_counter() - started:.1f}s"
    )

    work = Path(tempfile.mkdtemp(prefix="galena-quality-"))
    database = django_setup(args.database_url, work)
    from django.conf import settings

    stages = list(settings.INTAKE_STAGES)
    print(f"database: {database}; stages: {', '.join(stages) or 'NONE CONFIGURED'}")
    forms = create_forms(dataset)
    commit = git_commit()  # the code the run uses, before anyone commits more
    outcomes, timers = run(dataset, forms, args.batch_size)
    result = figures(outcomes, timers)
    found = mistakes(outcomes)
    print()
    print(tables(result))
    print_examples(found, args.examples)
    command = "python benchmarks/quality_benchmark.py" + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--count", args.count, 20_000),
            ("--seed", args.seed, 1),
            ("--batch-size", args.batch_size, 50),
            ("--mix", args.mix, ""),
        )
        if value != default
    )
    if args.database_url:
        command += " --database-url postgres://…"
    record = {
        "result": result,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "stages": stages,
        "command": command + " --write-docs",
        "date": time.strftime("%Y-%m-%d"),
        "commit": commit,
        "machine": machine(database),
    }
    args.report.write_text(
        json.dumps(
            {"run": record, "items": mistakes(outcomes, flagged=True)},
            ensure_ascii=False,
            indent=1,
        )
    )
    print(f"\nevery misclassified (and flagged genuine) item: {args.report}")
    if args.write_docs:
        write_docs(record, notes)
        print("updated docs/benchmarks.md")
    from django.db import connections

    connections.close_all()
    shutil.rmtree(work, ignore_errors=True)  # the throw-away SQLite file, media
    return 0


if __name__ == "__main__":
    sys.exit(main())
