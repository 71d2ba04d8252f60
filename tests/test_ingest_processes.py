"""Real ``kpi ingest`` processes: two (or three) at once complete correctly, and a process
killed in the middle of a load leaves the database exactly as before (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import sqlalchemy as sa
from ingest_helpers import budget_file, build_reference, data_hash, financial_file

from kpilib.store.audit import verify_audit_chain
from kpilib.store.database import connect

TIMEOUT = 120


def kpi(url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kpilib.cli", "--database-url", url, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


def test_concurrent_ingests_all_complete(database_url, tmp_path):
    engine = build_reference(database_url)
    budget = budget_file(tmp_path)
    financial = financial_file(tmp_path)
    processes = [kpi(database_url, "ingest", str(p)) for p in (budget, financial, financial)]
    results = [(p.wait(TIMEOUT), *p.communicate()) for p in processes]
    for code, out, err in results:
        assert code == 0, out + err
        assert "Traceback" not in err
    with engine.connect() as connection:
        submissions = connection.execute(
            sa.text("SELECT return_type, version FROM submissions ORDER BY return_type")
        ).all()
        assert connection.execute(sa.text("SELECT COUNT(*) FROM budget_lines")).scalar() == 3
        assert connection.execute(sa.text("SELECT COUNT(*) FROM pse_financials")).scalar() == 1
        assert verify_audit_chain(connection).intact  # the appends queued on the chain's head
    # the financial file sent twice at once: loaded once, recognised the second time
    assert submissions == [("budget_extract", 1), ("pse_financial", 1)]
    outputs = " ".join(out for _, out, _ in results)
    assert "unchanged" in outputs


CRASHING_INGEST = textwrap.dedent(
    """
    import sys, time
    import kpilib.ingest.loading as loading

    original = loading.insert_rows

    def insert_then_hang(connection, name, rows):
        count = original(connection, name, rows)
        if name == "budget_lines":  # the data rows are written, the transaction still open
            print("MID-LOAD", flush=True)
            time.sleep(300)
        return count

    loading.insert_rows = insert_then_hang
    from kpilib.cli import main

    sys.argv = ["kpi", "--database-url", sys.argv[1], "ingest", sys.argv[2]]
    main()
    """
)


def test_a_killed_load_leaves_the_database_as_before(database_url, tmp_path):
    engine = build_reference(database_url)
    first = budget_file(tmp_path, "first.csv")
    assert kpi(database_url, "ingest", str(first)).wait(TIMEOUT) == 0
    before = data_hash(engine)
    engine.dispose()
    corrected = budget_file(tmp_path, "second.csv",
                            rows=["HLT00001,current,A01,2024-25M01,5,5,5,5"])  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_INGEST, database_url, str(corrected)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout.readline().strip() == "MID-LOAD", process.stderr.read()
        process.send_signal(signal.SIGKILL)
        assert process.wait(TIMEOUT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    engine = connect(database_url)
    assert data_hash(engine) == before
    # and the database is usable: the same correction now loads as version 2
    assert kpi(database_url, "ingest", str(corrected)).wait(TIMEOUT) == 0
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT MAX(version) FROM submissions")).scalar() == 2
        assert verify_audit_chain(connection).intact
