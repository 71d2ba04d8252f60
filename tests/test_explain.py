"""Every number explains itself: a headline figure's formula, inputs and the returns behind it,
the same in the analysts' API, the report's appendix and the dashboard's cards."""

import pytest

import kpilib
from kpilib.dashboards.department import build_department_dashboard
from kpilib.dashboards.page import start_dashboard
from kpilib.present.explain import explain_figures, render_explanations
from kpilib.store.database import connect
from kpilib.store.queries import load_return_provenance
from kpilib.views import load_province_view


@pytest.fixture(scope="module")
def engine(demo_sqlite_url):
    return connect(demo_sqlite_url, read_only=True)


@pytest.fixture(scope="module")
def view(engine):
    return load_province_view(engine, "2024-25")


def test_the_api_explains_a_figure_with_its_inputs_and_returns(engine):
    frame = kpilib.explain("budget_used", department="HLT", fiscal_year="2024-25", engine=engine)
    sections = list(frame["section"])
    assert sections[:3] == ["figure", "formula", "status"]
    assert "green within 97–103 % of plan" in frame.loc[2, "detail"]  # Health's own rule
    inputs = dict(zip(frame.loc[frame["section"] == "input", "item"],
                      frame.loc[frame["section"] == "input", "value"], strict=True))  # fmt: skip
    assert inputs["expenditure (Rs)"] / inputs["revised budget (Rs)"] * 100 == pytest.approx(
        float(frame.loc[0, "value"].rstrip(" %")), abs=0.05
    )
    with engine.connect() as connection:
        expected = load_return_provenance(
            connection, ["budget_extract"], fiscal_year=2024, department_code="HLT"
        )
    shown = frame[frame["section"] == "return"]
    assert list(shown["item"]) == [f"return no. {n}" for n in expected["submission_id"]]
    assert all("sha256" in detail for detail in shown["detail"])
    with pytest.raises(ValueError, match="not a headline figure"):
        kpilib.explain("vibes", engine=engine)


def test_the_pse_figure_lists_one_return_per_counted_statement(engine, view):
    [pses] = [e for e in explain_figures(engine, view, "HLT") if e.figure.key == "pses_high_risk"]
    counted = view.pse_latest[(view.pse_latest["department_code"] == "HLT")
                              & view.pse_latest["current"]]  # fmt: skip
    assert sorted(pses.returns["sender"]) == sorted(counted["entity_code"])
    assert set(pses.returns["period_code"]) == {view.reference_quarter.code}


def test_the_report_appendix_and_the_dashboard_cards_carry_the_explanation(
    engine, view, demo_sqlite_url
):
    explained = explain_figures(engine, view, "HLT")
    appendix = render_explanations(explained)
    assert all(f'id="explain-{item.figure.key}"' in appendix for item in explained)
    assert "Returns behind it" in appendix and "<script" not in appendix
    page = build_department_dashboard(start_dashboard(url=demo_sqlite_url), department="HLT")
    cards = page.cards.value
    assert cards.count("How is this counted?") == len(explained)
    assert "Formula:" in cards and "Returns behind it" in cards
    assert "parameters/departments/HLT.yaml" in cards
