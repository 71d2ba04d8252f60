"""Aggregates of the PSE Portfolio Report (issue 17, part 6), in the manner of OECD aggregate SOE
reporting and the federal Central Monitoring Unit's consolidated SOE reports: the portfolio's
size and composition, revenue, profit or loss and net equity by category, the largest
loss-makers, and the audit opinions.

Inputs are the register (:func:`kpilib.store.queries.load_entities`), each PSE's latest
statement by the period's end with its annualised flows
(:attr:`kpilib.views.ProvinceView.pse_latest`) and that statement's balance sheet
(:func:`kpilib.store.queries.load_pse_financials`), and the governance returns
(:func:`kpilib.store.governance.load_pse_governance`). Flows are the trailing four quarters
(annualised), equity is the closing balance; totals cover reporting PSEs only. A statement
older than the period's last quarter is **stale** and counted as such.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kpilib.kpis.frames import require_columns

NO_OPINION = "none reported"
OPINION_ORDER = ("unmodified", "qualified", "adverse", "disclaimer", NO_OPINION)


def count_composition(entities: pd.DataFrame, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """PSEs in the register per ``by`` (``category``, ``department_code`` or both): ``pses``
    and ``share`` of the portfolio, largest first."""
    keys = list(by)
    counts = entities.groupby(keys).size().rename("pses").reset_index()
    counts["share"] = counts["pses"] / counts["pses"].sum() if len(counts) else 0.0
    return counts.sort_values(["pses", *keys], ascending=[False] + [True] * len(keys)).reset_index(
        drop=True
    )


def latest_finances(latest: pd.DataFrame, financials: pd.DataFrame, reference_period: str
                    ) -> pd.DataFrame:  # fmt: skip
    """Each PSE's latest statement with its closing ``equity`` and ``stale`` (the statement is
    of an earlier quarter than ``reference_period``)."""
    needed = ["entity_code", "period_code", "annual_revenue", "annual_net_income"]
    require_columns(latest, "latest statements", needed)
    balance = financials[["entity_code", "period_code", "equity"]]
    frame = latest.merge(balance, on=["entity_code", "period_code"], how="left")
    frame["equity"] = frame["equity"].astype("float64")
    frame["stale"] = frame["period_code"] != reference_period
    return frame


def summarise_by_category(entities: pd.DataFrame, finances: pd.DataFrame) -> pd.DataFrame:
    """Per category and a ``total`` row: ``pses``, ``reporting``, ``stale`` (latest statement
    of an earlier quarter), ``revenue`` (annualised), ``net_income`` (profits less losses),
    ``losses`` (sum of the loss-makers' net losses, positive), ``loss_makers``, ``equity`` (net
    equity) and ``negative_equity`` (PSEs with equity below zero)."""
    data = finances.assign(
        loss=finances["annual_net_income"].clip(upper=0).abs(),
        is_loss=finances["annual_net_income"] < 0,
        is_negative=finances["equity"] < 0,
    )
    stats = data.groupby("category").agg(
        reporting=("entity_code", "nunique"), stale=("stale", "sum"),
        revenue=("annual_revenue", "sum"), net_income=("annual_net_income", "sum"),
        losses=("loss", "sum"), loss_makers=("is_loss", "sum"), equity=("equity", "sum"),
        negative_equity=("is_negative", "sum"),
    )  # fmt: skip
    counted = entities.groupby("category").size().rename("pses")
    frame = pd.concat([counted, stats], axis=1).reset_index().rename(columns={"index": "category"})
    numbers = [c for c in frame.columns if c != "category"]
    frame[numbers] = frame[numbers].fillna(0)
    total = frame[numbers].sum().to_frame().T.assign(category="total")
    frame = frame.sort_values("revenue", ascending=False)
    out = pd.concat([frame, total[frame.columns]], ignore_index=True)
    for column in ("pses", "reporting", "stale", "loss_makers", "negative_equity"):
        out[column] = out[column].astype("int64")
    return out


def largest_loss_makers(finances: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` PSEs by annualised net loss (largest first), with their revenue, equity, the
    statement's quarter and whether it is stale."""
    losers = finances[finances["annual_net_income"] < 0]
    return losers.sort_values(["annual_net_income", "entity_code"]).head(top).reset_index(drop=True)


def count_opinions(governance: pd.DataFrame, entities: pd.DataFrame,
                   by: Sequence[str] = ("category",)) -> pd.DataFrame:  # fmt: skip
    """Audit opinions on the latest audited accounts per ``by``: one column per opinion of
    :data:`OPINION_ORDER` (``none reported``: a return without audited accounts), ``no_return``
    (PSEs of the register without a return) and ``pses``."""
    keys = list(by)
    merged = entities[["entity_code", *keys]].merge(
        governance[["entity_code", "audit_opinion"]], on="entity_code", how="left",
        indicator=True,
    )  # fmt: skip
    merged["opinion"] = merged["audit_opinion"].where(merged["audit_opinion"].notna(), NO_OPINION)
    merged.loc[merged["_merge"] == "left_only", "opinion"] = "no_return"
    table = pd.crosstab([merged[k] for k in keys], merged["opinion"])
    for column in (*OPINION_ORDER, "no_return"):
        if column not in table.columns:
            table[column] = 0
    table = table[[*OPINION_ORDER, "no_return"]]
    table["pses"] = table.sum(axis=1)
    return table.reset_index()
