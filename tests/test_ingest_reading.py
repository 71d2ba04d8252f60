"""Reading files as the sender made them: encodings, delimiters, sheets, row numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from kpilib.ingest.reading import FileReadError, read_file

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


def test_xlsx_sheet_choice_is_reported_and_formulas_stay_text(tmp_path):
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
    assert raw.sheet == "Data" and "sheet 'Data' was read" in raw.notes[0]
    assert raw.rows == [(3, ["MTI-BOR", "=SUM(A1:A2)"])]
    cover = read_file(path, max_bytes=LIMIT, sheet="Cover")
    assert cover.sheet == "Cover" and "as asked" in cover.notes[0]
    with pytest.raises(FileReadError, match=r"no sheet 'Nope'.*Cover, Data"):
        read_file(path, max_bytes=LIMIT, sheet="Nope")
