"""Reading files as the sender made them: encodings, delimiters, sheets, row numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kpilib.ingest.pipeline import KNOWN_COLUMNS
from kpilib.ingest.reading import INSTRUCTIONS_SHEET, FileReadError, read_file
from kpilib.ingest.schemas import RETURN_SPECS
from kpilib.ingest.templates import write_template

LIMIT = 10_000_000


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding", "note"),
    [
        ("code,name\nA01,Café\n".encode(), "utf-8", False),
        ("code,name\nA01,Café\n".encode("utf-8-sig"), "utf-8-sig", False),
        ("code,name\nA01,Café – Rs\n".encode("cp1252"), "cp1252", True),
    ],
)
def test_csv_encodings_are_detected(tmp_path, data, encoding, note):
    raw = read_file(write(tmp_path, "f.csv", data), max_bytes=LIMIT)
    assert raw.encoding == encoding and raw.columns == ["code", "name"]
    assert raw.rows[0][1][1].startswith("Café")
    assert bool(raw.notes) is note


def test_declared_encoding_and_its_errors(tmp_path):
    path = write(tmp_path, "f.csv", "code\nÉ\n".encode("cp1252"))
    assert read_file(path, max_bytes=LIMIT, encoding="cp1252").rows[0][1] == ["É"]
    with pytest.raises(FileReadError, match="not valid utf-8"):
        read_file(path, max_bytes=LIMIT, encoding="utf-8")
    with pytest.raises(FileReadError, match="not a known encoding"):
        read_file(path, max_bytes=LIMIT, encoding="klingon")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0rest", "old binary .xls"),
        (b"a,b\x00\n", "NUL"),
        (b"PK\x03\x04garbage", "not a readable XLSX"),
        ("a,b\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_unreadable_files_say_why(tmp_path, data, message):
    with pytest.raises(FileReadError, match=message):
        read_file(write(tmp_path, "f.csv", data), max_bytes=LIMIT)


def test_size_limit(tmp_path):
    with pytest.raises(FileReadError, match="files over 100 bytes are not accepted") as error:
        read_file(write(tmp_path, "f.csv", b"a,b\n" * 100), max_bytes=100)
    assert error.value.code == "ingest.too-large"


def test_rows_keep_the_senders_numbering_and_delimiters(tmp_path):
    raw = read_file(write(tmp_path, "f.csv", b"\n Code ; Cost-Centre\n\nA;1\n;\nB;2\n"),
                    max_bytes=LIMIT)  # fmt: skip
    assert raw.columns == ["code", "cost_centre"] and raw.header_row == 2
    assert [number for number, _ in raw.rows] == [4, 6]


def test_xlsx_data_sheet_is_chosen_silently_and_formulas_stay_text(tmp_path):
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Cover"
    notes.append(["Quarterly return of a demo PSE"])
    data = workbook.create_sheet("Data")
    data.append(["indicator_code", "target"])
    data.append([None, None])
    data.append(["MTI-BOR", "=SUM(A1:A2)"])
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    raw = read_file(path, max_bytes=LIMIT, known_columns=frozenset({"indicator_code"}))
    assert raw.sheet == "Data" and raw.notes == []  # a cover note is no second return
    assert raw.rows == [(3, ["MTI-BOR", "=SUM(A1:A2)"])]
    cover = read_file(path, max_bytes=LIMIT, sheet="Cover")
    assert cover.sheet == "Cover" and cover.notes == []  # as asked
    with pytest.raises(FileReadError, match=r"no sheet named 'Nope'.*Cover, Data"):
        read_file(path, max_bytes=LIMIT, sheet="Nope")


@pytest.mark.parametrize("return_type", sorted(RETURN_SPECS))
def test_a_workbook_made_from_the_template_is_read_without_a_warning(tmp_path, return_type):
    path = write_template(return_type, "xlsx", tmp_path / f"{return_type}.xlsx")
    assert load_workbook(path).sheetnames == [return_type, INSTRUCTIONS_SHEET]
    raw = read_file(path, max_bytes=LIMIT, known_columns=KNOWN_COLUMNS)
    assert raw.sheet == return_type and raw.notes == []
    assert raw.columns == list(RETURN_SPECS[return_type].column_names)


def test_two_sheets_that_look_like_returns_draw_a_warning(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Q1"
    workbook.active.append(["indicator_code", "target"])
    workbook.active.append(["MTI-BOR", 1])
    second = workbook.create_sheet("Q2")
    second.append(["indicator_code", "actual"])
    second.append(["MTI-BOR", 2])
    workbook.create_sheet(INSTRUCTIONS_SHEET).append(["How to fill it"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    raw = read_file(path, max_bytes=LIMIT, known_columns=KNOWN_COLUMNS)
    assert raw.sheet == "Q1"
    assert [str(note) for note in raw.notes] == [
        "the workbook has 2 sheets that look like returns (Q1, Q2); the sheet named 'Q1' was "
        "read: send one return per workbook"
    ]


def test_without_a_known_column_the_first_sheet_but_the_instructions_is_read(tmp_path):
    workbook = Workbook()
    workbook.active.title = INSTRUCTIONS_SHEET
    workbook.active.append(["How to fill it"])
    workbook.create_sheet("Blank")
    workbook.create_sheet("Mine").append(["code", "sum"])
    path = tmp_path / "odd.xlsx"
    workbook.save(path)
    raw = read_file(path, max_bytes=LIMIT, known_columns=KNOWN_COLUMNS)
    assert raw.sheet == "Mine" and raw.columns == ["code", "sum"]
    assert "no sheet of the workbook names a column of a return" in str(raw.notes[0])
