"""The open-actions section of the PSE Portfolio Report (issue 17): the actions on the PSEs'
flags by hand, and on the demo (the section agrees with the follow-up KPIs)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kpilib.kpis.actions import PSE_FLAG_SOURCES, action_kpis, oldest_overdue, pse_flag_actions
from kpilib.report import portfolio_content as content
from kpilib.store.actions import load_actions
from kpilib.store.database import connect
from kpilib.views.followup import portfolio_actions

AS_OF = date(2025, 9, 1)
COLUMNS = ["action_id", "kind", "department_code", "status", "opened_on", "due_on", "closed_on"]
ROWS = pd.DataFrame([
    (1, "pse", "HLT", "open", date(2025, 7, 1), date(2025, 7, 15), None),  # 48 days overdue
    (2, "governance", "HLT", "open", date(2025, 7, 1), date(2025, 8, 1), None),  # 31 days
    (3, "support", "EDU", "open", date(2025, 7, 1), date(2025, 8, 1), None),  # 31, later id
    (4, "utilisation", "EDU", "open", date(2025, 7, 1), AS_OF, None),  # due today: not overdue
    (5, "returns", "EDU", "closed", date(2025, 7, 1), date(2025, 7, 31), date(2025, 7, 21)),
    (6, "budget", "HLT", "open", date(2025, 7, 1), date(2025, 7, 2), None),  # not a PSE flag
    (7, "indicator", "EDU", "closed", date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 2)),
    (8, "pse", "HLT", "open", date(2025, 9, 2), date(2025, 7, 2), None),  # opened after as_of
], columns=COLUMNS)  # fmt: skip


def test_pse_flag_actions_keep_the_five_sources_in_words():
    frame = pse_flag_actions(ROWS)
    assert frame["action_id"].tolist() == [1, 2, 3, 4, 5, 8]
    assert frame["source"].tolist() == ["finance", "governance", "support mismatch",
                                        "utilisation", "compliance", "finance"]  # fmt: skip
    assert pse_flag_actions(ROWS.iloc[0:0]).empty


def test_oldest_overdue_most_days_first_then_by_id():
    frame = oldest_overdue(pse_flag_actions(ROWS), AS_OF)
    assert frame["action_id"].tolist() == [1, 2, 3]  # 4 due today, 5 closed, 8 not yet opened
    assert frame["days_overdue"].tolist() == [48, 31, 31]
    assert oldest_overdue(pse_flag_actions(ROWS), AS_OF, top=1)["action_id"].tolist() == [1]


def test_kpis_of_the_pse_flags_by_hand():
    total = action_kpis(pse_flag_actions(ROWS), AS_OF).iloc[0]
    assert (total["actions"], total["open"], total["overdue"], total["closed"]) == (5, 4, 3, 1)
    assert total["resolution_rate"] == pytest.approx(20.0)  # 1 of 5
    assert total["median_days_to_close"] == 20.0  # 1 Jul to 21 Jul


@pytest.fixture(scope="module")
def engine(demo_sqlite_url):
    engine = connect(demo_sqlite_url, read_only=True)
    yield engine
    engine.dispose()


def test_the_section_agrees_with_the_kpis_on_the_demo(engine):
    found = portfolio_actions(engine, "2024-25", top=5)
    with engine.connect() as connection:
        actions = load_actions(connection)
    mine = actions[actions["fiscal_year"].isin([2023, 2024])]
    kpis = action_kpis(mine, date(2026, 2, 15)).iloc[0]  # the demo's as-of date
    assert found.as_of == date(2026, 2, 15)
    assert [y.label for y in found.fiscal_years] == ["2023-24", "2024-25"]
    assert found.total["actions"] == kpis["actions"] > 0
    assert found.total["overdue"] == kpis["overdue"] > 0
    assert found.by_department["actions"].sum() == kpis["actions"]
    assert found.by_source["source"].tolist() == list(PSE_FLAG_SOURCES.values())
    assert found.by_source.set_index("source").loc["finance", "actions"] == 0
    assert len(found.oldest_overdue) == 5
    assert found.oldest_overdue["days_overdue"].is_monotonic_decreasing
    text = content.actions_summary(found)
    assert f"{int(kpis['actions'])} action(s) on the PSEs' flags of 2023-24 and 2024-25" in text
    assert "as of 15 Feb 2026" in text and f"{int(kpis['overdue'])} overdue" in text
    tables = content.actions_tables(found)
    assert len(tables) == 3 and "as of 15 Feb 2026" in tables[0].caption
    assert tables[1].frame["actions"].tolist()[-1] == kpis["actions"]  # the total line, whole
    for table in tables:  # one heading, one column (the workbook keys on headings)
        assert len({c.label for c in table.columns}) == len(table.columns)
    html = content.overdue_actions_table(found).render()
    assert "Days overdue" in html and "Answer due" in html
    assert "All PSEs&#x27;" in tables[0].render() or "All PSEs'" in tables[0].render()


def test_no_action_on_the_flags_of_years_without_any(engine):
    found = portfolio_actions(engine, "2022-23")
    assert "No action was opened on the PSEs' flags of 2021-22 and 2022-23" in (
        content.actions_summary(found)
    )
    assert content.actions_tables(found) == []
