"""Department summary and exceptions: the province's KPIs side by side, and every red flag.

The summary puts each department's headline KPIs in one row (budget execution, PEFA, service
delivery, its PSEs, their returns, data quality) with a rank on each; the exceptions list names
every red flag in the province with the department it belongs to, for the provincial summary
and the dashboards. The rules are in :data:`EXCEPTION_RULES` and ``docs/methodology.md``.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from kpilib.kpis.frames import require_columns

#: What raises a red flag (the text is shown in reports and the methodology).
EXCEPTION_RULES = {
    "budget": "spending against the straight-line plan rated red (below the department's amber "
    "threshold, or above 200 − amber %), per budget type",
    "pefa": "PEFA PI-1 (aggregate expenditure outturn) scored D or D* for the department",
    "indicator": "a service-delivery indicator rated red (achievement below its department's "
    "amber threshold)",
    "pse": "a PSE rated 'very high' overall risk in its latest statement",
    "returns": "the department's PSEs' returns received rated red (below the department's amber "
    "threshold, % of expected)",
    "data": "a data-quality finding of severity 'error'",
}
EXCEPTION_COLUMNS = ["department_code", "department_name", "area", "subject", "message"]


def attribute_findings(
    findings: pd.DataFrame,
    entities: pd.DataFrame,
    indicators: pd.DataFrame,
    cost_centres: pd.DataFrame,
) -> pd.DataFrame:
    """Add ``department_code`` to data-quality findings (from the PSE, indicator or cost centre
    their subject names: ``UNI-001``, ``HLT-IMM/PSH``, ``HLT00003/current/A03``)."""
    owner = {
        **dict(zip(cost_centres["cost_centre_code"], cost_centres["department_code"], strict=True)),
        **dict(zip(indicators["indicator_code"], indicators["department_code"], strict=True)),
        **dict(zip(entities["entity_code"], entities["department_code"], strict=True)),
    }
    first_part = findings["subject_code"].astype(str).str.split("/").str[0]
    result = findings.copy()
    result["department_code"] = first_part.map(owner)
    return result


def compute_department_summary(
    departments: pd.DataFrame,
    execution: pd.DataFrame,
    execution_total: pd.DataFrame,
    pefa_scores: pd.DataFrame,
    service_scores: pd.DataFrame,
    pse_latest: pd.DataFrame,
    compliance: pd.DataFrame,
    findings: pd.DataFrame,
) -> pd.DataFrame:
    """One row per department with its headline KPIs and ranks.

    Inputs are the province view's frames: ``execution`` (department × budget type),
    ``execution_total`` (department), ``pefa_scores`` (``department_code, pi1, pi2, pi3``),
    ``service_scores``, ``pse_latest`` (each PSE's latest health row with ``department_code``),
    ``compliance`` (reporting rates by department) and ``findings`` (attributed).

    Ranks (1 = best): ``execution_rank`` by closeness of total spending to the straight-line
    plan (|burn against plan − 100|, smallest first); ``service_rank`` by composite service score;
    ``compliance_rank`` by timeliness of returns. Departments without the data are not ranked.
    """
    summary = departments[["department_code", "department_name"]].copy()
    total = execution_total.set_index("department_code")
    summary = summary.join(
        total[["revised_budget", "expended", "utilisation", "burn_vs_plan"]], on="department_code"
    )
    for budget_type in ("current", "development"):
        part = execution[execution["budget_type"] == budget_type].set_index("department_code")
        summary[f"{budget_type}_utilisation"] = summary["department_code"].map(part["utilisation"])
        summary[f"{budget_type}_burn_vs_plan"] = summary["department_code"].map(
            part["burn_vs_plan"]
        )
    distance = (summary["burn_vs_plan"] - 100).abs()
    summary["execution_rank"] = distance.rank(method="min").astype("Int64")
    summary = summary.merge(pefa_scores, on="department_code", how="left")
    scores = service_scores.set_index("department_code")
    summary["service_score"] = summary["department_code"].map(scores["score"])
    summary["service_completeness"] = summary["department_code"].map(scores["completeness"])
    summary["service_rank"] = summary["department_code"].map(scores["rank"]).astype("Int64")
    summary = _add_pse_counts(summary, pse_latest)
    rates = compliance.set_index("department_code")
    summary["returns_expected"] = summary["department_code"].map(rates["expected"])
    summary["returns_completeness"] = summary["department_code"].map(rates["completeness"]) * 100
    summary["returns_timeliness"] = summary["department_code"].map(rates["timeliness"]) * 100
    summary["compliance_rank"] = (
        summary["returns_timeliness"].rank(ascending=False, method="min").astype("Int64")
    )
    _add_quality_counts(summary, findings)
    return summary


def _add_pse_counts(summary: pd.DataFrame, pse_latest: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with each department's PSEs counted (0 where it has none): ``pses`` with a
    current statement (``pse_latest['current']``, when given: one for the view's reference
    quarter), of those the high or very high risk, in distress, loss makers; ``pses_stale``:
    those whose latest statement is older (counted in none of the others)."""
    current = (
        pse_latest["current"].astype(bool)
        if "current" in pse_latest
        else pd.Series(True, index=pse_latest.index)
    )
    pses = (
        pse_latest[current]
        .groupby("department_code")
        .agg(
            pses=("entity_code", "nunique"),
            pses_high_risk=("overall_rating", lambda r: int(r.isin(["high", "very high"]).sum())),
            pses_distress=("z2_zone", lambda z: int((z == "distress").sum())),
            loss_makers=("loss_maker", "sum"),
        )
    )
    summary = summary.join(pses, on="department_code")
    stale = pse_latest[~current].groupby("department_code").size()
    summary["pses_stale"] = summary["department_code"].map(stale)
    for column in ("pses", "pses_high_risk", "pses_distress", "loss_makers", "pses_stale"):
        summary[column] = summary[column].fillna(0).astype(int)
    return summary


def _add_quality_counts(summary: pd.DataFrame, findings: pd.DataFrame) -> None:
    """Add each department's count of data-quality errors and warnings to ``summary``."""
    counts = findings.groupby(["department_code", "severity"]).size().unstack(fill_value=0)
    for severity in ("error", "warning"):
        column = counts[severity] if severity in counts else pd.Series(dtype=int)
        summary[f"quality_{severity}s"] = (
            summary["department_code"].map(column).fillna(0).astype(int)
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (a value's type is its column's)."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))


def list_exceptions(
    summary: pd.DataFrame,
    execution: pd.DataFrame,
    indicators: pd.DataFrame,
    pse_latest: pd.DataFrame,
    findings: pd.DataFrame,
) -> pd.DataFrame:
    """Every red flag of the province (rules: :data:`EXCEPTION_RULES`), one row each, ordered by
    department and area. Columns: ``department_code, department_name, area, subject, message``.

    The statuses are those already on the frames (``execution['rag']``,
    ``summary['returns_rag']``, ``indicators['rag']``), rated by the status rules of each
    department (:mod:`kpilib.views.status`), so a flag never disagrees with a status shown.
    """
    require_columns(execution, "budget execution", ["rag"])
    require_columns(summary, "department summary", ["returns_rag"])
    names = dict(zip(summary["department_code"], summary["department_name"], strict=True))
    rows: list[tuple[str, str, str, str]] = []
    for row in _records(execution):
        if row["rag"] == "red":
            rows.append((row["department_code"], "budget", f"{row['budget_type']} budget",
                         f"spent {row['burn_vs_plan']:.0f} % of the straight-line plan "
                         f"({row['utilisation']:.0f} % of the revised budget)"))  # fmt: skip
    for row in _records(summary):
        pi1 = row["pi1"]
        if isinstance(pi1, str) and pi1.startswith("D"):
            rows.append((row["department_code"], "pefa", "PI-1 aggregate expenditure outturn",
                         f"scored {pi1}: spending far from the original budget"))  # fmt: skip
        completeness = row["returns_completeness"]
        if row["returns_rag"] == "red":
            rows.append((row["department_code"], "returns", "PSE returns",
                         f"{completeness:.0f} % of expected returns received "
                         f"({row['returns_timeliness']:.0f} % on time)"))  # fmt: skip
    for row in _records(indicators[indicators["rag"] == "red"]):
        subject = f"{row['indicator_code']} {row['indicator_name']}"
        message = f"achievement {row['achievement']:.0f} % of target in {row['period_code']}"
        rows.append((row["department_code"], "indicator", subject, message))
    for row in _records(pse_latest[pse_latest["overall_rating"] == "very high"]):
        subject = f"{row['entity_code']} {row['entity_name']}"
        message = f"very high overall risk ({row['period_code']}; Z'' zone {row['z2_zone']})"
        rows.append((row["department_code"], "pse", subject, message))
    for row in _records(findings[findings["severity"] == "error"]):
        rows.append((row["department_code"], "data", str(row["subject_code"]), str(row["message"])))
    table = pd.DataFrame(rows, columns=["department_code", "area", "subject", "message"])
    table.insert(1, "department_name", table["department_code"].map(names))
    order = {area: i for i, area in enumerate(EXCEPTION_RULES)}
    table["_order"] = table["area"].map(order)
    return (
        table.sort_values(["department_code", "_order", "subject"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)[EXCEPTION_COLUMNS]
    )
