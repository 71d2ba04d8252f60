"""The audit log's hash chain on SQLite and PostgreSQL: intact after appends (concurrent ones
too) and after migrating an older database; an edited, deleted or forged entry is found where it
is; ``kpi audit verify`` says so."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.store import migrate
from kpilib.store.audit import verify_audit_chain
from kpilib.store.database import connect, create_engine
from kpilib.store.writes import GENESIS_HASH, audit_entry_hash, audit_entry_text, record_audit

runner = CliRunner()


def _verify(engine: sa.Engine, anchors: tuple[str, ...] = ()):
    with engine.connect() as connection:
        return verify_audit_chain(connection, anchors)


def _append(engine: sa.Engine, count: int, action: str = "test") -> list[int]:
    ids = []
    for number in range(count):
        with engine.begin() as connection:
            ids.append(record_audit(connection, action, row_count=number,
                                    details={"n": number, "note": "ünïcode"}))  # fmt: skip
    return ids


def _tamper(engine: sa.Engine, *statements: str, params: dict | None = None) -> None:
    """Run ``statements`` with the append-only triggers out of the way, as an intruder with
    the owner's rights would (SQLite: drop them; PostgreSQL: disable them)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
            )
        for statement in statements:
            connection.execute(sa.text(statement), params or {})


def _entry(engine: sa.Engine, entry_id: int) -> dict:
    with engine.connect() as connection:
        return dict(
            connection.execute(sa.text("SELECT * FROM audit_log WHERE id = :i"), {"i": entry_id})
            .mappings()
            .one()
        )


def test_a_fresh_database_verifies_and_appends_chain(database_url):
    engine = connect(database_url)
    empty = _verify(engine)
    assert empty.intact and empty.entries == 0 and empty.last_hash == GENESIS_HASH
    ids = _append(engine, 3)
    result = _verify(engine)
    assert result.intact, result.breaks
    assert result.entries == 3 and result.last_id == ids[-1] == max(ids)
    first, last = _entry(engine, ids[0]), _entry(engine, ids[-1])
    assert first["prev_hash"] == GENESIS_HASH
    assert first["entry_hash"] == audit_entry_hash(GENESIS_HASH, first)
    assert _entry(engine, ids[1])["prev_hash"] == first["entry_hash"]
    assert result.last_hash == last["entry_hash"]
    with engine.connect() as connection:
        head = connection.execute(sa.text("SELECT last_id, last_hash FROM audit_chain_head")).one()
    assert tuple(head) == (ids[-1], last["entry_hash"])


def test_the_canonical_text_reads_naive_timestamps_as_utc():
    aware = {"id": 7, "occurred_at": datetime(2026, 3, 3, 10, 0, 0, 1, tzinfo=UTC),
             "actor": "a", "action": "ingest", "table_name": None, "submission_id": 4,
             "row_count": None, "details": '{"x": "é"}'}  # fmt: skip
    naive = {**aware, "occurred_at": datetime(2026, 3, 3, 10, 0, 0, 1)}
    raw = {**aware, "occurred_at": "2026-03-03 10:00:00.000001"}  # SQLite's stored text
    assert audit_entry_text(aware) == audit_entry_text(naive) == audit_entry_text(raw)
    assert audit_entry_text(aware) == (
        '[7,"2026-03-03T10:00:00.000001+00:00","a","ingest",null,4,null,"{\\"x\\": \\"\\u00e9\\"}"]'
    )
    assert audit_entry_hash(GENESIS_HASH, aware) != audit_entry_hash("1" * 64, aware)


@pytest.mark.parametrize(
    ("tampering", "broken_at", "kind"),
    [
        ("UPDATE audit_log SET details = '{\"n\": 99}' WHERE id = :third", "third", "edited"),
        ("UPDATE audit_log SET actor = 'someone else' WHERE id = :last", "last", "edited"),
        ("UPDATE audit_log SET occurred_at = 'yesterday' WHERE id = :third", "third", "edited"),
        ("DELETE FROM audit_log WHERE id = :third", "fourth", "link"),
        ("DELETE FROM audit_log WHERE id = :last", "last", "head"),
    ],
    ids=["edited", "edited-last", "edited-time", "deleted", "deleted-last"],
)
def test_an_edited_or_deleted_entry_is_found_where_it_is(database_url, tampering, broken_at, kind):
    engine = connect(database_url)
    ids = _append(engine, 5)
    where = {"third": ids[2], "fourth": ids[3], "last": ids[-1]}
    _tamper(engine, tampering, params=where)
    result = _verify(engine)
    assert not result.intact
    first = result.first_break
    assert (first.entry_id, first.kind) == (where[broken_at], kind), result.breaks
    assert f"entry {where[broken_at]}" in first.message


@pytest.mark.parametrize("forger", ["naive", "clever"])
def test_a_forged_entry_is_found(database_url, forger):
    """A naive forger copies a row; a clever one chains the hashes right but cannot move the
    head without being seen either (the head names the last real entry)."""
    engine = connect(database_url)
    ids = _append(engine, 4)
    last = _entry(engine, ids[-1])
    forged = {**last, "id": ids[-1] + 100, "details": '{"approved": true}'}
    forged["prev_hash"] = GENESIS_HASH
    if forger == "clever":
        forged["prev_hash"] = last["entry_hash"]
        forged["entry_hash"] = audit_entry_hash(last["entry_hash"], forged)
    columns = ", ".join(forged)
    values = ", ".join(f":{name}" for name in forged)
    _tamper(engine, f"INSERT INTO audit_log ({columns}) VALUES ({values})", params=forged)
    result = _verify(engine)
    assert result.first_break.entry_id == forged["id"], result.breaks
    assert result.first_break.kind == ("link" if forger == "naive" else "head")


def test_an_anchor_catches_a_rewritten_chain(database_url):
    engine = connect(database_url)
    ids = _append(engine, 3)
    anchor = _verify(engine).last_hash
    assert _verify(engine, (anchor,)).intact
    # Rewrite the whole chain after an edit, head included: only the anchor shows it.
    _tamper(engine, "UPDATE audit_log SET details = '{}' WHERE id = :i", params={"i": ids[0]})
    with engine.begin() as connection:
        previous = GENESIS_HASH
        for entry_id in ids:
            row = connection.execute(sa.text("SELECT * FROM audit_log WHERE id = :i"),
                                     {"i": entry_id}).mappings().one()  # fmt: skip
            entry_hash = audit_entry_hash(previous, row)
            connection.execute(sa.text("UPDATE audit_log SET prev_hash = :p, entry_hash = :h "
                                       "WHERE id = :i"), {"p": previous, "h": entry_hash,
                                                          "i": entry_id})  # fmt: skip
            previous = entry_hash
        connection.execute(sa.text("UPDATE audit_chain_head SET last_hash = :h"), {"h": previous})
    assert _verify(engine).intact
    rewritten = _verify(engine, (anchor,))
    assert [b.kind for b in rewritten.breaks] == ["anchor"]


def test_concurrent_appends_keep_the_chain_intact(database_url):
    """8 writers (each its own engine, as separate processes) append 10 entries each at once."""
    connect(database_url).dispose()  # the schema
    writers, each = 8, 10
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        engine = create_engine(database_url)
        try:
            start.wait(timeout=60)
            for step in range(each):
                with engine.begin() as connection:
                    record_audit(connection, "concurrent", details={"writer": number, "step": step})
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    result = _verify(connect(database_url))
    assert result.intact, result.breaks
    assert result.entries == writers * each


APPENDER = """
import sys
from kpilib.store.database import create_engine
from kpilib.store.writes import record_audit
engine = create_engine(sys.argv[1])
for step in range(int(sys.argv[2])):
    with engine.begin() as connection:
        record_audit(connection, "process", details={"step": step})
"""


def test_appends_from_several_processes_keep_the_chain_intact(database_url):
    """4 processes append 10 entries each at once (deadline day: many `kpi ingest` at once)."""
    connect(database_url).dispose()
    processes = [
        subprocess.Popen([sys.executable, "-c", APPENDER, database_url, "10"],
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    result = _verify(connect(database_url))
    assert result.intact, result.breaks
    assert result.entries == 40


def test_migration_0004_backfills_the_chain_of_an_older_database(database_url):
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0003")
    rows = [
        {"t": datetime(2025, 7, 1, 9, 30, tzinfo=UTC), "a": "demo", "x": "demo_build", "n": None,
         "d": '{"seed": 1}'},
        {"t": datetime(2025, 8, 2, 10, 0, 0, 123456, tzinfo=UTC), "a": "portal:UNI-001:Ayşe",
         "x": "ingest", "n": 16, "d": '{"file": "q1.csv"}'},
        {"t": datetime(2025, 9, 3, 11, 0, tzinfo=UTC), "a": "officer", "x": "review_approved",
         "n": 1, "d": "{}"},
    ]  # fmt: skip
    old_log = sa.table(
        "audit_log",
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        *(sa.column(name) for name in ("actor", "action", "row_count", "details")),
    )
    with engine.begin() as connection:
        connection.execute(old_log.insert(), [
            {"occurred_at": r["t"], "actor": r["a"], "action": r["x"], "row_count": r["n"],
             "details": r["d"]} for r in rows
        ])  # fmt: skip
    migrate.upgrade(engine)
    result = _verify(engine)
    assert result.intact, result.breaks
    assert result.entries == 3
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT last_id FROM audit_chain_head")).scalar() == 3
    _append(connect(database_url), 2)  # appends continue the backfilled chain
    assert _verify(engine).intact and _verify(engine).entries == 5
    # The append-only triggers are back (the backfill lifted the UPDATE trigger for a moment).
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))
    # Downgrade keeps the entries and the triggers; upgrading again chains them anew.
    migrate.downgrade(engine, "0003")
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("audit_log")}
        assert "entry_hash" not in columns
        assert connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() == 5
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log"))
    migrate.upgrade(engine)
    assert _verify(engine).intact


def test_kpi_audit_verify_prints_the_head_or_the_break(database_url):
    engine = connect(database_url)
    ids = _append(engine, 3)
    ok = runner.invoke(app, ["--database-url", database_url, "audit", "verify"])
    assert ok.exit_code == 0, ok.output
    head = _verify(engine).last_hash
    assert ok.output.strip() == f"Audit log intact: 3 entries, head {head}"
    anchored = runner.invoke(app, ["--database-url", database_url, "audit", "verify",
                                   "--anchor", head])  # fmt: skip
    assert anchored.exit_code == 0, anchored.output
    _tamper(engine, "UPDATE audit_log SET row_count = 42 WHERE id = :i", params={"i": ids[1]})
    broken = runner.invoke(app, ["--database-url", database_url, "audit", "verify"])
    assert broken.exit_code == 1
    assert f"NOT intact at entry {ids[1]}" in broken.output and "edited" in broken.output
    as_json = runner.invoke(app, ["--database-url", database_url, "audit", "verify", "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["intact"] is False and report["entries"] == 3
    assert report["breaks"][0]["entry_id"] == ids[1] and report["breaks"][0]["kind"] == "edited"
