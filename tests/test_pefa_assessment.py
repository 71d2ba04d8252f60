"""PEFA Pillar I assessed on a hand-made province, and on the demo database."""

import pandas as pd
import pytest

from kpilib.kpis.pefa_assessment import assess_budget_reliability, assessment_years, completed_years

#: (department, head, kind, original, expended) of every year; the year's amounts are booked in
#: June, months July–May carry zero (reported, so the year counts as complete).
LINES = [
    ("A", "A01", "regular", 600, 570),
    ("A", "A07", "interest", 100, 100),
    ("B", "A01", "regular", 300, 330),
    ("FIN", "A99", "contingency", 50, 20),
]


def province_rollup(years=(2022, 2023, 2024), last_year_months=12, lines=LINES):
    rows = []
    for year in years:
        months = last_year_months if year == max(years) else 12
        for department, head, kind, original, expended in lines:
            for month in range(1, 13):
                june = month == 12
                reported = month <= months
                rows.append({
                    "fiscal_year": year, "department_code": department,
                    "budget_type": "current", "economic_class_code": head,
                    "economic_class_kind": kind, "month": month,
                    "original_budget": original if june else 0,
                    "revised_budget": original if june else 0, "released": None,
                    "expended": (expended if june else 0) if reported else None,
                })  # fmt: skip
    frame = pd.DataFrame(rows)
    for column in ("original_budget", "revised_budget", "released", "expended"):
        frame[column] = frame[column].astype("Int64")
    return frame


def revenue(years=(2022, 2023, 2024)):
    rows = []
    for year in years:
        for head, estimate, receipts in (("R1", 500, 480), ("R2", 500, 560)):
            rows.append({"fiscal_year": year, "revenue_head_code": head,
                         "department_code": "FIN", "month": 12, "estimate": estimate,
                         "revised_estimate": estimate, "receipts": receipts})  # fmt: skip
    return pd.DataFrame(rows)


def test_province_assessment_hand_computed():
    result = assess_budget_reliability(province_rollup(), revenue(), 2024)
    assert result.fiscal_years == (2022, 2023, 2024)
    last = result.yearly.set_index("fiscal_year").loc[2024]
    assert last["1"] == pytest.approx(1020 / 1050 * 100)  # 97.14 %: everything counts
    # PI-2.1: regular heads only (interest and contingency out): A 600→570, B 300→330.
    assert last["2.1"] == pytest.approx(60 / 900 * 100)  # 6.67 %
    assert last["2.2"] == pytest.approx(0.0)  # A01 900→900, A07 100→100
    assert last["2.3"] == pytest.approx(20 / 1050 * 100)  # 1.9 % of the original budget
    assert last["3.1"] == pytest.approx(104.0)
    assert last["3.2"] == pytest.approx(80 / 1040 * 100)  # 7.69 %
    assert result.dimension_scores == {
        "1": "A", "2.1": "B", "2.2": "A", "2.3": "A", "3.1": "A", "3.2": "B",
    }  # fmt: skip
    assert result.indicator_scores == {"PI-1": "A", "PI-2": "B+", "PI-3": "B+"}


def test_department_assessment_uses_its_cost_centres():
    cost_centres = pd.DataFrame(
        {
            "fiscal_year": [y for y in (2022, 2023, 2024) for _ in range(2)],
            "department_code": "A",
            "cost_centre_code": ["CC1", "CC2"] * 3,
            "original_budget": [300, 300] * 3,
            "expended": [270, 300] * 3,
        }
    )
    result = assess_budget_reliability(province_rollup(), revenue(), 2024, "A", cost_centres)
    last = result.yearly.set_index("fiscal_year").loc[2024]
    assert last["1"] == pytest.approx(670 / 700 * 100)
    assert last["2.1"] == pytest.approx(30 / 570 * 100)  # adjusted 285 each: |270-285|+|300-285|
    assert last["2.2"] == pytest.approx((4 + 2 / 7 + 4 + 2 / 7) / 670 * 100)
    scores = result.dimension_scores
    assert (scores["1"], scores["2.1"], scores["2.2"]) == ("A", "B", "A")
    assert scores["2.3"] == "NA" and scores["3.1"] == "NA"
    assert result.indicator_scores == {"PI-1": "A", "PI-2": "B+", "PI-3": "NA"}


def test_department_without_cost_centres_is_not_rated_on_pi21():
    # B: one regular head, no contingency: PI-2.2 and PI-2.3 are NA, PI-2.1 NR: nothing rated.
    result = assess_budget_reliability(province_rollup(), revenue(), 2024, "B")
    assert result.dimension_scores["2.1"] == "NR"
    assert result.indicator_scores["PI-2"] == "NR"


def test_pi2_is_scored_on_the_dimensions_rated():
    """PI-2.1 not rated (no cost centres): PI-2 is M1 over PI-2.2 and PI-2.3 (PEFA: an NR
    dimension is left out of the aggregation, not propagated to the indicator)."""
    lines = [
        ("C", "A01", "regular", 600, 570),
        ("C", "A03", "regular", 300, 330),
        ("C", "A99", "contingency", 50, 20),
    ]
    result = assess_budget_reliability(province_rollup(lines=lines), revenue(), 2024, "C")
    last = result.yearly.set_index("fiscal_year").loc[2024]
    assert last["1"] == pytest.approx(920 / 950 * 100)  # 96.8 %: A
    assert last["2.2"] == pytest.approx(60 / 900 * 100)  # |570-600| + |330-300| = 60: B
    assert last["2.3"] == pytest.approx(20 / 950 * 100)  # 2.1 % every year: A
    scores = result.dimension_scores
    assert (scores["2.1"], scores["2.2"], scores["2.3"]) == ("NR", "B", "A")
    # M1 over the two rated dimensions: the lowest (B), "+" because the other is higher.
    assert result.indicator_scores == {"PI-1": "A", "PI-2": "B+", "PI-3": "NA"}


def test_an_incomplete_year_is_not_assessed():
    frame = province_rollup(years=(2022, 2023, 2024), last_year_months=7)
    assert completed_years(frame) == [2022, 2023]
    assert assessment_years(frame, 2024) == (2022, 2023)
    result = assess_budget_reliability(frame, revenue(), 2024)
    # Two completed years both at 97 %: PI-1 is A; PI-2.3 needs all three years: D*.
    assert result.dimension_scores["1"] == "A"
    assert result.dimension_scores["2.3"] == "D*"


def test_demo_province_gets_pefa_scores(demo_url):
    from kpilib.store.database import connect
    from kpilib.store.queries import load_budget_rollup, load_revenue_rollup

    with connect(demo_url).connect() as connection:
        rollup = load_budget_rollup(connection)
        receipts = load_revenue_rollup(connection)
    result = assess_budget_reliability(rollup, receipts, 2025)
    assert result.fiscal_years == (2022, 2023, 2024)  # 2025-26 is not complete
    assert set(result.indicator_scores) == {"PI-1", "PI-2", "PI-3"}
    assert all(score[0] in "ABCD" for score in result.indicator_scores.values())
