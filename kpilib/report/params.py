"""Report parameters: what each report notebook receives, checked before any kernel starts.

Two pydantic models describe the parameters of the two report notebooks exactly
(:class:`DepartmentReportParams`, :class:`SummaryReportParams`); unknown keys are errors, never
ignored, and every value has a type and bounds. They are filled from YAML files:

* ``parameters/defaults.yaml`` -- the province's status thresholds (``thresholds:``,
  ``kpi_thresholds:``; read by every surface through :mod:`kpilib.views.status`, not passed to
  the notebooks) and ``department:`` (sections, indicators and officer title used by every
  department report);
* ``language:`` in ``defaults.yaml`` -- the editions a batch makes by default (``en``, ``ur`` or
  both); every notebook receives the one ``language`` it is run in (``en`` or ``ur``);
* ``parameters/departments/<CODE>.yaml`` -- one optional file per department overriding the
  defaults (lists replace the default list) and setting the department's status thresholds.

A department without a file uses the defaults. Parameter files are untrusted input: Papermill
writes parameter *names* into the notebook unchecked, so only the models' field names (plain
identifiers, also declared in the notebook's ``parameters`` cell) can ever reach it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kpilib.errors import FiscalPeriodError, ParameterFileError
from kpilib.fiscal import REPORT_PERIODS
from kpilib.i18n import DEFAULT_LANGUAGE, Language
from kpilib.kpis.actions import FollowUpRules
from kpilib.kpis.flags import SeverityRules
from kpilib.parameter_files import (
    DEFAULTS_FILE,
    DEPARTMENT_CODE_PATTERN,
    describe_validation_error,
    problem_at,
    read_yaml_mapping,
)
from kpilib.present.formatting import DEFAULT_MONEY_UNIT, MoneyUnit
from kpilib.problems import Problem
from kpilib.views.selection import check_fiscal_year_label
from kpilib.views.status import (
    StatusKpi,
    Thresholds,
    check_status_thresholds,
    load_status_rules,
)

#: Report sections a department report can show, in their default order.
SECTIONS = ("headline", "budget", "indicators", "pses", "quality")
#: ``FY`` is the whole fiscal year; ``Q1``..``Q4`` the year to date through that quarter.
PERIODS = REPORT_PERIODS
#: Placeholder in the default officer title, replaced by the department's name.
DEPARTMENT_NAME_PLACEHOLDER = "{department_name}"

DEPARTMENTS_DIR = "departments"

Section = Literal["headline", "budget", "indicators", "pses", "quality"]
ReportPeriodCode = Literal["FY", "Q1", "Q2", "Q3", "Q4"]
DepartmentCode = Annotated[str, StringConstraints(pattern=DEPARTMENT_CODE_PATTERN)]
INDICATOR_CODE_PATTERN = r"^[A-Z][A-Z0-9]{0,15}(-[A-Z0-9]{1,16}){0,3}$"
IndicatorCode = Annotated[str, StringConstraints(pattern=INDICATOR_CODE_PATTERN)]
#: An e-mail address in a parameter file (untrusted input: one plain address, no display name,
#: no header-breaking characters).
EmailAddress = Annotated[
    str,
    StringConstraints(max_length=320, pattern=r"^[^@\s<>,;\"'\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"),
]
OfficerTitle = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]


def _check_fiscal_year(label: str) -> str:
    try:
        return check_fiscal_year_label(label)
    except FiscalPeriodError as exc:
        raise ValueError(str(exc)) from None


FiscalYearLabel = Annotated[str, AfterValidator(_check_fiscal_year)]


def _unique(values: list[str]) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"listed more than once: {', '.join(repeated)}")
    return values


SectionList = Annotated[list[Section], AfterValidator(_unique)]
IndicatorList = Annotated[list[IndicatorCode], AfterValidator(_unique)]
RecipientList = Annotated[list[EmailAddress], Field(max_length=200), AfterValidator(_unique)]
#: The language an address reads kpi-suite's e-mails in (English when not listed).
MailLanguage = Literal["en", "ur"]
MailLanguages = Annotated[dict[EmailAddress, MailLanguage], Field(max_length=5_000)]


class _StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DepartmentReportParams(_StrictModel):
    """The parameters of ``notebooks/department_report.ipynb``, exactly as declared there."""

    department: DepartmentCode
    fiscal_year: FiscalYearLabel
    period: ReportPeriodCode
    sections: SectionList
    indicators: IndicatorList
    officer_title: OfficerTitle
    #: The language the report is written in (``en`` or ``ur``; set in the kernel each run).
    language: Language = DEFAULT_LANGUAGE


class SummaryReportParams(_StrictModel):
    """The parameters of ``notebooks/provincial_summary.ipynb``, exactly as declared there."""

    fiscal_year: FiscalYearLabel
    period: ReportPeriodCode
    language: Language = DEFAULT_LANGUAGE


PortfolioSection = Literal[
    "composition", "finances", "loss_makers", "governance", "audit",
    "support", "guarantees", "stress", "actions",
]  # fmt: skip
#: The PSE Portfolio Report is yearly (FY) and half-yearly (H1: the Q2 batch, July-December).
PortfolioPeriodCode = Literal["FY", "Q2"]
PortfolioSectionList = Annotated[list[PortfolioSection], AfterValidator(_unique)]


class PortfolioReportParams(_StrictModel):
    """The parameters of ``notebooks/pse_portfolio_report.ipynb``, exactly as declared there."""

    fiscal_year: FiscalYearLabel
    period: PortfolioPeriodCode
    sections: PortfolioSectionList
    top_loss_makers: Annotated[int, Field(ge=1, le=50)]
    language: Language = DEFAULT_LANGUAGE


def _portfolio_periods() -> list[PortfolioPeriodCode]:
    return ["FY", "Q2"]


def _portfolio_sections() -> list[PortfolioSection]:
    return [
        "composition",
        "finances",
        "loss_makers",
        "governance",
        "audit",
        "support",
        "guarantees",
        "stress",
        "actions",
    ]


class PortfolioOptions(_StrictModel):
    """``portfolio:`` in ``defaults.yaml``: when the PSE Portfolio Report is made and what it
    shows."""

    periods: Annotated[list[PortfolioPeriodCode], AfterValidator(_unique)] = Field(
        default_factory=_portfolio_periods
    )
    sections: PortfolioSectionList = Field(default_factory=_portfolio_sections)
    top_loss_makers: Annotated[int, Field(ge=1, le=50)] = 10
    #: Who ``kpi deliver`` e-mails the PSE Portfolio Report to (e.g. the Corporate Governance
    #: Unit).
    recipients: RecipientList = Field(default_factory=list)


class _StatusKeys(_StrictModel):
    """The status thresholds a file may set, everywhere the status is shown
    (:mod:`kpilib.views.status`: the same keys, read by every surface)."""

    thresholds: Thresholds = Field(default_factory=dict)
    kpi_thresholds: dict[StatusKpi, Thresholds] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> _StatusKeys:
        check_status_thresholds(self.thresholds, self.kpi_thresholds)
        return self


class DepartmentOptions(_StatusKeys):
    """``parameters/departments/<CODE>.yaml``: what a department changes from the defaults."""

    sections: SectionList | None = None
    indicators: IndicatorList | None = None
    officer_title: OfficerTitle | None = None
    #: Who ``kpi deliver`` e-mails the department's report to.
    recipients: RecipientList = Field(default_factory=list)


class DepartmentDefaults(_StrictModel):
    """``department:`` in ``defaults.yaml``: every department report's starting point."""

    sections: SectionList
    indicators: IndicatorList = Field(default_factory=list)
    officer_title: OfficerTitle


class UnitOptions(_StrictModel):
    """``units:`` in ``defaults.yaml``: how money reads on every surface
    (:func:`kpilib.present.formatting.money_unit`)."""

    money: MoneyUnit = DEFAULT_MONEY_UNIT


def _languages(value: object) -> object:
    """``language: ur``, ``language: en,ur`` or ``language: [en, ur]`` as a list."""
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [v.strip().lower() if isinstance(v, str) else v for v in value]
    return value


def _default_languages() -> list[Language]:
    return [DEFAULT_LANGUAGE]


LanguageList = Annotated[
    list[Language], BeforeValidator(_languages), Field(min_length=1), AfterValidator(_unique)
]


class ReportDefaults(_StatusKeys):
    """The whole of ``parameters/defaults.yaml``: the province's status thresholds, then the
    department reports' defaults and the units of every surface."""

    department: DepartmentDefaults
    #: The editions a batch makes when ``kpi report`` is given no ``--language``: ``en``
    #: (default), ``ur``, or both (``en,ur`` / ``[en, ur]``). Province-wide.
    language: LanguageList = Field(default_factory=_default_languages)
    units: UnitOptions = Field(default_factory=UnitOptions)
    #: How red flags are graded (:class:`kpilib.kpis.flags.SeverityRules`).
    flag_severity: SeverityRules = Field(default_factory=SeverityRules)
    #: The province's list: who ``kpi deliver`` e-mails the provincial summary to.
    recipients: RecipientList = Field(default_factory=list)
    #: The language of each address that does not read its e-mails in English (reports,
    #: reminders): ``{address: ur}`` (:mod:`kpilib.delivery.language`).
    mail_languages: MailLanguages = Field(default_factory=dict)
    #: When the answer to a red flag's action is due (:class:`kpilib.kpis.actions.FollowUpRules`).
    follow_up: FollowUpRules = Field(default_factory=FollowUpRules)
    #: The PSE Portfolio Report: its periods, sections and how many loss-makers it lists.
    portfolio: PortfolioOptions = Field(default_factory=PortfolioOptions)


@dataclass(frozen=True)
class ParameterSet:
    """The parameter files of a ``parameters/`` folder, read and validated."""

    directory: Path
    defaults: ReportDefaults
    departments: dict[str, DepartmentOptions] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


# --- reading the files -------------------------------------------------------------------------


def _validate(
    path: Path, data: dict[str, Any], model: type[BaseModel]
) -> tuple[Any, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, describe_validation_error(path, exc, model)


def load_parameter_set(directory: Path) -> ParameterSet:
    """Read and validate ``defaults.yaml`` and every ``departments/<CODE>.yaml``.

    Every problem in every file is collected before raising one :class:`ParameterFileError`;
    a file whose name is not a department code (``^[A-Z][A-Z0-9]{1,15}$``) plus ``.yaml`` is a
    problem too, not skipped.
    """
    directory = Path(directory)
    problems: list[Problem] = []
    defaults_path = directory / DEFAULTS_FILE
    defaults = None
    if not defaults_path.is_file():
        problems.append(
            problem_at(
                "params.missing-file",
                defaults_path,
                "missing (every batch starts from the defaults)",
            )
        )
    else:
        try:
            defaults, found = _validate(
                defaults_path, read_yaml_mapping(defaults_path), ReportDefaults
            )
            problems += found
        except ParameterFileError as exc:
            problems += exc.problems
    departments: dict[str, DepartmentOptions] = {}
    files: dict[str, Path] = {}
    folder = directory / DEPARTMENTS_DIR
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue  # hidden files such as .gitkeep
        code = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else None
        if code is None or not re.fullmatch(DEPARTMENT_CODE_PATTERN, code):
            problems.append(
                problem_at(
                    "params.bad-file-name",
                    path,
                    "not a department parameter file (expected <CODE>.yaml with the "
                    "department's code in capitals, e.g. HLT.yaml)",
                )
            )
            continue
        try:
            options, found = _validate(path, read_yaml_mapping(path), DepartmentOptions)
        except ParameterFileError as exc:
            problems += exc.problems
            continue
        problems += found
        if options is not None:
            departments[code] = options
            files[code] = path
    if problems or defaults is None:
        raise ParameterFileError(problems)
    return ParameterSet(directory, defaults, departments, files)


# --- resolving and checking --------------------------------------------------------------------


def resolve_department_params(
    parameters: ParameterSet,
    department: str,
    department_name: str,
    fiscal_year: str,
    period: str,
    language: str = DEFAULT_LANGUAGE,
) -> DepartmentReportParams:
    """The department notebook's parameters: the defaults, then the department's file.

    Lists (``sections``, ``indicators``) replace the default list; ``{department_name}`` in the
    default officer title becomes the department's name. (Status thresholds are not notebook
    parameters: every surface reads them with :func:`kpilib.views.status.load_status_rules`.)
    """
    base = parameters.defaults.department
    options = parameters.departments.get(department, DepartmentOptions())
    title = options.officer_title or base.officer_title.replace(
        DEPARTMENT_NAME_PLACEHOLDER, department_name
    )
    values = {
        "department": department,
        "fiscal_year": fiscal_year,
        "period": period,
        "sections": list(options.sections if options.sections is not None else base.sections),
        "indicators": list(
            options.indicators if options.indicators is not None else base.indicators
        ),
        "officer_title": title,
        "language": language,
    }
    try:
        return DepartmentReportParams.model_validate(values)
    except ValidationError as exc:
        where = parameters.files.get(department, parameters.directory / DEFAULTS_FILE)
        raise ParameterFileError(
            describe_validation_error(where, exc, DepartmentReportParams)
        ) from exc


def resolve_summary_params(
    parameters: ParameterSet, fiscal_year: str, period: str, language: str = DEFAULT_LANGUAGE
) -> SummaryReportParams:
    """The provincial summary's parameters: its fiscal year, period and language."""
    values = {"fiscal_year": fiscal_year, "period": period, "language": language}
    try:
        return SummaryReportParams.model_validate(values)
    except ValidationError as exc:
        where = parameters.directory / DEFAULTS_FILE
        raise ParameterFileError(
            describe_validation_error(where, exc, SummaryReportParams)
        ) from exc


def resolve_portfolio_params(
    parameters: ParameterSet, fiscal_year: str, period: str, language: str = DEFAULT_LANGUAGE
) -> PortfolioReportParams | None:
    """The PSE Portfolio Report's parameters for ``period``; None when ``portfolio.periods``
    does not list it (no portfolio report in that batch)."""
    options = parameters.defaults.portfolio
    if period not in options.periods:
        return None
    values = {"fiscal_year": fiscal_year, "period": period, "sections": list(options.sections),
              "top_loss_makers": options.top_loss_makers, "language": language}  # fmt: skip
    try:
        return PortfolioReportParams.model_validate(values)
    except ValidationError as exc:
        where = parameters.directory / DEFAULTS_FILE
        raise ParameterFileError(
            describe_validation_error(where, exc, PortfolioReportParams)
        ) from exc


def check_parameters_against_data(
    parameters: ParameterSet,
    departments: Mapping[str, str],
    indicator_departments: Mapping[str, str],
) -> list[Problem]:
    """Problems between the files and the database (an empty list when all is well).

    ``departments`` maps code -> name; ``indicator_departments`` maps indicator code -> owning
    department. A file for a department the database does not know is an error, and so is an
    indicator that does not exist or belongs to another department. Threshold order
    (``rag_green`` >= ``rag_amber``) is checked on every department's merged parameters.
    """
    problems = _check_department_files(parameters, departments, indicator_departments)
    defaults_path = parameters.directory / DEFAULTS_FILE
    for position, indicator in enumerate(parameters.defaults.department.indicators):
        if indicator not in indicator_departments:
            problems.append(
                problem_at(
                    "params.unknown-indicator",
                    defaults_path,
                    f"unknown indicator {indicator!r}",
                    f"department.indicators[{position}]",
                )
            )
    for code, name in sorted(departments.items()):
        try:
            resolve_department_params(parameters, code, name, "2000-01", "FY")
        except ParameterFileError as exc:
            problems += exc.problems
    try:
        resolve_summary_params(parameters, "2000-01", "FY")
    except ParameterFileError as exc:
        problems += exc.problems
    for period in parameters.defaults.portfolio.periods:
        try:
            resolve_portfolio_params(parameters, "2000-01", period)
        except ParameterFileError as exc:
            problems += exc.problems
    try:  # the status thresholds, merged as every surface merges them
        load_status_rules(parameters.directory)
    except ParameterFileError as exc:
        problems += exc.problems
    return problems


def _check_department_files(
    parameters: ParameterSet,
    departments: Mapping[str, str],
    indicator_departments: Mapping[str, str],
) -> list[Problem]:
    """Each department file names a known department and only that department's indicators."""
    problems = []
    for code, path in sorted(parameters.files.items()):
        if code not in departments:
            problems.append(
                problem_at(
                    "params.unknown-department",
                    path,
                    f"unknown department {code!r} (not in the database)",
                )
            )
            continue
        for position, indicator in enumerate(parameters.departments[code].indicators or []):
            owner = indicator_departments.get(indicator)
            key = f"indicators[{position}]"
            if owner is None:
                problems.append(
                    problem_at(
                        "params.unknown-indicator", path, f"unknown indicator {indicator!r}", key
                    )
                )
            elif owner != code:
                problems.append(
                    problem_at(
                        "params.foreign-indicator",
                        path,
                        f"indicator {indicator!r} belongs to department {owner}, not {code}",
                        key,
                    )
                )
    return problems


def departments_using_defaults(
    parameters: ParameterSet, departments: Mapping[str, str]
) -> list[str]:
    """Codes of the database's departments that have no file and so use the defaults."""
    return sorted(code for code in departments if code not in parameters.departments)


def read_declared_parameters(notebook: Path) -> list[str]:
    """Names assigned in the notebook's cell tagged ``parameters``, in order.

    Read with Python's ``ast`` rather than :func:`papermill.inspect_notebook`, whose line parser
    skips every line holding two ``=`` (so ``period = "FY"  # FY = whole year`` would vanish).
    Raises ``ValueError`` when there is no such cell, more than one, or it is not valid Python.
    """
    import ast

    import nbformat

    document = nbformat.read(str(notebook), as_version=4)
    cells = [c for c in document.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"has {len(cells)} cells tagged 'parameters' (it needs exactly one)")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as exc:
        raise ValueError(f"its parameters cell is not valid Python: {exc.msg}") from exc
    names: list[str] = []
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def check_notebook_declares(notebook: Path, model: type[BaseModel]) -> list[Problem]:
    """Problems when the notebook's ``parameters`` cell does not declare exactly the model's fields.

    Papermill injects parameters by name; a name the notebook does not declare would be
    accepted silently, so both sides must match exactly.
    """
    try:
        declared = set(read_declared_parameters(notebook))
    except (OSError, ValueError) as exc:
        return [problem_at("params.notebook-unreadable", notebook, str(exc))]
    problems = []
    expected = set(model.model_fields)
    for name in sorted(expected - declared):
        problems.append(
            problem_at(
                "params.notebook-undeclared",
                notebook,
                f"the parameters cell does not declare {name!r}",
            )
        )
    for name in sorted(declared - expected):
        problems.append(
            problem_at(
                "params.notebook-extra",
                notebook,
                f"the parameters cell declares {name!r}, which "
                f"{model.__name__} does not know (add it to kpilib.report.params)",
            )
        )
    return problems
