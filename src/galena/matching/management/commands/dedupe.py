"""`galena dedupe`: find duplicates across the lead base and fill the review queue, or
match the records of any CSV file and write the matched pairs.

    galena dedupe [--estimate] [--threshold P] [--dry-run]
    galena dedupe --csv FILE --id-column COL --field COL=ROLE ... --out PAIRS.csv
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from galena.leads.contact_values import parse_name
from galena.matching.batch import dedupe
from galena.matching.duplicates import base_duplicates, duplicates_record
from galena.matching.model import MatchModel
from galena.matching.models import DuplicateFoundBy
from galena.matching.records import Prepared, Record, prepare
from galena.matching.weights import match_model, weights_store

ROLES = (
    "first_name",
    "last_name",
    "middle_name",
    "full_name",
    "email",
    "phone",
    "company",
    "street",
    "city",
    "postcode",
    "region",
    "birth_date",
    "national_id",
)
MULTI = {"email": "emails", "phone": "phones"}
CHUNK = 20_000  # records prepared per task
# no tqdm monitor thread: the command forks workers, and a fork must not copy a thread's lock
tqdm.monitor_interval = 0
WORKERS = os.cpu_count() or 1


class _Bar:
    """One tqdm bar per phase of the batch run, on stderr."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.bars: dict[str, tqdm] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = tqdm(
                total=total, desc=phase.capitalize(), file=self.stream, mininterval=0.5
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


class Command(BaseCommand):
    help = (
        "Find duplicates across the lead base and put them in the review queue; or, with "
        "--csv, match the records of a CSV file and write the pairs judged the same person."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, help="Match this CSV file instead of the leads.")
        parser.add_argument("--id-column", help="The CSV column that identifies a record.")
        parser.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="COLUMN=ROLE",
            help=f"Map a CSV column to a role: {', '.join(ROLES)}. Repeat for each column.",
        )
        parser.add_argument("--out", type=Path, help="Where to write id_a,id_b,probability.")
        parser.add_argument("--delimiter", default=",", help="The CSV's delimiter (default ,).")
        parser.add_argument("--encoding", default="utf-8-sig", help="The CSV's encoding.")
        parser.add_argument(
            "--threshold",
            type=float,
            help="Lowest probability written or queued (default: the possible-duplicate "
            "threshold of the matching settings).",
        )
        parser.add_argument(
            "--no-estimate",
            action="store_true",
            help="Score with the stored weights instead of estimating them from the data (EM).",
        )
        parser.add_argument(
            "--estimate",
            action="store_true",
            help="Over the lead base: estimate the weights by EM and store them.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Over the lead base: count, queue nothing."
        )

    def handle(self, *args, **options):
        if options["threshold"] is not None and not 0 < options["threshold"] <= 1:
            raise CommandError("--threshold: give a probability above 0 and at most 1.")
        if options["csv"]:
            return self.match_csv(options)
        return self.match_base(options)

    # --- the lead base --------------------------------------------------------------------

    def match_base(self, options) -> None:
        started = time.monotonic()
        bar = _Bar(self.stderr)
        loaded = tqdm(desc="Loading leads", unit="lead", file=self.stderr, mininterval=0.5)
        prepared, result, pairs = base_duplicates(
            model=match_model(cached=False),
            estimate_weights=options["estimate"],
            threshold=options["threshold"],
            progress=bar,
            loaded=loaded.update,
        )
        loaded.close()
        bar.close()
        if result is None:
            self.stdout.write("Fewer than two leads: nothing to compare.")
            return
        if options["estimate"] and not options["dry_run"]:
            weights_store(model=result.model)
            self.stdout.write("Estimated weights stored (admin: Matching → Comparison weights).")
        new = (
            0
            if options["dry_run"]
            else duplicates_record(pairs=pairs, found_by=DuplicateFoundBy.BATCH)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(prepared):,} leads, {result.candidate_pairs:,} candidate pairs compared, "
                f"{len(pairs):,} possible duplicates"
                + ("" if options["dry_run"] else f", {new:,} new in the review queue")
                + f" ({time.monotonic() - started:.1f} s)."
            )
        )

    # --- any CSV file -----------------------------------------------------------------------

    def match_csv(self, options) -> None:
        started = time.monotonic()
        if not options["id_column"] or not options["out"]:
            raise CommandError("--csv needs --id-column and --out.")
        if not options["out"].parent.is_dir():
            # said before the work, not after it
            raise CommandError(f"--out {options['out']}: no folder {options['out'].parent}.")
        mapping = self._mapping(options["field"])
        try:
            prepared = self._read(options, mapping)
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{options['csv']}: not {options['encoding']} text ({error.reason} at byte "
                f"{error.start}); give the file's encoding with --encoding, e.g. cp1251."
            ) from error
        if len(prepared) < 2:
            raise CommandError(f"{options['csv']}: fewer than two records, nothing to match.")
        bar = _Bar(self.stderr)
        model = MatchModel.default() if not options["no_estimate"] else match_model(cached=False)
        result = dedupe(
            prepared,
            model,
            estimate_weights=not options["no_estimate"],
            threshold=options["threshold"],
            progress=bar,
        )
        bar.close()
        order = np.argsort(-result.probability, kind="stable")
        with options["out"].open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id_a", "id_b", "probability"])
            for k in order.tolist():
                writer.writerow(
                    [
                        prepared.ids[result.a[k]],
                        prepared.ids[result.b[k]],
                        f"{result.probability[k]:.6f}",
                    ]
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(prepared):,} records, {result.candidate_pairs:,} candidate pairs compared, "
                f"{len(result.a):,} pairs written to {options['out']} "
                f"(EM: {result.em_iterations} iterations; {time.monotonic() - started:.1f} s)."
            )
        )

    def _mapping(self, fields: list[str]) -> dict[str, str]:
        mapping = {}
        for item in fields:
            column, sep, role = item.rpartition("=")
            if not sep or not column:
                raise CommandError(f"--field {item}: write it as COLUMN=ROLE.")
            if role not in ROLES:
                raise CommandError(
                    f"--field {item}: unknown role {role!r}; use one of {', '.join(ROLES)}."
                )
            mapping[column] = role
        if not mapping:
            raise CommandError("Map at least one column with --field COLUMN=ROLE.")
        return mapping

    def _read(self, options, mapping: dict[str, str]) -> Prepared:
        path: Path = options["csv"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        csv.field_size_limit(sys.maxsize)
        with path.open(newline="", encoding=options["encoding"]) as handle:
            reader = csv.reader(handle, delimiter=options["delimiter"])
            header = next(reader, None) or []
            if not header:
                raise CommandError(f"{path}: the file is empty; it needs a header row.")
            missing = [c for c in [options["id_column"], *mapping] if c not in header]
            if missing:
                raise CommandError(
                    f"{path}: no column {', '.join(missing)}; the columns are {', '.join(header)}."
                )
            id_at = header.index(options["id_column"])
            columns = [(header.index(column), role) for column, role in mapping.items()]
            rows: list[list[str]] = []
            prepared = Prepared()
            # rows become records and are prepared (transliterated, normalised) in forked
            # workers while this process reads on; chunks come back in order
            pending: deque = deque()
            pool = None  # made once a file proves large: a small one is prepared here
            try:
                for row in tqdm(
                    reader, desc="Reading", unit="row", file=self.stderr, mininterval=0.5
                ):
                    rows.append(row)
                    if len(rows) == CHUNK:
                        pool = pool or ProcessPoolExecutor(
                            max_workers=WORKERS, mp_context=get_context("fork")
                        )
                        pending.append(pool.submit(_prepare_rows, rows, id_at, columns))
                        rows = []
                        while len(pending) > 2 * WORKERS:  # bounded: memory stays flat
                            prepared.extend(pending.popleft().result())
                while pending:
                    prepared.extend(pending.popleft().result())
            finally:
                if pool is not None:
                    pool.shutdown(cancel_futures=True)
            prepared.extend(_prepare_rows(rows, id_at, columns))
        return prepared


def _prepare_rows(rows: list[list[str]], id_at: int, columns: list[tuple[int, str]]) -> Prepared:
    """CSV rows as prepared records (in a worker for a large file)."""
    width = max([id_at, *(at for at, _ in columns)]) + 1
    padded = (row + [""] * (width - len(row)) for row in rows)  # short rows: empty cells
    return prepare(_record(row[id_at], row, columns) for row in padded)


def _record(record_id: str, row: list[str], columns: list[tuple[int, str]]) -> Record:
    values: dict[str, object] = {"id": record_id}
    full_name = ""
    for at, role in columns:
        value = row[at].strip()
        if not value:
            continue
        if role in MULTI:
            values.setdefault(MULTI[role], []).append(value)
        elif role == "full_name":
            full_name = value
        elif role == "company":
            values["company"] = value
        else:
            values[role] = value
    if full_name and not (values.get("first_name") or values.get("last_name")):
        name = parse_name(full_name)
        values.update(first_name=name.first, middle_name=name.middle, last_name=name.last)
    return Record(**values)
