"""The province's headline figures, as the province dashboard's cards show them.

Each figure is read from the province view or computed by the KPI function named in its
docstring; ``docs/methodology.md`` ("Dashboards: headline figures") lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpilib.kpis.budget_execution import rate_execution
from kpilib.kpis.compliance import compute_reporting_rates
from kpilib.views.province import ProvinceView


@dataclass(frozen=True)
class ProvinceHeadline:
    """Headline figures of the province for one view (money in rupees, rates in percent)."""

    revised_budget: int
    expended: int
    utilisation: float
    utilisation_rag: str
    development_utilisation: float
    development_rag: str
    pefa_scores: dict[str, str]
    indicators: int
    indicators_on_track: int
    indicators_off_track: int
    pses: int
    pses_high_risk: int
    pses_distress: int
    returns_expected: int
    returns_completeness: float
    returns_timeliness: float


def _rate(frame: pd.DataFrame, budget_type: str, column: str) -> float:
    row = frame[frame["budget_type"] == budget_type]
    return float(row[column].iloc[0]) if not row.empty else float("nan")


def compute_province_headline(view: ProvinceView) -> ProvinceHeadline:
    """The province dashboard's headline figures.

    Budget: ``province_execution``'s "total" row (revised budget, expended, utilisation =
    expended ÷ revised budget × 100) and its development row, each rated by
    :func:`kpilib.kpis.budget_execution.rate_execution` on burn against plan. PEFA: the province's
    PI-1 to PI-3. Indicators: count of province-level indicators and of those rated green / red.
    PSEs: count in ``entities``, those whose latest statement is rated high or very high
    overall, those in Z'' distress. Returns: :func:`kpilib.kpis.compliance.compute_reporting_rates`
    over every return expected in the view's period (completeness and timeliness × 100).
    """
    execution = view.province_execution
    green, amber = view.thresholds.green, view.thresholds.amber
    rates = compute_reporting_rates(view.return_status, by=())
    latest = view.pse_latest
    return ProvinceHeadline(
        revised_budget=int(_rate(execution, "total", "revised_budget")),
        expended=int(_rate(execution, "total", "expended")),
        utilisation=_rate(execution, "total", "utilisation"),
        utilisation_rag=rate_execution(_rate(execution, "total", "burn_vs_plan"), green, amber),
        development_utilisation=_rate(execution, "development", "utilisation"),
        development_rag=rate_execution(
            _rate(execution, "development", "burn_vs_plan"), green, amber
        ),
        pefa_scores=dict(view.pefa_province.indicator_scores),
        indicators=len(view.indicators),
        indicators_on_track=int((view.indicators["rag"] == "green").sum()),
        indicators_off_track=int((view.indicators["rag"] == "red").sum()),
        pses=len(view.entities),
        pses_high_risk=int(latest["overall_rating"].isin(["high", "very high"]).sum()),
        pses_distress=int((latest["z2_zone"] == "distress").sum()),
        returns_expected=int(rates["expected"].iloc[0]),
        returns_completeness=float(rates["completeness"].iloc[0]) * 100,
        returns_timeliness=float(rates["timeliness"].iloc[0]) * 100,
    )
