"""Fiscal risk of the PSEs: stress scenarios re-rated with the health-check rules (issue 17).

:func:`apply_scenario` replays each PSE's latest year (its latest statement and the up to three
quarters before it, the window :func:`kpilib.kpis.pse_finance.compute_financial_health`
annualises) under a :class:`~kpilib.kpis.stress_scenarios.Scenario` and re-runs
``compute_financial_health`` on the shocked statements, so the ratings after the shock come from
the same rules as the ratings before it (one number, one status). It also says how much extra
support the province would have to give. :func:`summarise_stress` gives the portfolio totals
and the category × scenario heat map. Formulas in ``docs/methodology.md`` ("Fiscal risk: stress
scenarios").

Per quarter of the window (rupees, rounded to whole rupees):

* revenue loss ``ΔR = revenue × revenue_shock_pct ÷ 100``;
* cost increase ``ΔC = operating_expenses × cost_shock_pct ÷ 100``;
* interest increase ``ΔI = borrowings × interest_shock_pp ÷ 100 ÷ 4``;
* revenue, operating expenses and interest move by these; EBIT falls by ``ΔR + ΔC`` and net
  income by ``ΔR + ΔC + ΔI`` (no tax effect).

On the latest statement, with the year's shock ``D`` = the sum of the quarters' ``ΔR + ΔC + ΔI``
× 4 ÷ quarters in the window: cash pays what it can (``min(D, max(cash, 0))``); the rest, the
**funding gap**, becomes short-term debt (current and total liabilities, borrowings); equity
and retained earnings fall by ``D``. A called guarantee ``G = guarantee_call_share ×
outstanding`` makes that much of the PSE's debt due at once (moved into current liabilities, at
most its non-current liabilities) and is paid by the province.

**Extra support** = funding gap + ``G``: the cash the province must provide within the year so
that the PSE's cash does not fall below zero, plus the called guarantee it pays.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kpilib.errors import InputFrameError, ParameterError
from kpilib.kpis.frames import require_columns
from kpilib.kpis.pse_finance import RATINGS, HealthParams, compute_financial_health
from kpilib.kpis.stress_scenarios import Scenario

#: Ratings counted as high risk (as in :func:`kpilib.kpis.portfolio.summarise_portfolio`).
HIGH_RISK = ("high", "very high")
#: The guarantees frame :func:`apply_scenario` takes: the PSE and its guaranteed debt
#: outstanding (rupees). The contingent-liabilities register provides it.
GUARANTEE_COLUMNS = ("pse_code", "outstanding")
#: How a PSE's overall rating moved under the scenario.
MOVES = ("worse", "same", "better", "not rated")
RESULT_COLUMNS = [
    "scenario", "entity_code", "period_code", "flow_quarters",
    "rating_before", "rating_after", "score_before", "score_after", "move",
    "z2_before", "z2_after", "revenue_loss", "cost_increase", "interest_increase",
    "shock_cost", "cash_available", "funding_gap", "guarantee_outstanding",
    "guarantee_called", "extra_support", "notes",
]  # fmt: skip


def empty_guarantees() -> pd.DataFrame:
    """A guarantees frame with no guarantee (the default of :func:`apply_scenario`)."""
    return pd.DataFrame({"pse_code": pd.Series(dtype="object"),
                         "outstanding": pd.Series(dtype="int64")})  # fmt: skip


def _guarantees_by_pse(guarantees: pd.DataFrame | None) -> pd.Series:
    """Outstanding guaranteed debt per PSE code (several guarantees of a PSE are added)."""
    if guarantees is None or guarantees.empty:
        return pd.Series(dtype="float64")
    require_columns(guarantees, "guarantees", list(GUARANTEE_COLUMNS))
    amounts = pd.to_numeric(guarantees["outstanding"], errors="coerce")
    bad = amounts.isna() | (amounts < 0)
    if bad.any():
        raise InputFrameError(
            "guarantees", "outstanding must be a number ≥ 0", column="outstanding",
            rows=[str(code) for code in guarantees.loc[bad, "pse_code"]],
        )  # fmt: skip
    return amounts.groupby(guarantees["pse_code"].astype(str)).sum().astype("float64")


def latest_window(financials: pd.DataFrame, period_code: str | None = None) -> pd.DataFrame:
    """Each PSE's latest statement at or before ``period_code`` (default: the latest quarter in
    the data) and the up to three quarters before it: the rows its annual flows come from.
    Adds ``is_latest``."""
    order = financials["fiscal_year"] * 4 + financials["quarter"]
    cutoff = order.max()
    if period_code is not None:
        match = financials.loc[financials["period_code"] == period_code]
        if match.empty:
            raise ParameterError(f"period {period_code!r} has no statements in the data")
        cutoff = int(match["fiscal_year"].iloc[0]) * 4 + int(match["quarter"].iloc[0])
    data = financials.loc[order <= cutoff].assign(_order=order)
    last = data.groupby("entity_code")["_order"].transform("max")
    window = data.loc[data["_order"] > last - 4].copy()
    window["is_latest"] = window["_order"] == last.loc[window.index]
    return window.drop(columns="_order").sort_values(["entity_code", "fiscal_year", "quarter"])


def _shock_flows(window: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The window with the scenario's flows, and each quarter's ``_dr, _dc, _di``."""
    out = window.copy()
    line = {k: out[k].astype("int64").to_numpy(dtype="float64")
            for k in ("revenue", "operating_expenses", "borrowings")}  # fmt: skip
    out["_dr"] = np.rint(line["revenue"] * scenario.revenue_shock_pct / 100)
    out["_dc"] = np.rint(line["operating_expenses"] * scenario.cost_shock_pct / 100)
    out["_di"] = np.rint(line["borrowings"] * scenario.interest_shock_pp / 100 / 4)
    for name, change in (("revenue", -out["_dr"]), ("operating_expenses", out["_dc"]),
                         ("interest_expense", out["_di"]),
                         ("ebit", -out["_dr"] - out["_dc"]),
                         ("net_income", -out["_dr"] - out["_dc"] - out["_di"])):  # fmt: skip
        out[name] = (out[name].astype("int64") + change.astype("int64")).astype("int64")
    return out


def _year_amounts(shocked: pd.DataFrame, guarantees: pd.Series, share: float) -> pd.DataFrame:
    """Per PSE (latest statement's row): the year's shock, the cash that meets it, the funding
    gap, the guarantee called and the extra support."""
    groups = shocked.groupby("entity_code")
    quarters = groups.size()
    per_year = groups[["_dr", "_dc", "_di"]].sum().mul(4 / quarters, axis=0).round()
    latest = shocked.loc[shocked["is_latest"]].set_index("entity_code")
    amounts = pd.DataFrame(index=latest.index)
    amounts["revenue_loss"] = per_year["_dr"]
    amounts["cost_increase"] = per_year["_dc"]
    amounts["interest_increase"] = per_year["_di"]
    amounts["shock_cost"] = per_year.sum(axis=1)
    amounts["cash_available"] = latest["cash"].astype("int64").clip(lower=0).astype("float64")
    cash_used = np.minimum(amounts["shock_cost"], amounts["cash_available"])
    amounts["cash_used"] = cash_used
    amounts["funding_gap"] = amounts["shock_cost"] - cash_used
    amounts["guarantee_outstanding"] = guarantees.reindex(amounts.index).fillna(0.0)
    amounts["guarantee_called"] = np.rint(amounts["guarantee_outstanding"] * share)
    amounts["extra_support"] = amounts["funding_gap"] + amounts["guarantee_called"]
    return amounts


def _shock_positions(shocked: pd.DataFrame, amounts: pd.DataFrame) -> pd.DataFrame:
    """The latest statements' balance sheet after the year's shock and the called guarantee."""
    out = shocked.copy()
    rows = out.index[out["is_latest"].to_numpy()]
    a = amounts.loc[out.loc[rows, "entity_code"]].set_axis(rows)
    changes = {
        "cash": -a["cash_used"], "current_assets": -a["cash_used"],
        "total_assets": -a["cash_used"], "current_liabilities": a["funding_gap"],
        "total_liabilities": a["funding_gap"], "borrowings": a["funding_gap"],
        "equity": -a["shock_cost"], "retained_earnings": -a["shock_cost"],
    }  # fmt: skip
    for name, change in changes.items():
        out.loc[rows, name] = out.loc[rows, name].astype("int64") + change.astype("int64")
    liabilities = out.loc[rows, "total_liabilities"].astype("int64")
    non_current = (liabilities - out.loc[rows, "current_liabilities"].astype("int64")).clip(lower=0)
    moved = np.minimum(a["guarantee_called"].astype("int64"), non_current)
    out.loc[rows, "current_liabilities"] = out.loc[rows, "current_liabilities"] + moved
    return out.drop(columns=["_dr", "_dc", "_di"])


def stressed_health(
    financials: pd.DataFrame,
    scenario: Scenario,
    guarantees: pd.DataFrame | None = None,
    params: HealthParams | None = None,
    period_code: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The latest statement's health before and after ``scenario`` (both by
    :func:`~kpilib.kpis.pse_finance.compute_financial_health`, one row per PSE, indexed by
    entity code) and the year's amounts (shock, cash, funding gap, guarantee, extra support)."""
    window = latest_window(financials, period_code)
    shocked = _shock_flows(window, scenario)
    amounts = _year_amounts(shocked, _guarantees_by_pse(guarantees), scenario.guarantee_call_share)
    after_frame = _shock_positions(shocked, amounts).drop(columns="is_latest")
    before_frame = window.drop(columns="is_latest")

    def latest(frame: pd.DataFrame) -> pd.DataFrame:
        health = compute_financial_health(frame, params)
        keep = health.merge(window.loc[window["is_latest"], ["entity_code", "period_code"]])
        return keep.set_index("entity_code")

    return latest(before_frame), latest(after_frame), amounts


def _move(before: pd.Series, after: pd.Series) -> list[str]:
    level = {rating: i for i, rating in enumerate(RATINGS)}
    moves = []
    for b, a in zip(before, after, strict=True):
        if pd.isna(b) or pd.isna(a):
            moves.append("not rated")
        else:
            step = level[str(a)] - level[str(b)]
            moves.append("worse" if step > 0 else "better" if step < 0 else "same")
    return moves


def _unrated_guarantees(guarantees: pd.Series, rated: pd.Index, scenario: Scenario) -> pd.DataFrame:
    """Rows for PSEs with a guarantee but no statement: the called guarantee still costs."""
    missing = guarantees.loc[~guarantees.index.isin(rated)]
    called = np.rint(missing * scenario.guarantee_call_share)
    return pd.DataFrame({
        "entity_code": missing.index, "guarantee_outstanding": missing.to_numpy(),
        "guarantee_called": called.to_numpy(), "extra_support": called.to_numpy(),
        "move": "not rated",
        "notes": "no financial statement: not rated before or after the shock",
    })  # fmt: skip


def apply_scenario(
    financials: pd.DataFrame,
    scenario: Scenario,
    guarantees: pd.DataFrame | None = None,
    params: HealthParams | None = None,
    period_code: str | None = None,
) -> pd.DataFrame:
    """One row per PSE: its overall rating and score before and after ``scenario``, how the
    rating moved (:data:`MOVES`), Z'' before and after, and the year's amounts in rupees
    (``revenue_loss, cost_increase, interest_increase, shock_cost, cash_available,
    funding_gap, guarantee_outstanding, guarantee_called, extra_support``; see the module
    docstring). ``guarantees`` is a frame of :data:`GUARANTEE_COLUMNS` (default: none); a PSE
    with a guarantee but no statement gets a row with its called guarantee, not rated.
    Columns: :data:`RESULT_COLUMNS`."""
    by_pse = _guarantees_by_pse(guarantees)
    if financials.empty:
        rows = _unrated_guarantees(by_pse, pd.Index([]), scenario)
        return rows.assign(scenario=scenario.name).reindex(columns=RESULT_COLUMNS)
    before, after, amounts = stressed_health(financials, scenario, guarantees, params, period_code)
    result = pd.DataFrame(index=before.index)
    result["period_code"] = before["period_code"]
    result["flow_quarters"] = before["flow_quarters"]
    result["rating_before"] = before["overall_rating"].astype("object")
    result["rating_after"] = after["overall_rating"].astype("object")
    result["score_before"] = before["overall_score"]
    result["score_after"] = after["overall_score"]
    result["move"] = _move(result["rating_before"], result["rating_after"])
    result["z2_before"] = before["z2"]
    result["z2_after"] = after["z2"]
    result = result.join(amounts.drop(columns="cash_used"))
    result["notes"] = after["notes"]
    result = result.reset_index()
    extra = _unrated_guarantees(by_pse, pd.Index(result["entity_code"]), scenario)
    if not extra.empty:
        result = pd.concat([result, extra], ignore_index=True)
    result["scenario"] = scenario.name
    return result.reindex(columns=RESULT_COLUMNS).sort_values("entity_code", ignore_index=True)


def run_scenarios(
    financials: pd.DataFrame,
    scenarios: Iterable[Scenario],
    guarantees: pd.DataFrame | None = None,
    params: HealthParams | None = None,
    period_code: str | None = None,
) -> pd.DataFrame:
    """:func:`apply_scenario` for each scenario, one frame (scenarios in the given order)."""
    frames = [apply_scenario(financials, s, guarantees, params, period_code) for s in scenarios]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)
