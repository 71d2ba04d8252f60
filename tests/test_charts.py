"""Chart builders: the right data in, a chart that renders offline (vl-convert) out."""

import pandas as pd
import pytest
import vl_convert

from kpilib.present import charts


def curve():
    months = list(range(1, 13))
    return pd.DataFrame(
        {
            "budget_type": ["development"] * 12,
            "month": months,
            "cumulative_utilisation": [m * 5.0 if m <= 7 else None for m in months],
            "plan_utilisation": [m / 12 * 100 for m in months],
        }
    )


def render(chart) -> str:
    return vl_convert.vegalite_to_svg(chart.to_dict())


def test_spending_curve_draws_actual_and_plan_and_leaves_unreported_months_empty():
    chart = charts.chart_spending_curve(curve(), "Test department")
    spec = chart.to_dict()
    assert len(spec["layer"]) == 2
    svg = render(chart)
    assert svg.startswith("<svg") and "Test department" in svg
    data = next(iter(spec["datasets"].values()))
    assert [row["month_label"] for row in data][:2] == ["Jul", "Aug"]
    assert data[8]["Spent (% of revised budget)"] is None  # March not reported: no point


def test_indicator_trend_and_scores_render():
    series = pd.DataFrame(
        {"period_code": ["2023-24", "2024-25"], "target": [80.0, 85.0], "actual": [78.0, None]}
    )
    assert "<svg" in render(charts.chart_indicator_trend(series, "Immunisation", "%"))
    scores = pd.DataFrame(
        {
            "department_code": ["HLT", "ESE", "LGE"],
            "score": [97.0, 91.0, None],
            "rank": [1, 2, None],
        }
    )
    chart = charts.chart_department_scores(scores, title="Scores")
    data = next(iter(chart.to_dict()["datasets"].values()))
    assert {row["department_code"] for row in data} == {"HLT", "ESE"}  # no score, no bar
    assert "<svg" in render(chart)


@pytest.mark.parametrize("colour", list(charts.RAG_COLOURS.values()) + list(charts.PALETTE))
def test_palette_is_hex_colours(colour):
    assert colour.startswith("#") and len(colour) == 7
