"""Stress scenarios for the PSEs' fiscal risk (issue 17), read from ``parameters/stress.yaml``.

The file is untrusted input: read with :func:`kpilib.parameter_files.read_yaml_mapping` and
validated by :class:`StressFile` (``extra="forbid"``) before use. Each scenario names the shocks
that :func:`kpilib.kpis.stress.apply_scenario` applies to a PSE's latest year (revenue down, costs
up, interest up on borrowings, a share of the guaranteed debt called) and says where its size
comes from (``source``) and whether the size is kpi-suite's own choice (``own_choice``). Editing a
number here changes the stress results; no code changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kpilib.errors import ParameterError, ParameterFileError
from kpilib.parameter_files import (
    describe_validation_error,
    find_parameters_dir,
    problem_at,
    read_yaml_mapping,
)

STRESS_FILE = "stress.yaml"
ScenarioName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class Scenario(BaseModel):
    """One stress scenario. Shocks are sizes of an adverse move, never negative:
    ``revenue_shock_pct`` % of own revenue lost, ``cost_shock_pct`` % added to operating
    expenses, ``interest_shock_pp`` percentage points a year added to the rate paid on
    borrowings, ``guarantee_call_share`` the share (0–1) of each PSE's guaranteed debt called."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ScenarioName
    label: Text
    revenue_shock_pct: float = Field(0.0, ge=0, le=100)
    cost_shock_pct: float = Field(0.0, ge=0, le=500)
    interest_shock_pp: float = Field(0.0, ge=0, le=50)
    guarantee_call_share: float = Field(0.0, ge=0, le=1)
    source: Text
    own_choice: bool
    note: Text | None = None


class StressFile(BaseModel):
    """``parameters/stress.yaml``: a description and the scenarios, names unique."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: Text
    scenarios: tuple[Scenario, ...] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_names(self) -> StressFile:
        names = [s.name for s in self.scenarios]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"scenario name(s) used twice: {', '.join(doubled)}")
        return self

    def scenario(self, name: str) -> Scenario:
        """The scenario called ``name``; :class:`ParameterError` naming the known ones."""
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        known = ", ".join(s.name for s in self.scenarios)
        raise ParameterError(f"No stress scenario is called {name!r}; known: {known}")


def read_stress_file(path: Path | None = None) -> StressFile:
    """The scenarios in ``path`` (default: ``stress.yaml`` in the parameters folder), validated;
    :class:`ParameterFileError` naming the file, key and reason."""
    if path is None:
        folder = find_parameters_dir()
        if folder is None:
            raise ParameterFileError([problem_at(
                "params.unreadable", Path(STRESS_FILE),
                "no parameters folder found (set KPI_PARAMETERS_DIR)",
            )])  # fmt: skip
        path = folder / STRESS_FILE
    if not path.is_file():
        raise ParameterFileError([problem_at(
            "params.missing-file", path, "the stress scenarios file is missing"
        )])  # fmt: skip
    data = read_yaml_mapping(path)
    try:
        return StressFile.model_validate(data)
    except ValidationError as error:
        raise ParameterFileError(describe_validation_error(path, error, StressFile)) from None
