"""The province view: one computation shared by reports and dashboards, memoised, consistent."""

import pytest

from kpilib.kpis.budget_execution import compute_execution
from kpilib.store.database import connect
from kpilib.store.queries import load_budget_rollup
from kpilib.views import clear_view_cache, load_province_view
from kpilib.views.status import StatusParams, StatusRules


@pytest.fixture
def engine(demo_url):
    clear_view_cache()
    return connect(demo_url, read_only=True)


def test_view_matches_the_kpi_functions(engine):
    view = load_province_view(engine, "2024-25")
    assert view.is_demo
    assert view.period.code == "2024-25" and view.as_of.isoformat() == "2025-06-30"
    with engine.connect() as connection:
        rollup = load_budget_rollup(connection, [2024])
    direct = compute_execution(rollup, 2024).set_index(["department_code", "budget_type"])
    shown = view.execution.set_index(["department_code", "budget_type"])
    assert (shown["utilisation"] - direct["utilisation"]).abs().max() < 1e-9
    assert set(view.execution["department_name"].dropna()) >= {"Health", "Finance"}
    total = view.province_execution.set_index("budget_type")
    assert total.loc["total", "expended"] == view.execution["expended"].sum()
    assert len(view.pefa_departments) == 32
    assert view.pefa_province.fiscal_years == (2022, 2023, 2024)


def test_quarter_view_is_year_to_date(engine):
    view = load_province_view(engine, "2024-25", "Q2")
    assert view.as_of.isoformat() == "2024-12-31"
    assert set(view.execution["months_covered"]) == {6}
    assert view.execution["june_share"].isna().all()


def test_current_year_stops_at_the_data(engine):
    view = load_province_view(engine, "2025-26", "FY")
    assert view.as_of.isoformat() == "2026-02-15"  # the demo's as-of date, before year end
    assert set(view.execution["months_covered"]) == {7}


def test_view_is_memoised_and_the_status_rules_are_part_of_the_key(engine):
    first = load_province_view(engine, "2024-25")
    assert load_province_view(engine, "2024-25") is first
    strict_rules = StatusRules(StatusParams(thresholds={"rag_green": 99.0}))
    strict = load_province_view(engine, "2024-25", rules=strict_rules)
    assert strict is not first
    assert (strict.indicators["rag"] == "green").sum() <= (first.indicators["rag"] == "green").sum()


def test_a_departments_thresholds_rate_its_figures_and_no_others(engine):
    """Health's file sets green at 97 %: its figures are rated with it in the view that every
    surface reads; Finance's are not."""
    view = load_province_view(engine, "2024-25")
    assert view.rules.rule("budget_execution", "HLT").thresholds.green == 97.0
    summary = view.department_summary.set_index("department_code")
    health = summary.loc["HLT"]
    assert health["utilisation_rag"] == view.rules.rate(
        "budget_execution", health["burn_vs_plan"], "HLT"
    )
    assert 95 <= health["burn_vs_plan"] < 97 and health["utilisation_rag"] == "amber"
    finance = view.rules.rule("budget_execution", "FIN").thresholds
    assert (finance.green, finance.amber) == (95.0, 80.0)


def test_department_slice_is_consistent_with_the_province(engine):
    from kpilib.views import UnknownDepartmentError, select_department

    view = load_province_view(engine, "2024-25")
    health = select_department(view, "HLT")
    assert health.name == "Health"
    assert set(health.execution["budget_type"]) == {"current", "development"}
    assert set(health.pses["category"]) >= {"teaching_hospital"}
    assert (health.pses["department_code"] == "HLT").all()
    assert health.summary["pses"] + health.summary["pses_stale"] == len(health.pses)
    assert len(health.compliance) == len(health.pses.index) or len(health.compliance) > 0
    assert set(health.indicators["department_code"]) == {"HLT"}
    assert health.pefa.scope == "HLT"
    with pytest.raises(UnknownDepartmentError, match="XYZ"):
        select_department(view, "XYZ")


def test_summary_and_exceptions_cover_the_province(engine):
    view = load_province_view(engine, "2024-25")
    summary = view.department_summary
    assert len(summary) == 32
    assert summary["service_rank"].min() == 1
    assert summary["execution_rank"].notna().all()
    assert {"budget", "pse", "returns"} <= set(view.exceptions["area"])
    # Every red indicator of the province is an exception, and nothing else in that area.
    red = set(view.indicators.loc[view.indicators["rag"] == "red", "indicator_code"])
    flagged = {s.split(" ")[0] for s in view.exceptions.loc[
        view.exceptions["area"] == "indicator", "subject"]}  # fmt: skip
    assert flagged == red
    # The demo's injected spending above releases is an error finding, and so an exception.
    assert (view.findings["rule"].str.contains("release")).any()


def test_memo_is_shared_by_engines_on_the_same_database(demo_sqlite_url):
    clear_view_cache()
    first = load_province_view(connect(demo_sqlite_url, read_only=True), "2024-25")
    second = load_province_view(connect(demo_sqlite_url, read_only=True), "2024-25")
    assert second is first  # each report opens its own engine; the province is computed once


def assert_same_view(got, expected) -> None:
    """Every frame and value of two province views equal (the PEFA assessments by score)."""
    import dataclasses

    import pandas.testing as pdt

    for field in dataclasses.fields(expected):
        want, have = getattr(expected, field.name), getattr(got, field.name)
        if hasattr(want, "columns"):
            pdt.assert_frame_equal(have, want, obj=field.name)
        elif field.name == "pefa_departments":
            assert have.keys() == want.keys()
            assert all(have[c].indicator_scores == want[c].indicator_scores for c in have)
        elif field.name == "pefa_province":
            assert have.dimension_scores == want.dimension_scores
            pdt.assert_frame_equal(have.yearly, want.yearly)
        else:
            assert have == want, field.name


def test_periods_and_years_share_their_inputs_without_changing_them(demo_sqlite_url, monkeypatch):
    """Another period of the same year reads nothing again; another year reads only its own
    data; and a view computed from shared inputs is exactly the view a fresh computation gives
    (no view alters what it shares)."""
    from kpilib.store import queries
    from kpilib.views import province

    engine = connect(demo_sqlite_url, read_only=True)
    clear_view_cache()
    fresh_q2 = load_province_view(engine, "2024-25", "Q2")
    clear_view_cache()
    fresh_earlier = load_province_view(engine, "2023-24", "FY")
    clear_view_cache()
    reads: list[str] = []

    def counted(module, name):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, **k: reads.append(name) or original(*a, **k))

    counted(queries, "load_budget_rollup")
    counted(province, "load_return_status")
    load_province_view(engine, "2024-25", "FY")
    load_province_view(engine, "2024-25", "Q3")
    shared_q2 = load_province_view(engine, "2024-25", "Q2")
    assert reads == ["load_return_status", "load_budget_rollup"]  # once for three periods
    assert shared_q2 is not fresh_q2
    assert_same_view(shared_q2, fresh_q2)
    shared_earlier = load_province_view(engine, "2023-24", "FY")
    assert reads[2:] == ["load_budget_rollup"]  # another year: its budget, not the returns
    assert_same_view(shared_earlier, fresh_earlier)


def test_a_fiscal_year_not_in_the_database_is_a_clear_error(engine):
    from kpilib.errors import FiscalYearNotFoundError, KpiError

    with pytest.raises(FiscalYearNotFoundError) as caught:
        load_province_view(engine, "2030-31")
    assert isinstance(caught.value, KpiError)
    assert str(caught.value) == (
        "The database has no fiscal year 2030-31; the fiscal years it holds: 2021-22, 2022-23, "
        "2023-24, 2024-25, 2025-26."
    )


def test_a_department_without_figures_in_the_view_is_a_clear_error(engine):
    """A department of the database that the view's year has no figures for (here: its rows
    taken out of a real view) is named with the year and the departments that have figures."""
    from dataclasses import replace

    from kpilib.errors import KpiError
    from kpilib.views import UnknownDepartmentError, select_department

    view = load_province_view(engine, "2024-25")
    summary = view.department_summary
    without = replace(view, department_summary=summary[summary["department_code"] != "HLT"])
    with pytest.raises(UnknownDepartmentError) as caught:
        select_department(without, "HLT")
    message = str(caught.value)
    assert isinstance(caught.value, KpiError) and isinstance(caught.value, LookupError)
    assert message.startswith("Department 'HLT' has no figures for fiscal year 2024-25; known "
                              "codes: AGR, AUQ,")  # fmt: skip
    assert "HLT" not in message.split("known codes:")[1] and "FIN" in message
