"""One PSE's governance and government support for a fiscal year, for the PSE monitor (issue 17).

Nothing is computed here: the statement of compliance, the breaches and the governance score are
:func:`kpilib.kpis.governance.load_governance`'s; support by instrument, the reconciliation and
the grants without a utilisation report are :func:`kpilib.kpis.support.load_support`'s; the
guarantees are the contingent-liabilities register's (:mod:`kpilib.kpis.guarantees`); the
self-sustainability ratios and their trend are
:func:`kpilib.kpis.sustainability.self_sustainability`'s, on the quarterly statements up to the
view's reference quarter (a quarter's view is the year to date). This module cuts one PSE out and
adds the labels a page shows. A fiscal year's inputs are read once per data version and
rulebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from kpilib.fiscal import FiscalYear, Period
from kpilib.i18n import N_
from kpilib.kpis.governance import (
    COMPLIED,
    NOT_APPLICABLE,
    NOT_COMPLIED,
    GovernanceView,
    list_breaches,
    load_governance,
)
from kpilib.kpis.governance_rules import load_rulebook
from kpilib.kpis.guarantees import register_rollup
from kpilib.kpis.support import SupportView, load_support
from kpilib.kpis.support_params import SupportParams, load_support_params
from kpilib.kpis.sustainability import self_sustainability
from kpilib.store.governance import load_pse_governance
from kpilib.store.queries import load_pse_financials
from kpilib.store.support import load_pse_support
from kpilib.views.province import ProvinceView, data_fingerprint

#: How each support instrument is named on a page.
INSTRUMENT_LABELS = {
    "grant_in_aid": N_("Grants-in-aid"),
    "subsidy": N_("Subsidies"),
    "equity_injection": N_("Equity injections"),
    "loan_disbursed": N_("Loans disbursed (on-lent)"),
    "loan_repaid": N_("Loans repaid"),
    "loan_interest": N_("Interest on loans"),
    "loan_arrears": N_("Loan arrears"),
    "guarantee_issued": N_("Guarantees issued"),
    "guarantee_outstanding": N_("Guarantees outstanding"),
    "guarantee_called": N_("Guarantees called"),
    "other_relief": N_("Other relief"),
}
#: A rule's family (the statement of compliance's grouping), as a page names it.
FAMILY_LABELS = {
    "board": N_("Board"),
    "management": N_("Management"),
    "audit_committee": N_("Audit committee"),
    "controls": N_("Internal controls"),
    "audit": N_("External audit"),
    "disclosure": N_("Disclosure"),
}
#: The colour and words of a rule's verdict (the verdict is the rulebook's; nothing re-rated).
VERDICT_STATUS = {COMPLIED: "green", NOT_COMPLIED: "red", NOT_APPLICABLE: "grey"}
VERDICT_LABELS = {
    COMPLIED: N_("Complied"),
    NOT_COMPLIED: N_("Not complied"),
    NOT_APPLICABLE: N_("Not applicable"),
}
#: The colour and words of a reconciliation status
#: (:data:`kpilib.kpis.support.RECONCILIATION_STATUSES`).
RECONCILIATION_STATUS = {"matched": "green", "mismatch": "red", "not reported": "red"}
RECONCILIATION_LABELS = {
    "matched": N_("Matched"),
    "mismatch": N_("Mismatch"),
    "not reported": N_("Not reported"),
}
#: A guarantee's state at the year's end (:data:`kpilib.kpis.guarantees.GUARANTEE_STATUSES`).
GUARANTEE_STATUS = {"called": "red", "expiring": "amber", "expired": "grey", "outstanding": "green"}
GUARANTEE_LABELS = {"called": N_("Called"), "expiring": N_("Expiring soon"),
                    "expired": N_("Expired"), "outstanding": N_("Outstanding")}  # fmt: skip
TREND_LABELS = {"improved": N_("Improved"), "worsened": N_("Worsened"), "stable": N_("Stable")}
TREND_STATUS = {"improved": "green", "worsened": "red", "stable": "grey"}


@dataclass(frozen=True)
class YearOversight:
    """What every PSE's governance and support panels of one fiscal year read."""

    fiscal_year: FiscalYear
    governance: GovernanceView
    returns: pd.DataFrame  # the year's governance returns (facts: board, CEO/CFO, audit)
    support: SupportView
    support_returns: pd.DataFrame  # the PSEs' own accounts of support for the year
    financials: pd.DataFrame  # every quarterly statement (self-sustainability)
    checks: dict[str, str]  # rule id -> the check it runs (one check per id, rulebook-wide)
    params: SupportParams  # parameters/support.yaml: tolerances, horizon, trend tolerance


@dataclass(frozen=True)
class PseGovernance:
    """One PSE's governance return for a fiscal year, judged by the rulebook."""

    code: str
    fiscal_year: FiscalYear
    facts: pd.Series | None  # the return's facts; None: no governance return for the year
    score: pd.Series | None  # applicable, complied, breaches, explained, score (0-100)
    statement: pd.DataFrame  # every rule of its category with its verdict
    breaches: pd.DataFrame  # the rules not complied with, with the PSE's reason and action

    @property
    def has_return(self) -> bool:
        return self.facts is not None

    @property
    def as_at(self) -> date | None:
        """The date the return speaks of."""
        return None if self.facts is None else self.facts["as_at"]

    def verdict(self, rule_check: str) -> str | None:
        """The verdict of the PSE's rule that runs ``rule_check`` (e.g. ``ceo_in_post``)."""
        rows = self.statement[self.statement["check"] == rule_check]
        return None if rows.empty else str(rows["verdict"].iloc[0])


@dataclass(frozen=True)
class PseSupport:
    """One PSE's government support, reconciliation, grants, guarantees and self-sustainability."""

    code: str
    fiscal_year: FiscalYear
    reported: bool  # the PSE sent its support return for the year
    reconciliation: pd.DataFrame  # per instrument: budget, reported, difference, status, flagged
    direct_support: int  # the budget's direct support (grants, subsidies, equity, loans, relief)
    grant: pd.Series | None  # the year's grant-in-aid and its utilisation report (None: none)
    register: pd.DataFrame  # its guarantees in the year's register, with their status
    guarantees: pd.Series | None  # register summed: guarantees, called, outstanding, …
    sustainability: pd.DataFrame  # its years up to the view's, ratios and trend
    quarters_expected: int  # quarters of the selected year in the view (the year to date)
    expiring_months: int  # a guarantee "expires soon" within this many months of the year-end

    @property
    def flags(self) -> pd.DataFrame:
        """The instruments whose two accounts do not agree (mismatch or not reported)."""
        return self.reconciliation[self.reconciliation["flagged"]]

    @property
    def latest_sustainability(self) -> pd.Series | None:
        """The latest year of the self-sustainability ratios (None: no statement)."""
        frame = self.sustainability
        return None if frame.empty else frame.iloc[-1]


def load_year_oversight(engine: Engine, fiscal_year: FiscalYear) -> YearOversight:
    """The governance statements, returns, support and statements of ``fiscal_year``: read from
    the database once per data version and rulebook (memoised by database URL, data fingerprint,
    and the rulebook and ``support.yaml`` as read now, so an edited threshold takes effect in a
    running dashboard)."""
    rulebook = load_rulebook()
    params = load_support_params()
    database = engine.url.render_as_string(hide_password=False)
    rules = (repr(sorted(rulebook.categories.items())), repr(params))
    key = (database, data_fingerprint(engine), fiscal_year.start_year, rules)
    year = _YEARS.get(key)
    if year is None:
        checks = {r.id: r.check for c in rulebook.categories.values() for r in c.rules}
        start = fiscal_year.start_year
        with engine.connect() as connection:
            year = YearOversight(
                fiscal_year,
                load_governance(connection, start, rulebook),
                load_pse_governance(connection, start),
                load_support(connection, fiscal_year, params),
                load_pse_support(connection, [start]),
                load_pse_financials(connection),
                checks,
                params,
            )
        _YEARS[key] = year
        while len(_YEARS) > MAX_CACHED_YEARS:
            _YEARS.pop(next(iter(_YEARS)))
    return year


_YEARS: dict[tuple, YearOversight] = {}
MAX_CACHED_YEARS = 3


def _row(frame: pd.DataFrame, code: str, column: str = "entity_code") -> pd.Series | None:
    rows = frame[frame[column] == code]
    return None if rows.empty else rows.iloc[0]


def pse_governance(year: YearOversight, code: str) -> PseGovernance:
    """PSE ``code``'s governance for the year: its facts, score, statement and breaches."""
    statement = year.governance.statement
    mine = statement[statement["entity_code"] == code].reset_index(drop=True)
    mine = mine.assign(
        check=mine["rule_id"].map(year.checks),
        family_label=mine["family"].map(FAMILY_LABELS).fillna(mine["family"]),
        verdict_status=mine["verdict"].map(VERDICT_STATUS),
        verdict_label=mine["verdict"].map(VERDICT_LABELS),
    )
    return PseGovernance(
        code, year.fiscal_year, _row(year.returns, code), _row(year.governance.scores, code),
        mine, list_breaches(mine),
    )  # fmt: skip


def pse_support(year: YearOversight, reference: Period, code: str) -> PseSupport:
    """PSE ``code``'s support for the year, and its self-sustainability up to the ``reference``
    quarter (the view's; later quarters of the database are left out, as in every view)."""
    support = year.support
    reconciliation = support.reconciliation
    mine = reconciliation[reconciliation["entity_code"] == code].reset_index(drop=True)
    mine = mine.assign(
        instrument_label=mine["instrument"].map(INSTRUMENT_LABELS).fillna(mine["instrument"]),
        status_colour=mine["status"].map(RECONCILIATION_STATUS),
        status_label=mine["status"].map(RECONCILIATION_LABELS),
    )
    by_instrument = _row(support.by_instrument, code)
    register = support.register[support.register["entity_code"] == code].reset_index(drop=True)
    register = register.assign(
        status_colour=register["status"].map(GUARANTEE_STATUS),
        status_label=register["status"].map(GUARANTEE_LABELS),
    )
    rollup = register_rollup(register, support.entities) if not register.empty else None
    return PseSupport(
        code=code,
        fiscal_year=year.fiscal_year,
        reported=bool((year.support_returns["entity_code"] == code).any()),
        reconciliation=mine,
        direct_support=0 if by_instrument is None else int(by_instrument["direct_support"]),
        grant=_row(support.grants, code),
        register=register,
        guarantees=None if rollup is None else rollup.iloc[0],
        sustainability=_sustainability(year, reference, code),
        quarters_expected=reference.number,
        expiring_months=year.params.expiring_within_months,
    )


def _sustainability(year: YearOversight, reference: Period, code: str) -> pd.DataFrame:
    fin = year.financials[year.financials["entity_code"] == code]
    fy = reference.fiscal_year.start_year
    fin = fin[(fin["fiscal_year"] < fy)
              | ((fin["fiscal_year"] == fy) & (fin["quarter"] <= reference.number))]  # fmt: skip
    frame = self_sustainability(fin, year.params)
    frame = frame.assign(
        fiscal_year_label=frame["fiscal_year"].map(lambda y: FiscalYear(int(y)).label),
        own_source_trend_label=frame["own_source_trend"].map(TREND_LABELS),
        own_source_trend_status=frame["own_source_trend"].map(TREND_STATUS),
        support_share_trend_label=frame["support_share_trend"].map(TREND_LABELS),
        support_share_trend_status=frame["support_share_trend"].map(TREND_STATUS),
    )
    return frame.reset_index(drop=True)


def load_pse_oversight(
    engine: Engine, province: ProvinceView, code: str
) -> tuple[PseGovernance, PseSupport]:
    """PSE ``code``'s governance and support panels for ``province``'s fiscal year and period."""
    year = load_year_oversight(engine, province.fiscal_year)
    return pse_governance(year, code), pse_support(year, province.reference_quarter, code)
