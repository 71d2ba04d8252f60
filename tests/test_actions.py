"""The follow-up loop (issue 17) on real databases: actions opened from flags (idempotent),
answered, closed and escalated with their audit entries, and the KPIs computed by hand."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from kpilib.kpis.actions import (
    CANDIDATE_COLUMNS,
    FLAG_SOURCES,
    ActionError,
    Actor,
    FollowUpRules,
    action_kpis,
    answer_action,
    close_action,
    escalate_action,
    exception_candidates,
    governance_candidates,
    mark_overdue,
    open_actions_for_flags,
    reconciliation_candidates,
    utilisation_candidates,
)
from kpilib.store.actions import load_actions
from kpilib.store.database import connect

OPENED = date(2025, 7, 15)


@pytest.fixture
def engine(database_url):
    """Two departments, two PSEs of HLT and one of EDU."""
    engine = connect(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO departments (id, code, name) VALUES (1, 'HLT', 'Health'), "
                "(2, 'EDU', 'Education')"
            )
        )
        connection.execute(sa.text(
            "INSERT INTO entities (id, code, name, category, department_id) VALUES "
            "(1, 'MTI-001', 'Lady Reading Hospital', 'teaching_hospital', 1), "
            "(2, 'MTI-002', 'Khyber Teaching Hospital', 'teaching_hospital', 1), "
            "(3, 'UNI-001', 'University of Peshawar', 'university', 2)"))  # fmt: skip
    yield engine
    engine.dispose()


def _flags(*rows):
    return pd.DataFrame(
        [dict(zip(CANDIDATE_COLUMNS, row, strict=True)) for row in rows], columns=CANDIDATE_COLUMNS
    )


FLAGS = _flags(
    ("pse", "MTI-001", "HLT", "MTI-001", "high", "Lady Reading Hospital (MTI-001)", "very high"),
    ("governance", "MTI-002/GOV-01", "HLT", "MTI-002", "medium", "Khyber (MTI-002)", "board"),
    ("budget", "EDU/current budget", "EDU", None, "low", "current budget", "spent 70 %"),
)


def _open(engine, flags=FLAGS, on=OPENED, year=2024):
    with engine.begin() as connection:
        return open_actions_for_flags(
            connection, flags, fiscal_year=year, period_code="FY", opened_on=on
        )


def _actions(engine, **kwargs):
    with engine.connect() as connection:
        return load_actions(connection, **kwargs)


def _audit(engine, prefix):
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT action, actor, details FROM audit_log WHERE action LIKE :p ORDER BY id"
        ), {"p": prefix + "%"}).fetchall()  # fmt: skip
    return [(r.action, r.actor, json.loads(r.details)) for r in rows
            if r.action.startswith(prefix)]  # fmt: skip


def test_flags_become_actions_once_with_owner_and_due_date(engine):
    first = _open(engine)
    assert len(first.opened) == 3 and first.existing == 0
    again = _open(engine, on=date(2025, 8, 1))  # the same flags raised again: nothing new
    assert again.opened == [] and again.existing == 3
    actions = _actions(engine).set_index("kind")
    assert actions.loc["pse", "entity_code"] == "MTI-001"
    assert actions.loc["pse", "department_code"] == "HLT"
    assert actions.loc["budget", "entity_code"] is None  # the department owns it
    # due: 14 days for high, 30 for medium, 60 for low (the default rule)
    assert actions.loc["pse", "due_on"] == date(2025, 7, 29)
    assert actions.loc["governance", "due_on"] == date(2025, 8, 14)
    assert actions.loc["budget", "due_on"] == date(2025, 9, 13)
    assert actions.loc["pse", "flag_key"] == "2024-25/MTI-001"
    assert set(actions["status"]) == {"open"}
    assert [a for a, _, _ in _audit(engine, "actions_opened")] == ["actions_opened"]


def test_next_year_opens_a_new_action_and_unknown_owners_are_skipped(engine):
    _open(engine)
    unknown = _flags(("pse", "XXX-9", "HLT", "XXX-9", "high", "Unknown (XXX-9)", "very high"))
    result = _open(engine, flags=pd.concat([FLAGS.iloc[:1], unknown]), year=2025)
    assert len(result.opened) == 1 and result.skipped == 1
    assert len(_actions(engine)) == 4 and len(_actions(engine, fiscal_year=2025)) == 1


def test_due_days_come_from_the_rule(engine):
    rules = FollowUpRules(due_days={"high": 7, "medium": 10, "low": 20})
    with engine.begin() as connection:
        open_actions_for_flags(connection, FLAGS.iloc[:1], fiscal_year=2024, period_code="FY",
                               opened_on=OPENED, rules=rules)  # fmt: skip
    assert _actions(engine)["due_on"].tolist() == [date(2025, 7, 22)]


def _ids(engine):
    return dict(zip(_actions(engine)["kind"], _actions(engine)["action_id"], strict=True))


PSE1 = Actor("portal:MTI-001:Officer", entity_id=1)
PSE2 = Actor("portal:MTI-002:Officer", entity_id=2)
HLT = Actor("portal:HLT:Reviewer", department_id=1)
EDU = Actor("portal:EDU:Reviewer", department_id=2)


def test_answer_then_close_or_escalate_with_audit(engine):
    _open(engine)
    ids = _ids(engine)
    with engine.begin() as connection:
        answer_action(connection, PSE1, ids["pse"], "  Board approved a recovery plan.  ")
        close_action(connection, HLT, ids["pse"], "Plan seen.", date(2025, 7, 20))
        escalate_action(connection, HLT, ids["governance"], "No answer after the due date")
        answer_action(connection, EDU, ids["budget"], "Releases came late; spent by May.")
    actions = _actions(engine).set_index("kind")
    assert actions.loc["pse", "status"] == "closed"
    assert actions.loc["pse", "answer"] == "Board approved a recovery plan."
    assert actions.loc["pse", "answered_by"] == PSE1.name
    assert actions.loc["pse", "closed_on"] == date(2025, 7, 20)
    assert actions.loc["pse", "decided_by"] == HLT.name
    assert actions.loc["governance", "status"] == "escalated"
    assert actions.loc["budget", "status"] == "answered"
    assert [a for a, _, _ in _audit(engine, "action_")] == [
        "action_answered", "action_closed", "action_escalated", "action_answered",
    ]  # fmt: skip
    _, actor, details = _audit(engine, "action_closed")[0]
    assert actor == HLT.name and details["note"] == "Plan seen." and details["was"] == "answered"


def test_an_escalated_action_is_answered_again_then_closed(engine):
    _open(engine)
    action = _ids(engine)["governance"]
    with engine.begin() as connection:
        answer_action(connection, PSE2, action, "We will fill the vacancy.")
        escalate_action(connection, HLT, action, "A date, please.")
        answer_action(connection, PSE2, action, "Filled by 1 September.")
        close_action(connection, HLT, action, None, OPENED)
    row = _actions(engine).set_index("kind").loc["governance"]
    assert (row["status"], row["answer"], row["decision_note"]) == (
        "closed", "Filled by 1 September.", None)  # fmt: skip


@pytest.mark.parametrize(
    ("actor", "kind", "call", "message"),
    [
        (PSE2, "pse", "answer", "not one of your actions"),  # another PSE's
        (EDU, "pse", "close", "not one of your actions"),  # another department's
        (HLT, "pse", "answer", "answered by its PSE"),
        (PSE1, "pse", "close", "only the department's reviewer"),
        (HLT, "pse", "close", "waiting for the answer: it cannot be closed"),
        (PSE1, "pse", "empty", "write your answer"),
        (HLT, "pse", "escalate-empty", "say why"),
        (EDU, "budget", "close", "the department's own: the Finance Department decides"),
    ],
)
def test_refusals_speak_plainly(engine, actor, kind, call, message):
    _open(engine)
    action = _ids(engine)[kind]
    calls = {
        "answer": lambda c: answer_action(c, actor, action, "ok"),
        "close": lambda c: close_action(c, actor, action, "ok", OPENED),
        "empty": lambda c: answer_action(c, actor, action, "   "),
        "escalate-empty": lambda c: escalate_action(c, actor, action, ""),
    }
    with pytest.raises(ActionError, match=message), engine.begin() as connection:
        calls[call](connection)
    assert set(_actions(engine)["status"]) == {"open"}  # nothing changed


def test_a_closed_action_takes_no_answer_and_a_long_answer_is_refused(engine):
    _open(engine)
    action = _ids(engine)["pse"]
    with engine.begin() as connection:
        answer_action(connection, PSE1, action, "done")
        close_action(connection, HLT, action, "", OPENED)
    with pytest.raises(ActionError, match="closed: it needs no answer"), engine.begin() as c:
        answer_action(c, PSE1, action, "more")
    other = _ids(engine)["governance"]
    with pytest.raises(ActionError, match="longer than 4000"), engine.begin() as c:
        answer_action(c, PSE2, other, "x" * 4001)


# ------------------------------------------------------------------ KPIs, by hand


def _frame(*rows):
    columns = ["department_code", "status", "opened_on", "due_on", "closed_on"]
    return pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows], columns=columns)


AS_OF = date(2025, 9, 1)
KPI_ROWS = _frame(
    ("HLT", "open", date(2025, 7, 1), date(2025, 8, 31), None),  # overdue by 1 day
    ("HLT", "open", date(2025, 7, 1), AS_OF, None),  # due today: not overdue
    ("HLT", "closed", date(2025, 7, 1), date(2025, 7, 31), date(2025, 7, 1)),  # same day: 0
    ("HLT", "closed", date(2025, 7, 1), date(2025, 7, 31), date(2025, 7, 11)),  # 10 days
    ("HLT", "closed", date(2025, 7, 1), date(2025, 7, 31), date(2025, 7, 31)),  # 30 days
    ("EDU", "escalated", date(2025, 7, 1), date(2025, 7, 15), None),  # escalated: not overdue
    ("EDU", "answered", date(2025, 7, 1), date(2025, 7, 15), None),  # answered late: not overdue
    ("EDU", "open", date(2025, 9, 2), date(2025, 9, 5), None),  # opened after as_of: left out
)


def test_kpis_by_department_by_hand():
    kpis = action_kpis(KPI_ROWS, AS_OF, by=["department_code"]).set_index("department_code")
    hlt, edu = kpis.loc["HLT"], kpis.loc["EDU"]
    assert (hlt["actions"], hlt["open"], hlt["overdue"], hlt["closed"]) == (5, 2, 1, 3)
    assert hlt["median_days_to_close"] == 10.0  # median of 0, 10, 30
    assert hlt["resolution_rate"] == pytest.approx(60.0)  # 3 of 5
    assert (edu["actions"], edu["open"], edu["escalated"], edu["answered"]) == (2, 2, 1, 1)
    assert edu["overdue"] == 0 and edu["resolution_rate"] == 0.0
    assert pd.isna(edu["median_days_to_close"])


def test_province_kpis_and_no_actions():
    total = action_kpis(KPI_ROWS, AS_OF).iloc[0]
    assert (total["actions"], total["open"], total["overdue"], total["closed"]) == (7, 4, 1, 3)
    empty = action_kpis(KPI_ROWS.iloc[0:0], AS_OF).iloc[0]
    assert empty["actions"] == 0 and empty["overdue"] == 0
    assert pd.isna(empty["resolution_rate"]) and pd.isna(empty["median_days_to_close"])
    assert action_kpis(KPI_ROWS.iloc[0:0], AS_OF, by=["department_code"]).empty


def test_overdue_days():
    marked = mark_overdue(KPI_ROWS, AS_OF)
    assert marked["overdue"].tolist() == [True] + [False] * 7
    assert marked["days_overdue"].tolist() == [1] + [0] * 7


def test_candidates_from_flags_and_breaches():
    exceptions = pd.DataFrame([
        {"department_code": "HLT", "area": "pse", "subject": "Lady Reading Hospital (MTI-001)",
         "entity": "Lady Reading Hospital (MTI-001)", "message": "very high", "severity": "high"},
        {"department_code": "HLT", "area": "indicator", "subject": "HLT-IMM Immunisation",
         "entity": "", "message": "achievement 40 %", "severity": "high"},
        {"department_code": "HLT", "area": "returns", "subject": "PSE returns", "entity": "",
         "message": "40 % received", "severity": "medium"},
        {"department_code": "HLT", "area": "data", "subject": "x", "entity": "",
         "message": "bad", "severity": "low"},
    ])  # fmt: skip
    candidates = exception_candidates(exceptions)
    assert candidates["key"].tolist() == ["MTI-001", "HLT/HLT-IMM", "HLT/returns"]
    assert candidates["entity_code"].tolist() == ["MTI-001", None, None]
    statement = pd.DataFrame([
        {"entity_code": "MTI-001", "entity_name": "LRH", "department_code": "HLT",
         "rule_id": "BRD-1", "verdict": "not complied", "title": "Board", "detail": "2 of 7"},
        {"entity_code": "MTI-001", "entity_name": "LRH", "department_code": "HLT",
         "rule_id": "BRD-2", "verdict": "complied", "title": "Chair", "detail": ""},
    ])  # fmt: skip
    breaches = governance_candidates(statement, "high")
    assert breaches[["key", "severity"]].values.tolist() == [["MTI-001/BRD-1", "high"]]


def test_candidates_from_support_mismatches_and_grants_without_a_report():
    entities = pd.DataFrame({"entity_code": ["P1", "P2"], "department_code": ["HLT", "FIN"]})
    reconciliation = pd.DataFrame({
        "entity_code": ["P1", "P1", "P2"], "instrument": ["subsidy", "grant_in_aid", "subsidy"],
        "budget": [100, 50, 10], "reported": [150, 50, 0],
        "status": ["mismatch", "matched", "not reported"],
    })  # fmt: skip
    support = reconciliation_candidates(reconciliation, entities)
    assert support[["kind", "key", "department_code"]].values.tolist() == [
        ["support", "P1/subsidy", "HLT"]
    ]
    assert "Rs 100" in support["message"].iloc[0] and "Rs 150" in support["message"].iloc[0]
    grants = pd.DataFrame({"entity_code": ["P1", "P2"], "grant": [1000, 2000],
                           "utilisation_report_date": [date(2024, 9, 1), None],
                           "flagged": [False, True]})  # fmt: skip
    unreported = utilisation_candidates(grants, entities)
    assert unreported[["kind", "key", "entity_code"]].values.tolist() == [
        ["utilisation", "P2/grant_in_aid", "P2"]
    ]
    assert FLAG_SOURCES["support"] is reconciliation_candidates
    assert FLAG_SOURCES["utilisation"] is utilisation_candidates


def test_the_cgu_decides_on_a_department_s_own_action(engine):
    _open(engine)
    action = _ids(engine)["budget"]
    cgu = Actor("cgu-analyst")
    with engine.begin() as connection:
        answer_action(connection, EDU, action, "Releases came late.")
        escalate_action(connection, cgu, action, "Ask Finance for the release dates.")
        answer_action(connection, EDU, action, "Dates attached.")
        close_action(connection, cgu, action, None, date(2025, 9, 1))
    row = _actions(engine).set_index("kind").loc["budget"]
    assert (row["status"], row["decided_by"], row["closed_on"]) == (
        "closed", "cgu-analyst", date(2025, 9, 1))  # fmt: skip
