"""Portfolio views of PSE financial health: loss makers, subsidies, arrears, highest-risk PSEs.

Functions of :func:`kpilib.kpis.pse_finance.compute_financial_health`'s frame and the entities table
(:func:`kpilib.store.queries.load_entities`). Definitions in ``docs/methodology.md`` ("PSE financial
health", portfolio views).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.errors import InputFrameError, ParameterError
from kpilib.kpis.frames import require_columns
from kpilib.kpis.pse_finance import DIMENSIONS, RATINGS, RATIO_NAMES, HealthParams

GROUPINGS = ("department_code", "category")


def _with_entities(health: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    require_columns(
        entities, "entities", ["entity_code", "entity_name", "category", "department_code"]
    )
    unknown = sorted(set(health["entity_code"]) - set(entities["entity_code"]))
    if unknown:
        raise InputFrameError(
            "financial health",
            "entity code(s) not in the entities table",
            column="entity_code",
            rows=unknown,
        )
    return health.merge(
        entities[["entity_code", "entity_name", "category", "department_code"]],
        on="entity_code",
        how="left",
    )


def _check_grouping(by: str | None) -> list[str]:
    if by is None:
        return []
    if by not in GROUPINGS:
        raise ParameterError(f"by must be one of {', '.join(GROUPINGS)} or None, not {by!r}")
    return [by]


def summarise_portfolio(
    health: pd.DataFrame, entities: pd.DataFrame, by: str | None = None
) -> pd.DataFrame:
    """Portfolio view per quarter (and per department or category with ``by``).

    Columns: the group keys (``period_code, fiscal_year, quarter`` [, ``by``]), ``pses``
    (PSEs in the group, from ``entities``), ``reporting`` (PSEs with a statement that quarter),
    ``loss_makers`` (annualised net income < 0), ``loss_maker_share`` (loss makers ÷ reporting),
    ``negative_equity``, ``subsidies_total`` (the quarter's grants and subsidies, rupees),
    ``arrears_total`` (overdue payables at quarter end, rupees), ``high_risk`` (overall rating
    high or very high) and ``distress`` (Z'' zone distress). Totals cover reporting PSEs only.
    """
    keys = _check_grouping(by)
    data = _with_entities(health, entities)
    data["high_risk"] = data["overall_rating"].isin(["high", "very high"])
    data["distress"] = data["z2_zone"] == "distress"
    group = ["period_code", "fiscal_year", "quarter", *keys]
    summary = (
        data.groupby(group, observed=True, sort=True, dropna=False)
        .agg(
            reporting=("entity_code", "nunique"),
            loss_makers=("loss_maker", "sum"),
            negative_equity=("negative_equity", "sum"),
            subsidies_total=("grants_subsidies", "sum"),
            arrears_total=("overdue_payables", "sum"),
            high_risk=("high_risk", "sum"),
            distress=("distress", "sum"),
        )
        .reset_index()
    )
    if keys:
        sizes = entities.groupby(keys).size().rename("pses").reset_index()
        summary = summary.merge(sizes, on=keys, how="left")
    else:
        summary["pses"] = len(entities)
    summary["loss_maker_share"] = summary["loss_makers"] / summary["reporting"]
    for column in ("subsidies_total", "arrears_total"):
        summary[column] = summary[column].astype("Int64")
    columns = [
        *group,
        "pses",
        "reporting",
        "loss_makers",
        "loss_maker_share",
        "negative_equity",
        "subsidies_total",
        "arrears_total",
        "high_risk",
        "distress",
    ]
    return summary[columns].sort_values(["fiscal_year", "quarter", *keys]).reset_index(drop=True)


def rank_highest_risk(
    health: pd.DataFrame,
    entities: pd.DataFrame,
    by: str = "department_code",
    top: int = 3,
    period_code: str | None = None,
) -> pd.DataFrame:
    """The ``top`` PSEs at highest risk in each department (or category), as of a quarter.

    Each PSE is judged on its latest statement at or before ``period_code`` (default: the
    latest quarter in ``health``); the statement's own ``period_code`` is kept so stale data
    shows. Order within a group: overall score, highest first; then Z'', lowest first; then
    entity code. PSEs that cannot be rated come last. Columns: ``by``, ``rank``, the PSE's
    code, name, category and department, ``period_code``, ``overall_score``,
    ``overall_rating``, the five dimension ratings, ``z2`` and ``z2_zone``.
    """
    keys = _check_grouping(by)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ParameterError(f"top must be a positive whole number, not {top!r}")
    data = _with_entities(health, entities)
    order = data["fiscal_year"] * 4 + data["quarter"]
    if period_code is None:
        cutoff = order.max()
    else:
        match = data.loc[data["period_code"] == period_code]
        if match.empty:
            raise ParameterError(f"period {period_code!r} has no statements in the data")
        cutoff = int(match["fiscal_year"].iloc[0]) * 4 + int(match["quarter"].iloc[0])
    latest = (
        data.loc[order <= cutoff]
        .assign(_order=order)
        .sort_values(["entity_code", "_order"])
        .groupby("entity_code", sort=False)
        .tail(1)
    )
    ranked = latest.assign(
        _score=latest["overall_score"].fillna(-np.inf), _z2=latest["z2"].fillna(np.inf)
    ).sort_values([*keys, "_score", "_z2", "entity_code"], ascending=[True, False, True, True])
    ranked["rank"] = ranked.groupby(keys, sort=False).cumcount() + 1
    ranked = ranked.loc[ranked["rank"] <= top]
    columns = list(
        dict.fromkeys(
            [
                *keys,
                "rank",
                "entity_code",
                "entity_name",
                "category",
                "department_code",
                "period_code",
                "overall_score",
                "overall_rating",
                *(f"{d}_rating" for d in DIMENSIONS),
                "z2",
                "z2_zone",
            ]
        )
    )
    return ranked[columns].reset_index(drop=True)


def tabulate_ratios(health: pd.DataFrame, params: HealthParams | None = None) -> pd.DataFrame:
    """The ratios of :func:`compute_financial_health` as a long table for reports: one row per
    PSE × quarter × ratio with ``dimension, ratio, value, rating, direction, cut_low,
    cut_moderate, cut_high, source``."""
    params = params or HealthParams()
    require_columns(health, "financial health", ["entity_code", "period_code", *RATIO_NAMES])
    pieces = []
    for rule in params.rules:
        pieces.append(
            pd.DataFrame(
                {
                    "entity_code": health["entity_code"].to_numpy(),
                    "period_code": health["period_code"].to_numpy(),
                    "dimension": rule.dimension,
                    "ratio": rule.name,
                    "value": health[rule.name].to_numpy(),
                    "rating": health[f"{rule.name}_rating"].to_numpy(),
                    "direction": "higher_is_better" if rule.higher_is_better else "lower_is_better",
                    "cut_low": rule.cuts[0],
                    "cut_moderate": rule.cuts[1],
                    "cut_high": rule.cuts[2],
                    "source": rule.source,
                }
            )
        )
    table = pd.concat(pieces, ignore_index=True)
    table["rating"] = pd.Categorical(table["rating"], categories=list(RATINGS), ordered=True)
    return table.sort_values(["entity_code", "period_code", "dimension", "ratio"]).reset_index(
        drop=True
    )
