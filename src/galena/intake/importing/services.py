"""Import jobs: store the file as received, suggest its mapping, then dry-run or import it
in chunks through the intake stages.

Each chunk of an import is one transaction: its rows' submissions (endpoint
``import:<job>``, idempotency key = the row number), the leads with their contact points
and events, and the job's checkpoint (``processed_rows``). A crash loses at most the chunk
in flight, and a resumed import starts right after the last committed one."""

from __future__ import annotations

import csv
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from galena.core.bulk import insert_many, instance_factory
from galena.core.errors import ValidationFailed
from galena.core.spreadsheets import spreadsheet_safe
from galena.intake.contract import Action, Decision, ParsedSubmission
from galena.intake.importing.files import (
    ReadOptions,
    UnreadableFile,
    count_rows,
    open_rows,
)
from galena.intake.importing.mapping import apply_overrides, check_mapping, suggest_mapping
from galena.intake.importing.rows import (
    ImportPlan,
    RowProblem,
    contact_columns,
    field_column,
    parse_row,
)
from galena.intake.models import (
    DecisionReason,
    ImportJob,
    ImportStatus,
    Submission,
    SubmissionStatus,
)
from galena.intake.pipeline import run_stages
from galena.intake.services import (
    _received_params,
    decision_reasons,
    lead_draft,
    submission_record_decision,
)
from galena.leads.models import (
    ActorSource,
    Campaign,
    Channel,
    ContactKind,
    ContactPoint,
    EventType,
    LeadEvent,
    Source,
)
from galena.leads.services import (
    Actor,
    BuiltLead,
    leads_build,
    leads_create_bulk,
)

logger = logging.getLogger(__name__)

ADAPTER = "import"
SAMPLE_PROBLEMS = 200  # problems kept on the job for the page; the CSV has them all
DUPLICATE_KINDS = (ContactKind.PHONE, ContactKind.EMAIL)
LEAD_ACTIONS = (Action.CREATE, Action.QUARANTINE, Action.REJECT)
Progress = Callable[[ImportJob, int], None]  # the job, and rows done in this chunk


def chunk_rows() -> int:
    return max(1, getattr(settings, "INTAKE_IMPORT_CHUNK_ROWS", 2000))


# --- creating a job -------------------------------------------------------------------


def import_job_create(
    *,
    file: File,
    name: str,
    source: Source,
    campaign: Campaign | None = None,
    created_by=None,
    encoding: str = "auto",
    delimiter: str = "",
    sheet: str = "",
    mapping: Sequence[str] = (),
) -> ImportJob:
    """Store an uploaded CSV/XLSX and read its columns and rows; the mapping starts as the
    one suggested from the headers, with any "column=field" overrides applied."""
    if campaign is not None and campaign.source_id != source.pk:
        raise ValidationFailed({"campaign": f"Campaign {campaign} is not one of {source}'s."})
    if len(delimiter) > 1 and delimiter not in ("\\t", "tab"):
        raise ValidationFailed({"delimiter": "Give one character, e.g. ; or , or tab."})
    channel = source.channel if source.channel != Channel.OTHER else Channel.IMPORT
    job = ImportJob(
        original_name=Path(name).name[:255],
        source=source,
        campaign=campaign,
        created_by=created_by,
        options={"encoding": encoding, "delimiter": delimiter, "sheet": sheet, "channel": channel},
    )
    job.file.save(Path(name).name, file, save=False)
    try:
        options = ReadOptions(encoding=encoding, delimiter=delimiter, sheet=sheet)
        with open_rows(Path(job.file.path), options) as (layout, _rows):
            pass
        job.total_rows = count_rows(Path(job.file.path), options)
        job.headers = layout.headers
        job.mapping = apply_overrides(layout.headers, suggest_mapping(layout.headers), mapping)
    except (UnreadableFile, ValueError) as error:
        job.file.delete(save=False)
        name = "mapping" if isinstance(error, ValueError) else "file"
        raise ValidationFailed({name: str(error)}) from error
    job.options.update(
        format=layout.format,
        encoding=layout.encoding,
        delimiter=layout.delimiter,
        sheet=layout.sheet,
        content_type=layout.content_type,
    )
    job.save()
    return job


def read_options(job: ImportJob) -> ReadOptions:
    return ReadOptions(
        encoding=job.options.get("encoding") or "auto",
        delimiter=job.options.get("delimiter", ""),
        sheet=job.options.get("sheet", ""),
    )


def import_preview(job: ImportJob, *, limit: int = 10) -> list[tuple[int, list[str]]]:
    """The first rows of the file, as (row number, cells)."""
    with open_rows(Path(job.file.path), read_options(job)) as (_layout, rows):
        return list(islice(rows, limit))


def import_job_set_mapping(*, job: ImportJob, mapping: Sequence[str]) -> ImportJob:
    """Change which column goes to which field; a dry run made before must be done again."""
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.DRY_RUN_DONE):
        raise ValidationFailed({"mapping": "The import has started: its mapping is fixed."})
    problems = check_mapping(job.headers, list(mapping))
    if problems:
        raise ValidationFailed({"mapping": " ".join(problems)})
    if list(mapping) != job.mapping:
        job.mapping = list(mapping)
        job.status = ImportStatus.UPLOADED
        job.error_report = {}
        job.checked_rows = 0
        job.save(update_fields=["mapping", "status", "error_report", "checked_rows", "updated_at"])
    return job


# --- running a job --------------------------------------------------------------------


@dataclass
class RowResult:
    number: int
    cells: list[str]
    parsed: ParsedSubmission | None = None
    decision: Decision | None = None
    built: BuiltLead | None = None
    problems: list[RowProblem] = field(default_factory=list)
    duplicate_of: int | None = None


@dataclass
class Tally:
    created: int = 0
    failed: int = 0
    duplicates: int = 0
    other: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        if result.duplicate_of is not None:
            self.duplicates += 1
        elif result.problems or (result.decision and result.decision.error):
            self.failed += 1
        elif result.built is not None:
            self.created += 1
        else:
            self.other += 1
        room = SAMPLE_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems.extend(asdict(p) for p in row_problems(result)[:room])


class ImportConflict(Exception):
    """Another run of the same job moved its checkpoint: this one stops."""


def import_job_run(
    *, job_id: int, dry_run: bool = False, progress: Progress | None = None
) -> ImportJob:
    """Dry-run (check every row, write nothing but the job's report) or import the job's
    file; an interrupted import resumes after its last committed chunk. Returns the job:
    its status says how it ended."""
    job = _start(job_id, dry_run)
    try:
        _run(job, dry_run, progress)
    except UnreadableFile as error:
        _stop(job, ImportStatus.FAILED, str(error))
    except ImportConflict as error:
        job.refresh_from_db()
        logger.warning("import %s: %s", job.pk, error)
    except Exception:
        logger.exception("import %s stopped", job.pk)
        status = ImportStatus.UPLOADED if dry_run else ImportStatus.INTERRUPTED
        _stop(job, status, traceback.format_exc(limit=5))
    return job


def _start(job_id: int, dry_run: bool) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        allowed = (
            (ImportStatus.UPLOADED, ImportStatus.DRY_RUN_DONE, ImportStatus.FAILED)
            if dry_run
            else (
                ImportStatus.UPLOADED,
                ImportStatus.DRY_RUN_DONE,
                ImportStatus.INTERRUPTED,
                ImportStatus.RUNNING,  # stuck after a crash: resuming is safe
                ImportStatus.FAILED,
            )
        )
        if job.status not in allowed:
            raise ValidationFailed(
                {"status": f"Import #{job.pk} is {job.get_status_display().lower()}."}
            )
        if problems := check_mapping(job.headers, job.mapping):
            raise ValidationFailed({"mapping": " ".join(problems)})
        job.status = ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING
        job.last_error = ""
        if dry_run:
            job.checked_rows = 0
        elif job.started_at is None:
            job.started_at = timezone.now()
        job.save()
    return job


def _stop(job: ImportJob, status: str, error: str = "") -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, last_error=error, updated_at=timezone.now()
    )
    job.refresh_from_db()


def plan_for(job: ImportJob) -> ImportPlan:
    return ImportPlan(
        headers=tuple(job.headers),
        targets=tuple(job.mapping),
        channel=job.options.get("channel") or Channel.IMPORT,
        received_at=job.created_at,
        source_id=job.source_id,
        campaign_id=job.campaign_id,
    )


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(rows, size)):
        yield batch


def _run(job: ImportJob, dry_run: bool, progress: Progress | None) -> None:
    plan = plan_for(job)
    start = 0 if dry_run else job.processed_rows
    seen = DuplicateIndex() if dry_run else DuplicateIndex.of_job(job)
    tally = Tally()
    report = _DryRunReport(job) if dry_run else None
    with (
        open_rows(Path(job.file.path), read_options(job)) as (layout, rows),
        _closing(report),
    ):
        if layout.headers != job.headers:
            raise UnreadableFile("The file's columns are not the ones it was uploaded with.")
        done = start
        # a resumed run checks its first chunks for rows already written (past a lagging
        # checkpoint) until a chunk has none
        check_existing = start > 0
        for chunk in _batches(islice(rows, start, None), chunk_rows()):
            results = decide_rows(chunk, plan, seen)
            if dry_run:
                report.add(results)
                for result in results:
                    tally.add(result)
                done += len(chunk)
                ImportJob.objects.filter(pk=job.pk).update(
                    checked_rows=done, updated_at=timezone.now()
                )
                job.checked_rows = done
            else:
                skipped = _write_chunk(job, results, start=done, check_existing=check_existing)
                check_existing = skipped > 0
                done += len(chunk)
            if progress is not None:
                progress(job, len(chunk))
    if dry_run:
        job.error_report = {
            "dry_run": {
                "rows": job.checked_rows,
                "would_create": tally.created,
                "failed": tally.failed,
                "duplicates": tally.duplicates,
                "other": tally.other,
                "problems": tally.problems,
            },
            "dry_run_file": report.name,
        }
        job.status = ImportStatus.DRY_RUN_DONE
        job.total_rows = job.checked_rows
        job.save(update_fields=["error_report", "status", "total_rows", "updated_at"])
    else:
        job.refresh_from_db()
        job.status = ImportStatus.DONE
        job.finished_at = timezone.now()
        job.total_rows = job.processed_rows
        job.save(update_fields=["status", "finished_at", "total_rows", "updated_at"])


@contextmanager
def _closing(report: _DryRunReport | None):
    try:
        yield report
    finally:
        if report is not None:
            report.close()


# --- deciding a chunk (no writes) -----------------------------------------------------


class DuplicateIndex:
    """The phones and e-mails the file has given so far -> the first row that gave them.
    Keys are 64-bit hashes, so a million rows take tens of megabytes, not the rows."""

    def __init__(self) -> None:
        self.first_row: dict[int, int] = {}

    @staticmethod
    def key(kind: str, value: str) -> int:
        return hash((kind, value))

    @classmethod
    def of_job(cls, job: ImportJob) -> DuplicateIndex:
        """Rebuilt from what a resumed import already wrote."""
        index = cls()
        if job.processed_rows:
            points = ContactPoint.objects.filter(
                kind__in=DUPLICATE_KINDS,
                lead__submissions__endpoint=job.endpoint,
            ).values_list("kind", "value", "lead__submissions__idempotency_key")
            for kind, value, row in points.iterator(chunk_size=10_000):
                index.first_row.setdefault(cls.key(kind, value), int(row))
        return index

    def claim(self, number: int, points: Iterable[ContactPoint]) -> tuple[int, str] | None:
        """None if these contacts are new to the file (they are remembered), else the
        earlier row and the value they repeat."""
        keys = [(self.key(p.kind, p.value), p.value) for p in points if p.kind in DUPLICATE_KINDS]
        for key, value in keys:
            if (row := self.first_row.get(key)) is not None:
                return row, value
        for key, _value in keys:
            self.first_row[key] = number
        return None


def decide_rows(
    chunk: Sequence[tuple[int, list[str]]], plan: ImportPlan, seen: DuplicateIndex
) -> list[RowResult]:
    """Parse, run the intake stages over, validate and de-duplicate a chunk of rows."""
    results = [RowResult(number, cells) for number, cells in chunk]
    for result in results:
        result.parsed, result.problems = parse_row(result.number, result.cells, plan)
    parsed = [r for r in results if r.parsed is not None]
    for result, decision in zip(parsed, run_stages([r.parsed for r in parsed]), strict=True):
        result.decision = decision
    for result in parsed:
        if result.decision.action == Action.ATTACH and not result.decision.error:
            # the same person as a lead that exists: a row of this very file is reported
            # as its duplicate, an earlier lead gets the row as a repeat inquiry
            points = [
                ContactPoint(kind=c.kind, value=c.normalised or c.value)
                for c in result.decision.parsed.contacts
            ]
            if (repeat := seen.claim(result.number, points)) is not None:
                _mark_duplicate(result, *repeat)
    to_build = [r for r in parsed if not r.decision.error and r.decision.action in LEAD_ACTIONS]
    drafts = [lead_draft(r.decision) for r in to_build]
    contact_column = contact_columns(plan)
    for result, built in zip(to_build, leads_build(drafts=drafts), strict=True):
        if isinstance(built, ValidationFailed):
            result.problems = [
                RowProblem(result.number, _column_of(name, plan, contact_column), message)
                for name, message in built.errors.items()
            ]
            continue
        if (repeat := seen.claim(result.number, built.contact_points)) is not None:
            _mark_duplicate(result, *repeat)
            continue
        result.built = built
    return results


def _mark_duplicate(result: RowResult, row: int, value: str) -> None:
    result.duplicate_of = row
    result.problems = [
        RowProblem(result.number, "", f"Duplicate of row {row} in this file (same {value}).", value)
    ]


def _column_of(name: str, plan: ImportPlan, contact_column: dict[str, str]) -> str:
    if name.startswith("contacts"):
        return next(iter(contact_column.values()), "")
    return field_column(plan, name.removesuffix("_id"))


def row_problems(result: RowResult) -> list[RowProblem]:
    if result.problems:
        return result.problems
    if result.decision is not None and result.decision.error:
        message = result.decision.error.strip().splitlines()[-1]
        return [RowProblem(result.number, "", f"Intake stage failed: {message}")]
    return []


# --- writing a chunk ------------------------------------------------------------------


def _write_chunk(
    job: ImportJob, results: list[RowResult], *, start: int, check_existing: bool
) -> int:
    """Write a decided chunk and advance the checkpoint in one transaction; returns how
    many of its rows were already written."""
    size = len(results)
    actor = Actor(user=None, source=ActorSource.IMPORT)
    now = timezone.now()
    with transaction.atomic():
        locked = (
            ImportJob.objects.select_for_update()
            .only("processed_rows", "error_report")
            .get(pk=job.pk)
        )
        if locked.processed_rows != start:
            raise ImportConflict(
                f"another run moved the checkpoint to {locked.processed_rows} (expected {start})"
            )
        if check_existing:
            # rows a crashed run wrote past its checkpoint: the unique key keeps them once
            keys = [str(r.number) for r in results]
            existing = set(
                Submission.objects.filter(
                    endpoint=job.endpoint, idempotency_key__in=keys
                ).values_list("idempotency_key", flat=True)
            )
            results = [r for r in results if str(r.number) not in existing]
        new_leads = [r for r in results if r.built is not None]
        leads_create_bulk(actor=actor, built=[r.built for r in new_leads])
        new_submission = instance_factory(
            Submission,
            channel=Channel.IMPORT,
            adapter=ADAPTER,
            endpoint=job.endpoint,
            content_type=job.options.get("content_type", ""),
            received_at=job.created_at,
            attempts=1,
        )
        submissions = [_submission(new_submission, job, r, now) for r in results]
        insert_many(Submission, submissions)
        new_event = instance_factory(
            LeadEvent, type=EventType.SUBMISSION_RECEIVED, actor_source=actor.source
        )
        events = [
            new_event(
                lead_id=submission.lead_id,
                occurred_at=result.decision.parsed.received_at,
                params=_received_params(submission, result.decision),
            )
            for result, submission in zip(results, submissions, strict=True)
            if submission.lead_id is not None
        ]
        insert_many(LeadEvent, events)
        reasons = [
            reason
            for result, submission in zip(results, submissions, strict=True)
            if submission.status == SubmissionStatus.PROCESSED and result.decision.reasons
            for reason in decision_reasons(
                submission, result.decision, result.built.lead if result.built else None
            )
        ]
        insert_many(DecisionReason, reasons, keys=False)
        tally = Tally()
        for result in results:
            tally.add(result)
        report = dict(locked.error_report or {})
        sample = report.get("problems", [])
        if len(sample) < SAMPLE_PROBLEMS and tally.problems:
            report["problems"] = sample + tally.problems[: SAMPLE_PROBLEMS - len(sample)]
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=start + size,
            created_count=F("created_count") + tally.created,
            failed_count=F("failed_count") + tally.failed,
            duplicate_count=F("duplicate_count") + tally.duplicates,
            other_count=F("other_count") + tally.other,
            error_report=report,
            updated_at=now,
        )
    job.processed_rows = start + size
    return size - len(results)


def _submission(new_submission, job: ImportJob, result: RowResult, now) -> Submission:
    submission = new_submission(
        payload=dict(zip(job.headers, result.cells, strict=False)),
        idempotency_key=str(result.number),
    )
    problems = row_problems(result)
    decision = result.decision
    if result.problems:
        submission.status = SubmissionStatus.REFUSED
        submission.error = " ".join(
            f"{p.column}: {p.problem}" if p.column else p.problem for p in problems
        )
        submission.decision = {"problems": [asdict(p) for p in problems]}
        if result.duplicate_of is not None:
            submission.decision["duplicate_of_row"] = result.duplicate_of
    elif decision.error:
        submission.status = SubmissionStatus.FAILED
        submission.error = decision.error
    else:
        submission.status = SubmissionStatus.PROCESSED
        submission.processed_at = now
        submission_record_decision(submission, decision)
        if result.built is not None:
            submission.lead_id = result.built.lead.pk
        elif decision.action == Action.ATTACH:
            submission.lead_id = decision.parsed.existing_lead_id
    return submission


# --- error reports --------------------------------------------------------------------

PROBLEM_COLUMNS = ("row", "column", "problem", "value")


def write_problems_csv(problems: Iterable[RowProblem | dict[str, Any]], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(PROBLEM_COLUMNS)
    for problem in problems:
        data = problem if isinstance(problem, dict) else asdict(problem)
        writer.writerow([spreadsheet_safe(data.get(name, "")) for name in PROBLEM_COLUMNS])


class _Line:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, text: str) -> str:
        return text


def problems_csv_lines(problems: Iterable[RowProblem | dict[str, Any]]) -> Iterator[str]:
    """The problems CSV line by line, for a streaming download."""
    writer = csv.writer(_Line())
    yield writer.writerow(PROBLEM_COLUMNS)
    for problem in problems:
        data = problem if isinstance(problem, dict) else asdict(problem)
        yield writer.writerow([spreadsheet_safe(data.get(name, "")) for name in PROBLEM_COLUMNS])


def import_problems(job: ImportJob) -> Iterator[dict[str, Any]]:
    """Every problem of the import so far, in row order (from its refused and failed
    submissions)."""
    refused = (
        Submission.objects.filter(
            endpoint=job.endpoint,
            status__in=[SubmissionStatus.REFUSED, SubmissionStatus.FAILED],
        )
        .order_by("pk")
        .values_list("idempotency_key", "status", "decision", "error")
    )
    for row, status, decision, error in refused.iterator(chunk_size=2000):
        if status == SubmissionStatus.FAILED:
            message = error.strip().splitlines()[-1] if error.strip() else ""
            yield {"row": int(row), "column": "", "problem": f"Intake stage failed: {message}"}
            continue
        yield from (decision or {}).get("problems", [])


def dry_run_file(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "reports" / f"import-{job.pk}-dry-run.csv"


class _DryRunReport:
    """The dry run's problems, written to a CSV as they are found (not held in memory)."""

    def __init__(self, job: ImportJob) -> None:
        path = dry_run_file(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.name = str(path.relative_to(settings.MEDIA_ROOT))
        self.file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.file)
        self.writer.writerow(PROBLEM_COLUMNS)

    def add(self, results: Iterable[RowResult]) -> None:
        for result in results:
            for problem in row_problems(result):
                data = asdict(problem)
                self.writer.writerow([spreadsheet_safe(data[n]) for n in PROBLEM_COLUMNS])

    def close(self) -> None:
        self.file.close()
