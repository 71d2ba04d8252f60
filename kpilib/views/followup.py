"""The follow-up loop's inputs and outputs for one fiscal year (issue 17): the flags raised now
(as action candidates, :mod:`kpilib.kpis.actions`) and the rule of ``follow_up:`` in
``parameters/defaults.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear, pakistan_today
from kpilib.kpis.actions import (
    CANDIDATE_COLUMNS,
    KPI_COLUMNS,
    PSE_FLAG_SOURCES,
    FollowUpRules,
    action_kpis,
    exception_candidates,
    governance_candidates,
    mark_overdue,
    oldest_overdue,
    pse_flag_actions,
    reconciliation_candidates,
    utilisation_candidates,
)
from kpilib.kpis.governance import load_governance
from kpilib.kpis.support import load_support
from kpilib.parameter_files import (
    DEFAULTS_FILE,
    describe_validation_error,
    find_parameters_dir,
    read_yaml_mapping,
)
from kpilib.store.actions import load_actions
from kpilib.store.writes import read_dataset_info
from kpilib.views.department import DepartmentView
from kpilib.views.province import load_province_view


def load_follow_up_rules(directory: Path | None = None) -> FollowUpRules:
    """``follow_up:`` of ``defaults.yaml`` in ``directory`` (default: the parameters folder;
    none, or no key: the built-in rule). A :class:`ParameterFileError` when it is invalid."""
    folder = directory if directory is not None else find_parameters_dir()
    path = folder / DEFAULTS_FILE if folder is not None else None
    if path is None or not path.is_file():
        return FollowUpRules()
    raw = read_yaml_mapping(path).get("follow_up")
    if raw is None:
        return FollowUpRules()
    try:
        return FollowUpRules.model_validate(raw)
    except ValidationError as exc:
        raise ParameterFileError(describe_validation_error(path, exc, FollowUpRules)) from exc


def current_flag_candidates(
    engine: Engine, fiscal_year: str, period: str = "FY", rules: FollowUpRules | None = None
) -> pd.DataFrame:
    """Every flag of ``fiscal_year`` (``"2024-25"``) and ``period`` that the follow-up loop
    tracks, as candidates (:data:`~kpilib.kpis.actions.CANDIDATE_COLUMNS`): the province
    view's PSE, budget and indicator flags, the governance breaches, the support reconciliation's
    mismatches and the grants without a utilisation report."""
    rules = rules or FollowUpRules()
    view = load_province_view(engine, fiscal_year, period)
    with engine.connect() as connection:
        governance = load_governance(connection, fiscal_year)
        support = load_support(connection, fiscal_year)
    parts = [
        exception_candidates(view.exceptions),
        governance_candidates(governance.statement, rules.governance_severity),
        reconciliation_candidates(support.reconciliation, support.entities),
        utilisation_candidates(support.grants, support.entities),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def resolve_as_of(connection: Connection) -> date:
    """Today for the follow-up: the data's as-of date (the demo's "today"), else today in
    Pakistan (the same rule as the portal's)."""
    stored = read_dataset_info(connection).get("data_as_of")
    return date.fromisoformat(stored) if stored else pakistan_today()


def department_actions(
    engine: Engine, department_code: str | None, fiscal_year: int
) -> pd.DataFrame:
    """The department's (None: every department's) actions on the flags of ``fiscal_year``
    (start year), with ``overdue`` and ``days_overdue`` as of today's data
    (:func:`resolve_as_of`)."""
    with engine.connect() as connection:
        frame = load_actions(connection, department_code=department_code, fiscal_year=fiscal_year)
        as_of = resolve_as_of(connection)
    return mark_overdue(frame, as_of)


@dataclass(frozen=True)
class LastPeriodActions:
    """What became of the actions on a department's flags of the fiscal year before a report's:
    the KPIs (:func:`~kpilib.kpis.actions.action_kpis`, one row) and the overdue actions."""

    fiscal_year: FiscalYear
    as_of: date
    kpis: pd.Series
    overdue: pd.DataFrame


def last_period_actions(engine: Engine, department: DepartmentView) -> LastPeriodActions:
    """The actions on ``department``'s flags of the fiscal year before its report's, as of
    today's data (the follow-up goes on after the period closes)."""
    year = department.province.fiscal_year.previous()
    actions = department_actions(engine, department.code, year.start_year)
    with engine.connect() as connection:
        as_of = resolve_as_of(connection)
    kpis = action_kpis(actions, as_of).iloc[0]
    overdue = actions[actions["overdue"]].sort_values(["days_overdue", "action_id"],
                                                      ascending=[False, True])  # fmt: skip
    return LastPeriodActions(year, as_of, kpis, overdue.reset_index(drop=True))


@dataclass(frozen=True)
class PortfolioActions:
    """The actions on the PSEs' flags (:func:`~kpilib.kpis.actions.pse_flag_actions`) of a
    portfolio report's fiscal year and the year before, as of today's data: the KPIs
    (:func:`~kpilib.kpis.actions.action_kpis`) for all of them, by department and by source
    (every source, 0 where none), and the oldest overdue ones
    (:func:`~kpilib.kpis.actions.oldest_overdue`)."""

    fiscal_years: tuple[FiscalYear, FiscalYear]  # the year before the report's, the report's
    as_of: date
    total: pd.Series
    by_department: pd.DataFrame  # department_code, department_name and the KPIs
    by_source: pd.DataFrame  # source (finance, compliance, ...) and the KPIs, in report order
    oldest_overdue: pd.DataFrame


def portfolio_actions(engine: Engine, fiscal_year: str, top: int = 10) -> PortfolioActions:
    """The actions on the PSEs' flags of ``fiscal_year`` (``"2024-25"``) and the year before,
    as of today's data (:func:`resolve_as_of`: the follow-up goes on after the period closes)."""
    year = FiscalYear.parse(fiscal_year)
    years = (year.previous(), year)
    with engine.connect() as connection:
        loaded = load_actions(connection)
        as_of = resolve_as_of(connection)
    in_years = loaded["fiscal_year"].isin([y.start_year for y in years])
    actions = pse_flag_actions(loaded[in_years])
    names = actions[["department_code", "department_name"]].drop_duplicates("department_code")
    by_department = action_kpis(actions, as_of, by=["department_code"]).merge(
        names, on="department_code", how="left"
    )
    sources = pd.DataFrame({"source": list(PSE_FLAG_SOURCES.values())})
    by_source = sources.merge(action_kpis(actions, as_of, by=["source"]), how="left")
    counts = [c for c in KPI_COLUMNS if c not in ("resolution_rate", "median_days_to_close")]
    by_source[counts] = by_source[counts].fillna(0).astype(int)  # a source without actions
    return PortfolioActions(years, as_of, action_kpis(actions, as_of).iloc[0],
                            by_department.sort_values("department_name").reset_index(drop=True),
                            by_source, oldest_overdue(actions, as_of, top))  # fmt: skip
