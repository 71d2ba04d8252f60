"""Fuzzing ``kpi ingest`` with random and mutated files: it always ends with a load or a clear
error naming the problem (never a traceback), and a rejected file never changes the database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import BUDGET_HEADER, build_reference, data_hash
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.store.database import connect

GOOD_ROWS = [
    ["HLT00001", "current", "A01", "2024-25M01", "1000000", "1000000", "900000", "800000"],
    ["HLT00001", "current", "A01", "2024-25M02", "1000000", "1000000", "", ""],
    ["HLT00002", "development", "A03", "2024-25M01", "500000", "400000", "300000", "200000"],
]
ODD_VALUES = st.one_of(
    st.sampled_from(["9" * 30, "1e308", "-1e308", "nan", "inf", "-0", "1,2,3", "(5)", "٣٤",
                     "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "+1", "\u202e123", "\x00",
                     "2024-25M13", "1.5", " ", '"', "\r\n"]),
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)  # fmt: skip


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def mutated_csv(draw) -> tuple[str, bytes]:
    header = BUDGET_HEADER.split(",")
    rows = [list(r) for r in GOOD_ROWS]
    mutation = draw(st.sampled_from(["shuffle", "rename", "cell", "truncate", "drop", "encode"]))
    if mutation == "shuffle":
        order = draw(st.permutations(range(len(header))))
        header = [header[i] for i in order]
        rows = [[r[i] for i in order] for r in rows]
    elif mutation == "rename":
        index = draw(st.integers(0, len(header) - 1))
        header[index] = draw(st.text(max_size=15))
    elif mutation == "cell":
        for _ in range(draw(st.integers(1, 4))):
            row = draw(st.integers(0, len(rows) - 1))
            rows[row][draw(st.integers(0, len(header) - 1))] = draw(ODD_VALUES)
    elif mutation == "drop":
        del header[draw(st.integers(0, len(header) - 1))]
    data = csv_text(header, rows).encode("utf-8")
    if mutation == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    if mutation == "encode":
        data = csv_text(header, rows).encode(draw(st.sampled_from(["utf-16", "cp1252",
                                                                   "utf-8-sig"])))  # fmt: skip
    return ".csv", data


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(BUDGET_HEADER.split(","))
    for row in GOOD_ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX = xlsx_bytes()
FILES = st.one_of(
    st.tuples(st.sampled_from([".csv", ".xlsx", ".txt"]), st.binary(max_size=3000)),
    mutated_csv(),
    st.integers(0, len(XLSX) - 1).map(lambda n: (".xlsx", XLSX[:n])),
    st.tuples(st.just(".xlsx"), st.binary(min_size=1, max_size=200)).map(
        lambda t: (t[0], b"PK\x03\x04" + t[1])
    ),
)


@pytest.fixture
def reference_url(sqlite_url):
    build_reference(sqlite_url)
    return sqlite_url


@settings(max_examples=70, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(file=FILES)
def test_any_file_ends_in_a_load_or_a_clear_error(reference_url, tmp_path_factory, file):
    suffix, content = file
    folder: Path = tmp_path_factory.mktemp("fuzz")
    path = folder / f"return{suffix}"
    path.write_bytes(content)
    engine = connect(reference_url)
    before = data_hash(engine)
    result = CliRunner().invoke(
        app, ["--database-url", reference_url, "ingest", str(path)], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert "1 rejected" in result.output and "error:" in result.output
        assert data_hash(engine) == before
        report = folder / f"return{suffix}.errors.csv"
        assert report.exists()
    else:
        assert "1 loaded" in result.output or "1 unchanged" in result.output
    engine.dispose()
