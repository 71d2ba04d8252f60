"""``kpi``'s global option anywhere on the line, piped output and ``--json`` (issue 21)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa
import typer.main
from cli_helpers import run_kpi
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.store.database import ENV_READER_URL, ENV_WRITER_URL, connect

#: The commands that never open the database.
NO_DATABASE = {("template",)}


def _commands(group=None, prefix=()):
    command = typer.main.get_command(app) if group is None else group
    for name, sub in getattr(command, "commands", {}).items():
        if not getattr(sub, "commands", None) or getattr(sub, "invoke_without_command", False):
            yield (*prefix, name), sub
        yield from _commands(sub, (*prefix, name))


@pytest.mark.parametrize(("path", "command"), list(_commands()),
                         ids=[" ".join(p) for p, _ in _commands()])  # fmt: skip
def test_every_command_that_opens_the_database_takes_database_url(path, command):
    options = {o for p in command.params for o in getattr(p, "opts", [])}
    assert ("--database-url" in options) is (path not in NO_DATABASE)


@pytest.mark.parametrize(
    "args",
    [("submissions",), ("submissions", "history"), ("access", "list"), ("db", "info"),
     ("audit", "verify")],
    ids=" ".join,
)  # fmt: skip
def test_database_url_before_or_after_the_command(demo_sqlite_url, capsys, monkeypatch, args):
    monkeypatch.setenv("KPI_DATABASE_URL", "sqlite:////nonexistent/kpi.sqlite")
    for role in (ENV_READER_URL, ENV_WRITER_URL):
        monkeypatch.setenv(role, "sqlite:////nonexistent/role.sqlite")
    before = run_kpi(capsys, monkeypatch, "--database-url", demo_sqlite_url, *args)
    after = run_kpi(capsys, monkeypatch, *args, "--database-url", demo_sqlite_url)
    assert before.code == after.code == 0, after.err
    assert before.out == after.out and before.out


def test_database_url_after_the_command_keeps_the_precedence(tmp_path, monkeypatch):
    """Command line (before or after the command) > the role's variable > KPI_DATABASE_URL."""
    urls = {n: f"sqlite:///{tmp_path / n}.sqlite" for n in ("base", "writer", "typed")}
    for url in urls.values():
        _one_pse(url)
    monkeypatch.setenv("KPI_DATABASE_URL", urls["base"])
    monkeypatch.setenv(ENV_WRITER_URL, urls["writer"])
    grant = ["access", "grant", "UNI-001", "--name", "A"]
    assert CliRunner().invoke(app, grant).exit_code == 0
    assert CliRunner().invoke(app, [*grant, "--database-url", urls["typed"]]).exit_code == 0
    monkeypatch.delenv(ENV_WRITER_URL)
    assert CliRunner().invoke(app, grant).exit_code == 0
    assert {n: _links(u) for n, u in urls.items()} == {"base": 1, "writer": 1, "typed": 1}


def _one_pse(url: str) -> None:
    from kpilib.store.models import Base

    engine = connect(url)
    with engine.begin() as connection:
        connection.execute(Base.metadata.tables["departments"].insert(),
                           {"id": 1, "code": "HED", "name": "Higher Education"})  # fmt: skip
        connection.execute(Base.metadata.tables["entities"].insert(),
                           {"id": 1, "code": "UNI-001", "name": "Demo University",
                            "category": "university", "department_id": 1})  # fmt: skip
    engine.dispose()


def _links(url: str) -> int:
    with connect(url).connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM access_tokens")).scalar_one()


def test_piped_tables_keep_every_column_whole(demo_sqlite_url, capsys, monkeypatch):
    shown = run_kpi(capsys, monkeypatch, "submissions", "--database-url", demo_sqlite_url,
                    "--limit", "3")  # fmt: skip
    assert shown.code == 0 and "…" not in shown.out.split("\n… ")[0]
    header = next(line for line in shown.out.splitlines() if "submission_id" in line)
    for column in ("submission_id", "return_type", "period_code", "due_date", "on_time"):
        assert f" {column} " in header
    assert "budget_extract" in shown.out and max(map(len, shown.out.splitlines())) > 80
    missing = run_kpi(capsys, monkeypatch, "submissions", "--outstanding", "--limit", "2",
                      "--database-url", demo_sqlite_url)  # fmt: skip
    assert " entity_code " in missing.out and " days_overdue " in missing.out


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (("submissions",), ["submission_id", "return_type", "sender", "period_code",
                            "first_received_at", "received_date", "received_at", "due_date",
                            "on_time", "version", "submitted_by", "row_count"]),
        (("submissions", "--outstanding"), ["entity_code", "category", "department_code",
                                            "return_type", "period_code", "due_date",
                                            "days_overdue"]),
        (("submissions", "history"), ["submission_id", "return_type", "sender", "period_code",
                                      "version", "status", "supersedes_id", "received_at",
                                      "submitted_by", "row_count", "content_hash", "file_name",
                                      "size_bytes", "sheet"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)  # fmt: skip
def test_json_gives_every_record_with_stable_keys_and_iso_dates(
    demo_sqlite_url, capsys, monkeypatch, args, keys
):
    result = run_kpi(capsys, monkeypatch, *args, "--sender", "UNI-001", "--json",
                     "--database-url", demo_sqlite_url)  # fmt: skip
    assert result.code == 0, result.err
    records = json.loads(result.out)
    assert len(records) > 3 and all(list(r) == keys for r in records)  # more than --limit shows
    for record in records:
        if "due_date" in record:
            assert date.fromisoformat(record["due_date"]).isoformat() == record["due_date"]
        if "received_at" in record:
            assert datetime.fromisoformat(record["received_at"]).year >= 2021
    again = run_kpi(capsys, monkeypatch, *args, "--sender", "UNI-001", "--json",
                    "--database-url", demo_sqlite_url)  # fmt: skip
    assert again.out == result.out


def test_access_list_json(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'links.sqlite'}"
    _one_pse(url)
    monkeypatch.delenv(ENV_WRITER_URL, raising=False)
    grant = ("access", "grant", "UNI-001", "--name", "Ayesha Khan", "--expires", "2099-06-30")
    assert run_kpi(capsys, monkeypatch, *grant, "--database-url", url).code == 0
    listed = run_kpi(capsys, monkeypatch, "access", "list", "--json", "--database-url", url)
    (record,) = json.loads(listed.out)
    assert list(record) == ["id", "kind", "scope", "name", "email", "created_at", "created_by",
                            "expires_on", "revoked_at", "state"]  # fmt: skip
    assert record["expires_on"] == "2099-06-30" and record["state"] == "active"
    assert record["email"] is None and "key=" not in listed.out
    datetime.fromisoformat(record["created_at"])


def test_remind_json_keeps_stdout_for_the_records(demo_sqlite_url, capsys, monkeypatch):
    monkeypatch.delenv(ENV_WRITER_URL, raising=False)
    result = run_kpi(capsys, monkeypatch, "remind", "--dry-run", "--as-of", "2026-02-10",
                     "--json", "--database-url", demo_sqlite_url)  # fmt: skip
    assert result.code == 0, result.err
    records = json.loads(result.out)
    assert isinstance(records, list) and "reminder(s):" in result.err
    keys = ["entity", "return", "period", "kind", "recipient", "result", "error"]
    assert all(list(r) == keys and r["result"] == "would send" for r in records)
