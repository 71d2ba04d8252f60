"""The ``kpi`` command through typer's runner: help, output and exit codes, friendly errors."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kpilib.cli import app

runner = CliRunner()


def invoke(*args: str, url: str | None = None):
    prefix = ["--database-url", url] if url else []
    return runner.invoke(app, [*prefix, *args], catch_exceptions=False)


def run_kpi(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``kpi`` in its own process, as a user runs it (stdout and stderr piped)."""
    return subprocess.run(
        [sys.executable, "-c", "from kpilib.cli import main; main()", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


def all_commands(group=None, prefix=()):
    """Every (sub)command path of the app, e.g. ('db', 'info')."""
    import typer.main

    command = typer.main.get_command(app) if group is None else group
    for name, sub in getattr(command, "commands", {}).items():
        yield (*prefix, name)
        yield from all_commands(sub, (*prefix, name))


@pytest.mark.parametrize("path", [(), *all_commands()], ids=lambda p: " ".join(p) or "kpi")
def test_every_command_explains_itself(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output.splitlines()) > 4


def test_demo_then_info_shows_183_pses(sqlite_url):
    assert invoke("demo", url=sqlite_url).exit_code == 0
    result = invoke("db", "info", "--json", url=sqlite_url)
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["row_counts"]["entities"] == 183
    assert info["is_demo"] is True
    assert info["schema"]["up_to_date"] is True
    text = invoke("db", "info", url=sqlite_url).output
    assert "DEMO DATA" in text and "183" in text


def test_demo_if_empty_leaves_data_alone(sqlite_url):
    invoke("demo", "--seed", "3", url=sqlite_url)
    result = invoke("demo", "--if-empty", "--seed", "4", url=sqlite_url)
    assert result.exit_code == 0
    assert "left as it is" in result.output
    assert (
        json.loads(invoke("db", "info", "--json", url=sqlite_url).output)["dataset"]["demo_seed"]
        == "3"
    )


def test_db_upgrade_creates_then_reports_nothing_to_do(sqlite_url):
    first = invoke("db", "upgrade", url=sqlite_url)
    assert first.exit_code == 0 and "upgraded from empty" in first.output
    second = invoke("db", "upgrade", url=sqlite_url)
    assert "nothing to do" in second.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "not a database URL"),
        ("oracle://scott@db/orcl", "not supported"),
        ("postgresql://postgres:hunter2@127.0.0.1:1/test", "Cannot connect"),
    ],
)
def test_bad_database_gets_a_message_not_a_traceback(url, message):
    result = run_kpi("--database-url", url, "db", "upgrade")
    assert result.returncode == 1
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_bad_option_value_is_a_usage_error(sqlite_url):
    result = runner.invoke(app, ["--database-url", sqlite_url, "demo", "--as-of", "15/02/2026"])
    assert result.exit_code == 2
    assert "not a date" in result.output


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "info"), ("submissions",),
                                     ("demo",)], ids=" ".join)  # fmt: skip
def test_a_text_file_as_the_database_is_one_line_and_exit_code_1(tmp_path, command):
    notes = tmp_path / "notes.txt"
    notes.write_text("Minutes of the budget meeting\n" * 20)
    result = run_kpi("--database-url", f"sqlite:///{notes}", *command)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: Cannot connect to the database at sqlite:///{notes}"
        + (" (read-only)" if command in (("db", "info"), ("submissions",)) else "")
        + ": the file is not an SQLite database (check the path)"
    ]
    assert notes.read_text() == "Minutes of the budget meeting\n" * 20
