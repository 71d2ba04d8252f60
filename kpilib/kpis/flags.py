"""Department summary and exceptions: the province's KPIs side by side, and every red flag.

The summary puts each department's headline KPIs in one row (budget execution, PEFA, service
delivery, its PSEs, their returns, data quality) with a rank on each; the exceptions list names
every red flag in the province with the department (and PSE or cost centre) it belongs to, for
the reports and the dashboards, each with a severity (:func:`flag_severity`: high, medium, low,
by the rule of ``flag_severity:`` in ``parameters/defaults.yaml``) and most severe first. The
rules are in :data:`EXCEPTION_RULES`, :class:`SeverityRules` and ``docs/methodology.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kpilib.i18n import N_
from kpilib.kpis.frames import require_columns

#: What raises a red flag (the text is shown in reports and the methodology).
EXCEPTION_RULES = {
    "budget": N_("spending against the straight-line plan rated red (below the department's "
                 "amber threshold, or above 200 − amber %), per budget type"),
    "pefa": N_("PEFA PI-1 (aggregate expenditure outturn) scored D or D* for the department"),
    "indicator": N_("a service-delivery indicator rated red (achievement below its "
                    "department's amber threshold)"),
    "pse": N_("a PSE rated 'very high' overall risk in its latest statement"),
    "returns": N_("the department's PSEs' returns received rated red (below the department's "
                  "amber threshold, % of expected)"),
    "data": N_("a data-quality finding of severity 'error'"),
}  # fmt: skip
EXCEPTION_COLUMNS = [
    "department_code", "department_name", "area", "subject", "entity", "message", "gap",
    "severity", "rank",
]  # fmt: skip
#: What a flag's ``gap`` measures, per area (percentage points; none for the other areas).
GAP_MEASURES = {
    "budget": N_("|spent % of the straight-line plan − 100|"),
    "indicator": N_("100 − achievement % (the shortfall against target)"),
    "returns": N_("100 − returns received % (the share of expected returns missing)"),
}
Severity = Literal["high", "medium", "low"]
#: Severities, most urgent first (the order of the ranked flags).
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")
SEVERITY_LABELS = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}


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
    severity: SeverityRules | None = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every red flag of the province (rules: :data:`EXCEPTION_RULES`), one row each, most severe
    first (:func:`rank_flags`). Columns: :data:`EXCEPTION_COLUMNS`: the department, ``area``,
    ``subject`` (cost centres and PSEs by name, from ``names``: code → name), ``entity`` (the PSE
    or cost centre that owns it, else empty), ``message``, ``gap`` (:data:`GAP_MEASURES`) and
    ``severity`` (:func:`flag_severity` with ``severity``, default :class:`SeverityRules`).

    The statuses are those already on the frames (``execution['rag']``,
    ``summary['returns_rag']``, ``indicators['rag']``), rated by the status rules of each
    department (:mod:`kpilib.views.status`), so a flag never disagrees with a status shown.
    """
    require_columns(execution, "budget execution", ["rag"])
    require_columns(summary, "department summary", ["returns_rag"])
    names = names or {}
    rows = [
        *_budget_flags(execution),
        *_summary_flags(summary),
        *_indicator_flags(indicators),
        *_pse_flags(pse_latest),
        *_data_flags(findings, names),
    ]
    columns = ["department_code", "area", "subject", "entity", "message", "gap", "insolvent"]
    table = pd.DataFrame(rows, columns=columns)
    table["gap"] = table["gap"].astype(float)
    rules = severity or SeverityRules()
    table["severity"] = [
        flag_severity(area, gap, bool(insolvent), rules)
        for area, gap, insolvent in zip(
            table["area"], table["gap"], table["insolvent"], strict=True
        )
    ]
    departments = dict(zip(summary["department_code"], summary["department_name"], strict=True))
    table["department_name"] = table["department_code"].map(departments)
    return rank_flags(table)[EXCEPTION_COLUMNS]


_Flag = tuple[str, str, str, str, str, float, bool]


def _budget_flags(execution: pd.DataFrame) -> list[_Flag]:
    return [
        (row["department_code"], "budget", f"{row['budget_type']} budget", "",
         f"spent {row['burn_vs_plan']:.0f} % of the straight-line plan "
         f"({row['utilisation']:.0f} % of the revised budget)",
         abs(float(row["burn_vs_plan"]) - 100), False)
        for row in _records(execution[execution["rag"] == "red"])
    ]  # fmt: skip


def _summary_flags(summary: pd.DataFrame) -> list[_Flag]:
    rows: list[_Flag] = []
    for row in _records(summary):
        pi1 = row["pi1"]
        if isinstance(pi1, str) and pi1.startswith("D"):
            rows.append((row["department_code"], "pefa", "PI-1 aggregate expenditure outturn", "",
                         f"scored {pi1}: spending far from the original budget", float("nan"),
                         False))  # fmt: skip
        completeness = row["returns_completeness"]
        if row["returns_rag"] == "red":
            rows.append((row["department_code"], "returns", "PSE returns", "",
                         f"{completeness:.0f} % of expected returns received "
                         f"({row['returns_timeliness']:.0f} % on time)",
                         100 - float(completeness), False))  # fmt: skip
    return rows


def _indicator_flags(indicators: pd.DataFrame) -> list[_Flag]:
    return [
        (row["department_code"], "indicator", f"{row['indicator_code']} {row['indicator_name']}",
         "", f"achievement {row['achievement']:.0f} % of target in {row['period_code']}",
         100 - float(row["achievement"]), False)
        for row in _records(indicators[indicators["rag"] == "red"])
    ]  # fmt: skip


def _pse_flags(pse_latest: pd.DataFrame) -> list[_Flag]:
    return [
        (row["department_code"], "pse", f"{row['entity_name']} ({row['entity_code']})",
         f"{row['entity_name']} ({row['entity_code']})",
         f"very high overall risk ({row['period_code']}; Z'' zone {row['z2_zone']}"
         f"{'; negative equity' if _is_true(row.get('negative_equity')) else ''})",
         float("nan"), _is_true(row.get("negative_equity")))
        for row in _records(pse_latest[pse_latest["overall_rating"] == "very high"])
    ]  # fmt: skip


def _is_true(value: object) -> bool:
    return value is not None and value is not pd.NA and bool(value)


def _data_flags(findings: pd.DataFrame, names: Mapping[str, str]) -> list[_Flag]:
    rows: list[_Flag] = []
    for row in _records(findings[findings["severity"] == "error"]):
        code = str(row["subject_code"])
        subject, entity = describe_subject(code, names)
        message = str(row["message"])
        if subject != code and message.startswith(code):
            message = message[len(code) :].lstrip(" :")
        rows.append((row["department_code"], "data", subject, entity, message, float("nan"), False))
    return rows


def describe_subject(code: str, names: Mapping[str, str]) -> tuple[str, str]:
    """A finding's subject code in words, and the PSE or cost centre that owns it:
    ``HLT00003/current/A03`` → (``"DHO Peshawar (HLT00003), current budget, A03 Operating
    expenses"``, ``"DHO Peshawar (HLT00003)"``); ``UNI-001`` → its PSE's name; a code without a
    name in ``names`` stays as it is."""
    parts = code.split("/")
    owner = names.get(parts[0])
    if owner is None:
        return code, ""
    entity = f"{owner} ({parts[0]})"
    if len(parts) == 3:
        head = names.get(parts[2])
        return f"{entity}, {parts[1]} budget, {parts[2]}{' ' + head if head else ''}", entity
    return " / ".join([entity, *parts[1:]]), entity


# ---------------------------------------------------------------------------- severity


class SeverityBand(BaseModel):
    """How one area's red flags are graded: by their ``gap`` (``high`` and ``medium``: the gap,
    in percentage points, at or above which a flag is high or medium; below: low), or at a
    fixed ``level``; for PSEs, ``negative_equity``: the level when the PSE owes more than it owns.
    ``why``: the rationale, printed in the reports' methodology."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    high: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    medium: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    level: Severity | None = None
    negative_equity: Severity | None = None
    why: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _one_way(self) -> SeverityBand:
        if (self.high is None) != (self.medium is None):
            raise ValueError("give both 'high' and 'medium' (gaps), or a 'level'")
        if self.high is not None and self.medium is not None and self.high < self.medium:
            raise ValueError(f"high ({self.high}) must not be below medium ({self.medium})")
        if (self.high is None) == (self.level is None):
            raise ValueError("give either gaps ('high' and 'medium') or a fixed 'level'")
        return self

    def describe(self) -> str:
        """``high from a gap of 50 points, medium from 35, else low`` or ``always medium``."""
        if self.level is not None:
            text = f"always {self.level}"
            escalated = self.negative_equity
            return text + (f" ({escalated} with negative equity)" if escalated else "")
        return f"high from a gap of {self.high:g} points, medium from {self.medium:g}, else low"


def _gaps(high: float, medium: float, why: str) -> SeverityBand:
    return SeverityBand(high=high, medium=medium, why=why)


class SeverityRules(BaseModel):
    """The severity rule of every area (``flag_severity:`` in ``parameters/defaults.yaml``);
    the defaults here are the province's rule (the file repeats them with their rationale)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    budget: SeverityBand = _gaps(50, 35, "half the plan unspent (or half again spent) by now")
    pefa: SeverityBand = SeverityBand(level="medium", why="structural, over three years")
    indicator: SeverityBand = _gaps(50, 35, "half the target or less achieved")
    pse: SeverityBand = SeverityBand(level="medium", negative_equity="high", why="insolvent")
    returns: SeverityBand = _gaps(50, 35, "half the expected returns or more missing")
    data: SeverityBand = SeverityBand(level="low", why="a figure is unreliable until corrected")

    def describe_all(self) -> dict[str, str]:
        """Each area's rule in words (for the methodology appendix)."""
        return {area: getattr(self, area).describe() for area in EXCEPTION_RULES}


def flag_severity(
    area: str, gap: float | None, negative_equity: bool, rules: SeverityRules
) -> Severity:
    """A red flag's severity (high / medium / low) by its area's band of ``rules``: a fixed
    level, or the ``gap`` (percentage points, :data:`GAP_MEASURES`) against the band's ``high``
    and ``medium`` (at or above: that level); a missing gap is ``medium``. A PSE flag whose
    equity is negative takes the band's ``negative_equity`` level when it has one."""
    band: SeverityBand = getattr(rules, area)
    if negative_equity and band.negative_equity is not None:
        return band.negative_equity
    if band.level is not None:
        return band.level
    if gap is None or pd.isna(gap):
        return "medium"
    if band.high is not None and gap >= band.high:
        return "high"
    if band.medium is not None and gap >= band.medium:
        return "medium"
    return "low"


def rank_flags(flags: pd.DataFrame) -> pd.DataFrame:
    """Flags most severe first: by ``severity`` (high, medium, low), then the larger ``gap``,
    then area (in the order of :data:`EXCEPTION_RULES`), department and subject; a ``rank``
    column (1 = most severe) is added."""
    order = {area: i for i, area in enumerate(EXCEPTION_RULES)}
    levels = {level: i for i, level in enumerate(SEVERITIES)}
    ranked = flags.assign(
        _level=flags["severity"].map(levels),
        _gap=-flags["gap"].fillna(-1.0),
        _area=flags["area"].map(order),
    ).sort_values(["_level", "_gap", "_area", "department_code", "subject"], kind="stable")
    ranked = ranked.drop(columns=["_level", "_gap", "_area"]).reset_index(drop=True)
    ranked["rank"] = range(1, len(ranked) + 1)
    return ranked
