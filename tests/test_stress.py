"""Fiscal risk (issue 17): stress scenarios on hand-computed statements, the scenarios file,
the portfolio and heat-map tables, the chart, the view on the demo database and ``kpi stress``."""

from pathlib import Path

import pandas as pd
import pytest
import vl_convert
from cli_helpers import run_kpi

from kpilib.errors import ParameterError, ParameterFileError
from kpilib.kpis.pse_finance import compute_financial_health, rate_score
from kpilib.kpis.stress import apply_scenario, empty_guarantees, run_scenarios, stressed_health
from kpilib.kpis.stress_scenarios import Scenario, read_stress_file
from kpilib.kpis.stress_summary import stress_heatmap, summarise_stress
from kpilib.present.stress_charts import chart_stress_heatmap
from kpilib.store.database import connect
from kpilib.views.stress import compute_stress_view, load_stress_view

STRESS_YAML = Path(__file__).resolve().parents[1] / "parameters" / "stress.yaml"

BASE = dict(revenue=100, grants_subsidies=0, operating_expenses=80, ebit=20, interest_expense=5,
            net_income=15, cash=30, inventories=0, current_assets=60, current_liabilities=40,
            total_assets=500, total_liabilities=300, equity=200, retained_earnings=50,
            borrowings=200, overdue_payables=0)  # fmt: skip


def quarter(code, year, number, **lines):
    return {"entity_code": code, "period_code": f"{year}Q{number}", "fiscal_year": year,
            "quarter": number, **{**BASE, **lines}}  # fmt: skip


def year_of(code, **lines):
    return [quarter(code, 2024, q, **lines) for q in (1, 2, 3, 4)]


def scenario(**shocks):
    return Scenario(name="test", label="Test", source="hand-made", own_choice=True, **shocks)


def guarantees(**outstanding):
    return pd.DataFrame({"pse_code": list(outstanding), "outstanding": list(outstanding.values())})


def test_extra_support_is_the_funding_gap_plus_the_guarantee_called():
    # A quarter: revenue 100, costs 80, borrowings 200; a year: 400, 320.
    # Shock: ΔR = 10 a quarter (40 a year), ΔC = 8 (32), ΔI = 200 × 2 % ÷ 4 = 1 (4): D = 76.
    # Cash 30 meets 30; the funding gap is 46; half of 100 guaranteed is called: 50. Extra 96.
    shock = scenario(revenue_shock_pct=10, cost_shock_pct=10, interest_shock_pp=2,
                     guarantee_call_share=0.5)  # fmt: skip
    row = apply_scenario(pd.DataFrame(year_of("A")), shock, guarantees(A=100)).iloc[0]
    assert (row.revenue_loss, row.cost_increase, row.interest_increase) == (40, 32, 4)
    assert (row.shock_cost, row.cash_available, row.funding_gap) == (76, 30, 46)
    assert (row.guarantee_outstanding, row.guarantee_called, row.extra_support) == (100, 50, 96)
    assert row.period_code == "2024Q4" and row.flow_quarters == 4


def test_the_shocked_statement_is_rated_by_the_same_rules():
    financials = pd.DataFrame(year_of("A"))
    shock = scenario(revenue_shock_pct=10, cost_shock_pct=10, interest_shock_pp=2,
                     guarantee_call_share=0.5)  # fmt: skip
    before, after, _ = stressed_health(financials, shock, guarantees(A=100))
    baseline = compute_financial_health(financials).iloc[-1]
    assert before.loc["A", "overall_score"] == baseline["overall_score"]
    # After: EBIT (20 - 10 - 8) × 4 = 8, interest 6 × 4 = 24, cash 0, current assets 30,
    # current liabilities 40 + 46 + 50 = 136, equity 200 - 76 = 124.
    assert after.loc["A", "annual_ebit"] == 8 and after.loc["A", "annual_interest_expense"] == 24
    assert after.loc["A", "current_ratio"] == pytest.approx(30 / 136)
    assert after.loc["A", "debt_to_equity"] == pytest.approx(346 / 124)
    row = apply_scenario(financials, shock, guarantees(A=100)).iloc[0]
    assert row.rating_after == rate_score(row.score_after)
    assert row.rating_before == baseline["overall_rating"]
    assert row.move == "worse"


@pytest.mark.parametrize(("points", "interest", "rating"), [(5, 20, "low"), (6, 21, "moderate")])
def test_a_ratio_exactly_on_its_threshold_after_the_shock(points, interest, rating):
    # EBIT 30 a quarter, interest 15: cover 2.0 (low). Borrowings 400 + 5 points: interest
    # 15 + 400 × 5 % ÷ 4 = 20, cover exactly 1.5, the cut: the better rating (low).
    financials = pd.DataFrame(year_of("A", ebit=30, interest_expense=15, net_income=15,
                                      borrowings=400))  # fmt: skip
    before, after, _ = stressed_health(financials, scenario(interest_shock_pp=points))
    assert before.loc["A", "interest_cover"] == 2.0
    assert before.loc["A", "interest_cover_rating"] == "low"
    assert after.loc["A", "annual_interest_expense"] == interest * 4
    assert after.loc["A", "interest_cover"] == pytest.approx(30 / interest)
    assert after.loc["A", "interest_cover_rating"] == rating


def test_zero_revenue_loses_nothing_but_costs_still_rise():
    financials = pd.DataFrame(year_of("Z", revenue=0, ebit=-80, net_income=-85))
    row = apply_scenario(financials, scenario(revenue_shock_pct=50, cost_shock_pct=10)).iloc[0]
    assert row.revenue_loss == 0 and row.cost_increase == 32 and row.shock_cost == 32
    assert row.funding_gap == 2  # 32 - cash 30
    assert "operating_margin" in row.notes  # no income: the rule's degenerate rating
    assert row.rating_after == rate_score(row.score_after)


def test_missing_quarters_are_annualised_and_pses_without_statements_still_cost():
    # Two quarters only: ΔR = 10 a quarter, × 4 ÷ 2 = 40 a year (as the flows are annualised).
    financials = pd.DataFrame([quarter("B", 2024, 3), quarter("B", 2024, 4)])
    result = apply_scenario(financials, scenario(revenue_shock_pct=10, guarantee_call_share=1),
                            guarantees(B=0, C=70))  # fmt: skip
    b, c = result.set_index("entity_code").loc["B"], result.set_index("entity_code").loc["C"]
    assert b.flow_quarters == 2 and b.revenue_loss == 40 and b.extra_support == 10
    assert pd.isna(c.rating_before) and pd.isna(c.rating_after) and c.move == "not rated"
    assert c.guarantee_called == 70 and c.extra_support == 70
    empty = apply_scenario(financials.iloc[0:0], scenario(guarantee_call_share=1),
                           guarantees(C=70))  # fmt: skip
    assert list(empty["extra_support"]) == [70]


def test_a_called_guarantee_moves_at_most_the_non_current_debt():
    # Liabilities 300, of which 40 current: at most 260 can fall due; 1,000 called.
    financials = pd.DataFrame(year_of("A"))
    _, after, amounts = stressed_health(financials, scenario(guarantee_call_share=1),
                                        guarantees(A=600, X=0).assign(
                                            outstanding=[1000, 0]))  # fmt: skip
    assert after.loc["A", "current_ratio"] == pytest.approx(60 / 300)
    assert amounts.loc["A", "extra_support"] == 1000
    with pytest.raises(Exception, match="outstanding"):
        apply_scenario(financials, scenario(), guarantees(A=-5))


def test_no_guarantees_frame_calls_nothing():
    financials = pd.DataFrame(year_of("A"))
    row = apply_scenario(financials, scenario(guarantee_call_share=1)).iloc[0]
    assert row.guarantee_called == 0 and row.extra_support == 0
    assert apply_scenario(financials, scenario(), empty_guarantees()).iloc[0].move == "same"


def test_editing_a_scenario_in_the_yaml_changes_the_result(tmp_path):
    financials = pd.DataFrame(year_of("A"))
    shipped = read_stress_file(STRESS_YAML)
    edited = tmp_path / "stress.yaml"
    edited.write_text(STRESS_YAML.read_text().replace("revenue_shock_pct: 20",
                                                      "revenue_shock_pct: 50"))  # fmt: skip
    before = apply_scenario(financials, shipped.scenario("revenue_down")).iloc[0]
    after = apply_scenario(financials, read_stress_file(edited).scenario("revenue_down")).iloc[0]
    assert (before.revenue_loss, after.revenue_loss) == (80, 200)
    assert after.extra_support == 200 - 30


def test_the_shipped_scenarios_are_valid_and_sourced():
    scenarios = read_stress_file(STRESS_YAML).scenarios
    assert {s.name for s in scenarios} >= {"revenue_down", "costs_up", "interest_up",
                                           "guarantees_called", "combined"}  # fmt: skip
    assert all(s.source and s.own_choice for s in scenarios)


@pytest.mark.parametrize(("text", "key"), [
    ("  - name: x\n    label: X\n    source: s\n    own_choice: true\n    shock: 3\n", "shock"),
    ("  - name: x\n    label: X\n    source: s\n    own_choice: true\n"
     "    revenue_shock_pct: -5\n", "revenue_shock_pct"),
    ("  - name: x\n    label: X\n    own_choice: true\n", "source"),
    ("  - name: x\n    label: X\n    source: s\n    own_choice: true\n"
     "    guarantee_call_share: 1.5\n", "guarantee_call_share"),
])  # fmt: skip
def test_a_bad_scenario_file_names_the_key(tmp_path, text, key):
    path = tmp_path / "stress.yaml"
    path.write_text("description: d\nscenarios:\n" + text)
    with pytest.raises(ParameterFileError, match=key):
        read_stress_file(path)


def test_unknown_and_doubled_scenario_names(tmp_path):
    with pytest.raises(ParameterError, match="known: revenue_down"):
        read_stress_file(STRESS_YAML).scenario("nope")
    path = tmp_path / "stress.yaml"
    one = "  - name: x\n    label: X\n    source: s\n    own_choice: true\n"
    path.write_text("description: d\nscenarios:\n" + one + one)
    with pytest.raises(ParameterFileError, match="used twice"):
        read_stress_file(path)


ENTITIES = pd.DataFrame({"entity_code": ["A", "B", "C", "D"],
                         "entity_name": ["Alpha", "Beta", "Gamma", "Delta"],
                         "category": ["university", "university", "public_company",
                                      "autonomous_body"],
                         "department_code": "FIN"})  # fmt: skip


def stress_results():
    # A: healthy; B: cash-poor and loss-making, rated high before and after.
    financials = pd.DataFrame(
        year_of("A") + year_of("B", ebit=-10, net_income=-15, cash=0, current_assets=10,
                               equity=-50, total_liabilities=550, retained_earnings=-300)
    )  # fmt: skip
    shocks = [scenario(), Scenario(name="hard", label="Hard <b>&", source="s", own_choice=True,
                                   revenue_shock_pct=10, guarantee_call_share=1)]  # fmt: skip
    return financials, run_scenarios(financials, shocks, guarantees(A=20, C=30))


def test_portfolio_and_heat_map_by_category():
    _, results = stress_results()
    portfolio = summarise_stress(results, ENTITIES).set_index("scenario")
    hard = portfolio.loc["hard"]
    assert (hard.pses, hard.rated, hard.high_risk_before) == (4, 2, 1)
    # A: gap 40 - 30 = 10 + guarantee 20; B: gap 40 (no cash); C: guarantee 30.
    assert hard.extra_support == 30 + 40 + 30 and hard.guarantee_called == 50
    heat = stress_heatmap(results, ENTITIES).set_index(["scenario", "category"])
    assert heat.loc[("hard", "university"), "high_risk_share_before"] == 0.5
    assert heat.loc[("hard", "public_company"), "extra_support"] == 30
    assert pd.isna(heat.loc[("hard", "autonomous_body"), "high_risk_share_after"])
    assert heat.loc[("test", "autonomous_body"), "pses"] == 1
    assert len(heat) == 2 * 3


def test_heat_map_chart_escapes_labels_and_fits_a_phone():
    financials, _ = stress_results()
    file = read_stress_file(STRESS_YAML).model_copy(update={"scenarios": (
        Scenario(name="hard", label="Hard <b>& co", source="s", own_choice=True,
                 revenue_shock_pct=10),)})  # fmt: skip
    view = compute_stress_view(financials, ENTITIES, file, guarantees(C=30))
    assert view.guarantees_given and set(view.heatmap["scenario_label"]) == {"Hard <b>& co"}
    svg = vl_convert.vegalite_to_svg(chart_stress_heatmap(view.heatmap, "<i>T</i>").to_dict())
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "&lt;i&gt;" in svg
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    assert width <= 420  # shown at 390 px it is scaled by no less than 0.93


def test_demo_ratings_before_are_the_health_check_ratings(demo_url):
    from kpilib.store import queries

    demo_view = load_stress_view(connect(demo_url, read_only=True))
    with connect(demo_url, read_only=True).connect() as connection:
        health = compute_financial_health(queries.load_pse_financials(connection))
    latest = health.sort_values(["fiscal_year", "quarter"]).groupby("entity_code").tail(1)
    expected = latest.set_index("entity_code")["overall_rating"].astype("object")
    results = demo_view.results[demo_view.results["scenario"] == "revenue_down"]
    got = results.set_index("entity_code")["rating_before"]
    assert got.reindex(expected.index).equals(expected)
    assert demo_view.guarantees_given  # read from the contingent-liabilities register
    assert list(demo_view.portfolio["scenario"]) == [s.name for s in demo_view.scenarios.scenarios]
    combined = demo_view.portfolio.set_index("scenario").loc["combined"]
    assert combined.high_risk_after >= combined.high_risk_before


def test_demo_guarantees_called_reads_the_register(demo_url):
    from kpilib.kpis.guarantees import guarantees_outstanding
    from kpilib.store import queries
    from kpilib.views.stress import stress_year

    engine = connect(demo_url, read_only=True)
    view = load_stress_view(engine)
    with engine.connect() as connection:
        judged = stress_year(queries.load_pse_financials(connection))
    year = view.guarantees_year  # the demo's latest register, at or before the year judged
    assert year is not None and judged is not None and year <= judged
    register = guarantees_outstanding(engine, year)
    assert register["outstanding"].sum() > 0
    called = view.portfolio.set_index("scenario").loc["guarantees_called"]
    assert called.guarantee_called > 0 and called.extra_support >= called.guarantee_called
    rows = view.results[view.results["scenario"] == "guarantees_called"]
    assert set(rows.loc[rows["guarantee_called"] > 0, "entity_code"]) <= set(register["pse_code"])
    without = load_stress_view(engine, guarantees=register.iloc[0:0])
    assert without.portfolio.set_index("scenario").loc["guarantees_called"].guarantee_called == 0


def test_kpi_stress(demo_sqlite_url, capsys, monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", demo_sqlite_url)
    listing = run_kpi(capsys, monkeypatch, "stress")
    assert listing.code == 0 and "Combined downturn" in listing.out
    assert "Guarantees outstanding from the register of 2024-25." in listing.out
    one = run_kpi(capsys, monkeypatch, "stress", "--scenario", "costs_up", "--json")
    assert one.code == 0 and '"extra_support"' in one.out
    dated = run_kpi(capsys, monkeypatch, "stress", "--period", "2024-25Q4", "--json")
    assert dated.code == 0 and '"high_risk_after"' in dated.out
    bad = run_kpi(capsys, monkeypatch, "stress", "--scenario", "nope")
    assert bad.code == 1 and "No stress scenario is called 'nope'" in bad.err
