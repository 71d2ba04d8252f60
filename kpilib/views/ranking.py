"""Departments ranked on one headline KPI, for the province dashboard.

The values and most ranks are the province view's
(:func:`kpilib.kpis.flags.compute_department_summary`); this module only puts them in order and adds
the two ranks the summary lacks (development spending, PEFA). Rules in :data:`RANKING_METRICS` and
``docs/methodology.md`` ("Department rankings").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpilib.errors import ParameterError
from kpilib.i18n import N_
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.views.province import ProvinceView

#: Points of PEFA scores for ordering (higher is better). ``D*`` (insufficient information)
#: counts as ``D``, as PEFA's M2 method does; ``NA`` / ``NR`` have no points.
PEFA_POINTS = {"A": 7, "B+": 6, "B": 5, "C+": 4, "C": 3, "D+": 2, "D": 1, "D*": 1}


@dataclass(frozen=True)
class RankingMetric:
    """One way of ranking the departments."""

    key: str
    label: str
    rule: str


RANKING_METRICS = {
    m.key: m
    for m in (
        RankingMetric(
            "budget",
            N_("Budget utilisation"),
            N_(
                "closeness of total spending to the straight-line plan, |burn against plan − 100| "
                "(the summary's execution rank); RAG by spending against plan"
            ),
        ),
        RankingMetric(
            "development",
            N_("Development budget utilisation"),
            N_(
                "closeness of development (ADP) spending to the straight-line plan, "
                "|development burn against plan − 100|; RAG by spending against plan"
            ),
        ),
        RankingMetric(
            "pefa",
            N_("PEFA budget reliability"),
            N_(
                "PI-1 aggregate expenditure outturn, ties broken by PI-2 composition outturn "
                "(A best, D and D* worst); PI-3 is shown but not ranked (most departments "
                "collect no revenue)"
            ),
        ),
        RankingMetric(
            "service",
            N_("Service-delivery score"),
            N_("composite service-delivery score, highest first (the summary's service rank)"),
        ),
    )
}


def _rank_smallest(values: pd.Series) -> pd.Series:
    return values.rank(method="min").astype("Int64")


def rank_departments(view: ProvinceView, metric: str = "budget") -> pd.DataFrame:
    """Every department in the order of ``metric`` (a key of :data:`RANKING_METRICS`).

    Columns: ``rank`` (1 = best, ties share a rank, ``<NA>`` when the department lacks the data;
    those come last), ``department_code``, ``department_name``, ``value`` (the figure charted:
    utilisation % for the budget metrics, PI-1 points for PEFA, the score for service delivery)
    and the metric's own columns: ``utilisation``, ``burn_vs_plan``, ``plan_utilisation``
    (months covered ÷ 12 × 100), ``rag`` and ``rag_label`` for the budget metrics; ``pi1``,
    ``pi2``, ``pi3`` for PEFA; ``service_score``, ``service_completeness`` for service delivery.
    """
    if metric not in RANKING_METRICS:
        raise ParameterError(
            f"ranking metric {metric!r} must be one of {', '.join(RANKING_METRICS)}"
        )
    summary = view.department_summary
    frame = summary[["department_code", "department_name"]].copy()
    months = view.execution_total.set_index("department_code")["months_covered"]
    if metric in ("budget", "development"):
        prefix = "" if metric == "budget" else "development_"
        frame["utilisation"] = summary[f"{prefix}utilisation"].astype("float64")
        frame["burn_vs_plan"] = summary[f"{prefix}burn_vs_plan"].astype("float64")
        frame["plan_utilisation"] = (
            frame["department_code"].map(months).astype("float64") / 12 * 100
        )
        if metric == "budget":
            frame["rank"] = summary["execution_rank"].astype("Int64")
        else:
            frame["rank"] = _rank_smallest((frame["burn_vs_plan"] - 100).abs())
        rated = "utilisation_rag" if metric == "budget" else "development_rag"
        frame["rag"] = summary[rated]  # the view's status: each department's own thresholds
        frame["rag_label"] = frame["rag"].map(RAG_LABELS)
        frame["value"] = frame["utilisation"]
    elif metric == "pefa":
        for column in ("pi1", "pi2", "pi3"):
            frame[column] = summary[column]
        first = frame["pi1"].map(PEFA_POINTS).astype("float64")
        second = frame["pi2"].map(PEFA_POINTS).fillna(0).astype("float64")
        key = np.where(first.notna(), -(first * 10 + second), np.nan)
        frame["rank"] = _rank_smallest(pd.Series(key, index=frame.index))
        frame["value"] = first
    else:
        frame["service_score"] = summary["service_score"].astype("float64")
        frame["service_completeness"] = summary["service_completeness"].astype("float64")
        frame["rank"] = summary["service_rank"].astype("Int64")
        frame["value"] = frame["service_score"]
    frame = frame.sort_values(["rank", "department_name"], na_position="last", kind="stable")
    columns = ["rank", "department_code", "department_name", "value"]
    return frame[columns + [c for c in frame.columns if c not in columns]].reset_index(drop=True)
