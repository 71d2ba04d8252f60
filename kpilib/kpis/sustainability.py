"""Self-sustainability of the PSEs (issue 17), from their quarterly financial returns.

Per PSE and fiscal year (the quarters received, summed):

* ``own_source_ratio`` = own revenue / total expenditure, where total expenditure = operating
  expenses + interest expense (1 or more: the PSE covers its spending from its own revenue);
* ``support_share`` = government grants and subsidies / total income, where total income = own
  revenue + grants and subsidies (the share of its income the government pays).

``*_change_pp`` is the move from the year before in percentage points and ``*_trend`` reads it:
``improved`` / ``worsened`` (beyond ``trend_tolerance_pp``; a higher own-source ratio and a
lower support share are better) or ``stable``; blank without a year before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpilib.kpis.frames import require_columns
from kpilib.kpis.support_params import SupportParams

#: Floating-point slack so that a move of exactly the tolerance reads as stable.
BOUNDARY_TOLERANCE = 1e-9
_LINES = ["revenue", "grants_subsidies", "operating_expenses", "interest_expense"]
SUSTAINABILITY_COLUMNS = [
    "entity_code", "fiscal_year", "quarters", "own_revenue", "grants_subsidies",
    "total_expenditure", "total_income", "own_source_ratio", "support_share",
    "own_source_change_pp", "own_source_trend", "support_share_change_pp", "support_share_trend",
]  # fmt: skip


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num, den = numerator.astype(float), denominator.astype(float)
    return pd.Series(np.where(den > 0, num / den.where(den > 0, 1.0), np.nan), index=num.index)


def _trend(change: pd.Series, tolerance: float, higher_is_better: bool) -> pd.Series:
    tolerance += BOUNDARY_TOLERANCE  # a move of exactly the tolerance is stable
    better = change > tolerance if higher_is_better else change < -tolerance
    worse = change < -tolerance if higher_is_better else change > tolerance
    out = pd.Series("stable", index=change.index, dtype=object)
    out[better] = "improved"
    out[worse] = "worsened"
    out[change.isna()] = None
    return out


def self_sustainability(
    financials: pd.DataFrame, params: SupportParams | None = None
) -> pd.DataFrame:
    """The two ratios per PSE and fiscal year with their trend (:data:`SUSTAINABILITY_COLUMNS`),
    from quarterly statements (``entity_code, fiscal_year, quarter`` and the flow lines)."""
    require_columns(
        financials, "pse_financials", ["entity_code", "fiscal_year", "quarter", *_LINES]
    )
    params = params or SupportParams()
    if financials.empty:
        return pd.DataFrame(columns=SUSTAINABILITY_COLUMNS)
    sums = financials.groupby(["entity_code", "fiscal_year"], as_index=False).agg(
        quarters=("quarter", "nunique"), **{line: (line, "sum") for line in _LINES}
    )
    out = sums.rename(columns={"revenue": "own_revenue"})
    out["total_expenditure"] = out["operating_expenses"] + out["interest_expense"]
    out["total_income"] = out["own_revenue"] + out["grants_subsidies"]
    out["own_source_ratio"] = _ratio(out["own_revenue"], out["total_expenditure"])
    out["support_share"] = _ratio(out["grants_subsidies"], out["total_income"])
    out = out.sort_values(["entity_code", "fiscal_year"]).reset_index(drop=True)
    before = out.groupby("entity_code")[["fiscal_year", "own_source_ratio", "support_share"]]
    previous = before.shift(1)
    consecutive = previous["fiscal_year"] == out["fiscal_year"] - 1
    for ratio, name, higher in (("own_source_ratio", "own_source", True),
                                ("support_share", "support_share", False)):  # fmt: skip
        change = ((out[ratio] - previous[ratio]) * 100).where(consecutive)
        out[f"{name}_change_pp"] = change
        out[f"{name}_trend"] = _trend(change, params.trend_tolerance_pp, higher)
    return out[SUSTAINABILITY_COLUMNS]
