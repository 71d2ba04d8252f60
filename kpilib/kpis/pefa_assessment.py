"""PEFA Pillar I assessed on the data: yearly measures, dimension scores, indicator scores.

Works for the whole province (administrative heads = departments) and for one department
(administrative heads = its cost centres, PEFA's method applied within the department). The
yearly measures come from :mod:`kpilib.kpis.pefa`'s formulas; inputs are the frames of
:mod:`kpilib.store.queries` (amounts summed over months in pandas, after SQL has done the heavy
roll-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import pandas as pd

from kpilib.kpis import pefa

DIMENSION_ORDER = ("1", "2.1", "2.2", "2.3", "3.1", "3.2")
INDICATOR_DIMENSIONS = {"PI-1": ("1",), "PI-2": ("2.1", "2.2", "2.3"), "PI-3": ("3.1", "3.2")}


@dataclass(frozen=True)
class PefaAssessment:
    """PEFA Pillar I for one scope (the province or a department) and three fiscal years.

    ``yearly`` has one row per fiscal year and one column per dimension (percent);
    ``dimension_scores`` maps dimension → grade; ``indicator_scores`` maps PI-1/PI-2/PI-3 → score.
    """

    scope: str
    fiscal_years: tuple[int, ...]
    yearly: pd.DataFrame
    dimension_scores: dict[str, str]
    indicator_scores: dict[str, str]


def completed_years(rollup: pd.DataFrame) -> list[int]:
    """Fiscal years whose twelve months all carry reported expenditure (oldest first)."""
    reported = rollup.dropna(subset=["expended"]).groupby("fiscal_year")["month"].nunique()
    return sorted(int(cast(int, year)) for year, months in reported.items() if months == 12)


def assessment_years(rollup: pd.DataFrame, fiscal_year: int) -> tuple[int, ...]:
    """The last three completed fiscal years up to and including ``fiscal_year``."""
    years = [y for y in completed_years(rollup) if y <= fiscal_year]
    return tuple(years[-pefa.YEARS_ASSESSED :])


def _sum_by(frame: pd.DataFrame, key: str, column: str) -> dict[str, float]:
    return {str(k): float(v) for k, v in frame.groupby(key)[column].sum().items()}


def _yearly_expenditure_measures(
    rollup: pd.DataFrame, year: int, administrative: pd.DataFrame | None, head_column: str
) -> dict[str, float]:
    """PI-1, PI-2.1, PI-2.2 and PI-2.3 measures of one year; ``administrative`` None = no 2.1."""
    lines = rollup[rollup["fiscal_year"] == year]
    if lines.empty:
        return {d: math.nan for d in ("1", "2.1", "2.2", "2.3")}
    original_total = float(lines["original_budget"].sum())
    expended_total = float(lines["expended"].sum())
    not_contingency = lines[lines["economic_class_kind"] != "contingency"]
    contingency = lines[lines["economic_class_kind"] == "contingency"]
    admin_variance = math.nan
    if administrative is not None:
        heads = administrative[administrative["fiscal_year"] == year]
        admin_variance = pefa.composition_variance(
            _sum_by(heads, head_column, "original_budget"),
            _sum_by(heads, head_column, "expended"),
        )
    return {
        "1": pefa.aggregate_outturn(original_total, expended_total),
        "2.1": admin_variance,
        "2.2": pefa.composition_variance(
            _sum_by(not_contingency, "economic_class_code", "original_budget"),
            _sum_by(not_contingency, "economic_class_code", "expended"),
        ),
        "2.3": (
            float(contingency["expended"].sum()) / original_total * 100.0
            if not contingency.empty and original_total > 0
            else math.nan
        ),
    }


def _yearly_revenue_measures(revenue: pd.DataFrame, year: int) -> dict[str, float]:
    lines = revenue[revenue["fiscal_year"] == year]
    if lines.empty or lines["receipts"].isna().any():
        return {"3.1": math.nan, "3.2": math.nan}
    return {
        "3.1": pefa.aggregate_outturn(
            float(lines["estimate"].sum()), float(lines["receipts"].sum())
        ),
        "3.2": pefa.composition_variance(
            _sum_by(lines, "revenue_head_code", "estimate"),
            _sum_by(lines, "revenue_head_code", "receipts"),
        ),
    }


def assess_budget_reliability(
    rollup: pd.DataFrame,
    revenue: pd.DataFrame,
    fiscal_year: int,
    department: str | None = None,
    cost_centre_outturn: pd.DataFrame | None = None,
) -> PefaAssessment:
    """Assess PEFA PI-1, PI-2 and PI-3 over the last three completed years up to ``fiscal_year``.

    Parameters
    ----------
    rollup
        :func:`kpilib.store.queries.load_budget_rollup` (all departments, or at least
        ``department``).
    revenue
        :func:`kpilib.store.queries.load_revenue_rollup`.
    fiscal_year
        Start year of the latest fiscal year to include (2024 for 2024-25).
    department
        A department code for a department-level assessment; None for the province.
    cost_centre_outturn
        For a department: :func:`kpilib.store.queries.load_cost_centre_outturn` (its administrative
        heads for PI-2.1). Without it PI-2.1 is ``"NR"`` at department level.

    Dimensions that do not apply are ``"NA"``: PI-2.3 where no contingency is budgeted, PI-3 for a
    department that collects no revenue, a composition dimension with fewer than two heads.
    """
    if department is not None:
        rollup = rollup[rollup["department_code"] == department]
        revenue = revenue[revenue["department_code"] == department]
    years = assessment_years(rollup, fiscal_year)
    administrative, head_column = _select_administrative_heads(
        rollup, department, cost_centre_outturn
    )
    rows = []
    for year in years:
        measures = _yearly_expenditure_measures(rollup, year, administrative, head_column)
        measures.update(_yearly_revenue_measures(revenue, year))
        rows.append({"fiscal_year": year, **measures})
    yearly = pd.DataFrame(rows, columns=["fiscal_year", *DIMENSION_ORDER])
    scores = _score_dimensions(yearly, rollup, revenue, administrative, head_column)
    indicators = {
        name: pefa.combine(pefa.INDICATOR_METHODS[name], [scores[d] for d in dims])
        for name, dims in INDICATOR_DIMENSIONS.items()
    }
    return PefaAssessment(
        scope=department or "province",
        fiscal_years=years,
        yearly=yearly,
        dimension_scores=scores,
        indicator_scores=indicators,
    )


def _select_administrative_heads(
    rollup: pd.DataFrame, department: str | None, cost_centre_outturn: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, str]:
    """The administrative heads of PI-2.1 and their code column: the departments' regular lines
    for the province, the department's cost centres for a department (None: not given)."""
    if department is None:
        return rollup[rollup["economic_class_kind"] == "regular"], "department_code"
    administrative = cost_centre_outturn
    if administrative is not None:
        administrative = administrative[administrative["department_code"] == department]
    return administrative, "cost_centre_code"


def _score_dimensions(
    yearly: pd.DataFrame,
    rollup: pd.DataFrame,
    revenue: pd.DataFrame,
    administrative: pd.DataFrame | None,
    head_column: str,
) -> dict[str, str]:
    """The grade of each dimension from its yearly measures; "NA" where it does not apply."""
    not_applicable = {
        "2.1": administrative is not None and administrative[head_column].nunique() < 2,
        "2.2": rollup.loc[
            rollup["economic_class_kind"] != "contingency", "economic_class_code"
        ].nunique()
        < 2,
        "2.3": not (rollup["economic_class_kind"] == "contingency").any(),
        "3.1": revenue.empty,
        "3.2": revenue["revenue_head_code"].nunique() < 2,
    }
    scores: dict[str, str] = {}
    for dimension in DIMENSION_ORDER:
        if not_applicable.get(dimension, False):
            scores[dimension] = "NA"
            continue
        values = list(yearly[dimension]) + [math.nan] * (pefa.YEARS_ASSESSED - len(yearly))
        scores[dimension] = pefa.score_dimension(dimension, values)
    return scores
