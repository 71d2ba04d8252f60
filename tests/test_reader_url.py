"""KPI_READER_DATABASE_URL: the report batch and the dashboards read through it when it is set."""

from __future__ import annotations

from conftest import REPO
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.store.database import reader_url


def test_reader_url_prefers_the_reader_variable(monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", "postgresql://kpi_writer@db/kpi")
    monkeypatch.delenv("KPI_READER_DATABASE_URL", raising=False)
    assert reader_url().username == "kpi_writer"
    monkeypatch.setenv("KPI_READER_DATABASE_URL", "postgresql://kpi_reader@db/kpi")
    assert reader_url().username == "kpi_reader"
    assert reader_url().drivername == "postgresql+psycopg"
    # an explicit URL wins, as it does for the writer (writer_url)
    assert reader_url("sqlite:///x.sqlite").get_backend_name() == "sqlite"


def test_kpi_report_plans_from_the_reader_database(demo_sqlite_url, tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-such.sqlite'}"
    args = ["report", "-d", "HLT", "--list", "--output-dir", str(tmp_path / "out"),
            "--parameters-dir", str(REPO / "parameters"),
            "--notebooks-dir", str(REPO / "notebooks")]  # fmt: skip
    refused = CliRunner().invoke(app, args, env={"KPI_DATABASE_URL": missing})
    assert refused.exit_code != 0
    result = CliRunner().invoke(
        app,
        args,
        env={"KPI_DATABASE_URL": missing, "KPI_READER_DATABASE_URL": demo_sqlite_url,
             "COLUMNS": "250"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2024-25/FY/HLT" in result.output


def test_database_url_on_the_command_line_wins_over_both_role_variables(demo_sqlite_url, tmp_path):
    """One order for reader and writer: --database-url typed on the command line, then the
    role's variable, then KPI_DATABASE_URL."""
    missing = f"sqlite:///{tmp_path / 'no-such.sqlite'}"
    args = ["--database-url", demo_sqlite_url, "report", "-d", "HLT", "--list",
            "--output-dir", str(tmp_path / "out"), "--parameters-dir", str(REPO / "parameters"),
            "--notebooks-dir", str(REPO / "notebooks")]  # fmt: skip
    env = {"KPI_DATABASE_URL": missing, "KPI_READER_DATABASE_URL": missing, "COLUMNS": "250"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "2024-25/FY/HLT" in result.output
