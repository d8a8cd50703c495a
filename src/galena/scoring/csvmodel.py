"""Predictive scoring over any CSV file: the reading, label and id handling behind
``galena score fit`` and ``galena score predict``, so the model that scores leads can be
trained and evaluated on any table with a won/lost (bought/did not buy) column.

No Django here: the command and the public-data benchmark (``benchmarks/scoring_public.py``)
both call these functions. Errors are ``CsvError`` with a message that says what to do.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from galena.scoring import predictive

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
# Columns taken as the row's identifier when --id-column is not given (compared casefolded,
# without spaces, dashes and underscores).
ID_NAMES = ("id", "leadid", "customerid", "clientid", "contactid", "accountid", "uuid", "key")
ROW_NUMBER = "row"  # the output's id column when the file has none
# Label values, compared casefolded and stripped.
WON = frozenset(
    {
        "1",
        "1.0",
        "yes",
        "y",
        "true",
        "t",
        "won",
        "win",
        "success",
        "converted",
        "да",
        "sí",
        "si",
        "da",
    }
)
LOST = frozenset(
    {"0", "0.0", "no", "n", "false", "f", "lost", "lose", "loss", "failure", "fail", "нет", "nu"}
)
KNOWN_LABELS = "1/0, yes/no, true/false or won/lost"


class CsvError(ValueError):
    """The file or the options cannot be used; the message says why and what to do."""


@dataclass
class Table:
    """A CSV file's header and columns (text as read, one list per column)."""

    path: Path
    header: list[str]
    columns: dict[str, list[str]]
    rows: int
    delimiter: str


def read_table(
    path: Path,
    *,
    encoding: str = "utf-8-sig",
    delimiter: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Table:
    """The CSV file as columns of text. The delimiter is guessed from the start of the file
    unless given; a BOM is skipped; a file in another encoding is refused with a hint."""
    path = Path(path)
    if not path.is_file():
        raise CsvError(f"{path}: no such file.")
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding=encoding) as handle:
            sample = handle.read(SNIFF_BYTES)
            handle.seek(0)
            if not sample.strip():
                raise CsvError(f"{path}: the file is empty; it needs a header row and data rows.")
            delimiter = delimiter or _sniff(sample)
            reader = csv.reader(handle, delimiter=delimiter)
            header = [name.strip() for name in next(reader)]
            _check_header(path, header)
            cells: list[list[str]] = [[] for _ in header]
            width = len(header)
            rows = 0
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                rows += 1
                if len(row) < width:
                    row = row + [""] * (width - len(row))
                elif len(row) > width and any(cell.strip() for cell in row[width:]):
                    raise CsvError(
                        f"{path}: row {rows} has {len(row)} cells but the header names {width} "
                        f"columns; check the delimiter (read as {delimiter!r}) and the quoting."
                    )
                for column, cell in zip(cells, row, strict=False):
                    column.append(cell)
                if progress and rows % 10_000 == 0:
                    progress(10_000)
            if progress:
                progress(rows % 10_000)
    except UnicodeDecodeError as error:
        raise CsvError(
            f"{path}: not {encoding} text ({error.reason} at byte {error.start}); give the "
            "file's encoding with --encoding, e.g. --encoding cp1251 or --encoding latin-1."
        ) from error
    return Table(path, header, dict(zip(header, cells, strict=True)), rows, delimiter)


def _sniff(sample: str) -> str:
    lines = sample.splitlines()
    if len(sample) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    try:
        return csv.Sniffer().sniff("\n".join(lines[:200]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _check_header(path: Path, header: list[str]) -> None:
    if not any(header):
        raise CsvError(f"{path}: the first row is empty; it must name the columns.")
    seen: set[str] = set()
    for at, name in enumerate(header, start=1):
        if not name:
            raise CsvError(f"{path}: column {at} has no name in the header row.")
        if name in seen:
            raise CsvError(f"{path}: two columns are named {name!r}; rename one.")
        seen.add(name)


def require_column(table: Table, name: str, option: str) -> None:
    if name not in table.columns:
        raise CsvError(
            f"{table.path}: no column {name!r} ({option}); the columns are "
            f"{', '.join(table.header)}."
        )


def parse_labels(values: Sequence[str], *, column: str, positive: str | None = None) -> np.ndarray:
    """Each row's outcome (True = won) from the label column: 1/0, yes/no, true/false,
    won/lost and their like; with ``positive``, that value is won and any other is lost."""
    texts = [value.strip().casefold() for value in values]
    for at, text in enumerate(texts):
        if not text:
            raise CsvError(
                f"Column {column}, row {at + 1}: the label is empty; leave out the rows "
                "without an outcome (leads still open) before training."
            )
    if positive is not None:
        wanted = positive.strip().casefold()
        if wanted not in set(texts):
            shown = ", ".join(sorted({value.strip() for value in values})[:10])
            raise CsvError(
                f"--positive {positive!r}: column {column} never has that value; it has {shown}."
            )
        return np.array([text == wanted for text in texts], dtype=bool)
    outcome = np.zeros(len(values), dtype=bool)
    for at, text in enumerate(texts):
        if text in WON:
            outcome[at] = True
        elif text not in LOST:
            distinct = sorted({value.strip() for value in values})
            hint = (
                f" It has two values, {distinct[0]!r} and {distinct[1]!r}: name the one that "
                f"means won with --positive, e.g. --positive {distinct[1]}."
                if len(distinct) == 2
                else " Or name the value that means won with --positive VALUE."
            )
            raise CsvError(
                f"Column {column}, row {at + 1}: {values[at].strip()!r} is not a label I know; "
                f"write {KNOWN_LABELS}.{hint}"
            )
    return outcome


def id_column(table: Table, given: str | None) -> str | None:
    """The column identifying a row: the one given, else the first named like an id (id,
    ID, customer_id, lead-id…), else None (rows are numbered)."""
    if given:
        require_column(table, given, "--id-column")
        return given
    for name in table.header:
        if name.casefold().replace("_", "").replace("-", "").replace(" ", "") in ID_NAMES:
            return name
    return None


def row_ids(table: Table, column: str | None) -> list[str]:
    if column is None:
        return [str(at) for at in range(1, table.rows + 1)]
    return table.columns[column]


@dataclass
class FitResult:
    model: predictive.TrainedModel
    table: Table
    id_column: str | None


def fit(
    table: Table,
    *,
    label: str,
    id_column_name: str | None = None,
    exclude: Iterable[str] = (),
    positive: str | None = None,
    seed: int = 0,
    progress: predictive.Progress | None = None,
) -> FitResult:
    """Train the predictive model on a CSV table: every column but the label, the id column
    and the excluded ones is a candidate feature."""
    require_column(table, label, "--label")
    excluded = list(dict.fromkeys(exclude))
    for name in excluded:
        require_column(table, name, "--exclude")
    identifier = id_column(table, id_column_name)
    if identifier == label:
        raise CsvError(f"--id-column {identifier}: that is the label column; name another.")
    outcome = parse_labels(table.columns[label], column=label, positive=positive)
    left_out = {label, *excluded, *([identifier] if identifier else [])}
    features = {name: values for name, values in table.columns.items() if name not in left_out}
    if not features:
        raise CsvError(f"{table.path}: no column is left to learn from besides the label.")
    try:
        model = predictive.train(features, outcome, seed=seed, progress=progress)
    except predictive.NotEnoughOutcomes as error:
        raise CsvError(f"{table.path}: {error}") from error
    except predictive.NoFeatures as error:
        raise CsvError(f"{table.path}: {error}") from error
    model.metadata.update(
        source=str(table.path),
        label=label,
        positive=positive,
        id_column=identifier,
        excluded=excluded,
    )
    return FitResult(model, table, identifier)


@dataclass
class PredictResult:
    ids: list[str]
    id_column: str | None
    probability: np.ndarray
    explanations: list[predictive.Explanation] | None
    missing_features: list[str]


def predict(
    model: predictive.TrainedModel,
    table: Table,
    *,
    id_column_name: str | None = None,
    explain: int = 0,
) -> PredictResult:
    """Each row's probability of being won (and, with ``explain``, its top factors). The id
    column is the one given, else the one the model was trained with if the file has it,
    else one named like an id, else the row number."""
    trained_id = model.metadata.get("id_column")
    if not id_column_name and trained_id in table.columns:
        id_column_name = trained_id
    identifier = id_column(table, id_column_name)
    used = [f.name for f in model.features]
    missing = [name for name in used if name not in table.columns]
    if len(missing) == len(used):
        raise CsvError(
            f"{table.path}: none of the model's columns are here ({', '.join(used[:10])}"
            f"{'…' if len(used) > 10 else ''}); is it the right file?"
        )
    probability = model.predict(table.columns)
    explanations = model.explain(table.columns, top=explain) if explain else None
    return PredictResult(row_ids(table, identifier), identifier, probability, explanations, missing)


def write_scores(path: Path, result: PredictResult) -> None:
    """``<id column>,probability`` (+ the factors pushing up and down with explanations),
    one row per input row, in the input's order."""
    path = Path(path)
    header = [result.id_column or ROW_NUMBER, "probability"]
    if result.explanations is not None:
        header += ["pushing_up", "pushing_down"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for at, (identifier, probability) in enumerate(
            zip(result.ids, result.probability.tolist(), strict=True)
        ):
            row: list[Any] = [identifier, f"{probability:.6f}"]
            if result.explanations is not None:
                up, down = result.explanations[at]
                row += [_factors(up), _factors(down)]
            writer.writerow(row)


def _factors(factors: Sequence[predictive.Factor]) -> str:
    return "; ".join(
        f"{f.feature}={'(missing)' if f.value is None else f.value} ({f.effect:+.3f})"
        for f in factors
    )
