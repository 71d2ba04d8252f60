"""The follow-up loop's inputs and outputs for one fiscal year (issue 17): the flags raised now
(as action candidates, :mod:`kpilib.kpis.actions`) and the rule of ``follow_up:`` in
``parameters/defaults.yaml``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine

from kpilib.errors import ParameterFileError
from kpilib.kpis.actions import (
    CANDIDATE_COLUMNS,
    FollowUpRules,
    exception_candidates,
    governance_candidates,
)
from kpilib.kpis.governance import load_governance
from kpilib.parameter_files import (
    DEFAULTS_FILE,
    describe_validation_error,
    find_parameters_dir,
    read_yaml_mapping,
)
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
    view's PSE, budget and indicator flags, and the governance breaches."""
    rules = rules or FollowUpRules()
    view = load_province_view(engine, fiscal_year, period)
    with engine.connect() as connection:
        governance = load_governance(connection, fiscal_year)
    parts = [
        exception_candidates(view.exceptions),
        governance_candidates(governance.statement, rules.governance_severity),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    return pd.concat(parts, ignore_index=True)
