"""Budget execution KPIs: releases, utilisation, burn against plan, the June rush, lapse.

Inputs are :func:`kpilib.store.queries.load_budget_rollup` frames (already summed in SQL to
department × budget type × economic head × month); everything here is one vectorised pandas pass, so
the whole province is computed at once. Amounts are rupees; rates are percent. A zero denominator
gives NaN, never ``inf``. Months not yet reported (NULL releases/expenditure) are never counted as
zero: the year-to-date stops at the last reported month.

Definitions follow the usual in-year budget execution reporting of provincial finance
departments (PEFA 2016 PI-16/PI-24 for the in-year view; "June rush" = share of the year's
spending booked in June).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

AMOUNTS = ("original_budget", "revised_budget", "released", "expended")
DEFAULT_KEYS = ("department_code", "budget_type")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator ÷ denominator × 100``; NaN where the denominator is zero, missing or negative."""
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    return (num / den.where(den > 0)) * 100.0


def last_reported_month(rollup: pd.DataFrame, fiscal_year: int) -> int:
    """The last fiscal month (1–12) of ``fiscal_year`` with reported expenditure (0 if none)."""
    year = rollup[(rollup["fiscal_year"] == fiscal_year) & rollup["expended"].notna()]
    return int(year["month"].max()) if not year.empty else 0


def compute_execution(
    rollup: pd.DataFrame,
    fiscal_year: int,
    through_month: int = 12,
    keys: Sequence[str] = DEFAULT_KEYS,
) -> pd.DataFrame:
    """Budget execution per group (default department × budget type), year to date.

    Columns, besides ``keys``:

    - ``original_budget``, ``revised_budget``: the whole year's budget (sum of its 12 months);
    - ``released``, ``expended``: year to date through ``months_covered`` = min(``through_month``,
      last reported month);
    - ``release_rate`` = released ÷ revised budget × 100;
    - ``utilisation`` = expended ÷ revised budget × 100;
    - ``utilisation_of_releases`` = expended ÷ released × 100;
    - ``plan_to_date`` = revised budget × months_covered ÷ 12 (a straight-line plan);
    - ``burn_vs_plan`` = expended ÷ plan_to_date × 100 (100 = on the straight line);
    - ``unspent_releases`` = released − expended (the lapse, if the year ends here) and
      ``lapse_rate`` = unspent_releases ÷ released × 100;
    - ``q4_share``, ``june_share`` = expenditure of April–June, of June ÷ the year's expenditure ×
      100: only for a fully reported year with ``through_month`` 12, else NaN.

    ``keys=()`` gives the province total.
    """
    keys = list(keys)
    year = rollup[rollup["fiscal_year"] == fiscal_year]
    months_covered = min(through_month, last_reported_month(rollup, fiscal_year))
    to_date = year[year["month"] <= months_covered]

    def totals(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
        if keys:
            return frame.groupby(keys, sort=True)[list(columns)].sum(min_count=1)
        return frame[list(columns)].sum(min_count=1).to_frame().T

    budget = totals(year, ("original_budget", "revised_budget"))
    flows = totals(to_date, ("released", "expended")).reindex(budget.index)
    result = budget.join(flows) if keys else pd.concat([budget, flows], axis=1)
    full_year = totals(year, ("expended",)).reindex(result.index)["expended"]
    q4 = totals(year[year["month"] >= 10], ("expended",)).reindex(result.index)["expended"]
    june = totals(year[year["month"] == 12], ("expended",)).reindex(result.index)["expended"]

    result["months_covered"] = months_covered
    result["release_rate"] = _ratio(result["released"], result["revised_budget"])
    result["utilisation"] = _ratio(result["expended"], result["revised_budget"])
    result["utilisation_of_releases"] = _ratio(result["expended"], result["released"])
    result["plan_to_date"] = result["revised_budget"].astype("float64") * months_covered / 12
    result["burn_vs_plan"] = _ratio(result["expended"], result["plan_to_date"])
    result["unspent_releases"] = result["released"] - result["expended"]
    result["lapse_rate"] = _ratio(result["unspent_releases"], result["released"])
    complete = months_covered == 12
    result["q4_share"] = _ratio(q4, full_year) if complete else np.nan
    result["june_share"] = _ratio(june, full_year) if complete else np.nan
    return result.reset_index(drop=not keys)


def rate_execution(burn_vs_plan: float, green: float = 95.0, amber: float = 80.0) -> str:
    """RAG of spending against the straight-line plan: under- and over-spending both count.

    ``green`` when ``burn_vs_plan`` lies within [green, 200 − green] (default 95–105 %),
    ``amber`` within [amber, 200 − amber] (80–120 %), ``red`` outside, ``grey`` when unknown.

    >>> rate_execution(97.0), rate_execution(85.0), rate_execution(125.0)
    ('green', 'amber', 'red')
    """
    if burn_vs_plan is None or pd.isna(burn_vs_plan):
        return "grey"
    if green <= burn_vs_plan <= 200 - green:
        return "green"
    if amber <= burn_vs_plan <= 200 - amber:
        return "amber"
    return "red"


def compute_monthly_curve(
    rollup: pd.DataFrame, fiscal_year: int, keys: Sequence[str] = DEFAULT_KEYS
) -> pd.DataFrame:
    """Month-by-month spending against a straight-line plan, per group (default department ×
    budget type); ``keys=()`` for the province.

    Columns, besides ``keys`` and ``month``: ``expended`` and ``released`` of the month,
    ``cumulative_expended``, ``cumulative_released``, ``plan_cumulative`` = revised budget × month
    ÷ 12, ``monthly_plan`` = revised budget ÷ 12, ``cumulative_utilisation`` = cumulative expended
    ÷ revised budget × 100 and ``plan_utilisation`` = month ÷ 12 × 100. Months not reported have
    NaN expenditure (never zero).
    """
    keys = list(keys)
    year = rollup[rollup["fiscal_year"] == fiscal_year]
    by = [*keys, "month"]
    monthly = year.groupby(by, sort=True)[list(AMOUNTS)].sum(min_count=1).reset_index()
    annual_keys = keys or None
    if annual_keys:
        revised = monthly.groupby(keys)["revised_budget"].transform("sum")
        cumulate = monthly.groupby(keys)
        monthly["cumulative_expended"] = cumulate["expended"].cumsum()
        monthly["cumulative_released"] = cumulate["released"].cumsum()
    else:
        revised = pd.Series(monthly["revised_budget"].sum(), index=monthly.index)
        monthly["cumulative_expended"] = monthly["expended"].cumsum()
        monthly["cumulative_released"] = monthly["released"].cumsum()
    unreported = monthly["expended"].isna()
    monthly.loc[unreported, ["cumulative_expended", "cumulative_released"]] = pd.NA
    revised = revised.astype("float64")
    monthly["monthly_plan"] = revised / 12
    monthly["plan_cumulative"] = revised * monthly["month"] / 12
    monthly["cumulative_utilisation"] = _ratio(monthly["cumulative_expended"], revised)
    monthly["plan_utilisation"] = monthly["month"] / 12 * 100.0
    return monthly.drop(columns=["original_budget", "revised_budget"])
