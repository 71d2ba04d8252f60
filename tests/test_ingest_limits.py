"""Bad input costs bounded memory and time: each return type's limits (rows, columns, unpacked
size) are checked while the file streams, a zip bomb is refused on the zip's declared sizes
before anything is unpacked, and no message grows with the file.

The full-size check (a 7 MB XLSX unpacking to 950 MB, a CSV of 10⁶ columns) is
``benchmarks/bench_ingest_limits.py``; these are the same files scaled down to run in a second.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from ingest_helpers import (
    FINANCIAL_HEADER,
    FINANCIAL_VALUES,
    build_reference,
    data_hash,
    ingest,
    messages,
    write,
    write_xlsx_bomb,
)
from openpyxl import Workbook

from kpilib.ingest import reading
from kpilib.ingest.reading import SHEET_MAX_COLUMNS, FileReadError, read_file
from kpilib.ingest.schemas import RETURN_LIMITS, RETURN_SPECS, render_limits_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
ROW = f"UNI-001,2024-25Q1,{FINANCIAL_VALUES}"
LIMIT = 50_000_000


@pytest.fixture
def engine(sqlite_url):
    return build_reference(sqlite_url)


def refused(engine, path, code="ingest.too-large", **options):
    """The file is rejected with one ``code`` problem, quickly, in little memory, with a short
    message, and the database is unchanged."""
    before = data_hash(engine)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = ingest(engine, path, **options)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.status == "rejected", messages(outcome)
    assert [i.code for i in outcome.errors] == [code], messages(outcome)
    assert all(len(i.message) < 300 for i in outcome.issues)
    assert seconds < 5 and peak < 50_000_000, (seconds, peak)  # a second on an idle machine
    assert data_hash(engine) == before
    return outcome.errors[0]


def test_every_return_type_has_limits_and_the_readme_shows_them():
    assert set(RETURN_LIMITS) == set(RETURN_SPECS)
    assert RETURN_LIMITS["pse_financial"].rows < RETURN_LIMITS["pse_kpi"].rows
    assert RETURN_LIMITS["budget_extract"].rows >= 100_000  # tens of thousands, with headroom
    assert render_limits_markdown() in README


def test_a_zip_bomb_is_refused_on_its_declared_size_before_anything_is_unpacked(engine, tmp_path):
    bomb = write_xlsx_bomb(tmp_path / "bomb.xlsx", 6_000_000)  # over pse_financial's 5 MB
    assert bomb.stat().st_size < 100_000
    error = refused(engine, bomb, return_type="pse_financial")
    assert "unpacks to 6.0 MB, more than a PSE quarterly financial return may hold (5.0 MB)" in (
        error.message
    )


def test_a_sheet_within_the_size_stops_at_the_row_limit_of_the_type_its_header_tells(
    engine, tmp_path
):
    bomb = write_xlsx_bomb(tmp_path / "rows.xlsx", 200_000)  # ~380 statement rows
    error = refused(engine, bomb)  # the type is told from the header: 20 rows at most
    assert "more than 20 data rows, the most a PSE quarterly financial return may hold" in (
        error.message
    )
    assert error.where.row == 22 and error.where.sheet == "pse_financial"


def test_a_workbook_with_more_value_rows_than_any_return_is_stopped_while_scanned(tmp_path):
    from kpilib.ingest.schemas import ReturnLimits

    bomb = write_xlsx_bomb(tmp_path / "rows.xlsx", 200_000)
    with pytest.raises(FileReadError, match="more than 100 data rows") as error:
        read_file(bomb, max_bytes=LIMIT, limits=ReturnLimits(rows=100, unpacked_mb=1))
    assert error.value.code == "ingest.too-large"


def test_a_csv_of_many_columns_is_refused_at_its_first_line_with_a_short_message(engine, tmp_path):
    extra = "".join(f",column_{i}" for i in range(100_000))
    path = write(tmp_path, "wide.csv", f"{FINANCIAL_HEADER}{extra}\n{ROW}\n")
    error = refused(engine, path)
    assert "line 1, about 100,018 cells" in error.message and "at most 64 columns" in (
        error.message
    )
    # sent as a financial return, the file is over that return's size before it is decoded
    small = write(tmp_path, "w.csv", f"{FINANCIAL_HEADER}{extra * 4}\n{ROW}\n")
    assert "more than a PSE quarterly financial return may be (5.0 MB)" in (
        refused(engine, small, return_type="pse_financial").message
    )


def test_a_csv_stops_at_the_row_and_column_limits(engine, tmp_path):
    rows = write(tmp_path, "rows.csv", FINANCIAL_HEADER + "\n" + f"{ROW}\n" * 25)
    error = refused(engine, rows)
    assert "more than 20 data rows" in error.message and error.where.row == 22
    padded = ROW + "," * 60 + "x"
    wide = write(tmp_path, "wide.csv", f"{FINANCIAL_HEADER}\n{padded}\n")
    error = refused(engine, wide, return_type="pse_financial")
    assert "a value in column 78 of row 2" in error.message and error.where.row == 2


def test_a_few_extra_columns_are_named_and_the_rest_counted(engine, tmp_path):
    extra = "".join(f",note_{i}" for i in range(40))
    path = write(tmp_path, "f.csv", f"{FINANCIAL_HEADER}{extra}\n{ROW}\n")
    outcome = ingest(engine, path)
    assert outcome.status == "loaded", messages(outcome)
    (warning,) = outcome.warnings
    assert warning.message.endswith("note_0, note_1, note_2, note_3, note_4 and 35 more")


def _zip_with_sheet(tmp_path: Path, sheet_xml: bytes, texts: int = 0) -> Path:
    """A small workbook whose sheet part is replaced by ``sheet_xml``, with a shared-texts part
    of ``texts`` empty texts when ``texts``."""
    workbook = Workbook()
    workbook.active.append(["x"])
    base = io.BytesIO()
    workbook.save(base)
    path = tmp_path / "odd.xlsx"
    main = b"http://schemas.openxmlformats.org"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = sheet_xml if info.filename.endswith("sheet1.xml") else source.read(info)
            if texts and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdT" Type="' + main
                                    + b'/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')  # fmt: skip
            out.writestr(info, data)
        if texts:
            out.writestr("xl/sharedStrings.xml", b'<sst xmlns="' + main + b'/spreadsheetml/2006/'
                         b'main">' + b"<si><t/></si>" * texts + b"</sst>")  # fmt: skip
    return path


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"<row>" + b"<c><v>1</v></c>" * (SHEET_MAX_COLUMNS + 1) + b"</row>",
         "ingest.unreadable", "more than 16,384 cells"),
        (b'<row r="999999999999"><c t="inlineStr"><is><t>a</t></is></c></row>',
         "ingest.unreadable", "past the last row"),
        ((b"<row>" + b"<c/>" * 1_000 + b"</row>") * 15, "ingest.too-large",
         "more than 10,000 empty formatted cells"),
        ((b"<row>" + b"<c><v>1</v></c>" * 1_000 + b"</row>") * 25, "ingest.too-large",
         "more than 20,400 cells, more than a PSE"),
    ],
)  # fmt: skip
def test_sheets_no_reader_could_hold_are_refused_while_scanned(
    engine, tmp_path, monkeypatch, body, code, words
):
    monkeypatch.setattr(reading, "MIN_CELLS_ALLOWED", 10_000)  # so (20 + 1,000) rows × 20 cells
    path = _zip_with_sheet(tmp_path, SHEET + b"<sheetData>" + body + b"</sheetData></worksheet>")
    assert words in refused(engine, path, code=code, return_type="pse_financial").message


def test_more_shared_texts_than_a_return_holds_are_refused_before_openpyxl_reads_them(
    engine, tmp_path
):
    path = _zip_with_sheet(tmp_path, SHEET + b"<sheetData/></worksheet>", texts=5_000)
    error = refused(engine, path, return_type="pse_financial")
    assert "holds more than 4,080 texts, more than a PSE quarterly financial return" in (
        error.message
    )


def test_a_zip_of_too_many_parts_is_refused_before_any_part_is_read(engine, tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(reading.MAX_PARTS + 1):
            archive.writestr(f"xl/media/{number}.bin", b"")
    assert "workbook of 1,001 parts" in refused(engine, path).message


def test_a_doctype_in_a_workbook_part_is_refused(engine, tmp_path):
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + SHEET + b"</worksheet>"
    path = _zip_with_sheet(tmp_path, xml)
    assert "document type declaration" in refused(engine, path, code="ingest.unreadable").message


def test_a_part_that_unpacks_to_more_than_it_declares_is_damaged(engine, tmp_path):
    row = f'<row><c t="inlineStr"><is><t>{"x" * 50}</t></is></c></row>'.encode()
    path = _zip_with_sheet(tmp_path, SHEET + b"<sheetData>" + row * 2_000 + b"</sheetData>"
                           b"</worksheet>")  # fmt: skip
    part = "xl/worksheets/sheet1.xml"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(part).header_offset
    central = data.find(b"PK\x01\x02" + data[local + 4 : local + 26])  # the part's entry
    declared = (1_000).to_bytes(4, "little")
    data[local + 22 : local + 26] = declared  # the local header's uncompressed size
    data[central + 24 : central + 28] = declared  # the central directory's
    path.write_bytes(bytes(data))
    assert "damaged" in refused(engine, path, code="ingest.unreadable").message


def _workbook_bytes(*, sheets: bool = True) -> bytes:
    workbook = Workbook()
    workbook.active.append(["x"])
    out = io.BytesIO()
    workbook.save(out)
    if sheets:
        return out.getvalue()
    result = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(result, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                start, end = data.index(b"<sheets>"), data.index(b"</sheets>") + 9
                data = data[:start] + b"<sheets/>" + data[end:]
            if not info.filename.startswith("xl/worksheets/"):
                target.writestr(info, data)
    return result.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"", "empty (0 bytes)"),
        ("nul.csv", f"{FINANCIAL_HEADER}\n{ROW}\x00\n".encode(), "NUL bytes"),
        ("corrupt.xlsx", b"PK\x03\x04" + bytes(200), "not a readable XLSX"),
        ("cut.xlsx", _workbook_bytes()[:900], "not a readable XLSX"),
        ("sheetless.xlsx", _workbook_bytes(sheets=False), "has no sheets"),
        ("random.xlsx", bytes(range(1, 256)) * 40, "cannot be decoded"),
    ],
)
def test_bad_input_is_a_problem_in_the_outcome_never_an_exception(
    engine, tmp_path, name, data, words
):
    path = write(tmp_path, name, "")
    path.write_bytes(data)
    for return_type in (None, "pse_financial"):
        outcome = ingest(engine, path, return_type=return_type, entity="UNI-001")
        assert outcome.status == "rejected" and words in messages(outcome), messages(outcome)
        assert outcome.errors[0].code == "ingest.unreadable"


def test_a_reader_failure_nobody_foresaw_is_still_a_message(engine, tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("kpilib.ingest.pipeline.read_file", broken)
    outcome = ingest(engine, write(tmp_path, "f.csv", f"{FINANCIAL_HEADER}\n{ROW}\n"))
    assert outcome.status == "rejected"
    assert "cannot be read (RecursionError)" in messages(outcome)
