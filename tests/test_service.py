"""Service delivery: achievement, RAG, comparisons and department scores on hand-made data."""

import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpilib.kpis.service_delivery import (
    RagThresholds,
    compute_achievement,
    compute_department_scores,
    compute_indicator_performance,
    rate_rag,
)


def test_achievement_honours_direction():
    assert compute_achievement(80, 76, "higher_is_better") == pytest.approx(95.0)
    # Infant mortality: target 60, actual 75 (worse): 60/75 = 80 %.
    assert compute_achievement(60, 75, "lower_is_better") == pytest.approx(80.0)
    assert compute_achievement(60, 50, "lower_is_better") == pytest.approx(120.0)
    assert math.isnan(compute_achievement(60, float("nan"), "higher_is_better"))
    assert math.isnan(compute_achievement(0, 5, "higher_is_better"))
    assert math.isnan(compute_achievement(10, 0, "lower_is_better"))
    with pytest.raises(ValueError, match="direction"):
        compute_achievement(1, 1, "sideways")


@pytest.mark.parametrize(
    ("achievement", "rag"),
    [(95.0, "green"), (94.999, "amber"), (80.0, "amber"), (79.999, "red"), (float("nan"), "grey")],
)
def test_rag_edges(achievement, rag):
    assert rate_rag(achievement) == rag


def test_rag_thresholds_are_configurable_and_checked():
    assert rate_rag(90, RagThresholds(green=90, amber=70)) == "green"
    with pytest.raises(ValueError, match="amber"):
        RagThresholds(green=50, amber=60)


INDICATORS = pd.DataFrame(
    {
        "indicator_code": ["IMM", "IMR", "NEW"],
        "indicator_name": ["Immunisation", "Infant mortality", "No data yet"],
        "unit": ["%", "per 1,000", "%"],
        "department_code": ["HLT", "HLT", "ESE"],
        "direction": ["higher_is_better", "lower_is_better", "higher_is_better"],
        "frequency": ["quarterly", "annual", "quarterly"],
        "level": ["province", "province", "province"],
    }
)


def values():
    rows = [
        # indicator, period, fiscal year, kind, number, end, target, actual
        ("IMM", "2023-24Q2", 2023, "quarter", 2, date(2023, 12, 31), 80.0, 70.0),
        ("IMM", "2024-25Q1", 2024, "quarter", 1, date(2024, 9, 30), 85.0, 80.0),
        ("IMM", "2024-25Q2", 2024, "quarter", 2, date(2024, 12, 31), 85.0, 76.5),
        ("IMM", "2024-25Q3", 2024, "quarter", 3, date(2025, 3, 31), 85.0, None),
        ("IMR", "2022-23", 2022, "year", 1, date(2023, 6, 30), 64.0, 66.0),
        ("IMR", "2023-24", 2023, "year", 1, date(2024, 6, 30), 62.0, 62.0),
        ("NEW", "2024-25Q2", 2024, "quarter", 2, date(2024, 12, 31), 50.0, None),
    ]
    frame = pd.DataFrame(rows, columns=["indicator_code", "period_code", "fiscal_year",
                                        "period_kind", "period_number", "period_end", "target",
                                        "actual"])  # fmt: skip
    frame["district_code"] = None
    frame["entity_code"] = None
    frame["actual"] = frame["actual"].astype("float64")
    return frame


def test_indicator_performance_as_of_the_end_of_q2():
    table = compute_indicator_performance(values(), INDICATORS, date(2024, 12, 31))
    table = table.set_index("indicator_code")
    imm = table.loc["IMM"]
    assert imm["period_code"] == "2024-25Q2"
    assert imm["achievement"] == pytest.approx(90.0)  # 76.5 / 85
    assert (imm["rag"], imm["rag_label"]) == ("amber", "At risk")
    assert imm["previous_period_code"] == "2024-25Q1"
    assert imm["change_vs_previous"] == pytest.approx(-3.5)
    assert imm["last_year_period_code"] == "2023-24Q2"
    assert imm["change_vs_last_year"] == pytest.approx(6.5)
    assert bool(imm["improved_vs_last_year"]) is True
    imr = table.loc["IMR"]  # annual: the latest year ended by 31 Dec 2024 is 2023-24
    assert imr["period_code"] == "2023-24"
    assert imr["achievement"] == pytest.approx(100.0)
    assert imr["change_vs_last_year"] == pytest.approx(-4.0)  # mortality fell: an improvement
    assert bool(imr["improved_vs_last_year"]) is True
    new = table.loc["NEW"]
    assert math.isnan(new["achievement"]) and new["rag"] == "grey"


def test_department_scores_ignore_missing_actuals_but_count_them_in_completeness():
    table = compute_indicator_performance(values(), INDICATORS, date(2024, 12, 31))
    scores = compute_department_scores(table).set_index("department_code")
    # HLT: IMM 90 %, IMR 100 % -> score 95; both reported.
    assert scores.loc["HLT", "score"] == pytest.approx(95.0)
    assert scores.loc["HLT", "completeness"] == pytest.approx(100.0)
    assert scores.loc["HLT", "rank"] == 1
    # ESE: its only indicator has no actual: no score, no rank, completeness 0.
    assert math.isnan(scores.loc["ESE", "score"])
    assert pd.isna(scores.loc["ESE", "rank"])
    assert scores.loc["ESE", "completeness"] == 0


def test_weights_and_the_cap():
    performance = pd.DataFrame(
        {
            "department_code": ["A", "A", "B"],
            "indicator_code": ["x", "y", "z"],
            "achievement": [150.0, 50.0, 90.0],
        }
    )
    scores = compute_department_scores(performance, weights={"x": 3.0}).set_index("department_code")
    # A: x capped at 100, weight 3; y 50, weight 1: (300 + 50) / 4 = 87.5.
    assert scores.loc["A", "score"] == pytest.approx(87.5)
    assert list(scores.sort_values("rank").index) == ["B", "A"]
    with pytest.raises(ValueError, match="negative"):
        compute_department_scores(performance, weights={"x": -1})


DIRECTIONS = st.sampled_from(["higher_is_better", "lower_is_better"])


@given(st.floats(min_value=0.01, max_value=1e6), st.floats(min_value=0.01, max_value=1e6),
       st.floats(min_value=1e-3, max_value=1e3), DIRECTIONS)  # fmt: skip
def test_scaling_target_and_actual_changes_no_achievement(target, actual, scale, direction):
    assert compute_achievement(target * scale, actual * scale, direction) == pytest.approx(
        compute_achievement(target, actual, direction)
    )


@given(st.floats(min_value=0.01, max_value=1e6), st.floats(min_value=0.01, max_value=1e6))
def test_directions_are_reciprocal(target, actual):
    higher = compute_achievement(target, actual, "higher_is_better")
    lower = compute_achievement(target, actual, "lower_is_better")
    assert higher * lower == pytest.approx(100.0 * 100.0)
