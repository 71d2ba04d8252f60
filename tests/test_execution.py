"""Budget execution KPIs on a hand-made roll-up."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.kpis.budget_execution import (
    compute_execution,
    compute_monthly_curve,
    last_reported_month,
)


def rollup(rows):
    """rows: (year, dept, type, month, original, revised, released, expended)."""
    frame = pd.DataFrame(
        rows,
        columns=["fiscal_year", "department_code", "budget_type", "month", "original_budget",
                 "revised_budget", "released", "expended"],
    )  # fmt: skip
    frame["economic_class_code"] = "A01"
    frame["economic_class_kind"] = "regular"
    for column in ("original_budget", "revised_budget", "released", "expended"):
        frame[column] = frame[column].astype("Int64")
    return frame


def one_department_year(expended_by_month, released_by_month):
    """One department-year: original budget 100 (8 a month, 12 in June), revised 120 (10 a
    month), releases and expenditure as given per month (None = not reported)."""
    rows = [
        (2024, "HLT", "development", month, 8 if month < 12 else 12, 10,
         released_by_month[month - 1], expended_by_month[month - 1])
        for month in range(1, 13)
    ]  # fmt: skip
    return rollup(rows)


def test_full_year_execution_hand_computed():
    # Revised 120; released 60 in July + 48 in January = 108; spending 2 a month for 11 months
    # (22) then 38 in June: 60 in the year.
    released = [60, 0, 0, 0, 0, 0, 48, 0, 0, 0, 0, 0]
    expended = [2] * 11 + [38]
    row = compute_execution(one_department_year(expended, released), 2024).iloc[0]
    assert row["original_budget"] == 100 and row["revised_budget"] == 120
    assert row["released"] == 108 and row["expended"] == 60
    assert row["release_rate"] == pytest.approx(90.0)  # 108 / 120
    assert row["utilisation"] == pytest.approx(50.0)  # 60 / 120
    assert row["utilisation_of_releases"] == pytest.approx(60 / 108 * 100)
    assert row["burn_vs_plan"] == pytest.approx(50.0)  # plan to date = 120 × 12/12
    assert row["unspent_releases"] == 48
    assert row["lapse_rate"] == pytest.approx(48 / 108 * 100)
    assert row["q4_share"] == pytest.approx((2 + 2 + 38) / 60 * 100)  # April–June
    assert row["june_share"] == pytest.approx(38 / 60 * 100)


def test_year_to_date_uses_the_straight_line_plan():
    released = [60, 0, 0, 0, 0, 0, 48, 0, 0, 0, 0, 0]
    expended = [2] * 11 + [38]
    row = compute_execution(one_department_year(expended, released), 2024, 6).iloc[0]
    assert row["months_covered"] == 6
    assert row["released"] == 60 and row["expended"] == 12
    assert row["plan_to_date"] == pytest.approx(60.0)  # 120 × 6/12
    assert row["burn_vs_plan"] == pytest.approx(20.0)  # 12 / 60
    assert math.isnan(row["june_share"])  # not a complete year


def test_unreported_months_are_not_zero():
    # Only July–September reported (the rest NULL): year to date through Q2 stops at September.
    released = [30, 0, 0] + [None] * 9
    expended = [5, 5, 5] + [None] * 9
    frame = one_department_year(expended, released)
    assert last_reported_month(frame, 2024) == 3
    row = compute_execution(frame, 2024, 6).iloc[0]
    assert row["months_covered"] == 3
    assert row["expended"] == 15
    assert row["burn_vs_plan"] == pytest.approx(50.0)  # 15 / (120 × 3/12)
    curve = compute_monthly_curve(frame, 2024)
    assert curve["cumulative_expended"].iloc[2] == 15
    assert curve["cumulative_expended"].iloc[3:].isna().all()
    assert curve["plan_cumulative"].iloc[11] == pytest.approx(120.0)


def test_zero_budget_gives_nan_not_inf():
    frame = one_department_year([1] * 12, [1] * 12)
    frame["revised_budget"] = pd.array([0] * 12, dtype="Int64")
    row = compute_execution(frame, 2024).iloc[0]
    assert math.isnan(row["utilisation"]) and math.isnan(row["release_rate"])


def test_province_total_and_grouping():
    rows = [(2024, "A", "current", m, 10, 10, 10, 9) for m in range(1, 13)] + [
        (2024, "B", "current", m, 20, 20, 20, 10) for m in range(1, 13)
    ]
    frame = rollup(rows)
    by_department = compute_execution(frame, 2024)
    assert list(by_department["department_code"]) == ["A", "B"]
    assert list(by_department["utilisation"]) == pytest.approx([90.0, 50.0])
    province = compute_execution(frame, 2024, keys=())
    assert province["utilisation"].iloc[0] == pytest.approx((108 + 120) / 360 * 100)


@settings(max_examples=40)
@given(
    st.lists(st.integers(0, 10**9), min_size=12, max_size=12),
    st.lists(st.integers(0, 10**9), min_size=12, max_size=12),
    st.integers(1, 1000),
)
def test_scaling_amounts_changes_no_rate(expended, released, scale):
    base = one_department_year(expended, released)
    scaled = base.copy()
    for column in ("original_budget", "revised_budget", "released", "expended"):
        scaled[column] = scaled[column] * scale
    a = compute_execution(base, 2024).iloc[0]
    b = compute_execution(scaled, 2024).iloc[0]
    for rate in ("release_rate", "utilisation", "utilisation_of_releases", "burn_vs_plan",
                 "lapse_rate", "q4_share", "june_share"):  # fmt: skip
        assert (math.isnan(a[rate]) and math.isnan(b[rate])) or b[rate] == pytest.approx(a[rate])


def test_demo_shows_the_june_rush(demo_url):
    from kpilib.store.database import connect
    from kpilib.store.queries import load_budget_rollup

    with connect(demo_url).connect() as connection:
        frame = load_budget_rollup(connection, [2024])
    province = compute_execution(frame, 2024, keys=("budget_type",)).set_index("budget_type")
    assert province.loc["development", "june_share"] > 20
    assert province.loc["development", "utilisation"] < province.loc["current", "utilisation"]
