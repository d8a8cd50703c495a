"""Reading uploaded lists: CSV encodings and delimiters, XLSX sheets, streamed rows."""

import codecs
import datetime as dt

import openpyxl
import pytest

from galena.intake.importing.files import (
    ReadOptions,
    UnreadableFile,
    count_rows,
    detect_encoding,
    open_rows,
)

ROWS = [["Фамилия", "Имя", "Телефон"], ["Иванов", "Пётр", "+7 912 345-67-89"]]


def write_csv(path, rows, *, delimiter=",", encoding="utf-8", bom=False):
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


def read(path, **options):
    with open_rows(path, ReadOptions(**options)) as (layout, rows):
        return layout, list(rows)


def test_utf8_with_bom_is_read_without_the_bom_in_the_first_header(tmp_path):
    layout, rows = read(write_csv(tmp_path / "a.csv", ROWS, bom=True))

    assert layout.encoding == "utf-8-sig"
    assert layout.headers == ["Фамилия", "Имя", "Телефон"]
    assert rows == [(2, ["Иванов", "Пётр", "+7 912 345-67-89"])]


def test_windows_1251_cyrillic_is_detected(tmp_path):
    layout, rows = read(write_csv(tmp_path / "a.csv", ROWS, delimiter=";", encoding="cp1251"))

    assert layout.encoding == "cp1251"
    assert layout.headers == ["Фамилия", "Имя", "Телефон"]
    assert rows[0][1][:2] == ["Иванов", "Пётр"]


def test_western_text_in_a_legacy_encoding_falls_back_to_latin_1(tmp_path):
    rows = [["Nombre", "Ciudad"], ["José", "Málaga"]]
    layout, read_rows = read(write_csv(tmp_path / "a.csv", rows, encoding="latin-1"))

    assert layout.encoding in ("latin-1", "iso8859-1")
    assert read_rows == [(2, ["José", "Málaga"])]


def test_detect_encoding_on_plain_bytes():
    assert detect_encoding("Ана;Иванова".encode("cp1251")) == "cp1251"
    assert detect_encoding("Ана;Иванова".encode()) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + b"a,b") == "utf-8-sig"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(tmp_path, delimiter):
    rows = [["Nume", "Prenume", "Telefon"], ["Pop", "Ana", "0722 123 456"], ["Ion", "Dan", ""]]
    layout, read_rows = read(write_csv(tmp_path / "a.csv", rows, delimiter=delimiter))

    assert layout.delimiter == delimiter
    assert read_rows[0] == (2, ["Pop", "Ana", "0722 123 456"])


def test_a_given_delimiter_wins_over_sniffing(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["a;b", "c"], ["1;2", "3"]])

    layout, _rows = read(path, delimiter=";")

    assert layout.headers == ["a", "b,c"]


def test_blank_rows_are_skipped_and_row_numbers_are_the_spreadsheets(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["Name", "Phone"], ["Ana", "1"], ["", ""], ["Dan", "2"]])

    _layout, rows = read(path)

    assert [number for number, _cells in rows] == [2, 4]
    assert count_rows(path, ReadOptions()) == 2


def test_short_rows_are_padded_and_repeated_headers_made_unique(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["Phone", "Phone", ""], ["1"]])

    layout, rows = read(path)

    assert layout.headers == ["Phone", "Phone (2)", "Column 3"]
    assert rows == [(2, ["1", "", ""])]


def test_an_empty_file_is_unreadable(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty"):
        read(tmp_path / "a.csv")


def test_a_wrong_encoding_names_the_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"Name\n" + b"Ana\n" * 10 + "Иван\n".encode("cp1251"))
    with pytest.raises(UnreadableFile, match="not valid utf-8"):
        read(path, encoding="utf-8")


def make_xlsx(path, sheets):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_cells_read_as_people_see_them(tmp_path):
    path = make_xlsx(
        tmp_path / "a.xlsx",
        {
            "Leads": [
                ["Nombre", "Teléfono", "Alta", None],
                ["Lucía", 34612345678, dt.datetime(2026, 3, 1), None],
                [None, None, None, None],
                ["Pablo", "+34 612 000 111", None, None],
            ]
        },
    )

    layout, rows = read(path)

    assert layout.format == "xlsx"
    assert layout.sheet == "Leads"
    assert layout.headers == ["Nombre", "Teléfono", "Alta"]
    assert rows == [
        (2, ["Lucía", "34612345678", "2026-03-01"]),
        (4, ["Pablo", "+34 612 000 111", ""]),
    ]


def test_xlsx_sheet_by_name_and_an_unknown_sheet(tmp_path):
    path = make_xlsx(tmp_path / "a.xlsx", {"Notes": [["x"]], "Fair": [["Etunimi"], ["Aino"]]})

    layout, rows = read(path, sheet="Fair")
    assert (layout.headers, rows) == (["Etunimi"], [(2, ["Aino"])])

    with pytest.raises(UnreadableFile, match="No sheet named 'Nope'; the sheets are: Notes, Fair"):
        read(path, sheet="Nope")
