"""The portal's logic on real databases (SQLite and PostgreSQL): access links, the PSE's list of
returns, uploads through the ingestion pipeline, and the department's review with its audit."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from portal_helpers import error_codes, financial_csv, send

from kpilib.demo import build_demo
from kpilib.fiscal import pakistan_today
from kpilib.portal.access import (
    AccessError,
    check_token,
    grant,
    hash_token,
    list_tokens,
    revoke,
)
from kpilib.portal.due import returns_due
from kpilib.portal.officer import check_upload
from kpilib.portal.review import ReviewError, decide, department_returns, reopen
from kpilib.store.database import connect
from kpilib.store.writes import content_hash

AS_OF = date(2026, 2, 15)  # the demo's as-of date


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(request, tmp_path_factory):
    """A demo province of the module's own (the tests write to it), once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('portal') / 'kpi.sqlite'}"
        engine = connect(url)
        build_demo(engine)
        yield engine
        engine.dispose()
        return
    from conftest import _drop_postgres_database, _new_postgres_database

    admin = request.getfixturevalue("postgres_admin")
    url = _new_postgres_database(admin)
    engine = connect(url)
    build_demo(engine)
    yield engine
    engine.dispose()
    _drop_postgres_database(admin, url)


def _grant(engine, code, name="Officer", **kwargs):
    with engine.begin() as connection:
        return grant(connection, code, name, **kwargs)


def _check(engine, token, kind="pse", today=None):
    with engine.connect() as connection:
        return check_token(connection, token, kind, today)


def _supersedes(engine, submission_id):
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT supersedes_id FROM submissions WHERE id = :i"), {"i": submission_id}
        ).scalar_one()


def _audit(engine, action):
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT actor, submission_id, details FROM audit_log WHERE action = :a "
                    "ORDER BY id"), {"a": action}
        ).fetchall()  # fmt: skip
    return [(r.actor, r.submission_id, json.loads(r.details)) for r in rows]


def test_a_link_is_stored_as_a_hash_and_opens_its_own_page_only(engine):
    token_id, token = _grant(engine, "uni-002", " Sana   Iqbal ", email="sana@example.org")
    with engine.connect() as connection:
        stored = (
            connection.execute(
                sa.text("SELECT * FROM access_tokens WHERE id = :i"), {"i": token_id}
            )
            .mappings()
            .one()
        )
    assert token not in {str(v) for v in stored.values()}
    assert stored["token_hash"] == hash_token(token)
    access = _check(engine, token)
    assert access.entity_code == "UNI-002" and access.name == "Sana Iqbal"
    assert access.department_code == "AGR"  # UNI-002 reports to Agriculture
    assert _check(engine, token, "reviewer") is None  # a PSE link opens no review page
    assert _check(engine, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert _check(engine, None) is None and _check(engine, "") is None
    assert _check(engine, "x' OR '1'='1") is None
    assert _audit(engine, "access_grant")[-1][2]["scope"] == "UNI-002"


def test_revoked_and_expired_links_give_no_access(engine):
    revoked_id, revoked = _grant(engine, "UNI-003")
    expiring_id, expiring = _grant(engine, "UNI-003", expires_on=AS_OF + timedelta(days=400))
    with engine.begin() as connection:
        revoke(connection, revoked_id)
        with pytest.raises(AccessError, match="no active token"):
            revoke(connection, revoked_id)
    assert _check(engine, revoked) is None
    assert _check(engine, expiring, today=AS_OF + timedelta(days=400)) is not None
    assert _check(engine, expiring, today=AS_OF + timedelta(days=401)) is None
    with engine.connect() as connection:
        states = list_tokens(connection, today=AS_OF + timedelta(days=401)).set_index("id")
    assert states.loc[revoked_id, "state"] == "revoked"
    assert states.loc[expiring_id, "state"] == "expired"
    assert "token_hash" not in states.columns
    assert _audit(engine, "access_revoke")[-1][2] == {"token_id": revoked_id}


@pytest.mark.parametrize(
    ("code", "kwargs", "message"),
    [
        ("NOPE-1", {}, "no PSE"),
        ("HLT", {"kind": "reviewer", "email": "not an address"}, "not an e-mail"),
        ("UNI-001", {"expires_on": date(2000, 1, 1)}, "in the past"),
        ("UNI-001", {"kind": "admin"}, "use pse or reviewer"),
    ],
)
def test_bad_grants_are_refused(engine, code, kwargs, message):
    with pytest.raises(AccessError, match=message):
        _grant(engine, code, **kwargs)


def test_upload_loads_for_the_links_entity_and_refuses_another(engine, tmp_path):
    _, token = _grant(engine, "UNI-004")
    access = _check(engine, token)
    with engine.connect() as connection:
        before = content_hash(connection)
    other = send(engine, access, "q.csv", financial_csv(tmp_path, "UNI-005", "2025-26Q1"),
                 "pse_financial", "2025-26Q1")  # fmt: skip
    assert other.state == "rejected"
    assert any(p["column"] == "entity_code" and p["value"] == "UNI-005"
               for p in other.outcome["problems"])  # fmt: skip
    with engine.connect() as connection:
        refused = check_upload(connection, access, AS_OF, "budget_extract", "2025-26Q2", "b.csv", 1)
        assert content_hash(connection) == before
    assert refused == ["Choose one of the returns listed: this one is not sent by your PSE."]
    # 2025-26Q2: the demo's department approved UNI-004's Q1 return, which locks it.
    loaded = send(engine, access, "q1.csv", financial_csv(tmp_path, "UNI-004", "2025-26Q2"),
                  "pse_financial", "2025-26Q2")  # fmt: skip
    assert loaded.state == "accepted" and loaded.file_name == "q1.csv"
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT e.code, s.submitted_by FROM submissions s JOIN entities e "
                    "ON e.id = s.entity_id WHERE s.id = :i"), {"i": loaded.submission_id}
        ).one()  # fmt: skip
    assert tuple(row) == ("UNI-004", "portal:UNI-004:Officer")


def test_portal_shows_receipt_times_in_pakistan_time():
    from datetime import UTC, datetime

    from kpilib.portal.web.base import pakistan_time

    # The time beside a status judged in Pakistan time is Pakistan time too.
    assert pakistan_time(datetime(2025, 1, 30, 21, 0, tzinfo=UTC)) == "31 Jan 2025 02:00 PKT"
    assert pakistan_time(None) == "–"


def test_returns_due_lists_status_and_deadlines(engine):
    with engine.connect() as connection:
        due = returns_due(connection, "UNI-001", AS_OF)
    assert set(due["status"]) <= {"received", "late", "missing", "due", "returned for correction"}
    q1 = due[(due["period_code"] == "2025-26Q1") & (due["return_type"] == "pse_financial")]
    assert q1["due_date"].tolist() == [date(2025, 10, 30)]
    assert q1["status"].tolist() == ["missing"] and q1["days_overdue"].tolist() == [108]
    assert due["period_code"].iloc[0] == "2025-26Q2"  # newest first


def test_review_approve_and_return_with_a_comment_the_pse_sees(engine, tmp_path):
    _, pse_token = _grant(engine, "UNI-006", "Pse Officer")
    _, reviewer_token = _grant(engine, "HED", "Hina Reviewer", kind="reviewer")
    _, health_token = _grant(engine, "HLT", "Other Reviewer", kind="reviewer")
    pse = _check(engine, pse_token)
    reviewer = _check(engine, reviewer_token, "reviewer")
    outsider = _check(engine, health_token, "reviewer")
    # The demo's department approved UNI-006's Q1 return: a new version waits for a reopening.
    locked = send(engine, pse, "q1.csv", financial_csv(tmp_path, "UNI-006", "2025-26Q1"),
                  "pse_financial", "2025-26Q1")  # fmt: skip
    assert error_codes(locked) == ["ingest.approved-locked"]
    with engine.begin() as connection:
        listed = department_returns(connection, reviewer.department_id)
        q1 = listed.query("entity_code == 'UNI-006' and period_code == '2025-26Q1'")
        demo_sid = int(q1.loc[q1["return_type"] == "pse_financial", "submission_id"].item())
        reopen(connection, reviewer, demo_sid, "Restate revenue as audited")
    loaded = send(engine, pse, "q1.csv", financial_csv(tmp_path, "UNI-006", "2025-26Q1"),
                  "pse_financial", "2025-26Q1")  # fmt: skip
    sid = loaded.submission_id
    assert _supersedes(engine, sid) == demo_sid
    with engine.connect() as connection:
        listed = department_returns(connection, reviewer.department_id)
    assert listed.loc[listed["submission_id"] == sid, "state"].tolist() == ["awaiting review"]

    with engine.begin() as connection:
        with pytest.raises(ReviewError, match="needs a comment"):
            decide(connection, reviewer, sid, "returned", "  ")
        with pytest.raises(ReviewError, match="not one of your department's"):
            decide(connection, outsider, sid, "approved")
        with pytest.raises(ReviewError, match="only a department's reviewer"):
            decide(connection, pse, sid, "approved")
    with engine.begin() as connection:
        decide(connection, reviewer, sid, "returned", "Equity <b>does not</b> match the audit")
    with engine.connect() as connection:
        due = returns_due(connection, "UNI-006", pakistan_today())
    row = due[(due["period_code"] == "2025-26Q1") & (due["return_type"] == "pse_financial")]
    assert row["status"].tolist() == ["returned for correction"]
    assert row["comment"].tolist() == ["Equity <b>does not</b> match the audit"]

    corrected = send(engine, pse, "q1-fixed.csv",
                     financial_csv(tmp_path, "UNI-006", "2025-26Q1", "152000001"),
                     "pse_financial", "2025-26Q1")  # fmt: skip
    assert _supersedes(engine, corrected.submission_id) == sid
    with engine.begin() as connection:
        with pytest.raises(ReviewError, match="superseded"):
            decide(connection, reviewer, sid, "approved")
        decide(connection, reviewer, corrected.submission_id, "approved")
    with engine.connect() as connection:
        due = returns_due(connection, "UNI-006", pakistan_today())
        listed = department_returns(connection, reviewer.department_id)
    row = due[(due["period_code"] == "2025-26Q1") & (due["return_type"] == "pse_financial")]
    assert row["status"].tolist() == ["received"]  # on time: its first version was
    assert row["review"].tolist() == ["approved"]
    assert listed.loc[listed["submission_id"] == corrected.submission_id, "state"].tolist() == [
        "approved"
    ]
    assert sid not in listed["submission_id"].tolist()  # superseded versions are not listed
    returned = _audit(engine, "review_returned")
    approved = _audit(engine, "review_approved")
    assert returned[-1][:2] == ("portal:HED:Hina Reviewer", sid)
    assert returned[-1][2]["comment"] == "Equity <b>does not</b> match the audit"
    assert approved[-1][:2] == ("portal:HED:Hina Reviewer", corrected.submission_id)
    loads = _audit(engine, "ingest")
    assert any(actor == "portal:UNI-006:Pse Officer" for actor, _, _ in loads)


def test_kpis_count_every_accepted_return_or_only_approved_ones(engine, monkeypatch):
    from kpilib.errors import KpiError
    from kpilib.store.queries import load_pse_financials

    _, reviewer_token = _grant(engine, "HED", "Counting Reviewer", kind="reviewer")
    reviewer = _check(engine, reviewer_token, "reviewer")
    with engine.connect() as connection:
        sid, period = connection.execute(
            sa.text("SELECT s.id, p.code FROM submissions s JOIN entities e ON e.id = s.entity_id "
                    "JOIN periods p ON p.id = s.period_id WHERE e.code = 'UNI-007' AND "
                    "s.return_type = 'pse_financial' AND s.status = 'accepted' ORDER BY s.id")
        ).first()  # fmt: skip
    with engine.begin() as connection:
        decide(connection, reviewer, sid, "approved")
    monkeypatch.delenv("KPI_COUNT_RETURNS", raising=False)
    with engine.connect() as connection:
        everything = load_pse_financials(connection)  # default: accepted
        only = load_pse_financials(connection, count_returns="approved")
        monkeypatch.setenv("KPI_COUNT_RETURNS", "approved")
        from_env = load_pse_financials(connection)
        monkeypatch.setenv("KPI_COUNT_RETURNS", "everything")
        with pytest.raises(KpiError, match="use accepted"):
            load_pse_financials(connection)
    mine = everything[(everything["entity_code"] == "UNI-007")
                      & (everything["period_code"] == period)]  # fmt: skip
    assert mine["approval"].tolist() == ["approved"]
    assert (everything["approval"] == "unapproved").sum() == len(everything) - len(only)
    assert set(everything["approval"]) == {"approved", "unapproved"}
    assert set(zip(only["entity_code"], only["period_code"], strict=True)) >= {("UNI-007", period)}
    assert len(only) < len(everything) and set(only["approval"]) == {"approved"}
    assert len(from_env) == len(only)


def test_report_and_dashboards_mark_unapproved_statements_and_follow_the_setting(
    engine, monkeypatch
):
    """The demo's departments have approved every return older than a month; 2025-26 Q2's are
    partly waiting. A reviewer approves one of them: that PSE loses its mark everywhere."""
    from kpilib.dashboards.department import build_department_dashboard
    from kpilib.dashboards.page import start_dashboard
    from kpilib.dashboards.pse_monitor import UNAPPROVED_NOTE, build_pse_monitor
    from kpilib.report.content import pse_table
    from kpilib.views import load_province_view, select_department

    pending_sql = sa.text(
        "SELECT e.code, s.id FROM submissions s JOIN entities e ON e.id = s.entity_id "
        "JOIN departments d ON d.id = e.department_id JOIN periods p ON p.id = s.period_id "
        "LEFT JOIN reviews r ON r.submission_id = s.id WHERE d.code = 'HED' AND "
        "p.code = '2025-26Q2' AND s.return_type = 'pse_financial' AND s.status = 'accepted' "
        "AND r.id IS NULL ORDER BY e.code"
    )
    with engine.connect() as connection:
        pending = dict(connection.execute(pending_sql).all())
    assert len(pending) >= 3  # the demo leaves the last month's returns to review
    chosen = next(iter(pending))
    _, reviewer_token = _grant(engine, "HED", "Marking Reviewer", kind="reviewer")
    reviewer = _check(engine, reviewer_token, "reviewer")
    with engine.begin() as connection:
        decide(connection, reviewer, pending[chosen], "approved")
    still_pending = set(pending) - {chosen}

    def rows(setting: str) -> dict[str, str]:
        monkeypatch.setenv("KPI_COUNT_RETURNS", setting)
        view = select_department(load_province_view(engine, "2025-26", "Q2"), "HED")
        table = pse_table(view)
        return dict(zip(table.frame["entity_code"], table.frame["pse"], strict=True))

    accepted = rows("accepted")
    assert accepted[chosen].endswith("(2025-26Q2)")  # approved now: no mark
    assert all(accepted[code].endswith("(2025-26Q2, unapproved)") for code in still_pending)
    approved_before = [code for code in accepted if code not in pending]
    assert approved_before and not any("unapproved" in accepted[c] for c in approved_before)
    approved = rows("approved")  # the memo must not hand back the 'accepted' view
    assert not any("unapproved" in text for text in approved.values())
    assert approved[chosen].endswith("(2025-26Q2)")
    assert not any(approved.get(code, "").endswith("2025-26Q2)") for code in still_pending)

    # The dashboards mark the same statements: the department's PSE table, the PSE monitor's
    # category table and a PSE's card.
    monkeypatch.setenv("KPI_COUNT_RETURNS", "accepted")
    context = start_dashboard(url=engine.url.render_as_string(hide_password=False))
    query = "fiscal_year=2025-26&period=Q2"
    table = build_department_dashboard(context, f"department=HED&{query}").pse_table.value
    assert table.count("<td>2025-26Q2, unapproved</td>") == len(still_pending)
    monitor = build_pse_monitor(context, f"category=university&{query}")
    assert "<td>2025-26Q2, unapproved</td>" in monitor.category_table.value
    waiting = build_pse_monitor(context, f"pse={sorted(still_pending)[0]}&{query}")
    assert UNAPPROVED_NOTE in waiting.cards.value
    assert UNAPPROVED_NOTE not in build_pse_monitor(context, f"pse={chosen}&{query}").cards.value
