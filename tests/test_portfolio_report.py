"""The PSE Portfolio Report's aggregates on hand-computed frames, and its parameters."""

from pathlib import Path

import pandas as pd
import pytest

from kpilib.errors import ParameterFileError
from kpilib.kpis.portfolio_report import (
    NO_OPINION,
    count_composition,
    count_opinions,
    largest_loss_makers,
    latest_finances,
    summarise_by_category,
)
from kpilib.report.params import load_parameter_set, resolve_portfolio_params

REPO = Path(__file__).resolve().parents[1]
ENTITIES = pd.DataFrame({
    "entity_code": ["A1", "A2", "C1", "C2", "C3"],
    "category": ["autonomous_body", "autonomous_body", "public_company", "public_company",
                 "public_company"],
    "department_code": ["HLT", "FIN", "FIN", "FIN", "ENR"],
})  # fmt: skip
LATEST = pd.DataFrame({
    "entity_code": ["A1", "A2", "C1", "C2"],  # C3 has no statement
    "entity_name": ["a1", "a2", "c1", "c2"],
    "category": ["autonomous_body", "autonomous_body", "public_company", "public_company"],
    "department_code": ["HLT", "FIN", "FIN", "FIN"],
    "period_code": ["2024-25Q4", "2024-25Q3", "2024-25Q4", "2024-25Q4"],
    "annual_revenue": [100.0, 50.0, 400.0, 200.0],
    "annual_net_income": [10.0, -5.0, -30.0, 20.0],
})  # fmt: skip
FINANCIALS = pd.DataFrame({
    "entity_code": ["A1", "A2", "A2", "C1", "C2"],
    "period_code": ["2024-25Q4", "2024-25Q3", "2024-25Q2", "2024-25Q4", "2024-25Q4"],
    "equity": pd.array([300, -20, 999, 500, -100], dtype="Int64"),
})  # fmt: skip


def finances() -> pd.DataFrame:
    return latest_finances(LATEST, FINANCIALS, "2024-25Q4")


def test_latest_finances_take_the_statement_equity_and_mark_stale_statements():
    frame = finances().set_index("entity_code")
    assert frame.loc["A2", "equity"] == -20 and bool(frame.loc["A2", "stale"])
    assert not frame["stale"].drop("A2").any()


def test_summary_by_category_by_hand():
    rows = summarise_by_category(ENTITIES, finances()).set_index("category")
    company = rows.loc["public_company"]
    assert (company["pses"], company["reporting"], company["loss_makers"]) == (3, 2, 1)
    assert company["revenue"] == 600 and company["net_income"] == -10 and company["losses"] == 30
    assert company["equity"] == 400 and company["negative_equity"] == 1 and company["stale"] == 0
    body = rows.loc["autonomous_body"]
    assert body["net_income"] == 5 and body["stale"] == 1 and body["equity"] == 280
    total = rows.loc["total"]
    assert (total["pses"], total["reporting"], total["revenue"], total["equity"]) == (
        5,
        4,
        750,
        680,
    )
    assert list(rows.index)[-1] == "total"


def test_largest_loss_makers_largest_first():
    assert largest_loss_makers(finances(), 5)["entity_code"].tolist() == ["C1", "A2"]
    assert largest_loss_makers(finances(), 1)["entity_code"].tolist() == ["C1"]


def test_composition_counts_and_shares():
    frame = count_composition(ENTITIES, ["category"])
    assert frame["category"].tolist() == ["public_company", "autonomous_body"]
    assert frame["pses"].tolist() == [3, 2] and frame["share"].tolist() == [0.6, 0.4]


def test_audit_opinions_count_missing_opinions_and_missing_returns():
    governance = pd.DataFrame({"entity_code": ["A1", "C1", "C2"],
                               "audit_opinion": ["qualified", None, "unmodified"]})  # fmt: skip
    frame = count_opinions(governance, ENTITIES).set_index("category")
    assert frame.loc["autonomous_body", "qualified"] == 1
    assert frame.loc["autonomous_body", "no_return"] == 1
    assert frame.loc["public_company", NO_OPINION] == 1
    assert frame.loc["public_company", "unmodified"] == 1
    assert frame.loc["public_company", "no_return"] == 1 and frame["pses"].tolist() == [2, 3]


def test_portfolio_parameters_default_and_checked(tmp_path):
    parameters = load_parameter_set(REPO / "parameters")
    yearly = resolve_portfolio_params(parameters, "2024-25", "FY")
    assert yearly is not None and yearly.sections[0] == "composition"
    assert resolve_portfolio_params(parameters, "2024-25", "Q2") is not None
    assert resolve_portfolio_params(parameters, "2024-25", "Q1") is None
    defaults = (REPO / "parameters" / "defaults.yaml").read_text()
    (tmp_path / "defaults.yaml").write_text(
        defaults.replace("top_loss_makers: 10", "top_loss_makers: 0").replace(
            "sections: [composition,", "sections: [stocks, composition,"
        )
    )
    with pytest.raises(ParameterFileError) as error:
        load_parameter_set(tmp_path)
    text = str(error.value)
    assert "portfolio.top_loss_makers" in text and "portfolio.sections" in text


def test_stress_section_shows_the_portfolio_per_scenario_and_names_the_register():
    from kpilib.kpis.stress_scenarios import read_stress_file
    from kpilib.report.portfolio_content import stress_note, stress_table
    from kpilib.views.stress import StressView

    portfolio = pd.DataFrame({
        "scenario_label": ["Revenue down 20 %"], "rated": [4], "high_risk_before": [1],
        "high_risk_after": [3], "downgraded": [2], "guarantee_called": [0.0],
        "extra_support": [25_000_000.0],
    })  # fmt: skip
    view = StressView(read_stress_file(), True, pd.DataFrame(), portfolio, pd.DataFrame(), 2024)
    html = stress_table(view).render()
    assert "Revenue down 20 %" in html and "High risk after" in html and ">3<" in html
    assert stress_note(view).endswith("register of 2024-25.")
    unregistered = StressView(read_stress_file(), False, pd.DataFrame(), portfolio, pd.DataFrame())
    assert "no scenario calls a guarantee" in stress_note(unregistered)


def test_support_by_category_sums_the_pses_and_adds_the_province():
    from kpilib.kpis.support import support_by_category

    by_instrument = pd.DataFrame({
        "entity_code": ["A", "B", "C"], "grant_in_aid": [100, 0, 50], "subsidy": [0, 30, 0],
        "equity_injection": [0, 0, 0], "loan_disbursed": [20, 0, 0], "other_relief": [0, 0, 0],
        "guarantee_issued": [0, 900, 0], "direct_support": [120, 30, 50],
    })  # fmt: skip
    entities = pd.DataFrame({"entity_code": ["A", "B", "C"], "category": ["u", "w", "u"]})
    out = support_by_category(by_instrument, entities)
    assert out["category"].tolist() == ["u", "w", None]
    assert out["direct_support"].tolist() == [170, 30, 200]
    assert out["pses"].tolist() == [2, 1, 3] and out["grant_in_aid"].tolist() == [150, 0, 150]


def test_the_governance_section_counts_the_yearly_returns_on_the_demo(demo_sqlite_url):
    from kpilib.report.portfolio_content import missing_returns_table, yearly_returns_table
    from kpilib.store.database import connect
    from kpilib.views.portfolio import load_portfolio_view

    engine = connect(demo_sqlite_url, read_only=True)
    view = load_portfolio_view(engine, "2024-25", "FY")
    half = load_portfolio_view(engine, "2025-26", "Q2")
    engine.dispose()
    pses = len(view.province.entities)
    rates = view.yearly_returns.set_index("return_type")
    assert rates["expected"].tolist() == [pses, pses]  # every PSE owes both
    assert (rates["received"] + rates["outstanding"] == pses).all()
    assert (rates["timeliness"] <= rates["completeness"]).all()
    assert half.yearly_returns_year.label == "2024-25"  # 2025-26's are not due yet
    table = yearly_returns_table(view)
    assert "Yearly returns for 2024-25" in table.caption and "15 Feb 2026" in table.caption
    missing = missing_returns_table(view)
    assert len(missing.frame) == view.yearly_missing["entity_code"].nunique() > 0
    assert missing.frame["days_overdue"].is_monotonic_decreasing
    for shown in (table, missing):  # one heading, one column (the workbook keys on headings)
        assert len({c.label for c in shown.columns}) == len(shown.columns)
