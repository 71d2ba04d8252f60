"""Government support to the PSEs by instrument (issue 17): the budget side (releases, and the
guarantee register's figures), each PSE's own account, their reconciliation and the grants
without a utilisation report.

A PSE's figure and the budget's are reconciled per instrument: ``difference`` = reported -
budget; a difference beyond BOTH tolerances of ``parameters/support.yaml`` (rupees, and a share
of the larger figure) is a ``mismatch``; a PSE that sent no support return for the year is
``not reported`` on every instrument the budget shows. Both are flags.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from kpilib.fiscal import FiscalYear
from kpilib.kpis.frames import require_columns
from kpilib.kpis.guarantees import contingent_register
from kpilib.kpis.support_params import SupportParams, YearLike, as_fiscal_year, load_support_params
from kpilib.kpis.sustainability import self_sustainability
from kpilib.store.models import SUPPORT_INSTRUMENTS
from kpilib.store.queries import load_entities, load_pse_financials
from kpilib.store.support import load_guarantees, load_pse_support, load_support_releases

#: Budgetary outflows to a PSE in the year: what "direct support" adds up.
DIRECT_INSTRUMENTS = (
    "grant_in_aid", "subsidy", "equity_injection", "loan_disbursed", "other_relief",
)  # fmt: skip
RECONCILIATION_STATUSES = ("matched", "mismatch", "not reported")
_LONG = ["entity_code", "instrument", "amount"]


def budget_side(
    releases: pd.DataFrame, guarantees: pd.DataFrame, fiscal_year: YearLike
) -> pd.DataFrame:
    """What the budget gave each PSE in ``fiscal_year``, long (``entity_code, instrument,
    amount``): the releases (summed over senders) and, from the guarantee register, the
    guarantees issued and called in the year and outstanding at its end."""
    year = as_fiscal_year(fiscal_year)
    mine = releases[releases["fiscal_year"] == year.start_year]
    flows = mine.groupby(["entity_code", "instrument"], as_index=False).agg(
        amount=("amount", "sum")
    )
    register = contingent_register(guarantees, year)
    sums = register.groupby("entity_code")[["issued_in_year", "outstanding", "called_in_year"]]
    gtee = sums.sum().rename(columns={"issued_in_year": "guarantee_issued",
                                      "outstanding": "guarantee_outstanding",
                                      "called_in_year": "guarantee_called"})  # fmt: skip
    gtee = gtee.reset_index().melt("entity_code", var_name="instrument", value_name="amount")
    out = pd.concat([flows.loc[:, _LONG], gtee.loc[:, _LONG]], ignore_index=True)
    out = out[out["amount"] != 0] if not out.empty else out
    return out.astype({"amount": "int64"}).sort_values(_LONG[:2]).reset_index(drop=True)


def support_by_instrument(budget: pd.DataFrame) -> pd.DataFrame:
    """One row per PSE, one column per instrument (rupees, 0 when none) and ``direct_support``
    (the sum of :data:`DIRECT_INSTRUMENTS`), largest direct support first."""
    wide = budget.pivot_table(index="entity_code", columns="instrument", values="amount",
                              aggfunc="sum", fill_value=0)  # fmt: skip
    wide = wide.reindex(columns=list(SUPPORT_INSTRUMENTS), fill_value=0).astype("int64")
    wide["direct_support"] = wide[list(DIRECT_INSTRUMENTS)].sum(axis=1)
    wide.columns.name = None
    return wide.sort_values("direct_support", ascending=False, kind="stable").reset_index()


def support_by_category(by_instrument: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Direct support per PSE ``category`` and instrument (rupees): the sums of
    :func:`support_by_instrument`'s rows, largest first, then the province's total (``category``
    None); ``pses`` counts the PSEs with any direct support."""
    sums = ["pses", *DIRECT_INSTRUMENTS, "direct_support"]
    frame = by_instrument.merge(entities[["entity_code", "category"]], on="entity_code", how="left")
    frame["pses"] = (frame["direct_support"] > 0).astype("int64")
    by_category = frame.groupby("category", as_index=False)[sums].sum()
    by_category = by_category.sort_values("direct_support", ascending=False, kind="stable")
    total = frame[sums].sum().to_frame().T.astype("int64").assign(category=None)
    return pd.concat([by_category, total], ignore_index=True)


def reconcile(
    budget: pd.DataFrame, reported: pd.DataFrame, fiscal_year: YearLike,
    params: SupportParams | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Budget against the PSEs' own accounts per PSE and instrument: ``budget, reported,
    difference, tolerance, status`` (:data:`RECONCILIATION_STATUSES`) and ``flagged``."""
    require_columns(reported, "pse_support", ["entity_code", "fiscal_year", "instrument", "amount"])
    params = params or SupportParams()
    mine = reported[reported["fiscal_year"] == as_fiscal_year(fiscal_year).start_year]
    senders = set(mine["entity_code"])
    theirs = mine.groupby(["entity_code", "instrument"], as_index=False).agg(
        amount=("amount", "sum")
    )
    out = budget.rename(columns={"amount": "budget"}).merge(
        theirs.rename(columns={"amount": "reported"}), on=["entity_code", "instrument"],
        how="outer",
    ).fillna({"budget": 0, "reported": 0})  # fmt: skip
    out = out[(out["budget"] != 0) | (out["reported"] != 0)].copy()
    out[["budget", "reported"]] = out[["budget", "reported"]].astype("int64")
    out["difference"] = out["reported"] - out["budget"]
    larger = out[["budget", "reported"]].max(axis=1)
    share = (larger * params.tolerance_share).round().astype("int64")
    out["tolerance"] = share.clip(lower=params.tolerance_rupees)
    out["status"] = "matched"
    out.loc[out["difference"].abs() > out["tolerance"], "status"] = "mismatch"
    out.loc[~out["entity_code"].isin(senders), "status"] = "not reported"
    out["flagged"] = out["status"] != "matched"
    return out.sort_values(["entity_code", "instrument"]).reset_index(drop=True)


def grants_without_utilisation(budget: pd.DataFrame, reported: pd.DataFrame,
                               fiscal_year: YearLike) -> pd.DataFrame:  # fmt: skip
    """Every PSE given a grant-in-aid in ``fiscal_year`` (by the budget, or by its own
    account): ``grant`` (the budget's figure, else the PSE's), ``utilisation_report_date`` and
    ``flagged`` (no utilisation report sent)."""
    mine = reported[(reported["fiscal_year"] == as_fiscal_year(fiscal_year).start_year)
                    & (reported["instrument"] == "grant_in_aid")]  # fmt: skip
    given = budget[budget["instrument"] == "grant_in_aid"][["entity_code", "amount"]]
    out = given.merge(mine[["entity_code", "amount", "utilisation_report_date"]],
                      on="entity_code", how="outer", suffixes=("", "_reported"))  # fmt: skip
    out["grant"] = out["amount"].fillna(out["amount_reported"]).fillna(0).astype("int64")
    out = out[out["grant"] > 0]
    out["flagged"] = out["utilisation_report_date"].isna()
    columns = ["entity_code", "grant", "utilisation_report_date", "flagged"]
    return out[columns].sort_values("entity_code").reset_index(drop=True)


@dataclass(frozen=True)
class SupportView:
    """Government support of one fiscal year: by instrument, reconciled, the grants' reports,
    the contingent-liabilities register and the PSEs' self-sustainability (every year)."""

    fiscal_year: FiscalYear
    by_instrument: pd.DataFrame
    reconciliation: pd.DataFrame
    grants: pd.DataFrame
    register: pd.DataFrame
    sustainability: pd.DataFrame
    entities: pd.DataFrame


def load_support(
    connection: Connection, fiscal_year: YearLike, params: SupportParams | None = None
) -> SupportView:
    """Every support KPI of ``fiscal_year`` (``2024`` or ``"2024-25"``) from the database, with
    ``params`` (default: the parameters folder's ``support.yaml``)."""
    year = as_fiscal_year(fiscal_year)
    params = params or load_support_params()
    releases = load_support_releases(connection, [year.start_year])
    reported = load_pse_support(connection, [year.start_year])
    guarantees = load_guarantees(connection, [year.start_year])
    budget = budget_side(releases, guarantees, year)
    return SupportView(
        year, support_by_instrument(budget), reconcile(budget, reported, year, params),
        grants_without_utilisation(budget, reported, year),
        contingent_register(guarantees, year, params),
        self_sustainability(load_pse_financials(connection), params),
        load_entities(connection),
    )  # fmt: skip
