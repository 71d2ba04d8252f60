"""``kpi report`` (the report batch) and ``kpi params check`` (the parameter files)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from kpilib.cli.app import DatabaseUrl, app, console, error_console, reader_url_of
from kpilib.cli.output import print_table
from kpilib.errors import ParameterFileError
from kpilib.i18n import UnknownLanguageError, parse_languages
from kpilib.kpis.governance_rules import GOVERNANCE_DIR, load_rulebook
from kpilib.kpis.stress_scenarios import STRESS_FILE, read_stress_file
from kpilib.kpis.support_params import SUPPORT_FILE, read_support_params
from kpilib.problems import Problem
from kpilib.report.manifest import ReportRecord, is_unchanged, read_manifest
from kpilib.report.params import (
    DepartmentReportParams,
    PortfolioReportParams,
    SummaryReportParams,
    check_notebook_declares,
    check_parameters_against_data,
    departments_using_defaults,
    load_parameter_set,
)
from kpilib.report.plan import DEFAULT_TIMEOUT, BatchPlan, NotebookPaths, default_home, plan_batch
from kpilib.store.database import connect
from kpilib.views.status import StatusRules, load_status_rules

#: A Dask scheduler address: tcp:// or tls:// then a host name or address and a port.
_SCHEDULER = re.compile(
    r"(tcp|tls)://[A-Za-z0-9.\-]+:[0-9]{1,5}|(tcp|tls)://\[[0-9a-fA-F:]+\]:[0-9]{1,5}"
)

# kpilib.report.batch (nbconvert, jupyter_client, Playwright) is imported only when a batch runs.

params_app = typer.Typer(help="Check the report parameter files.", no_args_is_help=True)
app.add_typer(params_app, name="params")

PARAMETERS_DIR_OPTION = typer.Option(
    None, "--parameters-dir", help="Folder of defaults.yaml and departments/ (default: parameters)."
)
NOTEBOOKS_DIR_OPTION = typer.Option(
    None, "--notebooks-dir", help="Folder of the report notebooks (default: notebooks)."
)
CONTINUE_ON_ERROR_OPTION = typer.Option(
    True,
    "--continue-on-error/--stop-on-error",
    help="Keep making the other reports when one fails (default), or start no new one.",
)
EXECUTOR_OPTION = typer.Option(
    "local",
    "--executor",
    help="local: warm kernels on this machine (default); dask: tasks on a Dask cluster.",
)
SCHEDULER_OPTION = typer.Option(
    None,
    "--scheduler",
    envvar="KPI_DASK_SCHEDULER",
    help="Address of the Dask scheduler for --executor dask, e.g. tcp://HOST:8786.",
    show_envvar=True,
)


def _folder(given: Path | None, name: str) -> Path:
    return given if given is not None else default_home() / name


def _load_lookup(ctx: typer.Context) -> tuple[dict[str, str], dict[str, str]]:
    from kpilib.store import queries

    engine = connect(reader_url_of(ctx), read_only=True)
    with engine.connect() as connection:
        departments = queries.load_departments(connection)
        indicators = queries.load_indicators(connection)
    return (
        dict(zip(departments["department_code"], departments["department_name"], strict=True)),
        dict(zip(indicators["indicator_code"], indicators["department_code"], strict=True)),
    )


@params_app.command("check")
def params_check(
    ctx: typer.Context,
    parameters_dir: Path | None = PARAMETERS_DIR_OPTION,
    notebooks_dir: Path | None = NOTEBOOKS_DIR_OPTION,
    database_url: DatabaseUrl = None,
) -> None:
    """Validate parameters/defaults.yaml and every departments/<CODE>.yaml before a batch.

    Checks the schema (unknown keys, types, bounds), that every file names a department of the
    database and only that department's indicators, and that the notebooks declare exactly the
    parameters passed to them. Lists the departments that have no file and so use the defaults.
    """
    folder = _folder(parameters_dir, "parameters")
    notebooks = NotebookPaths.in_folder(_folder(notebooks_dir, "notebooks"))
    problems: list[Problem] = []
    try:
        parameters = load_parameter_set(folder)
    except ParameterFileError as exc:
        parameters, problems = None, list(exc.problems)
    departments, indicators = _load_lookup(ctx)
    if parameters is not None:
        problems += check_parameters_against_data(parameters, departments, indicators)
    problems += check_notebook_declares(notebooks.department, DepartmentReportParams)
    problems += check_notebook_declares(notebooks.summary, SummaryReportParams)
    if notebooks.portfolio is not None:
        problems += check_notebook_declares(notebooks.portfolio, PortfolioReportParams)
    problems += _check_rulebook(folder)
    problems += _check_support_params(folder)
    problems += _check_stress_scenarios(folder)
    if parameters is not None:
        console.print(
            f"Read {folder / 'defaults.yaml'} and {len(parameters.files)} department file(s) "
            f"for {len(departments)} department(s) in the database."
        )
        using_defaults = departments_using_defaults(parameters, departments)
        if using_defaults:
            console.print(
                f"{len(using_defaults)} department(s) have no file and use the defaults: "
                + ", ".join(using_defaults)
            )
        else:
            console.print("Every department has its own parameter file.")
    if problems:
        for problem in problems:
            error_console.print(f"[red]✗[/] {problem}", highlight=False, soft_wrap=True)
        error_console.print(f"[bold red]{len(problems)} problem(s) found.[/]")
        raise typer.Exit(1)
    console.print("[green]✓[/] The report parameters are valid.")


def _check_rulebook(folder: Path) -> list[Problem]:
    """The governance rulebook's problems (``governance/``, when the folder has one)."""
    if not (folder / GOVERNANCE_DIR).is_dir():
        return []
    try:
        rulebook = load_rulebook(folder / GOVERNANCE_DIR)
    except ParameterFileError as exc:
        return list(exc.problems)
    console.print(
        f"Read the governance rulebook: {len(rulebook.categories)} PSE categories, "
        f"{len(rulebook.rule_ids())} rules."
    )
    return []


def _check_stress_scenarios(folder: Path) -> list[Problem]:
    """The stress scenarios' problems (``stress.yaml``, when the folder has one)."""
    if not (folder / STRESS_FILE).is_file():
        return []
    try:
        scenarios = read_stress_file(folder / STRESS_FILE)
    except ParameterFileError as exc:
        return list(exc.problems)
    console.print(f"Read the stress scenarios: {len(scenarios.scenarios)} scenario(s).")
    return []


def _print_plan(plan: BatchPlan, force: bool) -> None:
    previous = read_manifest(plan.folder)
    rules = load_status_rules(plan.parameters_dir)
    table = Table(
        Column("Report", no_wrap=True), "Sections", "Indicators", "Thresholds", "Officer", "Will",
        title=(
            f"Batch {plan.fiscal_year} {plan.period}: {len(plan.jobs)} report(s) -> {plan.folder} "
            f"({', '.join(plan.formats)}; {', '.join(plan.languages)})"
        ),
    )  # fmt: skip
    for job in plan.jobs:
        values = job.parameters
        earlier = previous.record(job.report_id) if previous else None
        unchanged = is_unchanged(earlier, job.input_key, plan.formats, plan.folder)
        will = "skip (unchanged)" if unchanged and not force else "run"
        table.add_row(
            job.report_id,
            ", ".join(values.get("sections", [])) or "-",
            ", ".join(values.get("indicators", [])) or ("all" if job.department else "-"),
            _thresholds(rules, job.department),
            values.get("officer_title", "-"),
            will,
        )
    print_table(table)
    console.print(f"Data fingerprint {plan.data_fingerprint[:16]}, code {plan.code_version}")


def _thresholds(rules: StatusRules, department: str | None) -> str:
    """A report's status thresholds (spending against plan), as every surface uses them."""
    thresholds = rules.rule("budget_execution", department).thresholds
    return f"green {thresholds.green:g}, amber {thresholds.amber:g}"


class _ProgressView:
    """A progress bar with the counts of reports done, running and failed."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("Reports", total=total, running=0, failed=0)
        self.running: set[str] = set()
        self.failed = 0

    def __call__(self, event: Any) -> None:
        record: ReportRecord | None = event.record
        if event.kind == "started":
            self.running.add(event.report_id)
        elif event.kind == "finished" and record is not None:
            self.running.discard(event.report_id)
            if not record.ok:
                self.failed += 1
                console.print(f"[red]✗ {event.report_id}[/]: {record.error}", highlight=False)
            self.progress.advance(self.task)
        elif event.kind == "worker_failed":
            console.print(f"[yellow]A worker stopped: {event.message}[/]", highlight=False)
        self.progress.update(self.task, running=len(self.running), failed=self.failed)


LANGUAGE_OPTION = typer.Option(
    None,
    "--language",
    help="The editions to make: en (English), ur (Urdu, right to left) or en,ur (both side "
    "by side: English in the batch folder, Urdu in its ur/ subfolder, the index linking "
    "both). Default: language in parameters/defaults.yaml (en).",
)


@app.command("report")
def report(
    ctx: typer.Context,
    department: Annotated[
        list[str] | None,
        typer.Option("--department", "-d", help="Department code (repeat for several)."),
    ] = None,
    all_departments: bool = typer.Option(
        False, "--all", help="Every department in the database, plus the provincial summary."
    ),
    fiscal_year: str | None = typer.Option(
        None, "--fiscal-year", help="e.g. 2024-25 (default: the latest complete fiscal year)."
    ),
    period: str = typer.Option(
        "FY", "--period", help="FY (whole year) or Q1..Q4 (year to date through that quarter)."
    ),
    formats: str = typer.Option(
        "html,pdf,ipynb", "--format", help="Comma-separated output formats: html, pdf, ipynb."
    ),
    workers: int = typer.Option(
        min(os.cpu_count() or 2, 8), "--workers", min=1, max=32, help="Reports run in parallel."
    ),
    timeout: float = typer.Option(
        DEFAULT_TIMEOUT, "--timeout", min=1.0, help="Seconds one report may take before it fails."
    ),
    force: bool = typer.Option(
        False, "--force", help="Rebuild reports whose inputs are unchanged."
    ),
    continue_on_error: bool = CONTINUE_ON_ERROR_OPTION,
    executor: str = EXECUTOR_OPTION,
    scheduler: str | None = SCHEDULER_OPTION,
    language: str | None = LANGUAGE_OPTION,
    list_only: bool = typer.Option(
        False, "--list", help="Show the resolved batch (reports x parameters) and run nothing."
    ),
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", help="Where <fiscal-year>/<period>/ goes (default: outputs)."),
    ] = None,
    parameters_dir: Path | None = PARAMETERS_DIR_OPTION,
    notebooks_dir: Path | None = NOTEBOOKS_DIR_OPTION,
    database_url: DatabaseUrl = None,
) -> None:
    """Make the Service Delivery Performance Monitoring Reports.

    One report per department (--all adds the provincial summary), index.html and manifest.json
    under <output-dir>/<fiscal-year>/<period>/; with --language en,ur the Urdu edition too, in
    its ur/ subfolder (ur/index.html: the index in Urdu). Reports whose inputs (parameters,
    data, notebook, code, language) are unchanged since the last run are kept, unless --force.
    A failing report does not stop the others; the exit code is then 1.
    """
    executor = _check_report_options(department, all_departments, executor, scheduler)
    languages = _check_languages(language)
    plan = _plan_report_batch(ctx, department, all_departments, fiscal_year, period, formats,
                              output_dir, parameters_dir, notebooks_dir, languages)  # fmt: skip
    if list_only:
        _print_plan(plan, force)
        return
    _run_report_batch(plan, workers, timeout, force, continue_on_error, executor, scheduler)


def _check_report_options(
    department: list[str] | None, all_departments: bool, executor: str, scheduler: str | None
) -> str:
    """Refuse contradictory or malformed options; the executor's name in lower case."""
    if not department and not all_departments:
        raise typer.BadParameter("give --department CODE (repeatable) or --all")
    if department and all_departments:
        raise typer.BadParameter("give either --department or --all, not both")
    executor = executor.lower()
    if executor not in ("local", "dask"):
        raise typer.BadParameter(f"--executor {executor!r}: use local or dask")
    if executor == "dask" and not scheduler:
        raise typer.BadParameter("--executor dask needs --scheduler tcp://HOST:8786")
    if scheduler and not _SCHEDULER.fullmatch(scheduler):
        raise typer.BadParameter(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT")
    return executor


def _check_languages(text: str | None) -> list[str] | None:
    """``--language en,ur`` as a list (None: the parameter files decide)."""
    if text is None:
        return None
    try:
        return list(parse_languages(text))
    except UnknownLanguageError as exc:
        raise typer.BadParameter(f"--language: {exc}") from None


def _plan_report_batch(
    ctx: typer.Context,
    department: list[str] | None,
    all_departments: bool,
    fiscal_year: str | None,
    period: str,
    formats: str,
    output_dir: Path | None,
    parameters_dir: Path | None,
    notebooks_dir: Path | None,
    languages: list[str] | None = None,
) -> BatchPlan:
    """Resolve the batch on the reader database: reports, parameters, folders, editions."""
    engine = connect(reader_url_of(ctx), read_only=True)
    return plan_batch(
        engine,
        load_parameter_set(_folder(parameters_dir, "parameters")),
        notebooks=NotebookPaths.in_folder(_folder(notebooks_dir, "notebooks")),
        output_dir=_folder(output_dir, "outputs"),
        departments=None if all_departments else [code.upper() for code in department or []],
        fiscal_year=fiscal_year,
        period=period.upper(),
        formats=formats,
        include_summary=all_departments,
        languages=languages,
    )


def _run_report_batch(
    plan: BatchPlan,
    workers: int,
    timeout: float,
    force: bool,
    continue_on_error: bool,
    executor: str,
    scheduler: str | None,
) -> None:
    """Run the batch behind a progress bar, then say what it did; exit 1 when a report failed,
    130 when interrupted."""
    from kpilib.report.batch import BatchOptions, run_batch

    options = BatchOptions(
        workers=workers, timeout=timeout, force=force, stop_on_error=not continue_on_error,
        executor="dask" if executor == "dask" else "local", scheduler=scheduler,
    )  # fmt: skip
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("running {task.fields[running]} · failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )  # fmt: skip
    try:
        with Progress(*columns, console=console) as progress:
            result = run_batch(plan, options, _ProgressView(progress, len(plan.jobs)))
    except KeyboardInterrupt:
        error_console.print(
            f"Interrupted: finished reports are kept; see {plan.folder / 'index.html'}."
        )
        raise typer.Exit(130) from None
    counts = result.counts
    console.print(
        f"{counts['built']} built, {counts['unchanged']} unchanged, {counts['failed']} failed, "
        f"{counts['interrupted']} not run, in {plan.folder}"
    )
    console.print(f"Index: {plan.folder / 'index.html'}  Manifest: {plan.folder / 'manifest.json'}")
    for language in plan.languages:
        if language != "en":
            console.print(f"Index ({language}): {plan.folder / language / 'index.html'}")
    if not result.succeeded:
        raise typer.Exit(1)


def _check_support_params(folder: Path) -> list[Problem]:
    """The problems of ``support.yaml`` (the government-support tolerances), when present."""
    if not (folder / SUPPORT_FILE).is_file():
        return []
    try:
        read_support_params(folder / SUPPORT_FILE)
    except ParameterFileError as exc:
        return list(exc.problems)
    console.print(f"Read the government-support parameters ({SUPPORT_FILE}).")
    return []
