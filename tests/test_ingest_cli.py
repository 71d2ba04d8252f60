"""``kpi template``, ``kpi ingest`` and ``kpi submissions`` through the CLI runner, and the
README's return tables kept equal to the pandera schemas."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ingest_helpers import (
    FINANCIAL_HEADER,
    FINANCIAL_VALUES,
    budget_file,
    build_reference,
    financial_file,
    write,
)
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.ingest import RETURN_SPECS, IngestOptions, ingest_file
from kpilib.ingest.schemas import render_schema_markdown
from kpilib.ingest.templates import instructions_frame

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def invoke(url, *args):
    return CliRunner().invoke(app, ["--database-url", url, *args], catch_exceptions=False,
                              env={"COLUMNS": "200"})  # fmt: skip


@pytest.mark.parametrize("return_type", sorted(RETURN_SPECS))
def test_readme_lists_every_return_schema_as_generated(return_type):
    assert render_schema_markdown(RETURN_SPECS[return_type]) in README


def test_template_formats(tmp_path, sqlite_url):
    result = invoke(sqlite_url, "template", "budget_extract", "--format", "xlsx", "--out",
                    str(tmp_path / "b.xlsx"))  # fmt: skip
    assert result.exit_code == 0, result.output
    workbook = load_workbook(tmp_path / "b.xlsx")
    assert workbook.sheetnames == ["budget_extract", "Instructions"]
    sheet = workbook["budget_extract"]
    assert [c.value for c in sheet[1]][:3] == ["department_code", "cost_centre_code", "budget_type"]
    assert sheet.max_row == 2  # header and one example row
    invoke(sqlite_url, "template", "revenue", "--format", "csv", "--out", str(tmp_path / "r.csv"))
    rows = list(csv.reader((tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == list(RETURN_SPECS["revenue"].column_names) and len(rows) == 2
    bad = CliRunner().invoke(app, ["template", "nonsense"])
    assert bad.exit_code == 1 and "Unknown return type" in str(bad.exception)


def test_ingest_reports_and_exit_codes(tmp_path, sqlite_url):
    build_reference(sqlite_url)
    good = financial_file(tmp_path)
    bad = budget_file(tmp_path, rows=["HLT00001,current,A01,2024-25M01,=1+1,1,1,1"])
    dry = invoke(sqlite_url, "ingest", str(good), "--dry-run")
    assert dry.exit_code == 0 and "1 valid (dry run)" in dry.output
    result = invoke(sqlite_url, "ingest", str(good), str(bad))
    assert result.exit_code == 1
    assert "1 loaded" in result.output and "1 rejected" in result.output
    assert "row 2, column original_budget: is not an amount" in result.output
    report = tmp_path / "budget.csv.errors.csv"
    rows = list(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["file"] == "budget.csv" and rows[0]["row"] == "2"
    assert rows[0]["column"] == "original_budget" and rows[0]["value"] == "'=1+1"  # neutralised
    named = tmp_path / "all-errors.csv"
    again = invoke(sqlite_url, "ingest", str(good), str(bad), "--report", str(named))
    assert again.exit_code == 1 and "1 unchanged" in again.output and named.exists()
    refused = CliRunner().invoke(app, ["--database-url", sqlite_url, "ingest", str(bad),
                                       "--report", str(tmp_path / "x.txt")])  # fmt: skip
    assert "name it *.csv" in str(refused.exception)


def test_messages_name_no_option_and_the_cli_adds_one_hint_line(tmp_path, sqlite_url):
    engine = build_reference(sqlite_url)
    header = FINANCIAL_HEADER.replace("entity_code,period,", "")
    path = write(tmp_path, "f.csv", f"{header}\n{FINANCIAL_VALUES}\n")
    outcome = ingest_file(engine, path, IngestOptions())
    assert {"ingest.missing-scope", "ingest.missing-period"} <= {i.code for i in outcome.errors}
    assert all("--" not in i.message for i in outcome.issues)  # the officer typed no option
    result = invoke(sqlite_url, "ingest", str(path))
    assert result.exit_code == 1
    (hint,) = [line for line in result.output.splitlines() if line.startswith("Options:")]
    assert "ingest.missing-scope: set the PSE with --entity" in hint
    assert "ingest.missing-period: set the quarter with --period" in hint
    assert invoke(sqlite_url, "ingest", str(path), "--entity", "UNI-001", "--period",
                  "2024-25Q1").exit_code == 0  # fmt: skip


def test_the_instructions_sheet_explains_how_to_fill_not_how_to_run_a_command():
    for spec in RETURN_SPECS.values():
        text = " ".join(str(v) for v in instructions_frame(spec).to_numpy().ravel())
        assert "kpi " not in text and "--" not in text
        assert ("entity_code" if spec.sender == "entity" else "department_code") in text


def test_report_cannot_overwrite_an_input(tmp_path, sqlite_url):
    build_reference(sqlite_url)
    bad = write(tmp_path, "bad.csv", "nothing useful\n1\n")
    result = CliRunner().invoke(app, ["--database-url", sqlite_url, "ingest", str(bad),
                                      "--report", str(bad)])  # fmt: skip
    assert "one of the input files" in str(result.exception)
    assert bad.read_text() == "nothing useful\n1\n"


def test_submissions_received_outstanding_and_history(tmp_path, sqlite_url):
    build_reference(sqlite_url)
    invoke(sqlite_url, "ingest", str(financial_file(tmp_path)))
    received = invoke(sqlite_url, "submissions")
    assert received.exit_code == 0 and "UNI-001" in received.output
    outstanding = invoke(sqlite_url, "submissions", "--outstanding", "--as-of", "2024-11-30",
                         "--out", str(tmp_path / "missing.xlsx"))  # fmt: skip
    assert outstanding.exit_code == 0 and "20 returns outstanding" in outstanding.output
    assert load_workbook(tmp_path / "missing.xlsx")["submissions"].max_row == 21
    history = invoke(sqlite_url, "submissions", "history", "--sender", "UNI-001")
    assert history.exit_code == 0 and "fin.csv" in history.output and "accepted" in history.output
    bad = invoke(sqlite_url, "submissions", "--as-of", "yesterday")
    assert bad.exit_code == 2


def test_a_missing_file_is_rejected_without_writing_anywhere(tmp_path, sqlite_url):
    build_reference(sqlite_url)
    missing = tmp_path / "absent" / "x.csv"
    result = invoke(sqlite_url, "ingest", str(missing))
    assert result.exit_code == 1 and "cannot be opened" in result.output
    assert list(tmp_path.rglob("*.errors.csv")) == []
