"""The batch as data: which reports, from which notebook, with which checked parameters.

:func:`plan_batch` does every check that can fail before a kernel starts -- parameter files
against their schema and against the database, notebooks declaring exactly the parameters we
pass, departments that exist, a fiscal year that is in the data -- and returns a
:class:`BatchPlan` that ``kpi report --list`` prints and :func:`kpilib.report.batch.run_batch`
executes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kpilib.errors import (
    FiscalPeriodError,
    NotebookParametersError,
    ParameterFileError,
    ReportBatchError,
)
from kpilib.fiscal import resolve_report_period
from kpilib.i18n import N_, Language, check_language, current_language, gettext, use_language
from kpilib.parameter_files import ENV_PARAMETERS_DIR
from kpilib.present.formatting import format_report_period
from kpilib.report.files import hash_file
from kpilib.report.naming import (
    ALWAYS_FORMATS,
    FORMATS,
    ReportName,
    batch_folder,
    name_portfolio_report,
    name_report,
)
from kpilib.report.params import (
    DepartmentReportParams,
    ParameterSet,
    PortfolioReportParams,
    SummaryReportParams,
    check_notebook_declares,
    check_parameters_against_data,
    resolve_department_params,
    resolve_portfolio_params,
    resolve_summary_params,
)
from kpilib.report.provenance import compute_code_version, compute_input_key
from kpilib.store import queries
from kpilib.store.database import mask_url
from kpilib.store.snapshot import compute_data_fingerprint
from kpilib.store.writes import read_dataset_info
from kpilib.views.selection import (
    SelectionChoices,
    check_fiscal_year_label,
    check_period_code,
    describe_report_period,
    load_selection_choices,
)
from kpilib.views.status import load_status_rules

REPORT_TITLE = N_("Service Delivery Performance Monitoring Report")
PORTFOLIO_TITLE = N_("PSE Portfolio Report")
#: Seconds one report may run before it is stopped and recorded as failed.
DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class NotebookPaths:
    """The report notebooks (``portfolio``: the PSE Portfolio Report; None: not made)."""

    department: Path
    summary: Path
    portfolio: Path | None = None

    @classmethod
    def in_folder(cls, folder: Path) -> NotebookPaths:
        """``department_report.ipynb``, ``provincial_summary.ipynb`` and
        ``pse_portfolio_report.ipynb`` (when there) in ``folder``."""
        folder = Path(folder)
        portfolio = folder / "pse_portfolio_report.ipynb"
        return cls(
            folder / "department_report.ipynb",
            folder / "provincial_summary.ipynb",
            portfolio if portfolio.is_file() else None,
        )


@dataclass(frozen=True)
class ReportJob:
    """One report to make: its name, notebook, parameters and the key of its inputs."""

    name: ReportName
    title: str
    department: str | None
    notebook: Path
    notebook_hash: str
    parameters: dict[str, Any]
    input_key: str

    @property
    def report_id(self) -> str:
        return self.name.report_id

    @property
    def language(self) -> str:
        """The language the report is written in (``en``, ``ur``)."""
        return self.name.language


@dataclass(frozen=True)
class BatchPlan:
    """Everything a batch run needs, resolved and checked."""

    fiscal_year: str
    period: str
    formats: tuple[str, ...]
    output_dir: Path
    jobs: tuple[ReportJob, ...]
    data_fingerprint: str
    code_version: str
    is_demo: bool
    data_as_of: str | None
    database: str
    database_url: str = field(repr=False)
    #: The editions made, English first when asked for (``en``: the batch folder; ``ur``: its
    #: ``ur/`` subfolder).
    languages: tuple[Language, ...] = ("en",)
    #: The parameters folder the kernels read the status thresholds from, and the fingerprint
    #: of those thresholds (part of every report's input key).
    parameters_dir: Path = Path("parameters")
    status_rules: str = ""

    @property
    def kernel_environment(self) -> dict[str, str]:
        """What a report kernel needs: the database and the parameters folder (absolute)."""
        return {
            "KPI_DATABASE_URL": self.database_url,
            ENV_PARAMETERS_DIR: str(self.parameters_dir.resolve()),
        }

    @property
    def folder(self) -> Path:
        """``<output dir>/<fiscal year>/<period>``."""
        return batch_folder(self.output_dir, self.fiscal_year, self.period)


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"html,pdf"`` -> ``("html", "pdf", "xlsx")`` in canonical order (the workbook of the
    report's tables is always written: :data:`~kpilib.report.naming.ALWAYS_FORMATS`); unknown or
    empty is an error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {item.strip().lower() for item in items if item.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise ReportBatchError(
            "--format takes a comma-separated list of "
            + ", ".join(f for f in FORMATS if f not in ALWAYS_FORMATS)
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return tuple(fmt for fmt in FORMATS if fmt in wanted or fmt in ALWAYS_FORMATS)


def _default_fiscal_year(choices: SelectionChoices) -> str:
    """The latest complete fiscal year (the dashboards open on it too)."""
    if not choices.complete_fiscal_years:
        raise ReportBatchError(
            "the database has no complete fiscal year (no June spending reported); "
            "give --fiscal-year"
        )
    return choices.default_fiscal_year


def _check_notebooks(notebooks: NotebookPaths, include_summary: bool) -> None:
    problems = check_notebook_declares(notebooks.department, DepartmentReportParams)
    if include_summary:
        problems += check_notebook_declares(notebooks.summary, SummaryReportParams)
        if notebooks.portfolio is not None:
            problems += check_notebook_declares(notebooks.portfolio, PortfolioReportParams)
    if problems:
        raise NotebookParametersError(
            str(notebooks.department.parent), "; ".join(str(p) for p in problems)
        )


def plan_batch(
    engine: Engine,
    parameters: ParameterSet,
    *,
    notebooks: NotebookPaths,
    output_dir: Path,
    departments: Sequence[str] | None = None,
    fiscal_year: str | None = None,
    period: str = "FY",
    formats: Sequence[str] = FORMATS,
    include_summary: bool = True,
    languages: Sequence[str] | None = None,
) -> BatchPlan:
    """Resolve and check a batch; nothing is executed.

    ``departments=None`` means every department in the database. ``languages`` (``["en",
    "ur"]``): the editions to make, each report once per language; None: ``language:`` of
    ``defaults.yaml`` (English unless it says otherwise). The fiscal year defaults to
    the latest complete one (:func:`kpilib.store.queries.load_latest_complete_fiscal_year`). Raises
    :class:`ParameterFileError`, :class:`NotebookParametersError` or :class:`ReportBatchError`
    with every problem found.
    """
    try:
        period = check_period_code(period)
    except FiscalPeriodError as exc:
        raise ReportBatchError(f"--{exc}") from None
    chosen_formats = parse_formats(formats)
    data = _read_batch_data(engine, fiscal_year)
    label = _check_fiscal_year(data.fiscal_year, data.known_years)
    resolve_report_period(label, period)
    problems = check_parameters_against_data(parameters, data.names, data.owners)
    if problems:
        raise ParameterFileError(problems)
    codes = _check_departments(departments, data.names, include_summary)
    _check_notebooks(notebooks, include_summary)
    chosen_languages = _check_languages(languages, parameters)
    code_version = compute_code_version()
    rules = load_status_rules(parameters.directory).fingerprint
    # The money unit changes every report's text, so it is part of each report's input key.
    shown_with = f"{rules};money={parameters.defaults.units.money}"
    jobs: tuple[ReportJob, ...] = ()
    for language in chosen_languages:
        jobs += _plan_jobs(parameters, notebooks, data, codes, label, period, include_summary,
                           code_version, shown_with, language)  # fmt: skip
    return BatchPlan(
        fiscal_year=label,
        period=period,
        formats=chosen_formats,
        output_dir=Path(output_dir),
        jobs=jobs,
        data_fingerprint=data.fingerprint,
        code_version=code_version,
        is_demo=data.info.get("is_demo") == "true",
        data_as_of=data.info.get("data_as_of"),
        database=mask_url(engine.url),
        database_url=engine.url.render_as_string(hide_password=False),
        parameters_dir=parameters.directory,
        status_rules=rules,
        languages=chosen_languages,
    )


def _check_languages(
    languages: Sequence[str] | None, parameters: ParameterSet
) -> tuple[Language, ...]:
    """The editions to make, each once, in the order given (``--language`` or the defaults)."""
    given = parameters.defaults.language if languages is None else languages
    try:
        chosen = tuple(dict.fromkeys(check_language(language) for language in given))
    except ValueError as exc:
        raise ReportBatchError(f"--language: {exc}") from None
    if not chosen:
        raise ReportBatchError("--language: give en, ur or en,ur")
    return chosen


@dataclass(frozen=True)
class _BatchData:
    """What a batch plan reads from the database."""

    names: dict[str, str]  # department code -> name
    owners: dict[str, str]  # indicator code -> department code
    known_years: list[str]  # labels of the fiscal years in the database
    fiscal_year: str  # the one asked for, else the latest complete one (as given)
    info: dict[str, str]
    fingerprint: str


def _read_batch_data(engine: Engine, fiscal_year: str | None) -> _BatchData:
    """Read what can be selected (the selection model's choices: departments, fiscal years),
    the indicators' owners, the dataset facts and the fingerprint."""
    with engine.connect() as connection:
        choices = load_selection_choices(connection)
        owners = dict(
            queries.load_indicators(connection)[["indicator_code", "department_code"]]
            .itertuples(index=False, name=None)
        )  # fmt: skip
        info = read_dataset_info(connection)
        fingerprint = compute_data_fingerprint(connection)
    label = fiscal_year or _default_fiscal_year(choices)
    names = dict(sorted(choices.departments.items()))
    return _BatchData(names, owners, list(choices.fiscal_years), label, info, fingerprint)


def _check_fiscal_year(fiscal_year: str, known_years: list[str]) -> str:
    """The fiscal year's canonical label; refused when the database does not have it."""
    label = check_fiscal_year_label(fiscal_year)
    if label not in known_years:
        raise ReportBatchError(
            f"fiscal year {label} is not in the database "
            f"(it has {', '.join(known_years) or 'none'})"
        )
    return label


def _check_departments(
    departments: Sequence[str] | None, names: dict[str, str], include_summary: bool
) -> list[str]:
    """The department codes to report on (None: all), each once; refuses unknown codes and an
    empty batch."""
    codes = sorted(names) if departments is None else list(dict.fromkeys(departments))
    unknown = [code for code in codes if code not in names]
    if unknown:
        raise ReportBatchError(
            f"unknown department(s) {', '.join(unknown)}; "
            f"the database has {', '.join(sorted(names))}"
        )
    if not codes and not include_summary:
        raise ReportBatchError("nothing to report: give --department CODE or --all")
    return codes


def _plan_jobs(
    parameters: ParameterSet,
    notebooks: NotebookPaths,
    data: _BatchData,
    codes: list[str],
    label: str,
    period: str,
    include_summary: bool,
    code_version: str,
    status_rules: str,
    language: Language = "en",
) -> tuple[ReportJob, ...]:
    """One job per report of one edition (``language``), each with its resolved parameters
    (the language among them, so it is part of the input key) and its title in that language:
    the provincial summary first (when included), then the departments in ``codes`` order."""
    with use_language(language):
        return _plan_edition(parameters, notebooks, data, codes, label, period, include_summary,
                             code_version, status_rules, language)  # fmt: skip


def _plan_edition(
    parameters: ParameterSet,
    notebooks: NotebookPaths,
    data: _BatchData,
    codes: list[str],
    label: str,
    period: str,
    include_summary: bool,
    code_version: str,
    status_rules: str,
    language: Language,
) -> tuple[ReportJob, ...]:
    paths = (notebooks.department, notebooks.summary, notebooks.portfolio)
    hashes = {path: hash_file(path) for path in paths if path is not None and path.is_file()}
    jobs: list[ReportJob] = []

    def add(name: ReportName, title: str, department: str | None, notebook: Path, values: Any):
        dumped = values.model_dump(mode="json")
        key = compute_input_key(
            dumped, hashes[notebook], data.fingerprint, code_version, status_rules
        )
        name = name.in_language(language)
        jobs.append(ReportJob(name, title, department, notebook, hashes[notebook], dumped, key))

    period_label = report_period_title(label, period)
    report_title, portfolio_title = gettext(REPORT_TITLE), gettext(PORTFOLIO_TITLE)
    if include_summary:
        add(
            name_report(label, period),
            gettext("Provincial summary: {title}, {period}").format(
                title=report_title, period=period_label
            ),
            None,
            notebooks.summary,
            resolve_summary_params(parameters, label, period, language),
        )
    portfolio = resolve_portfolio_params(parameters, label, period, language)
    if include_summary and notebooks.portfolio is not None and portfolio is not None:
        add(
            name_portfolio_report(label, period),
            gettext("{title}, {period}").format(title=portfolio_title, period=period_label),
            None,
            notebooks.portfolio,
            portfolio,
        )
    for code in codes:
        add(
            name_report(label, period, code),
            gettext("{department}: {title}, {period}").format(
                department=data.names[code], title=report_title, period=period_label
            ),
            code,
            notebooks.department,
            resolve_department_params(parameters, code, data.names[code], label, period, language),
        )
    return tuple(jobs)


def report_period_title(fiscal_year: str, period: str) -> str:
    """A batch's period in the current language: ``FY 2024-25`` or ``2024-25, year to date
    through Q2 (Jul 2024–Dec 2024)``."""
    resolved = resolve_report_period(fiscal_year, period)
    if current_language() == "en":
        return describe_report_period(resolved)
    return format_report_period(resolved)


def default_home() -> Path:
    """``KPI_HOME`` (default: the working directory): where notebooks/, parameters/ and outputs/
    are looked for."""
    return Path(os.environ.get("KPI_HOME", "."))
