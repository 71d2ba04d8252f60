"""Nothing lost, nothing doubled: idempotent resends, versioned resubmissions, the audit log,
received and due dates (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from ingest_helpers import (
    FINANCIAL_VALUES,
    budget_file,
    build_reference,
    data_hash,
    financial_file,
    ingest,
)

from kpilib.fiscal import pakistan_today
from kpilib.ingest.status import load_history, load_outstanding, load_received
from kpilib.store.writes import as_utc, table


def rows(engine, sql):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).all()


def test_the_same_file_twice_is_a_no_op(database_url, tmp_path):
    engine = build_reference(database_url)
    path = financial_file(tmp_path)
    first = ingest(engine, path)
    assert first.status == "loaded" and first.version == 1
    before = data_hash(engine)
    audits = rows(engine, "SELECT COUNT(*) FROM audit_log")[0][0]
    second = ingest(engine, path)
    assert second.status == "unchanged" and second.submission_id == first.submission_id
    assert data_hash(engine) == before
    assert rows(engine, "SELECT COUNT(*) FROM audit_log")[0][0] == audits
    assert rows(engine, "SELECT COUNT(*) FROM submissions")[0][0] == 1


def test_a_corrected_resubmission_supersedes_and_keeps_the_earlier(database_url, tmp_path):
    engine = build_reference(database_url)
    first = ingest(engine, financial_file(tmp_path, "v1.csv"), actor="alice")
    corrected = FINANCIAL_VALUES.replace("100000000,50000000", "110000000,50000000", 1)
    second = ingest(engine, financial_file(tmp_path, "v2.csv", values=corrected), actor="bob")
    assert second.status == "loaded" and second.version == 2
    assert second.supersedes_id == first.submission_id
    assert rows(engine, "SELECT revenue, submission_id FROM pse_financials") == [
        (110_000_000, second.submission_id)
    ]
    statuses = rows(engine, "SELECT id, version, status, supersedes_id, submitted_by "
                            "FROM submissions ORDER BY id")  # fmt: skip
    assert statuses == [
        (first.submission_id, 1, "superseded", None, "alice"),
        (second.submission_id, 2, "accepted", first.submission_id, "bob"),
    ]
    kept = dict(rows(engine, "SELECT file_name, content FROM submission_files"))
    assert bytes(kept["v1.csv"]) == (tmp_path / "v1.csv").read_bytes()
    assert bytes(kept["v2.csv"]) == (tmp_path / "v2.csv").read_bytes()
    audit = rows(engine, "SELECT actor, action, submission_id, row_count FROM audit_log "
                         "ORDER BY id")  # fmt: skip
    assert audit == [("alice", "ingest", first.submission_id, 1),
                     ("bob", "ingest", second.submission_id, 1)]  # fmt: skip
    with engine.connect() as connection:
        history = load_history(connection, sender="uni-001")
    assert list(history["version"]) == [1, 2]
    assert list(history["status"]) == ["superseded", "accepted"]


def test_resending_an_older_version_restores_it(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    ingest(engine, financial_file(tmp_path, "v1.csv"))
    original = data_hash(engine)
    corrected = FINANCIAL_VALUES.replace("100000000,50000000", "110000000,50000000", 1)
    ingest(engine, financial_file(tmp_path, "v2.csv", values=corrected))
    third = ingest(engine, financial_file(tmp_path, "v1.csv"))
    assert third.status == "loaded" and third.version == 3
    assert rows(engine, "SELECT revenue FROM pse_financials") == [(100_000_000,)]
    assert data_hash(engine) != original  # a third submission exists; the data are v1's


def test_department_resubmission_replaces_the_whole_year(database_url, tmp_path):
    engine = build_reference(database_url)
    ingest(engine, budget_file(tmp_path))
    assert rows(engine, "SELECT COUNT(*) FROM budget_lines")[0][0] == 3
    smaller = budget_file(tmp_path, "b2.csv", rows=["HLT00002,current,A01,2024-25M03,7,7,7,7"])
    outcome = ingest(engine, smaller)
    assert outcome.version == 2 and outcome.status == "loaded"
    assert rows(engine, "SELECT cost_centre_id, month, expended, department_id, fiscal_year "
                        "FROM budget_lines") == [(2, 3, 7, 1, 2024)]  # fmt: skip


def test_received_at_is_the_load_time_and_due_date_follows_the_schedule(database_url, tmp_path):
    engine = build_reference(database_url)
    before = datetime.now(UTC)
    ingest(engine, financial_file(tmp_path, period="2024-25Q2"))
    s = table("submissions")
    with engine.connect() as connection:
        received_at, due_date = connection.execute(sa.select(s.c.received_at, s.c.due_date)).one()
    assert before - timedelta(seconds=1) <= as_utc(received_at) <= datetime.now(UTC)
    assert due_date == date(2025, 1, 30)  # quarter end 31 December + 30 days


def test_received_and_outstanding_lists(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    ingest(engine, financial_file(tmp_path))  # UNI-001 2024-25Q1, received today (late)
    with engine.connect() as connection:
        received = load_received(connection, pakistan_today())
        outstanding = load_outstanding(connection, date(2024, 11, 30))
        before_load = load_received(connection, date(2024, 11, 30))
    assert list(received["sender"]) == ["UNI-001"] and received["on_time"].tolist() == [False]
    assert before_load.empty
    # Due by 30 Nov 2024: the 2023-24 quarters and 2024-25Q1 (due 30 Oct), for both PSEs:
    # financial returns from both, KPI returns from both (university and teaching hospital).
    assert len(outstanding) == 5 * 2 * 2
    assert (outstanding["days_overdue"] > 0).all()
