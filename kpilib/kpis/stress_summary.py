"""Portfolio totals and the category × scenario heat map of the stress results (issue 17).

Functions of :func:`kpilib.kpis.stress.run_scenarios`'s frame and the entities table
(:func:`kpilib.store.queries.load_entities`). Definitions in ``docs/methodology.md`` ("Fiscal
risk: stress scenarios").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.errors import InputFrameError, ParameterError
from kpilib.kpis.frames import require_columns
from kpilib.kpis.stress import HIGH_RISK

SUMMARY_COLUMNS = [
    "pses", "rated", "high_risk_before", "high_risk_after", "high_risk_share_before",
    "high_risk_share_after", "downgraded", "shock_cost", "funding_gap", "guarantee_called",
    "extra_support",
]  # fmt: skip


def _with_categories(results: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    require_columns(entities, "entities", ["entity_code", "category"])
    unknown = sorted(set(results["entity_code"]) - set(entities["entity_code"]))
    if unknown:
        raise InputFrameError("stress results", "entity code(s) not in the entities table",
                              column="entity_code", rows=unknown)  # fmt: skip
    data = results.drop(columns=["category"], errors="ignore")
    return data.merge(entities[["entity_code", "category"]], on="entity_code", how="left")


def summarise_stress(
    results: pd.DataFrame, entities: pd.DataFrame, by: str | None = None
) -> pd.DataFrame:
    """Per scenario (and per PSE category with ``by="category"``): ``pses`` (PSEs in the group,
    from ``entities``), ``rated`` (PSEs rated after the shock), ``high_risk_before`` and
    ``high_risk_after`` (overall rating high or very high), their shares of the rated PSEs
    (``high_risk_share_*``, NaN when none is rated), ``downgraded`` (rating worse after the
    shock), and the rupee totals ``shock_cost``, ``funding_gap``, ``guarantee_called`` and
    ``extra_support``. Every scenario × category of ``entities`` has a row (zeros when the
    category has no statement). Scenarios keep the order of ``results``."""
    if by not in (None, "category"):
        raise ParameterError(f"by must be 'category' or None, not {by!r}")
    needed = ["scenario", "entity_code", "rating_before", "rating_after", "move", "extra_support"]
    require_columns(results, "stress results", needed)
    data = _with_categories(results, entities)
    data["_hb"] = data["rating_before"].isin(HIGH_RISK)
    data["_ha"] = data["rating_after"].isin(HIGH_RISK)
    data["_rated"] = data["rating_after"].notna()
    data["_rated_before"] = data["rating_before"].notna()
    data["_down"] = data["move"] == "worse"
    keys = ["scenario", *([by] if by else [])]
    sums = data.groupby(keys, sort=False).agg(
        rated=("_rated", "sum"), rated_before=("_rated_before", "sum"),
        high_risk_before=("_hb", "sum"), high_risk_after=("_ha", "sum"),
        downgraded=("_down", "sum"), shock_cost=("shock_cost", "sum"),
        funding_gap=("funding_gap", "sum"), guarantee_called=("guarantee_called", "sum"),
        extra_support=("extra_support", "sum"),
    )  # fmt: skip
    return _complete(sums, results, entities, by)


def _complete(
    sums: pd.DataFrame, results: pd.DataFrame, entities: pd.DataFrame, by: str | None
) -> pd.DataFrame:
    """Every scenario × group, the PSE counts and the shares."""
    scenarios = list(dict.fromkeys(results["scenario"]))
    if by:
        groups = sorted(entities[by].dropna().unique())
        index = pd.MultiIndex.from_product([scenarios, groups], names=["scenario", by])
        sizes = entities.groupby(by).size()
    else:
        index = pd.Index(scenarios, name="scenario")
    table = sums.reindex(index).fillna(0)
    amounts = ("shock_cost", "funding_gap", "guarantee_called", "extra_support")
    counts = [c for c in table.columns if c not in amounts]
    table[counts] = table[counts].astype("int64")
    table = table.reset_index()
    table["pses"] = table[by].map(sizes).astype("int64") if by else len(entities)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["high_risk_share_before"] = table["high_risk_before"] / table["rated_before"].where(
            table["rated_before"] > 0
        )
        table["high_risk_share_after"] = table["high_risk_after"] / table["rated"].where(
            table["rated"] > 0
        )
    return table[["scenario", *([by] if by else []), *SUMMARY_COLUMNS]]


def stress_heatmap(results: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """The category × scenario heat map: :func:`summarise_stress` by category."""
    return summarise_stress(results, entities, by="category")
