"""The contingent-liabilities register (issue 17): the government's guarantees of the PSEs'
debt, outstanding, called and expiring, at a fiscal year's end, and their roll-ups.

The register of a year is the Finance Department's ``guarantees`` return for that year: each
guarantee as it stood at the year's end. A guarantee called during the year is *called*: the
amount paid counts in that year's calls and only what remains owed (``outstanding``) stays a
contingent liability; the next year's register lists it as called, with no call in that year.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from kpilib.fiscal import FiscalYear
from kpilib.kpis.frames import require_columns
from kpilib.kpis.support_params import SupportParams, YearLike, as_fiscal_year
from kpilib.store.support import GUARANTEE_COLUMNS, load_guarantees

#: A guarantee's state at the year's end, in the order the register lists them.
GUARANTEE_STATUSES = ("called", "expired", "expiring", "outstanding")
REGISTER_SUMS = ("amount_guaranteed", "outstanding", "issued_in_year", "called_in_year",
                 "expiring_outstanding")  # fmt: skip


def _inas_fiscal_year(dates: pd.Series, year: FiscalYear) -> pd.Series:
    values = pd.to_datetime(dates)
    start, end = pd.Timestamp(year.start_date), pd.Timestamp(year.end_date)
    return values.notna() & (values >= start) & (values <= end)


def contingent_register(
    guarantees: pd.DataFrame, fiscal_year: YearLike, params: SupportParams | None = None
) -> pd.DataFrame:
    """Each guarantee of ``fiscal_year``'s register with its ``status`` at the year's end
    (:data:`GUARANTEE_STATUSES`: called by then; expired by then; expiring within
    ``params.expiring_within_months`` after it; else outstanding) and, in rupees,
    ``issued_in_year``, ``called_in_year`` and ``expiring_outstanding``."""
    require_columns(guarantees, "guarantees", GUARANTEE_COLUMNS)
    params = params or SupportParams()
    year = as_fiscal_year(fiscal_year)
    out = guarantees[guarantees["fiscal_year"] == year.start_year].copy()
    end = pd.Timestamp(year.end_date)
    horizon = end + pd.DateOffset(months=params.expiring_within_months)
    called = pd.to_datetime(out["called_on"]).le(end).fillna(False).astype(bool)
    expires = pd.to_datetime(out["expires_on"])
    out["status"] = "outstanding"
    out.loc[expires <= horizon, "status"] = "expiring"
    out.loc[expires <= end, "status"] = "expired"
    out.loc[called, "status"] = "called"
    out["issued_in_year"] = out["amount_guaranteed"].where(
        _inas_fiscal_year(out["issued_on"], year), 0
    )
    out["called_in_year"] = (
        out["amount_called"].fillna(0).where(_inas_fiscal_year(out["called_on"], year), 0)
    )
    out["expiring_outstanding"] = out["outstanding"].where(out["status"] == "expiring", 0)
    for column in REGISTER_SUMS:
        out[column] = out[column].astype("int64")
    return out.reset_index(drop=True)


def register_rollup(
    register: pd.DataFrame, entities: pd.DataFrame, by: Sequence[str] = ("entity_code",)
) -> pd.DataFrame:
    """The register summed ``by`` PSE (default), ``department_code``, ``category`` or, with
    ``by=()``, for the province: ``guarantees`` (count), ``called`` (count) and
    :data:`REGISTER_SUMS` in rupees."""
    frame = register.merge(
        entities[["entity_code", "department_code", "category"]], on="entity_code", how="left"
    )
    frame = frame.assign(guarantees=1, called=(frame["status"] == "called").astype(int))
    columns = ["guarantees", "called", *REGISTER_SUMS]
    if not by:
        return frame[columns].sum().to_frame().T.astype("int64").assign(scope="province")
    return frame.groupby(list(by), as_index=False)[columns].sum()


def guarantees_outstanding(
    source: Connection | Engine | pd.DataFrame, fiscal_year: YearLike
) -> pd.DataFrame:
    """Per PSE with a guarantee in ``fiscal_year``'s register: ``pse_code``, ``outstanding``
    (guaranteed debt still owed at the year's end) and ``called`` (paid under calls in the
    year), in rupees. ``source``: a database (engine or connection) or a frame of the register
    (:data:`~kpilib.store.support.GUARANTEE_COLUMNS`)."""
    year = as_fiscal_year(fiscal_year)
    if isinstance(source, pd.DataFrame):
        guarantees = source
    elif isinstance(source, Engine):
        with source.connect() as connection:
            guarantees = load_guarantees(connection, [year.start_year])
    else:
        guarantees = load_guarantees(source, [year.start_year])
    register = contingent_register(guarantees, year)
    sums = register.groupby("entity_code", as_index=False)[["outstanding", "called_in_year"]].sum()
    return sums.rename(columns={"entity_code": "pse_code", "called_in_year": "called"})[
        ["pse_code", "outstanding", "called"]
    ].astype({"outstanding": "int64", "called": "int64"})
