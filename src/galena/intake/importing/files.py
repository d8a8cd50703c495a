"""Reading an uploaded list: CSV in any common encoding and delimiter, or XLSX. Rows come
one at a time, so a file of a million rows never sits in memory."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

SAMPLE_BYTES = 1024 * 1024
DELIMITERS = ",;\t|"
CSV_CONTENT_TYPE = "text/csv"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnreadableFile(Exception):
    """The file cannot be read as a list: the message says what to do about it."""


@dataclass(frozen=True)
class ReadOptions:
    encoding: str = "auto"
    delimiter: str = ""  # empty: sniffed
    sheet: str = ""  # XLSX: empty means the first sheet


@dataclass(frozen=True)
class FileLayout:
    """What reading found: the format, the resolved encoding and delimiter, the headers."""

    format: str  # "csv" or "xlsx"
    encoding: str
    delimiter: str
    sheet: str
    headers: list[str]

    @property
    def content_type(self) -> str:
        return XLSX_CONTENT_TYPE if self.format == "xlsx" else CSV_CONTENT_TYPE


def file_format(path: Path) -> str:
    with open(path, "rb") as f:
        start = f.read(4)
    # an XLSX is a zip archive; a CSV never starts with these bytes
    return "xlsx" if start == b"PK\x03\x04" else "csv"


# --- encodings ------------------------------------------------------------------------


def _utf8_prefix_ok(sample: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
    except UnicodeDecodeError:
        return False
    return True


def _looks_cyrillic(sample: bytes) -> bool:
    """windows-1251 text puts Cyrillic letters in 0xC0–0xFF (and Ё/ё at 0xA8/0xB8), in runs
    of whole words; Western latin-1 text has a lone accented letter among ASCII ones."""
    high = [b for b in sample if b >= 0x80]
    if not high:
        return False
    letters = sum(1 for b in high if b >= 0xC0 or b in (0xA8, 0xB8))
    runs = sum(1 for a, b in itertools.pairwise(sample) if a >= 0xC0 and b >= 0xC0)
    return letters / len(high) > 0.9 and runs >= letters * 0.4


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV from its first bytes: UTF-8 with or without BOM, UTF-16 with
    BOM, windows-1251 for Cyrillic, else latin-1 (which reads any byte)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _utf8_prefix_ok(sample):
        return "utf-8"
    if _looks_cyrillic(sample):
        return "cp1251"
    return "latin-1"


def resolve_encoding(path: Path, requested: str) -> str:
    if requested and requested != "auto":
        try:
            return codecs.lookup(requested).name
        except LookupError as error:
            raise UnreadableFile(
                f"Unknown encoding {requested!r}: use e.g. utf-8, cp1251 or latin-1."
            ) from error
    with open(path, "rb") as f:
        return detect_encoding(f.read(SAMPLE_BYTES))


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV from its first lines: csv.Sniffer, else the most frequent of
    , ; tab | in the header line."""
    lines = sample.splitlines()[:50]
    text = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --- rows -----------------------------------------------------------------------------


def unique_headers(raw: list[object]) -> list[str]:
    """Header cells as names: blanks become "Column N", repeats get " (2)", " (3)"…"""
    headers: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(raw, start=1):
        name = cell_text(cell).strip() or f"Column {index}"
        count = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = count
        headers.append(name if count == 1 else f"{name} ({count})")
    return headers


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees: 40722123456, not 40722123456.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


@contextmanager
def open_rows(
    path: Path, options: ReadOptions
) -> Iterator[tuple[FileLayout, Iterator[tuple[int, list[str]]]]]:
    """The file's layout and its data rows as (row number, cells), streamed. Row numbers
    are the ones a spreadsheet shows: the header is row 1. Blank rows are left out."""
    if file_format(path) == "xlsx":
        with _xlsx_rows(path, options) as opened:
            yield opened
    else:
        with _csv_rows(path, options) as opened:
            yield opened


@contextmanager
def _csv_rows(path: Path, options: ReadOptions):
    encoding = resolve_encoding(path, options.encoding)
    with open(path, encoding=encoding, newline="", errors="strict") as f:
        try:
            sample = f.read(64 * 1024)
        except UnicodeDecodeError as error:
            raise _not_this_encoding(encoding) from error
        delimiter = options.delimiter or sniff_delimiter(sample)
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        f.seek(0)
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as error:
            raise UnreadableFile(f"The first row cannot be read: {error}") from error
        if not header or not any(cell.strip() for cell in header):
            raise UnreadableFile("The file is empty: the first row must name the columns.")
        layout = FileLayout("csv", encoding, delimiter, "", unique_headers(header))
        width = len(layout.headers)

        def rows() -> Iterator[tuple[int, list[str]]]:
            number = 1
            try:
                for cells in reader:
                    number += 1
                    if not any(cells) or not any(c.strip() for c in cells):
                        continue
                    if len(cells) < width:
                        cells += [""] * (width - len(cells))
                    yield number, cells[:width]
            except UnicodeDecodeError as error:
                raise _not_this_encoding(encoding, number + 1) from error
            except csv.Error as error:
                raise UnreadableFile(f"Row {number + 1} cannot be read: {error}") from error

        yield layout, rows()


def _not_this_encoding(encoding: str, row: int | None = None) -> UnreadableFile:
    where = f" at row {row}" if row else ""
    return UnreadableFile(
        f"The file is not valid {encoding}{where}: choose its encoding "
        "(e.g. utf-8, cp1251, latin-1) instead of auto."
    )


@contextmanager
def _xlsx_rows(path: Path, options: ReadOptions):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"This is not a readable XLSX workbook: {error}") from error
    try:
        if options.sheet:
            if options.sheet not in workbook.sheetnames:
                raise UnreadableFile(
                    f"No sheet named {options.sheet!r}; the sheets are: "
                    f"{', '.join(workbook.sheetnames)}."
                )
            sheet = workbook[options.sheet]
        else:
            sheet = workbook[workbook.sheetnames[0]]
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
        if not header or not any(cell_text(c).strip() for c in header):
            raise UnreadableFile("The sheet is empty: its first row must name the columns.")
        # trailing empty header cells are formatting, not columns
        header = list(header)
        while header and not cell_text(header[-1]).strip():
            header.pop()
        layout = FileLayout("xlsx", "", "", sheet.title, unique_headers(header))
        width = len(layout.headers)

        def rows() -> Iterator[tuple[int, list[str]]]:
            for number, raw in enumerate(values, start=2):
                cells = [cell_text(v) for v in raw[:width]]
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield number, cells

        yield layout, rows()
    finally:
        workbook.close()


def count_rows(path: Path, options: ReadOptions) -> int:
    """How many data rows the file has (blank rows not counted)."""
    with open_rows(path, options) as (_layout, rows):
        return sum(1 for _ in rows)
