"""``kpi params check`` and ``kpi report`` through typer's runner: output and exit codes."""

import shutil

import pytest
from conftest import REPO
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.errors import KpiError

runner = CliRunner()


def invoke(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args], catch_exceptions=True)


def test_params_check_passes_on_the_repository_files(demo_sqlite_url):
    result = invoke(
        demo_sqlite_url, "params", "check",
        "--parameters-dir", str(REPO / "parameters"), "--notebooks-dir", str(REPO / "notebooks"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "32 department file(s) for 32 department(s)" in text
    assert "Every department has its own parameter file" in text and "valid" in text


def test_params_check_lists_every_problem_and_the_departments_on_defaults(
    demo_sqlite_url, tmp_path
):
    parameters = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", parameters)
    (parameters / "departments" / "ZKT.yaml").unlink()
    (parameters / "departments" / "HLT.yaml").write_text("indicators: [ESE-NER]\n")
    (parameters / "departments" / "XXX.yaml").write_text("{}\n")
    result = invoke(
        demo_sqlite_url, "params", "check",
        "--parameters-dir", str(parameters), "--notebooks-dir", str(REPO / "notebooks"),
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "use the defaults: ZKT" in text
    assert "XXX.yaml: unknown department 'XXX'" in text
    assert "HLT.yaml: indicators[0]: indicator 'ESE-NER' belongs to department ESE" in text
    assert "2 problem(s) found" in text


def test_params_check_reports_schema_errors(demo_sqlite_url, tmp_path):
    parameters = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", parameters)
    (parameters / "defaults.yaml").write_text("department: {sections: [budget]}\nextra: 1\n")
    result = invoke(
        demo_sqlite_url, "params", "check",
        "--parameters-dir", str(parameters), "--notebooks-dir", str(REPO / "notebooks"),
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "defaults.yaml: extra: unknown key" in text
    assert "defaults.yaml: department.officer_title: required key is missing" in text


def test_report_list_shows_the_resolved_batch_and_runs_nothing(demo_sqlite_url, tmp_path):
    result = runner.invoke(
        app,
        ["--database-url", demo_sqlite_url, "report", "--all", "--list",
         "--output-dir", str(tmp_path), "--parameters-dir", str(REPO / "parameters"),
         "--notebooks-dir", str(REPO / "notebooks")],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "34 report(s)" in result.output  # 32 departments, the summary, the PSE portfolio
    assert "2024-25/FY/HLT" in result.output and "2024-25/FY/provincial_summary" in result.output
    assert "green 97, amber 80" in result.output and "Secretary, Health Department" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "NOPE"], "unknown department(s) NOPE"),
        (["-d", "HLT", "--fiscal-year", "2030-31"], "fiscal year 2030-31 is not in the database"),
        (["-d", "HLT", "--format", "docx"], "unknown: docx"),
        (["-d", "HLT", "--period", "Q7"], "must be one of FY, Q1, Q2, Q3, Q4"),
    ],
)
def test_report_refuses_bad_requests_before_any_kernel(demo_sqlite_url, tmp_path, args, message):
    result = invoke(
        demo_sqlite_url, "report", *args, "--list", "--output-dir", str(tmp_path),
        "--parameters-dir", str(REPO / "parameters"), "--notebooks-dir", str(REPO / "notebooks"),
    )  # fmt: skip
    assert isinstance(result.exception, KpiError), result.output
    assert message in str(result.exception)


def test_report_needs_departments_or_all(demo_sqlite_url):
    result = invoke(demo_sqlite_url, "report")
    assert result.exit_code == 2 and "--department CODE" in result.output
