"""One place decides a status: the thresholds of every status KPI, per department, from the
parameter files, and the rating that every surface shows.

The province view (:func:`kpilib.views.load_province_view`) rates every figure with the
:class:`StatusRules` read here, so the reports, the dashboards, the analysts' API, the exports
and the e-mails all show the same status for the same number, and :meth:`StatusRules.describe`
gives the rule that was used, for a footnote.

Thresholds are read from ``parameters/defaults.yaml`` and ``parameters/departments/<CODE>.yaml``
(:func:`kpilib.parameter_files.find_parameters_dir` finds the folder):

.. code-block:: yaml

    thresholds: {rag_green: 95.0, rag_amber: 80.0}     # every status KPI …
    kpi_thresholds:                                     # … unless set per KPI
      returns_received: {rag_green: 90.0, rag_amber: 70.0}

For a KPI of a department, the later of these wins, key by key: the built-in defaults (95, 80),
``defaults.yaml``'s ``thresholds``, its ``kpi_thresholds`` for the KPI, the department file's
``thresholds``, its ``kpi_thresholds`` for the KPI. Province-wide figures use ``defaults.yaml``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, cast

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kpilib.errors import ParameterFileError
from kpilib.kpis.budget_execution import rate_execution
from kpilib.kpis.flags import SeverityRules
from kpilib.kpis.service_delivery import RAG_LABELS, RagThresholds, rate_rag
from kpilib.parameter_files import (
    DEFAULTS_FILE,
    DEPARTMENT_CODE_PATTERN,
    describe_validation_error,
    find_parameters_dir,
    read_yaml_mapping,
)
from kpilib.problems import Problem, Where

ThresholdName = Literal["rag_green", "rag_amber"]
ThresholdValue = Annotated[float, Field(ge=0.0, le=1000.0, allow_inf_nan=False)]
Thresholds = dict[ThresholdName, ThresholdValue]
StatusKpi = Literal[
    "budget_execution", "indicator_achievement", "service_score", "returns_received"
]
#: The KPIs that carry a status, and how each is rated (the words of the footnotes).
STATUS_KPIS: dict[str, str] = {
    "budget_execution": "spending against a straight-line plan (revised budget × months ÷ 12): "
    "under- and over-spending both count",
    "indicator_achievement": "a service-delivery indicator's achievement: actual ÷ target "
    "(target ÷ actual where lower is better)",
    "service_score": "a department's service-delivery score (mean achievement, each capped at 100)",
    "returns_received": "PSE returns received as % of the returns expected (completeness)",
}
SHORT_NAMES = {
    "budget_execution": "spending against plan",
    "indicator_achievement": "indicators",
    "service_score": "service-delivery score",
    "returns_received": "returns received",
}
DEPARTMENTS_DIR = "departments"
BUILT_IN = "built-in defaults"


def check_threshold_order(thresholds: Mapping[ThresholdName, float], where: str = "") -> None:
    """``rag_green`` must not be below ``rag_amber`` (``ValueError`` otherwise)."""
    green, amber = thresholds.get("rag_green"), thresholds.get("rag_amber")
    if green is not None and amber is not None and green < amber:
        raise ValueError(f"{where}rag_green ({green}) must not be below rag_amber ({amber})")


def check_status_thresholds(
    thresholds: Mapping[ThresholdName, float],
    kpi_thresholds: Mapping[StatusKpi, Mapping[ThresholdName, float]],
) -> None:
    """The general thresholds and each KPI's in order (``ValueError`` otherwise)."""
    check_threshold_order(thresholds)
    for kpi, values in kpi_thresholds.items():
        check_threshold_order(values, f"kpi_thresholds.{kpi}: ")


class StatusParams(BaseModel):
    """The status part of a parameter file: ``thresholds`` and ``kpi_thresholds``."""

    model_config = ConfigDict(extra="ignore", strict=True)

    thresholds: Thresholds = Field(default_factory=dict)
    kpi_thresholds: dict[StatusKpi, Thresholds] = Field(default_factory=dict)
    #: The severity of red flags (province-wide: only ``defaults.yaml`` sets it).
    flag_severity: SeverityRules = Field(default_factory=SeverityRules)

    @model_validator(mode="after")
    def _in_order(self) -> StatusParams:
        check_status_thresholds(self.thresholds, self.kpi_thresholds)
        return self


@dataclass(frozen=True)
class StatusRule:
    """The thresholds of one KPI for one department (or the province) and where they come from."""

    kpi: str
    thresholds: RagThresholds
    sources: tuple[str, ...]  # the files that set them, most general first

    def describe(self) -> str:
        """``green ≥ 97 %, amber ≥ 80 %`` (or the band of spending against plan)."""
        green, amber = self.thresholds.green, self.thresholds.amber
        if self.kpi == "budget_execution":
            return (
                f"green within {green:g}–{200 - green:g} % of plan, "
                f"amber within {amber:g}–{200 - amber:g} %, red outside"
            )
        return f"green ≥ {green:g} %, amber ≥ {amber:g} %, red below"


@dataclass(frozen=True)
class StatusRules:
    """Every status KPI's thresholds, for the province and each department with a file."""

    province: StatusParams = field(default_factory=StatusParams)
    departments: Mapping[str, StatusParams] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)  # "" (defaults) or code -> file

    @property
    def severity(self) -> SeverityRules:
        """How red flags are graded (``flag_severity:`` of ``defaults.yaml``)."""
        return self.province.flag_severity

    def rule(self, kpi: str, department: str | None = None) -> StatusRule:
        """The thresholds ``kpi`` is rated with for ``department`` (None: the province)."""
        if kpi not in STATUS_KPIS:
            raise ValueError(f"{kpi!r} carries no status; status KPIs: {', '.join(STATUS_KPIS)}")
        values: dict[ThresholdName, float] = {
            "rag_green": RagThresholds.green,
            "rag_amber": RagThresholds.amber,
        }
        sources = [BUILT_IN]
        layers = [("", self.province)]
        if department is not None and department in self.departments:
            layers.append((department, self.departments[department]))
        for key, params in layers:
            found = {**params.thresholds, **params.kpi_thresholds.get(cast(StatusKpi, kpi), {})}
            if found:
                values.update(found)
                sources.append(self.files.get(key, key))
        green, amber = values["rag_green"], values["rag_amber"]
        return StatusRule(kpi, RagThresholds(green=green, amber=amber), tuple(sources))

    def rate(self, kpi: str, value: float | None, department: str | None = None) -> str:
        """``green``, ``amber``, ``red`` or ``grey`` (no value) for ``value`` of ``kpi``."""
        thresholds = self.rule(kpi, department).thresholds
        if kpi == "budget_execution":
            return rate_execution(
                value if value is not None else float("nan"), thresholds.green, thresholds.amber
            )
        return rate_rag(value if value is not None else float("nan"), thresholds)

    def rate_column(
        self, kpi: str, values: pd.Series, departments: pd.Series | str | None = None
    ) -> pd.Series:
        """:meth:`rate` row by row; ``departments`` is a column of department codes (or one)."""
        if departments is None or isinstance(departments, str):
            return pd.Series(
                [self.rate(kpi, _number(v), departments) for v in values],
                index=values.index,
                dtype="object",
            )
        return pd.Series(
            [self.rate(kpi, _number(v), d) for v, d in zip(values, departments, strict=True)],
            index=values.index,
            dtype="object",
        )

    def describe(self, kpi: str, department: str | None = None) -> str:
        """The rule in words, with where it was set: ``Spending against plan: green within
        97–103 % of plan, … (parameters/departments/HLT.yaml)``."""
        rule = self.rule(kpi, department)
        where = ", ".join(rule.sources[1:]) or BUILT_IN
        name = SHORT_NAMES[kpi]
        return f"{name[0].upper()}{name[1:]}: {rule.describe()} ({where})"

    def describe_all(self, department: str | None = None) -> list[str]:
        """:meth:`describe` of every status KPI."""
        return [self.describe(kpi, department) for kpi in STATUS_KPIS]

    def check(self) -> list[Problem]:
        """Each department's merged thresholds in order (a file may set green alone, below the
        defaults' amber): one problem per department and KPI that is not."""
        problems = []
        for code in ["", *sorted(self.departments)]:
            failed: dict[str, str] = {}
            for kpi in STATUS_KPIS:
                try:
                    self.rule(kpi, code or None)
                except ValueError as exc:
                    failed[kpi] = str(exc)
            if failed:
                message = f"merged with the defaults, {next(iter(failed.values()))} (for "
                message += f"{', '.join(failed)})"
                where = Where(file=self.files.get(code, code), key="thresholds")
                problems.append(Problem("params.invalid-value", "error", message, where))
        return problems

    @property
    def fingerprint(self) -> str:
        """Changes whenever a threshold changes (part of every report's input key)."""
        data = {
            "province": self.province.model_dump(mode="json"),
            "departments": {
                k: v.model_dump(mode="json") for k, v in sorted(self.departments.items())
            },
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def rag_label(status: str) -> str:
    """The words shown with a status: On track, At risk, Off track, No data."""
    return RAG_LABELS.get(status, RAG_LABELS["grey"])


def load_status_rules(directory: Path | None = None) -> StatusRules:
    """The status rules of the parameter files in ``directory`` (default:
    :func:`~kpilib.parameter_files.find_parameters_dir`; none found: the built-in thresholds).

    Raises :class:`ParameterFileError` listing every problem of the status keys."""
    folder = directory if directory is not None else find_parameters_dir()
    if folder is None:
        return StatusRules()
    problems: list[Problem] = []
    province = _read(folder / DEFAULTS_FILE, problems) or StatusParams()
    files = {"": _shown(folder / DEFAULTS_FILE)}
    departments: dict[str, StatusParams] = {}
    for path in sorted((folder / DEPARTMENTS_DIR).glob("*.yaml")):
        code = path.stem
        if not _is_department_code(code):
            continue  # the report's parameter check names such a file
        params = _read(path, problems)
        if params is not None:
            departments[code] = params
            files[code] = _shown(path)
    rules = StatusRules(province, departments, files)
    problems += rules.check()
    if problems:
        raise ParameterFileError(problems)
    return rules


def _read(path: Path, problems: list[Problem]) -> StatusParams | None:
    if not path.is_file():
        return None
    try:
        return StatusParams.model_validate(read_yaml_mapping(path))
    except ParameterFileError as exc:
        problems += exc.problems
    except ValidationError as exc:
        problems += describe_validation_error(path, exc, StatusParams)
    return None


def _is_department_code(code: str) -> bool:
    import re

    return re.fullmatch(DEPARTMENT_CODE_PATTERN, code) is not None


def _shown(path: Path) -> str:
    """``parameters/departments/HLT.yaml``: the folder's own name and below."""
    parts = path.parts
    return str(Path(*parts[-3:])) if path.parent.name == DEPARTMENTS_DIR else str(Path(*parts[-2:]))


__all__ = [
    "STATUS_KPIS",
    "StatusKpi",
    "StatusParams",
    "StatusRule",
    "StatusRules",
    "Thresholds",
    "check_threshold_order",
    "load_status_rules",
    "rag_label",
]
