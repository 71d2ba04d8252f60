"""The PSE portfolio view: everything the PSE Portfolio Report shows, for one fiscal year and
period, computed once from the province view, the statements and the governance returns.

The PSE Portfolio Report (``notebooks/pse_portfolio_report.ipynb``) and PEFA PI-10 on the
provincial summary read their figures from here; the formulas are in
:mod:`kpilib.kpis.portfolio_report`, :mod:`kpilib.kpis.governance` and
:mod:`kpilib.kpis.pefa_pi10`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from kpilib.fiscal import FiscalYear, Period
from kpilib.kpis import portfolio_report as agg
from kpilib.kpis.compliance import yearly_return_rates
from kpilib.kpis.governance import (
    GovernanceView,
    breaches_by_rule,
    compute_rollup,
    load_governance,
)
from kpilib.kpis.pefa_pi10 import Pi10Assessment, assess_pi10, pi10_register
from kpilib.kpis.returns import YEARLY_RETURN_SCHEDULES
from kpilib.kpis.support import SupportView, load_support
from kpilib.store import queries
from kpilib.store.governance import load_pse_governance
from kpilib.store.support import load_guarantees, load_pse_support
from kpilib.views.province import ProvinceView, load_province_view


@dataclass(frozen=True)
class PortfolioView:
    """The portfolio of PSEs for the report's fiscal year and period."""

    province: ProvinceView
    finances: pd.DataFrame  # each PSE's latest statement, equity and stale flag
    by_category: pd.DataFrame  # revenue, profit or loss, net equity per category + total
    composition_category: pd.DataFrame
    composition_department: pd.DataFrame
    governance: GovernanceView
    governance_returns: pd.DataFrame  # the year's governance facts (audit opinions, dates)
    governance_by_category: pd.DataFrame
    governance_province: pd.DataFrame
    breaches: pd.DataFrame  # breaches per rule, most often found first
    opinions: pd.DataFrame  # audit opinions per category
    yearly_returns_year: FiscalYear  # the year whose yearly returns are counted
    yearly_returns: pd.DataFrame  # governance and support returns received ÷ expected
    yearly_missing: pd.DataFrame  # the yearly returns not received, longest overdue first

    @property
    def yearly_returns_as_of(self) -> date:
        """The date the yearly returns are counted on: the data's (as the quarterly rate)."""
        return self.province.compliance_as_of

    @property
    def as_of(self) -> date:
        return self.province.as_of

    @property
    def reference_period(self) -> str:
        """The quarter a current statement is of (``2024-25Q4``)."""
        return self.province.reference_quarter.code

    @property
    def stale_statements(self) -> int:
        return int(self.finances["stale"].sum())

    @property
    def governance_as_of(self) -> date | None:
        """The latest ``as at`` date of the year's governance returns (None: no return)."""
        dates = self.governance_returns["as_at"].dropna()
        return max(dates) if len(dates) else None


def load_portfolio_view(engine: Engine, fiscal_year: str, period: str = "FY") -> PortfolioView:
    """The portfolio view of ``fiscal_year`` (``"2024-25"``) and ``period`` (``FY``, ``Q1``-``Q4``:
    the half-year report is ``Q2``, the year to date through December)."""
    province = load_province_view(engine, fiscal_year, period)
    year = province.fiscal_year.start_year
    with engine.connect() as connection:
        financials = queries.load_pse_financials(connection, [year - 1, year])
        governance = load_governance(connection, year)
        returns = load_pse_governance(connection, year)
        submissions = queries.load_submissions(
            connection, [s.return_type for s in YEARLY_RETURN_SCHEDULES], include_superseded=True
        )
    returns_year = yearly_returns_year(province.fiscal_year, province.compliance_as_of)
    yearly, missing = yearly_return_rates(
        province.entities, submissions, returns_year, province.compliance_as_of
    )
    finances = agg.latest_finances(province.pse_latest, financials, province.reference_quarter.code)
    entities = province.entities
    return PortfolioView(
        province=province,
        finances=finances,
        by_category=agg.summarise_by_category(entities, finances),
        composition_category=agg.count_composition(entities, ["category"]),
        composition_department=agg.count_composition(entities, ["department_code"]).merge(
            province.departments[["department_code", "department_name"]], how="left"
        ),
        governance=governance,
        governance_returns=returns,
        governance_by_category=compute_rollup(governance.scores, entities, ["category"]),
        governance_province=compute_rollup(governance.scores, entities, []),
        breaches=breaches_by_rule(governance.statement),
        opinions=agg.count_opinions(returns, entities),
        yearly_returns_year=returns_year,
        yearly_returns=yearly,
        yearly_missing=missing.merge(
            entities[["entity_code", "entity_name"]], on="entity_code", how="left"
        ),
    )


def yearly_returns_year(fiscal_year: FiscalYear, as_of: date) -> FiscalYear:
    """The year whose yearly returns a report counts: its own once they are due by ``as_of``
    (120 days after the year), else the year before (a half-yearly report's year is not over)."""
    due = min(s.due_date(Period(fiscal_year)) for s in YEARLY_RETURN_SCHEDULES)
    return fiscal_year if due <= as_of else fiscal_year.previous()


def assess_pi10_for(
    engine: Engine, fiscal_year: str, consolidated_report: str | None
) -> Pi10Assessment:
    """PEFA PI-10 for ``fiscal_year`` from its governance returns and (10.3) its
    contingent-liabilities register and PSE support returns; ``consolidated_report`` describes
    the consolidated report on the sector for the year (None: none published)."""
    province = load_province_view(engine, fiscal_year, "FY")
    year = province.fiscal_year
    with engine.connect() as connection:
        returns = load_pse_governance(connection, year.start_year)
        guarantees = load_guarantees(connection, [year.start_year])
        support = load_pse_support(connection, [year.start_year])
    register = pi10_register(guarantees, support, year)
    return assess_pi10(returns, province.entities, year, consolidated_report, register)


def load_portfolio_support(engine: Engine, fiscal_year: str) -> SupportView:
    """Government support and the contingent-liabilities register of ``fiscal_year``
    (:func:`kpilib.kpis.support.load_support`), for the portfolio report."""
    with engine.connect() as connection:
        return load_support(connection, fiscal_year)
