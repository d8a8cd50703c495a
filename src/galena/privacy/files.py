"""Files on disk that hold a person's data: deleted whole, or (an import file with many
people in it) rewritten with the person's rows emptied.

A file is not in the database's transaction: it is deleted or replaced only once the erasure
commits (``transaction.on_commit``), so an erasure that rolls back leaves every record and
every file it pointed at as they were."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

if TYPE_CHECKING:
    from galena.privacy.subjects import Subject


def file_delete(field_file) -> bool:
    """Delete a stored file (if there is one) when the transaction commits; whether there
    was a file to delete."""
    if not field_file or not field_file.name:
        return False
    storage = field_file.storage
    name = field_file.name
    if not storage.exists(name):
        return False

    def delete() -> None:
        if storage.exists(name):
            storage.delete(name)

    transaction.on_commit(delete)
    return True


def _replace_on_commit(path: Path, write) -> None:
    """Write the file's new content (``write(temporary_path)``) beside it and put it in its
    place once the transaction commits."""

    def replace() -> None:
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp" + path.suffix)
        os.close(handle)
        try:
            write(temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    transaction.on_commit(replace)


def _mentions(cells: list[str], needles: list[str]) -> bool:
    text = "\x1f".join(cells).casefold()
    return any(needle in text for needle in needles)


def import_rows_blank(jobs: QuerySet, subject: Subject) -> int:
    """Empty, in each import file, the rows that are the person's (their submissions' row
    numbers, and any row naming one of their values); the rows stay, empty, so the row
    numbers of everyone else — the import's checkpoint — do not move. Returns the rows
    emptied."""
    from galena.intake.importing.services import dry_run_file
    from galena.intake.models import Submission

    needles = sorted({value.casefold() for value in subject.values if value})
    emptied = 0
    for job in jobs:
        if not job.file or not job.file.name or not job.file.storage.exists(job.file.name):
            continue
        numbers = {
            int(key)
            for key in Submission.objects.filter(
                endpoint=job.endpoint, lead_id__in=sorted(subject.lead_ids)
            ).values_list("idempotency_key", flat=True)
            if key and key.isdigit()
        }
        path = Path(job.file.path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            emptied += _xlsx_rows_blank(path, numbers, needles, job.options.get("sheet", ""))
        else:
            emptied += _csv_rows_blank(path, numbers, needles, job.options)
        # the dry run's problems, with the values it found wrong
        report = dry_run_file(job)
        if report.exists():
            _csv_rows_blank(report, set(), needles, {"encoding": "utf-8", "delimiter": ","})
    return emptied


def _csv_rows_blank(path: Path, numbers: set[int], needles: list[str], options: dict) -> int:
    from galena.intake.importing.files import resolve_encoding, sniff_delimiter

    encoding = resolve_encoding(path, options.get("encoding") or "auto")
    with open(path, encoding=encoding, newline="") as f:
        sample = f.read(64 * 1024)
        delimiter = options.get("delimiter") or sniff_delimiter(sample)
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        f.seek(0)
        rows = list(csv.reader(f, delimiter=delimiter))
    emptied = 0
    for index, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        if index in numbers or _mentions(cells, needles):
            rows[index - 1] = [""] * len(cells)
            emptied += 1
    if emptied:

        def write(temporary: str) -> None:
            with open(temporary, "w", encoding=encoding, newline="") as out:
                csv.writer(out, delimiter=delimiter).writerows(rows)

        _replace_on_commit(path, write)
    return emptied


def _xlsx_rows_blank(path: Path, numbers: set[int], needles: list[str], sheet_name: str) -> int:
    from openpyxl import load_workbook

    from galena.intake.importing.files import cell_text

    workbook = load_workbook(path)
    emptied = 0
    for sheet in workbook.worksheets:
        # the imported sheet's rows by number; any sheet's rows by the values in them
        imported = sheet.title == sheet_name or (not sheet_name and sheet is workbook.worksheets[0])
        for row in sheet.iter_rows(min_row=2):
            cells = [cell_text(cell.value) for cell in row]
            if (imported and row[0].row in numbers) or _mentions(cells, needles):
                for cell in row:
                    cell.value = None
                emptied += 1
    if emptied:

        def write(temporary: str) -> None:
            workbook.save(temporary)
            workbook.close()

        _replace_on_commit(path, write)
    else:
        workbook.close()
    return emptied
