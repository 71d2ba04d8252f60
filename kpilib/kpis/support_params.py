"""The parameters of the government-support KPIs (``parameters/support.yaml``), validated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear
from kpilib.parameter_files import (
    describe_validation_error,
    find_parameters_dir,
    read_yaml_mapping,
)

SUPPORT_FILE = "support.yaml"
#: A fiscal year as the support KPIs take it: ``2024``, ``"2024-25"`` or a FiscalYear.
YearLike = int | str | FiscalYear


def as_fiscal_year(fiscal_year: YearLike) -> FiscalYear:
    """``fiscal_year`` as a :class:`FiscalYear`."""
    if isinstance(fiscal_year, FiscalYear):
        return fiscal_year
    return (
        FiscalYear(fiscal_year) if isinstance(fiscal_year, int) else FiscalYear.parse(fiscal_year)
    )


class _Reconciliation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tolerance_rupees: int = Field(ge=0)
    tolerance_share: float = Field(ge=0, le=1)


class _Guarantees(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expiring_within_months: int = Field(ge=0, le=120)


class _Sustainability(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trend_tolerance_pp: float = Field(ge=0, le=100)


class SupportFile(BaseModel):
    """``parameters/support.yaml``."""

    model_config = ConfigDict(extra="forbid")
    reconciliation: _Reconciliation
    guarantees: _Guarantees
    sustainability: _Sustainability


@dataclass(frozen=True)
class SupportParams:
    """Tolerances and horizons of the support KPIs (defaults: the shipped file's values)."""

    tolerance_rupees: int = 1_000_000
    tolerance_share: float = 0.02
    expiring_within_months: int = 12
    trend_tolerance_pp: float = 2.0


def read_support_params(path: Path) -> SupportParams:
    """One ``support.yaml``; :class:`ParameterFileError` naming file, key and reason."""
    data = read_yaml_mapping(path)
    try:
        parsed = SupportFile.model_validate(data)
    except ValidationError as error:
        raise ParameterFileError(describe_validation_error(path, error, SupportFile)) from None
    return SupportParams(
        tolerance_rupees=parsed.reconciliation.tolerance_rupees,
        tolerance_share=parsed.reconciliation.tolerance_share,
        expiring_within_months=parsed.guarantees.expiring_within_months,
        trend_tolerance_pp=parsed.sustainability.trend_tolerance_pp,
    )


def load_support_params(folder: Path | None = None) -> SupportParams:
    """The parameters folder's ``support.yaml`` (``folder``: a parameters folder); the defaults
    when there is no parameters folder or no such file."""
    folder = folder or find_parameters_dir()
    if folder is None or not (folder / SUPPORT_FILE).is_file():
        return SupportParams()
    return read_support_params(folder / SUPPORT_FILE)
