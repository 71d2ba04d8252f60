"""A busy database is waited for, never a reason to refuse a return (issue 19): SQLite's lock and
PostgreSQL's "too many clients" are retried with jitter; what stays busy past the retries is one
clear line (``ingest.database-busy``, exit code 75) and changes nothing. Real databases only."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from ingest_helpers import build_reference, financial_file

import kpilib.store.database as database
import kpilib.store.retry as retry
from kpilib.errors import DatabaseUrlError, KpiError
from kpilib.ingest import IngestOptions, ingest_file
from kpilib.store.database import create_engine, pool_size


def hold_sqlite_write_lock(url: str, seconds: float | None) -> sqlite3.Connection:
    """A second writer that takes SQLite's write lock; it lets go after ``seconds`` (None: never,
    the caller closes it)."""
    holder = sqlite3.connect(sa.make_url(url).database, check_same_thread=False,
                             isolation_level=None)  # fmt: skip
    holder.execute("BEGIN IMMEDIATE")
    if seconds is not None:
        threading.Timer(seconds, holder.rollback).start()
    return holder


def impatient_engine(url: str) -> sa.Engine:
    """SQLite with no busy timeout at all: a held lock is refused at once."""
    return sa.create_engine(url, connect_args={"timeout": 0})


def test_a_lock_is_transient_a_constraint_is_not(sqlite_url):
    build_reference(sqlite_url).dispose()
    holder = hold_sqlite_write_lock(sqlite_url, None)
    engine = impatient_engine(sqlite_url)
    try:
        with pytest.raises(sa.exc.OperationalError) as locked, engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM departments WHERE 1 = 0"))
        assert retry.is_transient(locked.value)
    finally:
        holder.close()
    with pytest.raises(sa.exc.IntegrityError) as refused, engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO departments (id, code, name) SELECT id, code, name "
                                   "FROM departments"))  # fmt: skip
    assert not retry.is_transient(refused.value)


def test_a_transaction_is_tried_again_until_the_writer_is_done(sqlite_url):
    build_reference(sqlite_url).dispose()
    engine = impatient_engine(sqlite_url)
    hold_sqlite_write_lock(sqlite_url, 0.5)
    waits: list[float] = []

    def work() -> int:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE departments SET name = name"))
            return 1

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    policy = retry.RetryPolicy(attempts=50, base=0.05, cap=0.2, budget=30)
    assert retry.call_with_retry(work, policy=policy, sleep=sleep) == 1
    assert waits, "the first try met the lock"
    assert all(0 <= w <= 0.2 for w in waits)  # jittered below the cap


def test_an_error_that_is_not_busy_is_raised_at_once(sqlite_url):
    engine = impatient_engine(sqlite_url)
    tries = []

    def work() -> None:
        tries.append(1)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(sa.exc.OperationalError):
        retry.call_with_retry(work, sleep=lambda _: None)
    assert len(tries) == 1


def kpi_process(url: str, *args: str, busy_seconds: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kpilib.cli", "--database-url", url, *args],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "200", "KPI_DB_BUSY_SECONDS": busy_seconds},
    )  # fmt: skip


def test_kpi_ingest_waits_for_a_busy_database_then_says_try_again_in_one_line(tmp_path, sqlite_url):
    build_reference(sqlite_url).dispose()
    path = financial_file(tmp_path)
    holder = hold_sqlite_write_lock(sqlite_url, None)
    try:
        busy = kpi_process(sqlite_url, "ingest", str(path), busy_seconds="1")
    finally:
        holder.close()
    assert busy.returncode == 75, busy.stdout + busy.stderr  # EX_TEMPFAIL
    said = " ".join(busy.stderr.split())  # the console wraps long lines
    assert "stayed busy for 1 s" in said and "run the same command again" in said
    assert "Traceback" not in busy.stderr
    hold_sqlite_write_lock(sqlite_url, 1.0)  # a writer that finishes: waited for, then loaded
    loaded = kpi_process(sqlite_url, "ingest", str(path), busy_seconds="60")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "loaded" in loaded.stdout


def test_a_load_the_database_keeps_refusing_is_ingest_database_busy_and_changes_nothing(
    tmp_path, sqlite_url, monkeypatch
):
    engine = build_reference(sqlite_url)
    monkeypatch.setenv(retry.ENV_BUSY_SECONDS, "0.5")
    path = financial_file(tmp_path)
    holder = hold_sqlite_write_lock(sqlite_url, None)
    try:
        outcome = ingest_file(create_engine(sqlite_url), path, IngestOptions())
    finally:
        holder.close()
    assert outcome.status == "rejected"
    assert [p.code for p in outcome.errors] == ["ingest.database-busy"]
    assert "send it again" in outcome.errors[0].message
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM submissions")).scalar() == 0


def test_the_wait_for_a_busy_database_is_checked(monkeypatch):
    monkeypatch.setenv(retry.ENV_BUSY_SECONDS, "soon")
    with pytest.raises(KpiError, match="KPI_DB_BUSY_SECONDS"):
        retry.busy_seconds()
    monkeypatch.setenv(retry.ENV_BUSY_SECONDS, "2")
    assert retry.default_policy().budget == 2 and database.sqlite_busy_timeout_ms() == 2000


@pytest.mark.postgres
def test_postgres_waits_for_a_connection_slot_instead_of_failing(postgres_url, postgres_admin):
    role = f"kpi_slot_{uuid.uuid4().hex[:8]}"
    with postgres_admin.connect() as connection:
        connection.execute(sa.text(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1'))
    url = sa.make_url(postgres_url).set(username=role, password=None)
    try:
        first = create_engine(url)
        held = first.connect()  # the role's only slot
        threading.Timer(1.0, lambda: (held.close(), first.dispose())).start()  # slot freed
        started = time.monotonic()
        with create_engine(url).connect() as connection:  # "too many connections": waits
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        assert time.monotonic() - started >= 0.5
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


def test_the_pool_size_is_small_by_default_and_can_be_set(monkeypatch):
    monkeypatch.delenv(database.ENV_POOL_SIZE, raising=False)
    assert pool_size() == 2 and pool_size(4) == 4
    monkeypatch.setenv(database.ENV_POOL_SIZE, "7")
    assert pool_size(4) == 7
    monkeypatch.setenv(database.ENV_POOL_SIZE, "many")
    with pytest.raises(DatabaseUrlError, match="whole number"):
        pool_size()
