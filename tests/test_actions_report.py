"""The follow-up of red flags in the reports and the demo (issue 17): the flags table shows the
answer's due date and where the follow-up stands, "actions on last period's flags" agrees with
the KPIs, and the demo's actions are demo data with a spread of outcomes."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from kpilib.kpis.actions import action_kpis, exception_key, flag_key
from kpilib.report import content
from kpilib.store.actions import load_actions
from kpilib.store.database import connect
from kpilib.views import load_province_view, select_department

AS_OF = date(2026, 2, 15)  # the demo's as-of date


@pytest.fixture(scope="module")
def engine(demo_sqlite_url):
    engine = connect(demo_sqlite_url, read_only=True)
    yield engine
    engine.dispose()


def test_the_demo_follows_up_last_year_s_governance_breaches(engine):
    with engine.connect() as connection:
        actions = load_actions(connection)
    assert len(actions) > 100 and set(actions["kind"]) == {"governance"}
    assert set(actions["fiscal_year"]) == {2024} and actions["is_demo"].all()
    counts = actions["status"].value_counts()
    assert set(counts.index) == {"open", "answered", "closed", "escalated"}
    assert counts["closed"] > counts["answered"] > counts["escalated"]
    kpis = action_kpis(actions, AS_OF).iloc[0]
    assert kpis["overdue"] == counts["open"] > 0  # every unanswered one is past its due date
    closed = actions[actions["status"] == "closed"]
    assert (closed["closed_on"] >= closed["opened_on"]).all()
    assert (pd.to_datetime(closed["closed_on"]).dt.date <= AS_OF).all()


def test_actions_on_last_period_s_flags_agree_with_the_kpis(engine):
    dept = select_department(load_province_view(engine, "2025-26", "FY"), "HED")
    text, overdue = content.last_period_actions_summary(engine, dept)
    with engine.connect() as connection:
        actions = load_actions(connection, department_code="HED", fiscal_year=2024)
    kpis = action_kpis(actions, AS_OF).iloc[0]
    assert f"{int(kpis['actions'])} action(s) on the flags of 2024-25" in text
    assert f"{int(kpis['closed'])} closed" in text and f"{int(kpis['overdue'])} overdue" in text
    assert len(overdue.frame) == kpis["overdue"]
    assert [c.label for c in overdue.columns][-1] == "Days overdue"
    earlier = select_department(load_province_view(engine, "2024-25", "FY"), "HED")
    assert "No action was opened" in content.last_period_actions_summary(engine, earlier)[0]


def test_the_flags_table_shows_the_due_date_of_a_followed_up_flag(engine):
    view = load_province_view(engine, "2024-25", "FY")
    flags = view.exceptions[view.exceptions["area"] == "pse"]
    dept = select_department(view, str(flags["department_code"].iloc[0]))
    plain = content.exceptions_table(dept.exceptions, actions=None)
    assert "Answer due" not in [c.label for c in plain.columns]
    first = dept.exceptions[dept.exceptions["area"] == "pse"].iloc[0]
    kind, key, _ = exception_key(first.to_dict())
    actions = pd.DataFrame([{"action_id": 7, "kind": kind, "flag_key": flag_key(2024, key),
                             "fiscal_year": 2024, "due_on": date(2025, 11, 1),
                             "status": "open", "days_overdue": 106}])  # fmt: skip
    table = content.exceptions_table(dept.exceptions, actions=actions)
    assert [c.label for c in table.columns][-2:] == ["Answer due", "Follow-up"]
    row = table.frame[table.frame["follow_up"] != ""]
    assert row["answer_due"].tolist() == ["1 Nov 2025"]
    assert row["follow_up"].tolist() == ["waiting for the answer, 106 days overdue"]
    assert (table.frame["follow_up"] == "").sum() == len(table.frame) - 1


def test_the_actions_table_is_in_the_schema(engine):
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
    assert "actions" in names
