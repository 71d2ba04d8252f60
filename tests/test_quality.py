"""Data quality: validation rules, modified z-score outliers, findings, the demo's flaws."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.errors import InputFrameError, ParameterError
from kpilib.fiscal import FiscalYear, periods_of_year
from kpilib.kpis.quality import (
    FINDING_COLUMNS,
    QualityParams,
    check_achievement,
    check_balance_sheets,
    check_budget_lines,
    check_revenue_jumps,
    compute_modified_z,
    find_indicator_outliers,
    find_pse_outliers,
    run_quality_checks,
)
from kpilib.store.database import connect
from kpilib.store.models import PSE_FINANCIAL_LINES
from kpilib.store.queries import load_budget_line_exceptions
from kpilib.store.writes import insert_rows

# --------------------------------------------------------------------------- modified z-score


def test_modified_z_hand_computed():
    # Median 3; absolute deviations 2, 1, 0, 1, 97 → MAD 1; M = 0.6745 × (x − 3).
    z = compute_modified_z([1, 2, 3, 4, 100])
    np.testing.assert_allclose(z, [-1.349, -0.6745, 0.0, 0.6745, 65.4265])


def test_modified_z_when_mad_is_zero_uses_the_mean_absolute_deviation():
    # Median 5, deviations 0, 0, 0, 0, 95 → MAD 0; MeanAD 19; M = 95 ÷ (1.253314 × 19) = 3.989.
    z = compute_modified_z([5, 5, 5, 5, 100])
    np.testing.assert_allclose(z, [0, 0, 0, 0, 95 / (1.253314 * 19)])
    assert z[-1] > 3.5
    # All values equal: no deviation at all, every M is 0.
    assert compute_modified_z([7, 7, 7]).tolist() == [0.0, 0.0, 0.0]


def test_modified_z_skips_missing_values():
    z = compute_modified_z([1, np.nan, 2, 3, 4, 100])
    assert np.isnan(z[1])
    np.testing.assert_allclose(np.delete(z, 1), [-1.349, -0.6745, 0.0, 0.6745, 65.4265])
    assert np.isnan(compute_modified_z([np.nan, np.nan])).all()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-(10**6), 10**6), min_size=3, max_size=30),
    scale=st.integers(1, 1000),
    shift=st.integers(-(10**6), 10**6),
)
def test_modified_z_ignores_units_and_origin(values, scale, shift):
    before = compute_modified_z(values)
    after = compute_modified_z([v * scale + shift for v in values])
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------- PSE statements

BALANCED = {line: 0 for line in PSE_FINANCIAL_LINES}


def frame_of(rows):
    records = [
        {"entity_code": e, "period_code": p, "fiscal_year": int(p[:4]), "quarter": int(p[-1]),
         **BALANCED, **values}
        for e, p, values in rows
    ]  # fmt: skip
    return pd.DataFrame(records)


def test_balance_sheet_tolerance_edges():
    frame = frame_of(
        [
            # Gap 10 of assets 10,000 = 0.1 %: exactly the tolerance, accepted.
            ("PSE-A", "2024-25Q1",
             {"total_assets": 10_000, "total_liabilities": 6_000, "equity": 3_990}),
            # Gap 11 = 0.11 %: an error.
            ("PSE-A", "2024-25Q2",
             {"total_assets": 10_000, "total_liabilities": 6_000, "equity": 3_989}),
            # No assets: any gap is an error, its share is undefined.
            ("PSE-A", "2024-25Q3", {"total_assets": 0, "total_liabilities": 5, "equity": -4}),
            ("PSE-A", "2024-25Q4", {"total_assets": 0, "total_liabilities": 5, "equity": -5}),
        ]
    )  # fmt: skip
    findings = check_balance_sheets(frame)
    assert list(findings.columns) == list(FINDING_COLUMNS)
    assert findings["period_code"].tolist() == ["2024-25Q2", "2024-25Q3"]
    assert findings["value"].iloc[0] == pytest.approx(0.0011)
    assert math.isnan(findings["value"].iloc[1])
    assert set(findings["severity"]) == {"error"} and set(findings["rule"]) == {
        "balance_sheet_balances"
    }
    assert (
        "Rs 0.0 m" in findings["message"].iloc[0]
        and "PSE-A 2024-25Q2" in findings["message"].iloc[0]
    )


def test_revenue_jump_edges():
    revenue = [100, 400, 1601, 400, 100, 0, 50]
    frame = frame_of(
        [("PSE-A", f"{2023 + i // 4}-{(24 + i // 4) % 100:02d}Q{i % 4 + 1}", {"revenue": r})
         for i, r in enumerate(revenue)]
    )  # fmt: skip
    findings = check_revenue_jumps(frame)
    # 400/100 = 4 exactly: accepted; 1601/400 = 4.0025: a jump; 400/1601 = 0.2498: a drop;
    # 100/400 = 0.25 exactly: accepted; 0/100 = 0: a drop; 50/0: no ratio.
    assert findings["period_code"].tolist() == ["2023-24Q3", "2023-24Q4", "2024-25Q2"]
    np.testing.assert_allclose(findings["value"], [1601 / 400, 400 / 1601, 0.0])
    assert findings["threshold"].tolist() == [4.0, 0.25, 0.25]
    assert "is 4.00 × the 2023-24Q2 revenue" in findings["message"].iloc[0]


def test_pse_outliers_and_the_threshold_edge():
    revenue = [100, 101, 99, 100, 102, 98, 100, 1000]
    frame = frame_of(
        [("PSE-A", f"2023-24Q{i % 4 + 1}" if i < 4 else f"2024-25Q{i % 4 + 1}",
          {"revenue": r, "grants_subsidies": 5, "operating_expenses": 90 + i % 2})
         for i, r in enumerate(revenue)]
    )  # fmt: skip
    findings = find_pse_outliers(frame)
    assert findings[["item", "period_code"]].values.tolist() == [["revenue", "2024-25Q4"]]
    # The score exactly at the threshold is not an outlier; just above it is.
    z = compute_modified_z(revenue)[-1]
    assert find_pse_outliers(frame, QualityParams(outlier_threshold=z)).empty
    assert len(find_pse_outliers(frame, QualityParams(outlier_threshold=z * 0.999))) == 1
    # Too short a series is not tested.
    assert find_pse_outliers(frame.iloc[-4:]).empty


@pytest.mark.parametrize(
    ("last", "flagged"),
    [(150, False), (151, True), (50, False), (49, True), (125, False)],
)
def test_pse_outliers_must_be_material(last, flagged):
    """A smooth series makes |M| large for ordinary changes (here M = 0.6745 × 50 ÷ 1 = 33.7):
    only a value more than 50 % away from the PSE's median is an outlier (exactly 50 % is not)."""
    revenue = [100, 101, 99, 100, 102, 98, 100, last]
    frame = frame_of(
        [("PSE-A", f"2023-24Q{i % 4 + 1}" if i < 4 else f"2024-25Q{i % 4 + 1}",
          {"revenue": r, "grants_subsidies": 5, "operating_expenses": 90})
         for i, r in enumerate(revenue)]
    )  # fmt: skip
    assert abs(compute_modified_z(revenue)[-1]) > 3.5
    assert len(find_pse_outliers(frame)) == int(flagged)
    # With no materiality floor, |M| alone decides (the 1993 test as published).
    assert len(find_pse_outliers(frame, QualityParams(outlier_min_change=0.0))) == 1


def test_statement_checks_name_bad_input():
    frame = frame_of([("PSE-A", "2024-25Q1", {"total_assets": 1})])
    with pytest.raises(InputFrameError, match="equity"):
        check_balance_sheets(frame.drop(columns="equity"))
    with pytest.raises(InputFrameError, match="PSE-A/2024-25Q1"):
        check_revenue_jumps(pd.concat([frame, frame]))


# --------------------------------------------------------------------------- indicators

INDICATORS = pd.DataFrame(
    {"indicator_code": ["UP", "DOWN"], "direction": ["higher_is_better", "lower_is_better"]}
)


def values_of(rows):
    return pd.DataFrame(
        [
            {"indicator_code": code, "period_code": period, "period_kind": "quarter",
             "district_code": district, "entity_code": entity, "target": target, "actual": actual}
            for code, period, target, actual, district, entity in rows
        ]
    )  # fmt: skip


def test_achievement_range_edges():
    values = values_of(
        [
            ("UP", "Q1", 50, 200, None, None),  # 200 / 50 = 400 %: at the upper end, plausible
            ("UP", "Q2", 50, 201, None, None),  # 402 %: implausible
            ("UP", "Q3", 50, 12.5, None, None),  # 25 %: at the lower end, plausible
            ("UP", "Q4", 50, 12, "PSH", None),  # 24 %: implausible (a district value)
            ("DOWN", "Q1", 10, 40, None, None),  # 10 / 40 = 25 %: plausible
            ("DOWN", "Q2", 10, 41, None, "UNI-001"),  # 24.39 %: implausible (a PSE value)
            ("DOWN", "Q3", 10, 2.5, None, None),  # 400 %: plausible
            ("DOWN", "Q4", 10, 2.4, None, None),  # 416.7 %: implausible
            ("DOWN", "Q5", 10, 0, None, None),  # zero is the best outcome: no finding
            ("UP", "Q5", 50, np.nan, None, None),  # not reported: no finding
            ("UP", "Q6", 0, 10, None, None),  # no usable target: not computable
            ("DOWN", "Q6", 10, -1, None, None),  # negative actual: not computable
        ]
    )
    findings = check_achievement(values, INDICATORS)
    plausible = findings.loc[findings["rule"] == "achievement_plausible"]
    assert plausible["subject_code"].tolist() == ["UP", "UP/PSH", "DOWN/UNI-001", "DOWN"]
    assert plausible["period_code"].tolist() == ["Q2", "Q4", "Q2", "Q4"]
    np.testing.assert_allclose(plausible["value"], [402, 24, 1000 / 41, 1000 / 2.4])
    assert plausible["threshold"].tolist() == [400.0, 25.0, 25.0, 400.0]
    computable = findings.loc[findings["rule"] == "achievement_computable"]
    assert computable[["subject_code", "period_code"]].values.tolist() == [
        ["UP", "Q6"],
        ["DOWN", "Q6"],
    ]
    assert set(findings["severity"]) == {"warning"}


def test_achievement_refuses_unknown_indicators():
    with pytest.raises(InputFrameError, match="GHOST"):
        check_achievement(values_of([("GHOST", "Q1", 1, 1, None, None)]), INDICATORS)


def test_indicator_outliers_are_per_series():
    actuals = [50, 51, 49, 50, 52, 48, 500]
    rows = [("UP", f"Q{i}", 50, a, None, None) for i, a in enumerate(actuals)]
    # The same numbers for a district are a series of their own, and so is a PSE's.
    rows += [("UP", f"Q{i}", 50, a, "PSH", None) for i, a in enumerate(actuals[:-1])]
    rows += [("UP", f"Q{i}", 50, a * 10, None, "UNI-001") for i, a in enumerate(actuals[:-1])]
    findings = find_indicator_outliers(values_of(rows))
    assert findings[["subject_code", "period_code"]].values.tolist() == [["UP", "Q6"]]
    assert findings["value"].iloc[0] == pytest.approx(0.6745 * 450 / 1)
    # 70 against a median of 50 (M = 13.5) is within 50 % of it: not material.
    smooth = [("UP", f"Q{i}", 50, a, None, None) for i, a in enumerate([*actuals[:-1], 70])]
    assert find_indicator_outliers(values_of(smooth)).empty
    assert len(find_indicator_outliers(values_of(smooth), QualityParams(outlier_min_change=0))) == 1


def test_params_are_checked():
    with pytest.raises(ParameterError, match="achievement_range"):
        QualityParams(achievement_range=(2.0, 1.0))
    with pytest.raises(ParameterError, match="revenue_jump_factor"):
        QualityParams(revenue_jump_factor=1.0)
    with pytest.raises(ParameterError, match="outlier_min_change"):
        QualityParams(outlier_min_change=-0.1)


# --------------------------------------------------------------------------- a hand-made database

YEARS = (2023, 2024)
REVENUE = [800, 810, 790, 805, 795, 800, 812, 798]
GRANTS = [200, 205, 195, 200, 202, 198, 200, 201]
ACTUALS_UP = [48, 51, 49, 52, 50, 47, 53, 50]
ACTUALS_DOWN = [9.5, 10.2, 9.8, 10.4, 10.0, 9.6, 10.1, 9.9]


def build_database(url, flaws=frozenset()):
    """Two PSEs, two budget lines, two indicators over 2023-24 and 2024-25, all clean unless a
    flaw is named: overspent, negative_budget, unbalanced, revenue_jump, decimal_point."""
    engine = connect(url)
    periods = [p for y in YEARS for p in periods_of_year(FiscalYear(y))]
    period_ids = {p.code: i for i, p in enumerate(periods, start=1)}
    quarters = [p for p in periods if p.kind == "quarter"]
    with engine.begin() as c:
        insert_rows(c, "departments", [{"id": 1, "code": "FIN", "name": "Finance"}])
        insert_rows(c, "districts", [{"id": 1, "code": "PSH", "name": "Peshawar"}])
        insert_rows(c, "fiscal_years", [
            {"start_year": y, "label": FiscalYear(y).label, "start_date": FiscalYear(y).start_date,
             "end_date": FiscalYear(y).end_date} for y in YEARS
        ])  # fmt: skip
        insert_rows(c, "periods", [
            {"id": period_ids[p.code], "code": p.code, "fiscal_year": p.fiscal_year.start_year,
             "kind": p.kind, "number": p.number, "start_date": p.start_date,
             "end_date": p.end_date} for p in periods
        ])  # fmt: skip
        insert_rows(c, "entities", [
            {"id": 1, "code": "UNI-001", "name": "U", "category": "university", "department_id": 1},
            {"id": 2, "code": "ABD-001", "name": "A", "category": "autonomous_body",
             "department_id": 1},
        ])  # fmt: skip
        insert_rows(c, "cost_centres", [
            {"id": i, "code": f"FIN0000{i}", "name": f"Office {i}", "department_id": 1}
            for i in (1, 2)
        ])  # fmt: skip
        insert_rows(c, "economic_classes", [{"id": 1, "code": "A03", "name": "Operating"}])
        lines = []
        for year in YEARS:
            for cost_centre in (1, 2):
                for month in range(1, 13):
                    # Releases 900 a month; expenditure 909 = releases + exactly 1 %.
                    expended = 909
                    if "overspent" in flaws and (year, cost_centre, month) == (2024, 2, 1):
                        expended = 910
                    revised = -5 if "negative_budget" in flaws and (year, cost_centre, month) == (
                        2023, 1, 6) else 1000  # fmt: skip
                    lines.append({
                        "fiscal_year": year, "month": month, "department_id": 1,
                        "cost_centre_id": cost_centre, "budget_type": "current",
                        "economic_class_id": 1, "original_budget": 1000,
                        "revised_budget": revised, "released": 900, "expended": expended,
                    })  # fmt: skip
        # The last two months of 2024-25 are not reported yet (NULL): they count for nothing.
        lines[-1].update(released=None, expended=None)
        lines[-2].update(released=None, expended=None)
        insert_rows(c, "budget_lines", lines)
        statements = []
        for entity in (1, 2):
            for i, quarter in enumerate(quarters):
                revenue = REVENUE[i] * (
                    10 if "revenue_jump" in flaws and (entity, i) == (2, 5) else 1
                )
                ebit = revenue + GRANTS[i] - 900
                equity = 1200 - (3 if "unbalanced" in flaws and (entity, i) == (1, 3) else 0)
                statements.append({
                    "entity_id": entity, "period_id": period_ids[quarter.code], "revenue": revenue,
                    "grants_subsidies": GRANTS[i], "operating_expenses": 900, "ebit": ebit,
                    "interest_expense": 20, "net_income": ebit - 20, "cash": 300,
                    "inventories": 100, "current_assets": 600, "current_liabilities": 300,
                    "total_assets": 2000, "total_liabilities": 800, "equity": equity,
                    "retained_earnings": 400, "borrowings": 200, "overdue_payables": 10,
                })  # fmt: skip
        insert_rows(c, "pse_financials", statements)
        insert_rows(c, "indicators", [
            {"id": 1, "code": "UP", "name": "Up", "unit": "%", "department_id": 1,
             "direction": "higher_is_better", "frequency": "quarterly", "level": "province"},
            {"id": 2, "code": "DOWN", "name": "Down", "unit": "per 1000", "department_id": 1,
             "direction": "lower_is_better", "frequency": "quarterly", "level": "province"},
        ])  # fmt: skip
        values = []
        for i in range(len(quarters)):
            up = ACTUALS_UP[i] * (10 if "decimal_point" in flaws and i == 6 else 1)
            values += [
                # (indicator, district, PSE, target, actual)
                (1, None, None, 50.0, float(up)),
                (1, 1, None, 50.0, float(ACTUALS_UP[7 - i])),
                (2, None, None, 10.0, ACTUALS_DOWN[i]),
                (2, None, 1, 10.0, ACTUALS_DOWN[7 - i]),
            ]
        values = [
            {"indicator_id": ind, "period_id": period_ids[quarters[k // 4].code],
             "district_id": district, "entity_id": entity, "target": target, "actual": actual}
            for k, (ind, district, entity, target, actual) in enumerate(values)
        ]  # fmt: skip
        insert_rows(c, "indicator_values", values)
    return engine


def test_a_clean_database_has_no_findings(database_url):
    engine = build_database(database_url)
    with engine.connect() as connection:
        findings = run_quality_checks(connection)
        lines = load_budget_line_exceptions(connection, 0.01)
    assert findings.empty and list(findings.columns) == list(FINDING_COLUMNS)
    assert lines.empty  # exactly 1 % over releases is within the 1 % tolerance


def test_every_injected_flaw_is_found_and_nothing_else(database_url):
    flaws = {"overspent", "negative_budget", "unbalanced", "revenue_jump", "decimal_point"}
    engine = build_database(database_url, frozenset(flaws))
    with engine.connect() as connection:
        findings = run_quality_checks(connection)
        strict = check_budget_lines(connection, QualityParams(release_tolerance=0.0))
    found = set(
        zip(findings["rule"], findings["subject_code"], findings["period_code"], strict=True)
    )
    assert found == {
        ("expenditure_within_releases", "FIN00002/current/A03", "2024-25"),
        ("no_negative_budget", "FIN00001/current/A03", "2023-24"),
        ("balance_sheet_balances", "UNI-001", "2023-24Q4"),
        ("revenue_jump", "ABD-001", "2024-25Q2"),  # 8,000 after 795
        ("revenue_jump", "ABD-001", "2024-25Q3"),  # and back
        ("outlier", "ABD-001", "2024-25Q2"),
        ("achievement_plausible", "UP", "2024-25Q3"),
        ("outlier", "UP", "2024-25Q3"),
    }
    # Errors come first.
    assert findings["severity"].tolist() == sorted(findings["severity"])
    over = findings.loc[findings["rule"] == "expenditure_within_releases"].iloc[0]
    # 2024-25, cost centre 2: released 900 × 10 (two months NULL) = 9,000; spent
    # 910 + 909 × 9 = 9,091 → 9,091 / 9,000 = 1.0101 > 1.01 (9,090 would be exactly 1.01).
    assert over["value"] == pytest.approx(9_091 / 9_000)
    assert over["threshold"] == 1.01
    negative = findings.loc[findings["rule"] == "no_negative_budget"].iloc[0]
    assert negative["value"] == 1 and negative["severity"] == "error"
    # With no tolerance, every line spending above its releases is an error.
    assert len(strict.loc[strict["rule"] == "expenditure_within_releases"]) == 4


def test_budget_exceptions_sums_are_exact(sqlite_url):
    engine = build_database(sqlite_url, frozenset({"overspent"}))
    with engine.connect() as connection:
        lines = load_budget_line_exceptions(connection, 0.01)
        only_2023 = load_budget_line_exceptions(connection, 0.01, fiscal_years=[2023])
    row = lines.iloc[0]
    assert (row["fiscal_year"], row["cost_centre_code"], row["department_code"]) == (
        2024, "FIN00002", "FIN")  # fmt: skip
    assert (row["original_budget"], row["released"], row["expended"]) == (12_000, 9_000, 9_091)
    assert row["overspent"] and row["negative_budget_months"] == 0
    assert only_2023.empty
    with pytest.raises(ParameterError):
        load_budget_line_exceptions(connection, -0.1)


# --------------------------------------------------------------------------- the demo province


def test_demo_flaws_are_found(demo_url):
    with connect(demo_url, read_only=True).connect() as connection:
        findings = run_quality_checks(connection)
    assert set(findings["severity"]) <= {"error", "warning"}
    rules = findings.groupby("rule").size()
    # Expenditure recorded far above releases on a handful of lines every completed year.
    over = findings.loc[findings["rule"] == "expenditure_within_releases"]
    assert len(over) >= 5 and (over["value"] > 1.25).all()
    assert set(over["period_code"]) >= {"2021-22", "2022-23", "2023-24", "2024-25"}
    # PSE revenue recorded ~8× too high: a jump up, and revenue outliers far above 3.5.
    jumps = findings.loc[findings["rule"] == "revenue_jump"]
    assert (jumps["value"] > 5).sum() >= 2
    revenue_outliers = findings.loc[
        (findings["rule"] == "outlier") & (findings["item"] == "revenue")
    ]
    assert set(jumps.loc[jumps["value"] > 5, "subject_code"]) <= set(
        revenue_outliers["subject_code"]
    )
    # Indicator actuals ten times too high: achievement ≈ 1,000 % on three province indicators.
    implausible = findings.loc[findings["rule"] == "achievement_plausible"]
    assert (implausible["value"] > 800).sum() >= 3
    assert (~implausible["subject_code"].str.contains("/")).sum() >= 3
    # The demo's balance sheets balance and its budgets are not negative.
    assert "balance_sheet_balances" not in rules and "no_negative_budget" not in rules
    assert findings["message"].str.len().gt(20).all()


def test_quality_checks_can_be_limited_to_fiscal_years(demo_sqlite_url):
    with connect(demo_sqlite_url, read_only=True).connect() as connection:
        one_year = run_quality_checks(connection, fiscal_years=[2024])
    periods = set(one_year["period_code"])
    assert periods and all(p.startswith("2024-25") for p in periods)


def test_empty_inputs_give_empty_findings():
    empty = frame_of([("PSE-A", "2024-25Q1", {})]).iloc[:0]
    for check in (check_balance_sheets, check_revenue_jumps, find_pse_outliers):
        findings = check(empty)
        assert findings.empty and list(findings.columns) == list(FINDING_COLUMNS)
    no_values = values_of([("UP", "Q1", 1, 1, None, None)]).iloc[:0]
    assert check_achievement(no_values, INDICATORS).empty
    assert find_indicator_outliers(no_values).empty
