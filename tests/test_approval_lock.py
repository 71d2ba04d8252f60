"""The approval lock on SQLite and PostgreSQL: a return its department approved takes no new
version until the department's reviewer reopens it, with a reason."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from ingest_helpers import FINANCIAL_VALUES, build_reference, data_hash, financial_file, ingest

from kpilib.fiscal import pakistan_today
from kpilib.portal.access import check_token, grant
from kpilib.portal.due import returns_due
from kpilib.portal.review import ReviewError, decide, department_returns, reopen
from kpilib.store import migrate
from kpilib.store.audit import verify_audit_chain
from kpilib.store.writes import utc_now

CORRECTED = FINANCIAL_VALUES.replace("100000000,", "100000001,", 1)


def _access(engine, code, kind):
    with engine.begin() as connection:
        _, token = grant(connection, code, f"{code} {kind}", kind=kind)
    with engine.connect() as connection:
        return check_token(connection, token, kind)


def _audit_state(engine):
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar()
        head = connection.execute(sa.text("SELECT last_id, last_hash FROM audit_chain_head")).one()
        submissions = connection.execute(sa.text("SELECT count(*) FROM submissions")).scalar()
    return count, tuple(head), submissions


@pytest.fixture
def approved(database_url, tmp_path):
    """The reference province with UNI-001's 2024-25Q1 statement loaded and approved by its
    department (Higher Education); the HED reviewer's, the Health reviewer's and the PSE's
    access."""
    engine = build_reference(database_url)
    first = ingest(engine, financial_file(tmp_path, "q1.csv"))
    assert first.status == "loaded"
    reviewer = _access(engine, "HED", "reviewer")
    with engine.begin() as connection:
        decide(connection, reviewer, first.submission_id, "approved")
    yield {
        "engine": engine, "sid": first.submission_id, "reviewer": reviewer,
        "outsider": _access(engine, "HLT", "reviewer"), "pse": _access(engine, "UNI-001", "pse"),
    }  # fmt: skip
    engine.dispose()


def test_a_correction_of_an_approved_return_is_refused_and_changes_nothing(approved, tmp_path):
    engine = approved["engine"]
    before, audit_before = data_hash(engine), _audit_state(engine)
    correction = financial_file(tmp_path, "q1-fixed.csv", values=CORRECTED)
    refused = ingest(engine, correction)
    assert refused.status == "rejected"
    assert [p.code for p in refused.errors] == ["ingest.approved-locked"]
    today = utc_now()
    assert refused.errors[0].message == (
        f"this return (no. {approved['sid']}) was approved by the Higher Education Department on "
        f"{today.day} {today:%B %Y}: ask your reviewer to reopen it before you send a correction"
    )
    assert data_hash(engine) == before and _audit_state(engine) == audit_before
    # The same file again is fine (nothing changes), and a dry run warns without refusing.
    assert ingest(engine, financial_file(tmp_path, "again.csv")).status == "unchanged"
    dry = ingest(engine, correction, dry_run=True)
    assert dry.status == "valid"
    assert [(p.code, p.severity) for p in dry.warnings] == [("ingest.approved-locked", "warning")]
    # An approved return is reopened, never returned for correction.
    with pytest.raises(ReviewError, match="reopen it"), engine.begin() as connection:
        decide(connection, approved["reviewer"], approved["sid"], "returned", "Fix revenue")
    assert data_hash(engine) == before and _audit_state(engine) == audit_before


def test_reopen_needs_the_departments_reviewer_and_a_reason(approved):
    engine, sid = approved["engine"], approved["sid"]
    audit_before = _audit_state(engine)
    refusals = [
        (approved["outsider"], "Restate revenue", "not one of your department's"),
        (approved["pse"], "Restate revenue", "only a department's reviewer"),
        (approved["reviewer"], "   ", "needs a reason"),
        (approved["reviewer"], "x" * 1001, "longer than 1000"),
    ]
    for access, reason, message in refusals:
        with pytest.raises(ReviewError, match=message), engine.begin() as connection:
            reopen(connection, access, sid, reason)
    assert _audit_state(engine) == audit_before
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM reviews")).scalar() == 1


def test_after_reopening_the_correction_loads_as_a_new_version(approved, tmp_path):
    engine, sid, reviewer = approved["engine"], approved["sid"], approved["reviewer"]
    with engine.begin() as connection:
        reopen(connection, reviewer, sid, "  The auditors restated revenue  ")
    with pytest.raises(ReviewError, match="only an approved return"), engine.begin() as connection:
        reopen(connection, reviewer, sid, "again")
    with engine.connect() as connection:
        listed = department_returns(connection, reviewer.department_id)
        due = returns_due(connection, "UNI-001", pakistan_today())
        action, actor, details = connection.execute(
            sa.text("SELECT action, actor, details FROM audit_log ORDER BY id DESC LIMIT 1")
        ).one()
    assert listed.loc[listed["submission_id"] == sid, "state"].tolist() == [
        "reopened for correction"
    ]
    q1 = due[(due["period_code"] == "2024-25Q1") & (due["return_type"] == "pse_financial")]
    assert q1[["status", "review", "comment"]].values.tolist() == [
        ["reopened for correction", "reopened for correction", "The auditors restated revenue"]
    ]
    assert (action, actor) == ("review_reopened", "portal:HED:HED reviewer")
    assert json.loads(details)["reason"] == "The auditors restated revenue"

    corrected = ingest(engine, financial_file(tmp_path, "q1-fixed.csv", values=CORRECTED))
    assert corrected.status == "loaded", corrected.issues
    assert (corrected.version, corrected.supersedes_id) == (2, sid)
    with engine.connect() as connection:
        listed = department_returns(connection, reviewer.department_id)
        assert verify_audit_chain(connection).intact
    assert listed["state"].tolist() == ["awaiting review"]
    # A schema downgrade, which knows no reopening, keeps the review as a return for correction.
    migrate.downgrade(engine, "0003")
    with engine.connect() as connection:
        decisions = connection.execute(sa.text("SELECT decision FROM reviews ORDER BY id"))
        assert decisions.scalars().all() == ["approved", "returned"]


def test_the_workbench_offers_reopen_for_approved_returns_only(approved, tmp_path):
    from kpilib.portal.workbench import open_return

    engine, sid = approved["engine"], approved["sid"]
    other = ingest(engine, financial_file(tmp_path, "mti.csv", entity="MTI-001"))
    with engine.begin() as connection:
        view = open_return(connection, approved["reviewer"], sid)
        assert view is not None and view.actions == ("reopen",)
        with pytest.raises(ReviewError, match="needs a reason"):
            reopen(connection, approved["reviewer"], sid, " ")
        reopen(connection, approved["reviewer"], sid, "Revenue <b>restated</b>")
        view = open_return(connection, approved["reviewer"], sid)
        assert view.actions == ("approve",) and view.state == "reopened for correction"
        assert view.comment == "Revenue <b>restated</b>"
        waiting = open_return(connection, approved["outsider"], other.submission_id)
        assert waiting.actions == ("approve", "return")
        # Another department's return does not open.
        assert open_return(connection, approved["outsider"], sid) is None
