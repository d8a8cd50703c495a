"""`galena import FILE --source NAME`: import a CSV or XLSX list of people as leads.

Columns are mapped from their headers (English, Romanian, Russian, Spanish, Finnish);
--mapping overrides a column. --dry-run checks every row and writes only the job's report.
An interrupted import resumes with --resume JOB without importing any row twice."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from galena.core.errors import ValidationFailed
from galena.intake.importing.services import (
    dry_run_file,
    import_job_create,
    import_job_run,
    import_problems,
)
from galena.intake.models import ImportJob, ImportStatus
from galena.leads.models import Campaign, Source

SHOWN_PROBLEMS = 10


class Command(BaseCommand):
    help = "Import leads from a CSV or XLSX file (or check it with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The CSV or XLSX file.")
        parser.add_argument("--source", help="Name of the leads' source (must exist).")
        parser.add_argument("--campaign", help="Name of one of the source's campaigns.")
        parser.add_argument(
            "--mapping",
            nargs="+",
            default=[],
            metavar="COLUMN=FIELD",
            help="Map a column (header or number from 1) to a field, attribute:NAME or ignore.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; import nothing.")
        parser.add_argument("--delimiter", default="", help="CSV delimiter (default: sniffed).")
        parser.add_argument("--encoding", default="auto", help="CSV encoding (default: auto).")
        parser.add_argument("--sheet", default="", help="XLSX sheet (default: the first).")
        parser.add_argument(
            "--resume", type=int, metavar="JOB", help="Resume an interrupted import by its id."
        )

    def handle(self, *args, **options):
        if options["resume"]:
            job = ImportJob.objects.filter(pk=options["resume"]).first()
            if job is None:
                raise CommandError(f"No import job with id {options['resume']}.")
            if job.status == ImportStatus.DONE:
                raise CommandError(f"Import #{job.pk} is already done.")
        else:
            job = self.create(options)
        self.show_mapping(job)
        if options["dry_run"] and job.status == ImportStatus.INTERRUPTED:
            raise CommandError(f"Import #{job.pk} has started; resume it without --dry-run.")
        self.run(job, dry_run=options["dry_run"])

    def create(self, options) -> ImportJob:
        if not options["file"]:
            raise CommandError("Give the file to import (or --resume JOB).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if not options["source"]:
            raise CommandError("Give the leads' source: --source NAME.")
        source = Source.objects.filter(name__iexact=options["source"]).first()
        if source is None:
            known = ", ".join(Source.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(
                f"No source named {options['source']!r} (known: {known}); add it in the admin."
            )
        campaign = None
        if options["campaign"]:
            campaign = Campaign.objects.filter(
                source=source, name__iexact=options["campaign"]
            ).first()
            if campaign is None:
                raise CommandError(f"{source} has no campaign named {options['campaign']!r}.")
        try:
            with path.open("rb") as f:
                return import_job_create(
                    file=File(f, name=path.name),
                    name=path.name,
                    source=source,
                    campaign=campaign,
                    encoding=options["encoding"],
                    delimiter=options["delimiter"],
                    sheet=options["sheet"],
                    mapping=options["mapping"],
                )
        except ValidationFailed as error:
            raise CommandError(error.message) from error

    def show_mapping(self, job: ImportJob) -> None:
        details = [_count(job.total_rows, "row")]
        if job.options.get("format") == "csv":
            delimiter = job.options.get("delimiter", ",").replace("\t", "tab")
            details += [f"encoding {job.options.get('encoding')}", f"delimiter {delimiter}"]
        elif job.options.get("sheet"):
            details.append(f"sheet {job.options['sheet']}")
        self.stdout.write(f"Import #{job.pk}: {job.original_name} ({', '.join(details)})")
        for header, target in zip(job.headers, job.mapping, strict=True):
            self.stdout.write(f"  {header} → {target}")

    def run(self, job: ImportJob, *, dry_run: bool) -> None:
        already = 0 if dry_run else job.processed_rows
        with tqdm(
            total=job.total_rows or None,
            initial=already,
            desc="Checking" if dry_run else "Importing",
            unit="row",
            file=self.stderr,
            mininterval=0.5,
        ) as bar:
            try:
                job = import_job_run(
                    job_id=job.pk, dry_run=dry_run, progress=lambda _job, n: bar.update(n)
                )
            except ValidationFailed as error:
                raise CommandError(error.message) from error
        if dry_run:
            return self.dry_run_summary(job)
        return self.import_summary(job)

    def dry_run_summary(self, job: ImportJob) -> None:
        if job.status != ImportStatus.DRY_RUN_DONE:
            raise CommandError(f"The dry run stopped: {job.last_error.strip()}")
        report = job.error_report["dry_run"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Dry run of {_count(report['rows'], 'row')}: "
                f"{_count(report['would_create'], 'lead')} would be created, "
                f"{_count(report['failed'], 'row')} with problems, "
                f"{_count(report['duplicates'], 'repeat')} of an earlier row. "
                "Nothing was imported."
            )
        )
        self.show_problems(report["problems"], report["failed"] + report["duplicates"])
        if report["failed"] or report["duplicates"]:
            self.stdout.write(f"All problems: {dry_run_file(job)}")
        self.stdout.write(f"To import: galena import --resume {job.pk}")

    def import_summary(self, job: ImportJob) -> None:
        if job.status != ImportStatus.DONE:
            self.stderr.write(job.last_error.strip())
            raise CommandError(
                f"Import #{job.pk} stopped after {job.processed_rows:,} of {job.total_rows:,} "
                f"rows ({job.get_status_display()}). Resume: galena import --resume {job.pk}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {_count(job.processed_rows, 'row')}: "
                f"{_count(job.created_count, 'lead')} created, "
                f"{_count(job.failed_count, 'row')} with problems, "
                f"{_count(job.duplicate_count, 'duplicate')} in the file, "
                f"{job.other_count:,} other."
            )
        )
        bad = job.failed_count + job.duplicate_count
        self.show_problems(list(_first(import_problems(job), SHOWN_PROBLEMS)), bad)

    def show_problems(self, problems, total: int) -> None:
        for problem in problems[:SHOWN_PROBLEMS]:
            column = f" [{problem['column']}]" if problem.get("column") else ""
            self.stdout.write(f"  row {problem['row']}{column}: {problem['problem']}")
        if total > SHOWN_PROBLEMS:
            self.stdout.write(f"  … and more: {total:,} rows in all.")


def _count(number: int, noun: str) -> str:
    """ "1 row", "2 rows", "1,000 rows"."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _first(items, n):
    for index, item in enumerate(items):
        if index >= n:
            return
        yield item
