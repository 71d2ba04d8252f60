from datetime import date

import pandas as pd
import pytest

from kpilib.fiscal import FiscalYear, Period
from kpilib.kpis.returns import (
    companion_schedule,
    expected_returns,
    expected_yearly_returns,
    schedule_for,
)

ENTITIES = pd.DataFrame(
    {
        "entity_code": ["UNI-001", "ABD-001"],
        "category": ["university", "autonomous_body"],
        "department_code": ["HED", "FIN"],
    }
)


def test_due_date_is_thirty_days_after_quarter_end():
    assert schedule_for("pse_financial").due_date(Period.parse("2024-25Q2")) == date(2025, 1, 30)


def test_expected_returns_follow_the_schedule_and_the_as_of_date():
    quarters = [Period(FiscalYear(2024), "quarter", q) for q in (1, 2, 3)]
    # As of 30 January 2025: Q1 (due 30 Oct) and Q2 (due 30 Jan) are expected, Q3 is not yet.
    expected = expected_returns(ENTITIES, quarters, date(2025, 1, 30))
    # The university owes a financial and a KPI return per quarter, the autonomous body only
    # the financial one: 3 returns × 2 quarters.
    assert len(expected) == 6
    assert set(expected["period_code"]) == {"2024-25Q1", "2024-25Q2"}
    kinds = expected.groupby("entity_code")["return_type"].apply(set).to_dict()
    assert kinds == {"UNI-001": {"pse_financial", "pse_kpi"}, "ABD-001": {"pse_financial"}}


def test_expected_returns_refuse_non_quarters():
    with pytest.raises(ValueError, match="quarterly"):
        expected_returns(ENTITIES, [Period.parse("2024-25")], date(2026, 1, 1))


def test_yearly_returns_are_due_120_days_after_the_year_and_notes_with_governance():
    expected = expected_yearly_returns(ENTITIES, [FiscalYear(2024)])
    # Every PSE owes a governance and a support return for 2024-25, due 28 October 2025
    # (30 June + 120 days); the governance notes are never expected on their own.
    assert len(expected) == 4
    assert set(expected["return_type"]) == {"pse_governance", "pse_support"}
    assert set(expected["period_code"]) == {"2024-25"} and set(expected["due_date"]) == {
        date(2025, 10, 28)
    }
    notes = companion_schedule("pse_governance_notes")
    assert notes.due_date(Period(FiscalYear(2024))) == date(2025, 10, 28)


# ---------------------------------------------------------------- yearly returns (issue 17)


def _submission(entity, return_type, period, received):
    return {"entity_code": entity, "return_type": return_type, "period_code": period,
            "received_at": pd.Timestamp(received, tz="UTC")}  # fmt: skip


def test_yearly_return_rates_by_hand():
    from kpilib.kpis.compliance import yearly_return_rates

    submissions = pd.DataFrame([
        _submission("UNI-001", "pse_governance", "2024-25", "2025-10-20 05:00"),  # on time
        _submission("ABD-001", "pse_governance", "2024-25", "2025-11-07 05:00"),  # 10 days late
        _submission("UNI-001", "pse_support", "2024-25", "2025-10-28 18:00"),  # 23:00 PKT: on time
        _submission("ABD-001", "pse_support", "2024-25", "2026-01-01 05:00"),  # after as_of
        _submission("ABD-001", "pse_financial", "2024-25Q1", "2024-10-01 05:00"),  # quarterly
    ])  # fmt: skip
    rates, missing = yearly_return_rates(ENTITIES, submissions, FiscalYear(2024),
                                         date(2025, 12, 1))  # fmt: skip
    rates = rates.set_index("return_type")
    governance, support = rates.loc["pse_governance"], rates.loc["pse_support"]
    assert governance["title"] == "Yearly governance return"
    assert (governance["expected"], governance["received"], governance["on_time"]) == (2, 2, 1)
    assert governance["completeness"] == 1.0 and governance["timeliness"] == 0.5
    assert (support["expected"], support["received"], support["outstanding"]) == (2, 1, 1)
    assert support["completeness"] == 0.5 and support["timeliness"] == 0.5
    assert missing[["entity_code", "return_type"]].values.tolist() == [["ABD-001", "pse_support"]]
    assert missing["days_overdue"].tolist() == [34]  # 28 Oct to 1 Dec 2025


def test_a_half_yearly_report_counts_last_year_s_yearly_returns():
    from kpilib.views.portfolio import yearly_returns_year

    assert yearly_returns_year(FiscalYear(2024), date(2026, 2, 15)).label == "2024-25"
    assert yearly_returns_year(FiscalYear(2025), date(2026, 2, 15)).label == "2024-25"
    assert yearly_returns_year(FiscalYear(2024), date(2025, 10, 28)).label == "2024-25"
    assert yearly_returns_year(FiscalYear(2024), date(2025, 10, 27)).label == "2023-24"
