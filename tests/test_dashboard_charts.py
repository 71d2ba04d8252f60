"""Dashboard charts (kpilib.present.charts additions and kpilib.present.pse_charts): the right data
in, a chart that renders offline (vl-convert) out, colour always with text."""

import pandas as pd
import vl_convert

from kpilib.present import charts, pse_charts


def render(chart) -> str:
    return vl_convert.vegalite_to_svg(chart.to_dict())


def datasets(chart) -> list[list[dict]]:
    return list(chart.to_dict()["datasets"].values())


def history(z2=(3.2, 2.0, 0.4, None), ratings=("low", "moderate", "very high", None)):
    n = len(z2)
    frame = pd.DataFrame(
        {
            "period_code": [f"2024-25Q{i + 1}" for i in range(n)],
            "fiscal_year": [2024] * n,
            "quarter": list(range(1, n + 1)),
            "z2": [float("nan") if z is None else z for z in z2],
            "z2_zone": ["safe", "grey", "distress", "not rated"][:n],
            "grants_subsidies": [10_000_000] * n,
            "overdue_payables": [2_500_000] * n,
        }
    )
    for ratio in pse_charts.RATIO_LABELS:
        frame[ratio] = [0.1234, 0.2, 0.3, float("nan")][:n]
        frame[f"{ratio}_rating"] = list(ratings)[:n]
    for column in ("profitability", "liquidity", "solvency", "government_dependence", "arrears",
                   "overall"):  # fmt: skip
        frame[f"{column}_rating"] = list(ratings)[:n]
    return frame


def test_z2_history_draws_the_three_zone_bands_and_leaves_a_gap():
    chart = pse_charts.chart_z2_history(history(), "Demo Seed Company")
    svg = render(chart)
    for label in ("Distress zone (below 1.10)", "Grey zone (1.10–2.60)", "Safe zone (above 2.60)"):
        assert label in svg
    assert "Demo Seed Company" in svg
    points = next(d for d in datasets(chart) if d and "z2_shown" in d[0])
    assert points[3]["z2_shown"] is None  # no score: a gap, never zero


def test_extreme_z2_is_drawn_at_the_axis_edge_with_its_true_value_in_the_tooltip():
    chart = pse_charts.chart_z2_history(history(z2=(950.0, 2.0, 0.4, 1.0)), "Outlier")
    points = next(d for d in datasets(chart) if d and "z2_shown" in d[0])
    assert points[0]["z2"] == 950.0 and points[0]["z2_shown"] < 16
    assert "drawn at its edge" in render(chart)


def test_ratio_history_rounds_and_names_the_ratings():
    chart = pse_charts.chart_ratio_history(history(), "Demo")
    long = next(d for d in datasets(chart) if d and "ratio" in d[0])
    assert {row["value"] for row in long if row["ratio"] == "Operating margin"} >= {12.3}
    svg = render(chart)
    for rating in ("low", "moderate", "very high", "not rated"):
        assert rating in svg  # the legend names each colour and shape


def test_rating_history_letters_every_cell():
    chart = pse_charts.chart_rating_history(history(), "Demo")
    svg = render(chart)
    assert ">VH<" in svg and ">L<" in svg and "Overall" in svg


def test_support_arrears_and_submissions_render():
    assert "Rs m" in render(pse_charts.chart_support_and_arrears(history(), "x"))
    submissions = pd.DataFrame(
        {
            "period_code": ["2024-25Q1", "2024-25Q2", "2024-25Q3"],
            "fiscal_year": [2024] * 3,
            "quarter": [1, 2, 3],
            "return_title": ["Quarterly financial return"] * 3,
            "state_label": ["On time", "Late", "Missing"],
            "due_date": pd.to_datetime(["2024-10-30", "2025-01-30", "2025-04-30"]).date,
            "days_late": pd.array([0, 5, None], dtype="Int64"),
            "days_overdue": pd.array([None, None, 300], dtype="Int64"),
        }
    )
    svg = render(pse_charts.chart_submission_history(submissions, "UNI-001: returns"))
    assert "On time" in svg and "Late" in svg and "Missing" in svg


def test_z2_by_pse_leaves_out_pses_without_a_score():
    pses = pd.DataFrame(
        {
            "entity_code": ["A", "B", "C"],
            "entity_name": ["a", "b", "c"],
            "period_code": ["2024-25Q4"] * 3,
            "z2": [1.0, None, 3.0],
            "z2_zone": ["distress", None, "safe"],
        }
    )
    chart = pse_charts.chart_z2_by_pse(pses, "Universities")
    points = next(d for d in datasets(chart) if d and "entity_code" in d[0])
    assert [p["entity_code"] for p in points] == ["A", "C"]
    assert "Universities" in render(chart)


def test_department_ranking_pefa_grid_and_league():
    ranking = pd.DataFrame(
        {
            "rank": [1, 2, None],
            "department_code": ["HLT", "FIN", "ZKT"],
            "department_name": ["Health", "Finance", "Zakat"],
            "value": [96.0, 81.0, None],
            "rag_label": ["On track", "At risk", "No data"],
            "pi1": ["A", "C", None],
            "pi2": ["B+", "D*", "NA"],
            "pi3": ["NA", "C", None],
        }
    )
    chart = charts.chart_department_ranking(ranking, "Utilisation (%)", "Budget", plan=100)
    bars = next(d for d in datasets(chart) if d and "department_name" in d[0])
    assert [b["department_name"] for b in bars] == ["Health", "Finance"]  # no value, no bar
    svg = render(chart)
    assert "On track" in svg and "At risk" in svg  # the legend carries the RAG text
    grid = render(charts.chart_pefa_scores(ranking, "PEFA"))
    assert ">A<" in grid and ">D*<" in grid and ">NR<" in grid
    league = pd.DataFrame(
        {
            "department_name": ["Health", "Finance", "Idle"],
            "expected": [10, 4, 0],
            "on_time": [5, 4, 0],
            "late": [3, 0, 0],
            "outstanding": [2, 0, 0],
            "compliance_rank": [2, 1, None],
        }
    )
    chart = charts.chart_compliance_league(league, "Returns")
    shares = next(d for d in datasets(chart) if d and "share" in d[0])
    health = {r["state"]: r["share"] for r in shares if r["department_name"] == "Health"}
    assert health == {"On time": 50.0, "Late": 30.0, "Missing": 20.0}
    assert "Idle" not in render(chart)
