"""Department summary ranks and the exceptions list, on hand-made frames."""

import pandas as pd
import pytest
from pydantic import ValidationError

from kpilib.kpis.budget_execution import rate_execution
from kpilib.kpis.flags import (
    SeverityBand,
    SeverityRules,
    attribute_findings,
    compute_department_summary,
    describe_subject,
    flag_severity,
    list_exceptions,
)
from kpilib.views.status import StatusRules

DEPARTMENTS = pd.DataFrame({"department_code": ["A", "B"], "department_name": ["Alpha", "Beta"]})


def execution():
    return pd.DataFrame(
        {
            "department_code": ["A", "A", "B", "B"],
            "budget_type": ["current", "development", "current", "development"],
            "utilisation": [98.0, 50.0, 99.0, 90.0],
            "burn_vs_plan": [98.0, 50.0, 99.0, 90.0],
        }
    )


def test_rate_execution_counts_under_and_over_spending():
    assert [rate_execution(v) for v in (95, 105, 94.9, 80, 120, 79.9, 120.1)] == [
        "green", "green", "amber", "amber", "amber", "red", "red",
    ]  # fmt: skip
    assert rate_execution(float("nan")) == "grey"


def summary_and_inputs():
    total = pd.DataFrame(
        {
            "department_code": ["A", "B"],
            "revised_budget": [100, 200],
            "expended": [80, 190],
            "utilisation": [80.0, 95.0],
            "burn_vs_plan": [80.0, 95.0],
        }
    )
    pefa = pd.DataFrame({"department_code": ["A", "B"], "pi1": ["D", "B"], "pi2": ["C", "B"],
                         "pi3": ["NA", "NA"]})  # fmt: skip
    scores = pd.DataFrame({"department_code": ["A"], "score": [90.0], "completeness": [100.0],
                           "rank": [1]})  # fmt: skip
    pses = pd.DataFrame(
        {
            "department_code": ["A", "A", "B"],
            "entity_code": ["P1", "P2", "P3"],
            "entity_name": ["One", "Two", "Three"],
            "period_code": ["2024-25Q4"] * 3,
            "overall_rating": ["very high", "low", "high"],
            "z2_zone": ["distress", "safe", "grey"],
            "loss_maker": [True, False, True],
            "negative_equity": [True, False, False],
        }
    )
    compliance = pd.DataFrame({"department_code": ["A", "B"], "expected": [8, 4],
                               "completeness": [0.5, 1.0], "timeliness": [0.25, 0.75]})  # fmt: skip
    findings = pd.DataFrame({"department_code": ["B", "B"], "severity": ["error", "warning"],
                             "subject_code": ["P3", "P3"], "message": ["off", "odd"]})  # fmt: skip
    summary = compute_department_summary(
        DEPARTMENTS, execution(), total, pefa, scores, pses, compliance, findings
    )
    return summary, pses, findings


def test_summary_ranks_each_kpi():
    summary, _, _ = summary_and_inputs()
    row = summary.set_index("department_code")
    # B spent 95 % of plan (5 from 100), A 80 % (20 from 100): B ranks first on execution.
    assert row.loc["B", "execution_rank"] == 1 and row.loc["A", "execution_rank"] == 2
    assert row.loc["A", "service_rank"] == 1 and pd.isna(row.loc["B", "service_rank"])
    assert row.loc["B", "compliance_rank"] == 1  # 75 % on time against 25 %
    assert (row.loc["A", "pses"], row.loc["A", "pses_high_risk"], row.loc["A", "loss_makers"]) == (
        2, 1, 1,
    )  # fmt: skip
    assert row.loc["B", "quality_errors"] == 1 and row.loc["B", "quality_warnings"] == 1
    assert row.loc["A", "development_utilisation"] == 50.0


def test_exceptions_follow_the_rules():
    summary, pses, findings = summary_and_inputs()
    indicators = pd.DataFrame({"department_code": ["B"], "indicator_code": ["I1"],
                               "indicator_name": ["Vaccination"], "rag": ["red"],
                               "achievement": [60.0], "period_code": ["2024-25Q4"]})  # fmt: skip
    rules = StatusRules()  # the built-in thresholds: green ≥ 95 %, amber ≥ 80 %
    spent = execution()
    spent["rag"] = rules.rate_column("budget_execution", spent["burn_vs_plan"], "A")
    summary["returns_rag"] = rules.rate_column("returns_received", summary["returns_completeness"])
    table = list_exceptions(summary, spent, indicators, pses, findings)
    flags = set(zip(table["department_code"], table["area"], strict=True))
    assert flags == {
        ("A", "budget"),  # development at 50 % of plan: red
        ("A", "pefa"),  # PI-1 D
        ("A", "pse"),  # P1 very high risk
        ("A", "returns"),  # 50 % of returns received, below 80 %
        ("B", "indicator"),
        ("B", "data"),  # the error finding, not the warning
    }
    assert table.loc[table["area"] == "budget", "subject"].item() == "development budget"
    assert list(table["department_name"].unique()) == ["Alpha", "Beta"]


def test_findings_are_attributed_to_their_department():
    findings = pd.DataFrame({"subject_code": ["UNI-001", "HLT-IMM/PSH", "HLT00003/current/A03",
                                             "NOPE"]})  # fmt: skip
    entities = pd.DataFrame({"entity_code": ["UNI-001"], "department_code": ["HED"]})
    indicators = pd.DataFrame({"indicator_code": ["HLT-IMM"], "department_code": ["HLT"]})
    cost_centres = pd.DataFrame({"cost_centre_code": ["HLT00003"], "department_code": ["HLT"]})
    result = attribute_findings(findings, entities, indicators, cost_centres)
    assert list(result["department_code"].fillna("?")) == ["HED", "HLT", "HLT", "?"]


def test_severity_follows_the_bands_at_their_edges():
    rules = SeverityRules()  # budget, indicator, returns: high from 50 points, medium from 35
    grades = [flag_severity("budget", gap, False, rules) for gap in (20.1, 34.9, 35, 49.9, 50)]
    assert grades == ["low", "low", "medium", "medium", "high"]
    assert flag_severity("indicator", 50.0, False, rules) == "high"
    assert flag_severity("returns", float("nan"), False, rules) == "medium"  # no gap measured
    assert flag_severity("pefa", None, False, rules) == "medium"
    assert flag_severity("pse", None, False, rules) == "medium"
    assert flag_severity("pse", None, True, rules) == "high"  # very high risk, negative equity
    assert flag_severity("data", None, False, rules) == "low"
    tighter = SeverityRules(budget=SeverityBand(high=30, medium=25, why="test"))
    assert flag_severity("budget", 31.0, False, tighter) == "high"


def test_a_severity_band_is_gaps_or_a_level_in_order():
    for bad in ({"high": 30}, {"high": 30, "medium": 40}, {"level": "low", "high": 5, "medium": 1},
                {}, {"level": "urgent"}, {"level": "low", "colour": "red"}):  # fmt: skip
        with pytest.raises(ValidationError):
            SeverityBand(**bad)


def test_exceptions_are_ranked_by_severity_with_their_gaps():
    summary, pses, findings = summary_and_inputs()
    indicators = pd.DataFrame({"department_code": ["B"], "indicator_code": ["I1"],
                               "indicator_name": ["Vaccination"], "rag": ["red"],
                               "achievement": [60.0], "period_code": ["2024-25Q4"]})  # fmt: skip
    rules = StatusRules()
    spent = execution()
    spent["rag"] = rules.rate_column("budget_execution", spent["burn_vs_plan"], "A")
    summary["returns_rag"] = rules.rate_column("returns_received", summary["returns_completeness"])
    names = {"P3": "Three Company"}
    table = list_exceptions(summary, spent, indicators, pses, findings, names=names)
    # By hand: budget A development 50 % of plan -> gap 50 -> high; P1 very high risk with
    # negative equity -> high; returns A 50 % received -> gap 50 -> high; PI-1 D -> medium;
    # indicator 60 % -> gap 40 -> medium; data error -> low.
    ranked = list(zip(table["area"], table["severity"], table["gap"].fillna(-1), strict=True))
    assert ranked == [
        ("budget", "high", 50.0), ("returns", "high", 50.0), ("pse", "high", -1),
        ("indicator", "medium", 40.0), ("pefa", "medium", -1), ("data", "low", -1),
    ]  # fmt: skip
    assert list(table["rank"]) == [1, 2, 3, 4, 5, 6]
    data = table[table["area"] == "data"].iloc[0]
    assert data["subject"] == data["entity"] == "Three Company (P3)"
    assert table.loc[table["area"] == "pse", "entity"].item() == "One (P1)"


def test_a_budget_line_is_named_by_its_cost_centre_and_head():
    names = {"HLT00003": "DHO Peshawar", "A03": "Operating expenses"}
    subject, entity = describe_subject("HLT00003/current/A03", names)
    assert subject == "DHO Peshawar (HLT00003), current budget, A03 Operating expenses"
    assert entity == "DHO Peshawar (HLT00003)"
    assert describe_subject("NOPE/x", names) == ("NOPE/x", "")
