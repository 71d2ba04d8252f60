"""``kpi template``, ``kpi ingest`` and ``kpi submissions`` through the CLI runner, and the
README's return tables kept equal to the pandera schemas."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from cli_helpers import run_kpi
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


def test_the_blank_templates_example_row_is_marked_as_one(tmp_path, sqlite_url):
    path = tmp_path / "k.xlsx"
    assert invoke(sqlite_url, "template", "pse_kpi", "--out", str(path)).exit_code == 0
    workbook = load_workbook(path)
    example = workbook["pse_kpi"]["A2"]
    assert (
        example.value == "MTI-001"
        and example.font.italic
        and "Example row" in (example.comment.text)
    )
    assert "is an EXAMPLE" in workbook["Instructions"]["A2"].value


AMOUNTS = [c.name for c in RETURN_SPECS["pse_financial"].columns if c.kind == "money"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_prefilled_template_loads_once_its_amounts_are_filled_in(
    tmp_path, sqlite_url, file_format
):
    engine = build_reference(sqlite_url)
    path = tmp_path / f"UNI-001_2025-26Q2.{file_format}"
    result = invoke(sqlite_url, "template", "pse_financial", "--entity", "uni-001", "--period",
                    "2025-26Q2", "--format", file_format, "--out", str(path))  # fmt: skip
    assert result.exit_code == 0 and "for UNI-001 2025-26Q2, amounts empty" in result.output
    sent_for = IngestOptions(entity="UNI-001", period="2025-26Q2")  # as the portal sends it
    empty = ingest_file(engine, path, sent_for)
    assert empty.status == "rejected"
    assert {i.where.column for i in empty.errors} == set(AMOUNTS)  # every amount, named
    assert all("is empty: this amount is required" in i.message for i in empty.errors)
    if file_format == "csv":
        text = path.read_text(encoding="utf-8-sig")
        assert text.splitlines()[1] == "UNI-001,2025-26Q2" + "," * len(AMOUNTS)
        path.write_text(text.replace("," * len(AMOUNTS), "," + FINANCIAL_VALUES))
    else:
        workbook = load_workbook(path)
        sheet = workbook["pse_financial"]
        assert [c.value for c in sheet[2]] == ["UNI-001", "2025-26Q2"] + [None] * len(AMOUNTS)
        for column, value in enumerate(FINANCIAL_VALUES.split(","), start=3):
            sheet.cell(row=2, column=column, value=int(value))
        workbook.save(path)
    outcome = ingest_file(engine, path, sent_for)
    assert outcome.status == "loaded", [i.message for i in outcome.issues]
    assert outcome.scope == "UNI-001 2025-26Q2" and outcome.issues == []


def test_department_templates_are_prefilled_for_the_year_and_options_are_checked(
    tmp_path, sqlite_url
):
    path = tmp_path / "b.csv"
    result = invoke(sqlite_url, "template", "budget_extract", "--department", "HLT", "--period",
                    "2025-26", "--format", "csv", "--out", str(path))  # fmt: skip
    assert result.exit_code == 0
    row = path.read_text(encoding="utf-8-sig").splitlines()[1]
    assert row == "HLT,HLT00001,current,A01,2025-26M01,,,,"  # the example's month, in that year
    wrong = [
        ("budget_extract", "--entity", "UNI-001"), ("pse_financial", "--department", "HLT"),
        ("pse_financial", "--period", "2025-26"), ("budget_extract", "--period", "2025-26Q2"),
        ("pse_financial", "--period", "someday"),
    ]  # fmt: skip
    for return_type, option, value in wrong:
        result = invoke(sqlite_url, "template", return_type, option, value, "--out",
                        str(tmp_path / "x.csv"))  # fmt: skip
        assert result.exit_code == 2, (option, value, result.output)
    assert not (tmp_path / "x.csv").exists()


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
        assert "kpi ingest" not in text and "--" not in text
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


def test_the_summary_speaks_of_a_dry_run_only_in_one(tmp_path, sqlite_url):
    build_reference(sqlite_url)
    loaded = invoke(sqlite_url, "ingest", str(financial_file(tmp_path)))
    assert loaded.exit_code == 0
    assert "1 file(s): 1 loaded, 0 unchanged, 0 rejected" in loaded.output
    assert "dry run" not in loaded.output.lower()
    dry = invoke(sqlite_url, "ingest", str(financial_file(tmp_path)), "--dry-run")
    assert "1 file(s): 1 valid (dry run), 0 rejected" in dry.output
    assert "loaded" not in dry.output.splitlines()[-1]


@pytest.mark.parametrize("args", [("submissions",), ("submissions", "--outstanding"),
                                  ("submissions", "history")], ids=" ".join)  # fmt: skip
def test_an_unknown_sender_is_one_line_and_exit_code_1(demo_sqlite_url, capsys, monkeypatch,
                                                       args):  # fmt: skip
    result = run_kpi(capsys, monkeypatch, "--database-url", demo_sqlite_url, *args,
                     "--sender", "NOPE")  # fmt: skip
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [
        "Error: No PSE or department has the code 'NOPE' "
        "(PSE codes look like UNI-001, department codes like HLT)"
    ]
    near = run_kpi(capsys, monkeypatch, "--database-url", demo_sqlite_url, *args,
                   "--sender", "HLTT")  # fmt: skip
    assert near.code == 1 and "did you mean HLT?" in near.err
    known = run_kpi(capsys, monkeypatch, "--database-url", demo_sqlite_url, *args,
                    "--sender", "uni-001")  # fmt: skip
    assert known.code == 0 and "UNI-001" in known.out


def test_outstanding_returns_come_most_recent_first(demo_sqlite_url):
    from kpilib.ingest.status import load_outstanding
    from kpilib.store.database import connect

    with connect(demo_sqlite_url, read_only=True).connect() as connection:
        frame = load_outstanding(connection, date(2026, 2, 15))
    assert frame["due_date"].is_monotonic_decreasing and frame["due_date"].nunique() > 4
    shown = invoke(demo_sqlite_url, "submissions", "--outstanding", "--as-of", "2026-02-15",
                   "--limit", "400")  # fmt: skip
    dues = [line.split("│")[5].strip() for line in shown.output.splitlines() if "│" in line]
    assert dues == sorted(dues, reverse=True) and dues[0] == str(frame["due_date"].iloc[0])


def test_the_out_files_extension_picks_the_template_format(tmp_path, capsys, monkeypatch):
    csv_path, md_path = tmp_path / "x.csv", tmp_path / "x.md"
    written = run_kpi(capsys, monkeypatch, "template", "pse_financial", "--out", str(csv_path))
    assert written.code == 0 and written.err == ""
    header = csv_path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",") == list(RETURN_SPECS["pse_financial"].column_names)
    assert run_kpi(capsys, monkeypatch, "template", "pse_kpi", "--out", str(md_path)).code == 0
    assert md_path.read_text().startswith("**`pse_kpi`**")
    agreeing = ("--out", str(tmp_path / "y.XLSX"), "--format", "xlsx")
    assert run_kpi(capsys, monkeypatch, "template", "pse_kpi", *agreeing).code == 0
    assert load_workbook(tmp_path / "y.XLSX").sheetnames == ["pse_kpi", "Instructions"]
    clash = run_kpi(capsys, monkeypatch, "template", "pse_financial", "--format", "xlsx",
                    "--out", str(tmp_path / "z.csv"))  # fmt: skip
    assert clash.code == 1 and clash.err.splitlines() == [
        f"Error: Cannot write {tmp_path / 'z.csv'}: --format xlsx does not match its extension "
        ".csv (drop --format, or name the file z.xlsx)."
    ]
    unknown = run_kpi(capsys, monkeypatch, "template", "pse_financial", "--out",
                      str(tmp_path / "z.txt"))  # fmt: skip
    assert unknown.code == 1 and len(unknown.err.splitlines()) == 1
    assert "name it *.csv, *.xlsx or *.md" in unknown.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv", "x.md", "y.XLSX"]
