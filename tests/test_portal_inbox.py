"""The portal's inbox and its workers on SQLite and PostgreSQL: an upload is kept before anything
else, checked with a preview, loaded once confirmed, and every receipt ends accepted or rejected
exactly once, even when a worker dies half-way or two workers race for one item."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES, build_reference, data_hash

from kpilib.portal import inbox
from kpilib.portal.access import check_token, grant
from kpilib.portal.preview import compare, previous_quarter
from kpilib.portal.worker import BUSY_RETRY, WorkerPool, work_once
from kpilib.store.writes import utc_now

GOOD = f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q1,{FINANCIAL_VALUES}\n".encode()
BROKEN = f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q1,lots,{FINANCIAL_VALUES.split(',', 1)[1]}\n"


@pytest.fixture
def portal(database_url):
    """The reference province and the access of UNI-001's officer and of MTI-001's."""
    engine = build_reference(database_url)
    accesses = {}
    for code in ("UNI-001", "MTI-001"):
        with engine.begin() as connection:
            _, token = grant(connection, code, f"Officer of {code}")
        with engine.connect() as connection:
            accesses[code] = check_token(connection, token, "pse")
    yield engine, accesses
    engine.dispose()


def _store(engine, access, content=GOOD, confirmed=False, period="2024-25Q1"):
    with engine.begin() as connection:
        return inbox.store_upload(
            connection, access, return_type="pse_financial", period_code=period,
            file_name="q1.csv", content=content, confirmed=confirmed,
        )  # fmt: skip


def _receipt(engine, number, access):
    with engine.connect() as connection:
        return inbox.read_receipt(connection, number, access.entity_id)


def _count(engine, sql):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar_one()


def test_an_upload_is_checked_previewed_then_loaded_once_confirmed(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    before = data_hash(engine)
    number = _store(engine, access)
    receipt = _receipt(engine, number, access)
    assert receipt.state == "received" and receipt.pending and receipt.label == f"R-{number:06d}"
    assert len(receipt.sha256) == 64 and receipt.size_bytes == len(GOOD)
    assert work_once(engine) and not work_once(engine)
    checked = _receipt(engine, number, access)
    assert checked.state == "checked" and not checked.pending
    assert data_hash(engine) == before  # a check loads nothing
    preview = checked.outcome["preview"]
    assert preview["previous_period"] == "2023-24Q4"
    assert [f["item"] for f in preview["figures"]][:2] == ["Revenue", "Grants subsidies"]
    with engine.begin() as connection:
        assert inbox.confirm_upload(connection, number, access.entity_id)
        assert not inbox.confirm_upload(connection, number, access.entity_id)  # once
    assert work_once(engine)
    accepted = _receipt(engine, number, access)
    assert accepted.state == "accepted" and accepted.submission_id and accepted.finished_at
    assert data_hash(engine) != before
    assert _count(engine, "SELECT count(*) FROM submissions WHERE entity_id IS NOT NULL") == 1


def test_a_broken_file_is_rejected_with_its_rows_and_loads_nothing(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    before = data_hash(engine)
    number = _store(engine, access, BROKEN.encode(), confirmed=True)
    while work_once(engine):
        pass
    receipt = _receipt(engine, number, access)
    assert receipt.state == "rejected" and receipt.submission_id is None
    problem = receipt.outcome["problems"][0]
    assert (problem["row"], problem["column"], problem["severity"]) == (2, "revenue", "error")
    assert data_hash(engine) == before


def test_a_receipt_is_its_own_pse_s_only_and_cancel_stops_a_load(portal):
    engine, accesses = portal
    mine, other = accesses["UNI-001"], accesses["MTI-001"]
    number = _store(engine, mine)
    assert _receipt(engine, number, other) is None
    with engine.begin() as connection:
        assert not inbox.confirm_upload(connection, number, other.entity_id)
        assert not inbox.cancel_upload(connection, number, other.entity_id)
        assert inbox.cancel_upload(connection, number, mine.entity_id)
    assert not work_once(engine)
    assert _receipt(engine, number, mine).state == "cancelled"
    assert [r.number for r in _list(engine, mine)] == [number] and _list(engine, other) == []


def _list(engine, access):
    with engine.connect() as connection:
        return inbox.list_receipts(connection, access.entity_id)


def test_a_worker_that_dies_mid_load_is_taken_over_and_the_return_loads_once(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    number = _store(engine, access, confirmed=True)
    with engine.begin() as connection:
        claim = inbox.claim_next(connection)  # a worker takes it ... and dies
    assert claim.stage == "loading" and claim.number == number
    assert not work_once(engine)  # its lease still runs: nobody else takes it
    later = utc_now() + inbox.LEASE + timedelta(seconds=1)
    with engine.begin() as connection:
        again = inbox.claim_next(connection, now=later)
    assert again.number == number and again.attempts == 2
    # Both the dead worker (had it finished after all) and the new one load: once in total.
    from kpilib.portal.worker import _ingest

    first, second = _ingest(engine, claim), _ingest(engine, again)
    assert {first.status, second.status} == {"loaded", "unchanged"}
    assert _count(engine, "SELECT count(*) FROM submissions WHERE entity_id IS NOT NULL") == 1


def test_two_workers_never_take_the_same_item(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    numbers = [_store(engine, access) for _ in range(6)]
    claims, lock = [], threading.Lock()

    def take():
        while True:
            with engine.begin() as connection:
                claim = inbox.claim_next(connection)
            if claim is None:
                return
            with lock:
                claims.append(claim.number)

    threads = [threading.Thread(target=take) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claims) == numbers


def test_a_busy_database_gives_the_item_back_for_later(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    number = _store(engine, access, confirmed=True)
    with engine.begin() as connection:
        claim = inbox.claim_next(connection)
        inbox.release(connection, claim, BUSY_RETRY)
    assert _receipt(engine, number, access).state == "queued"
    assert not work_once(engine)  # not before its retry time
    with engine.begin() as connection:
        assert inbox.claim_next(connection, now=utc_now() + BUSY_RETRY * 2).number == number


def test_the_pool_works_the_inbox_in_the_background(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    pool = WorkerPool(engine, 2)
    pool.start()
    try:
        number = _store(engine, access, confirmed=True)
        pool.notify()
        for _ in range(200):
            if not _receipt(engine, number, access).pending:
                break
            threading.Event().wait(0.05)
    finally:
        pool.stop()
    assert _receipt(engine, number, access).state == "accepted"


@pytest.mark.parametrize(
    ("before", "now", "flagged"),
    [(100, 149, False), (100, 151, True), (100, 49, True), (100, -1, True), (0, 0, False),
     (0, 5, True), (None, 5, True), (None, None, False), (-100, -120, False)],
)  # fmt: skip
def test_a_change_is_flagged_beyond_half_or_a_sign_change(before, now, flagged):
    assert compare(before, now)[1] is flagged


def test_previous_quarter_crosses_the_year():
    assert previous_quarter("2025-26Q1") == "2024-25Q4"
    assert previous_quarter("2025-26Q3") == "2025-26Q2"


def test_a_restarted_server_frees_the_items_its_dead_workers_held_at_once(portal):
    engine, access = portal[0], portal[1]["UNI-001"]
    mine, theirs = _store(engine, access, confirmed=True), _store(engine, access, confirmed=True)
    with engine.begin() as connection:
        dead, alive = inbox.claim_next(connection), inbox.claim_next(connection)
        host = inbox.HOLDER.rsplit(":", 1)[0]
        connection.execute(
            sa.text("UPDATE inbox SET leased_by = :who WHERE id = :i"),
            {"who": f"{host}:999999999", "i": dead.number},  # a process that is gone
        )
        assert inbox.release_orphans(connection) == 1  # the live worker keeps its item
    assert (dead.number, alive.number) == (mine, theirs)
    assert _receipt(engine, mine, access).state == "queued"
    assert _receipt(engine, theirs, access).state == "loading"
    assert work_once(engine) and _receipt(engine, mine, access).state == "accepted"
