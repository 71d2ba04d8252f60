"""``kpi template`` and ``kpi ingest``: blank returns, and loading submitted files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import Engine

from kpilib.cli.app import DatabaseUrl, app, console, database_url_of, writer_url_of
from kpilib.cli.output import print_table
from kpilib.errors import FiscalPeriodError, ReportPathError
from kpilib.ingest import IngestOptions, ingest_file, spec_for
from kpilib.ingest.reading import DEFAULT_MAX_MB
from kpilib.ingest.report import FileOutcome, describe_issue, write_issue_report
from kpilib.ingest.schemas import RETURN_SPECS, ReturnSpec
from kpilib.ingest.templates import TEMPLATE_FORMATS, TemplateFor, write_template
from kpilib.present.export import safe_output_path
from kpilib.problems import Problem
from kpilib.store.database import connect

ISSUES_SHOWN_PER_FILE = 20
#: The option of ``kpi ingest`` that sets what a problem found missing or wrong: ingestion's own
#: messages speak of "the PSE this return is sent for" (the portal's officers type no option),
#: and the command adds one line mapping the codes it saw to its options.
OPTION_HINTS = {
    "ingest.missing-scope": "set the PSE with --entity, the department with --department",
    "ingest.scope-mismatch": "set the PSE with --entity, the department with --department, the "
    "period with --period",
    "ingest.option-mismatch": "--entity is for PSE returns, --department for department returns",
    "ingest.missing-period": "set the quarter with --period (e.g. 2024-25Q1)",
    "ingest.missing-fiscal-year": "set the fiscal year with --period (e.g. 2024-25)",
    "ingest.bad-period": "--period takes a quarter (2024-25Q1) for a PSE return, a fiscal year "
    "(2024-25) for a department return",
    "ingest.mixed-fiscal-year": "set the fiscal year with --period",
    "ingest.unknown-return-type": "set the return type with --return-type",
    "ingest.too-large": "--max-mb raises the size limit of a file (not a return type's limits)",
    "ingest.file-note": "choose the sheet with --sheet, the CSV encoding with --encoding",
}
RETURN_TYPE_HELP = "Return type: " + ", ".join(RETURN_SPECS) + "."


@app.command("template")
def template(
    return_type: str = typer.Argument(..., help=RETURN_TYPE_HELP),
    file_format: str | None = typer.Option(
        None,
        "--format",
        help="csv, xlsx (with an Instructions sheet) or md (README table); default: told by "
        "--out's extension, else xlsx.",
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        help="File to write, named *.csv, *.xlsx or *.md (default: RETURN_TYPE.FORMAT in the "
        "working folder).",
    ),
    entity: str | None = typer.Option(
        None, "--entity", help="Pre-fill for this PSE (a PSE return): its code in entity_code."
    ),
    department: str | None = typer.Option(
        None, "--department", help="Pre-fill for this department (a department return)."
    ),
    period: str | None = typer.Option(
        None,
        "--period",
        help="Pre-fill for this quarter (2025-26Q2, a PSE return) or fiscal year (2025-26).",
    ),
) -> None:
    """Write a return template: blank, with one example row to replace, or pre-filled for a PSE
    or department and a period (--entity/--department, --period), its amounts left empty."""
    spec = spec_for(return_type)
    path, file_format = template_path(spec.return_type, out, file_format)
    target = _template_target(spec, entity, department, period)
    if target is not None and file_format == "md":
        raise typer.BadParameter("the md table has no rows to fill", param_hint="--format")
    if not path.parent.is_dir():
        raise ReportPathError(path, f"the folder {path.parent} does not exist")
    write_template(spec.return_type, file_format, path, target)
    if target is None:
        what = "blank, its example row to replace"
    else:
        what = f"for {' '.join(v for v in (target.sender, target.period) if v)}, amounts empty"
    console.print(f"Template for {spec.title} ({spec.return_type}, {what}): {escape(str(path))}",
                  soft_wrap=True)  # fmt: skip


def template_path(return_type: str, out: str | None, file_format: str | None) -> tuple[Path, str]:
    """Where ``kpi template`` writes and in which format: ``--out``'s extension decides the
    format; ``--format`` alone names the file ``RETURN_TYPE.FORMAT``; the two must agree."""
    if file_format is not None and file_format.lower() not in TEMPLATE_FORMATS:
        raise typer.BadParameter(
            f"{file_format!r}: use one of {', '.join(TEMPLATE_FORMATS)}", param_hint="--format"
        )
    given = file_format.lower() if file_format else None
    if out is None:
        return Path(f"{return_type}.{given or 'xlsx'}"), given or "xlsx"
    path = Path(out)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in TEMPLATE_FORMATS:
        raise ReportPathError(path, "name it *.csv, *.xlsx or *.md (its extension is its format)")
    if given is not None and given != suffix:
        raise ReportPathError(
            path, f"--format {given} does not match its extension .{suffix} (drop --format, or "
            f"name the file {path.with_suffix('.' + given).name})"
        )  # fmt: skip
    return path, suffix


def _template_target(spec: ReturnSpec, entity: str | None, department: str | None,
                     period: str | None) -> TemplateFor | None:  # fmt: skip
    """Whom ``kpi template``'s options pre-fill for (None: the blank template)."""
    if entity and spec.sender != "entity":
        raise typer.BadParameter(f"a {spec.title} is sent by a department: use --department",
                                 param_hint="--entity")  # fmt: skip
    if department and spec.sender != "department":
        raise typer.BadParameter(f"a {spec.title} is sent by a PSE: use --entity",
                                 param_hint="--department")  # fmt: skip
    if not (entity or department or period):
        return None
    try:
        return TemplateFor(entity or department, period).checked(spec)
    except FiscalPeriodError as error:
        raise typer.BadParameter(str(error), param_hint="--period") from None


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="CSV or XLSX return files.")],
    return_type: str | None = typer.Option(
        None, "--return-type", help=RETURN_TYPE_HELP + " Default: told from the header."
    ),
    entity: str | None = typer.Option(
        None, "--entity", help="PSE code of a PSE return (where the file has no entity_code)."
    ),
    department: str | None = typer.Option(
        None, "--department", help="Department code of a department return."
    ),
    period: str | None = typer.Option(
        None,
        "--period",
        help="Quarter of a PSE return (2024-25Q1) or year of a department return (2024-25).",
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX sheet to read."),
    encoding: str | None = typer.Option(
        None, "--encoding", help="CSV encoding, e.g. cp1252 (default: UTF-8, else cp1252)."
    ),
    max_mb: float | None = typer.Option(
        None,
        "--max-mb",
        min=0.001,
        envvar="KPI_INGEST_MAX_MB",
        help=f"Refuse files larger than this many MB (default {DEFAULT_MAX_MB:g}).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; load nothing."),
    report: str | None = typer.Option(
        None,
        "--report",
        help="Write all errors to this CSV (default: FILE.errors.csv beside each rejected file).",
    ),
    database_url: DatabaseUrl = None,
) -> None:
    """Validate return files and load each one in one transaction (a file with any error loads
    nothing). When the database is busy a load waits and tries again (with jitter) for up to
    three minutes. Exit code 1 when any file was rejected; 75 (try again later) when the only
    refusals were a database that stayed busy, so a script can send those files again."""
    if return_type is not None:
        spec_for(return_type)  # an unknown type is a usage error before any file is read
    options = IngestOptions(
        return_type=return_type, entity=entity, department=department, period=period,
        sheet=sheet, encoding=encoding, max_mb=max_mb, dry_run=dry_run,
    )  # fmt: skip
    paths = [Path(f) for f in files]
    report_path = _check_report_path(Path(report), paths) if report else None
    url = database_url_of(ctx) if dry_run else writer_url_of(ctx)
    engine = connect(url, read_only=dry_run)
    outcomes = _ingest_files(engine, paths, options)
    _print_outcomes(outcomes, dry_run)
    rejected = [(p, o) for p, o in zip(paths, outcomes, strict=True) if o.status == "rejected"]
    if rejected:
        for written in _write_reports(rejected, report_path):
            console.print(f"Error report: {escape(str(written))}")
        raise typer.Exit(EXIT_TRY_AGAIN if all(_only_busy(o) for _, o in rejected) else 1)


#: sysexits.h EX_TEMPFAIL: the failure is temporary, the same command may succeed later.
EXIT_TRY_AGAIN = 75


def _only_busy(outcome: FileOutcome) -> bool:
    return all(p.code == "ingest.database-busy" for p in outcome.errors)


def _ingest_files(engine: Engine, paths: list[Path], options: IngestOptions) -> list[FileOutcome]:
    """Ingest each file in turn, behind a progress bar when there are several."""
    outcomes: list[FileOutcome] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), console=console,
                  transient=True, disable=len(paths) < 2) as bar:  # fmt: skip
        task = bar.add_task("Ingesting", total=len(paths))
        for path in paths:
            bar.update(task, description=f"Ingesting {escape(path.name)}")
            outcomes.append(ingest_file(engine, path, options))
            bar.advance(task)
    return outcomes


def _print_outcomes(outcomes: list[FileOutcome], dry_run: bool) -> None:
    """Each file's issues, the summary table, each file's detail and the counts."""
    for outcome in outcomes:
        _print_issues(outcome)
    hint = option_hint(outcomes)
    if hint:
        console.print(Text(hint, style="dim"))
    print_table(_summary_table(outcomes, dry_run))
    for outcome in outcomes:
        if outcome.detail:
            console.print(Text(f"{outcome.file}: {outcome.detail}"))
    counts = {s: sum(o.status == s for o in outcomes) for s in _STATUS}
    if dry_run:
        done = f"{counts['valid']} valid (dry run)"
    else:
        done = f"{counts['loaded']} loaded, {counts['unchanged']} unchanged"
    console.print(f"{len(outcomes)} file(s): {done}, {counts['rejected']} rejected")


def option_hint(outcomes: list[FileOutcome]) -> str:
    """One line naming, for each problem code seen that an option settles, that option."""
    seen = dict.fromkeys(i.code for o in outcomes for i in o.issues if i.code in OPTION_HINTS)
    return "Options: " + "; ".join(f"{code}: {OPTION_HINTS[code]}" for code in seen) if seen else ""


def _print_issues(outcome: FileOutcome) -> None:
    issues = outcome.errors + outcome.warnings
    if not issues:
        return
    console.print(Text(f"{outcome.file}:", style="bold"))
    for issue in issues[:ISSUES_SHOWN_PER_FILE]:
        style = "red" if issue.severity == "error" else "yellow"
        line = Text(f"  {issue.severity}: ", style=style)
        line.append(describe_issue(issue))
        console.print(line)
    if len(issues) > ISSUES_SHOWN_PER_FILE:
        console.print(f"  … and {len(issues) - ISSUES_SHOWN_PER_FILE} more (see the error report)")


_STATUS = {
    "loaded": "[green]loaded[/]",
    "unchanged": "[cyan]unchanged[/]",
    "valid": "[green]valid[/]",
    "rejected": "[bold red]rejected[/]",
}


def _summary_table(outcomes: list[FileOutcome], dry_run: bool) -> Table:
    title = "Dry run: nothing was loaded" if dry_run else "Ingestion summary"
    summary = Table("File", "Return", "For", "Rows", "Accepted", "Rejected", "Warnings",
                    "Result", title=title)  # fmt: skip
    for o in outcomes:
        result = _STATUS[o.status]
        summary.add_row(Text(o.file), Text(o.return_type or "?"), Text(o.scope), f"{o.rows:,}",
                        f"{o.accepted_rows:,}", f"{o.rejected_rows:,}", f"{len(o.warnings):,}",
                        result)  # fmt: skip
    return summary


def _check_report_path(report: Path, inputs: list[Path]) -> Path:
    """Refuse a report path that is not a CSV, is one of the inputs, or has no folder — before
    any file is loaded."""
    if report.suffix.lower() != ".csv":
        raise ReportPathError(report, "the error report is a CSV file: name it *.csv")
    if any(report.resolve() == p.resolve() for p in inputs):
        raise ReportPathError(report, "that is one of the input files")
    if not report.parent.is_dir():
        raise ReportPathError(report, f"the folder {report.parent} does not exist")
    return report


def _write_reports(rejected: list[tuple[Path, FileOutcome]], report: Path | None) -> list[Path]:
    issues: list[Problem] = [i for _, o in rejected for i in o.issues]
    if report is not None:
        return [write_issue_report(issues, report)]
    written = []
    for path, outcome in rejected:
        if not path.is_file():
            continue  # the file itself could not be found; its error was printed
        target = safe_output_path(path.parent, f"{path.name}.errors.csv")
        try:
            written.append(write_issue_report(outcome.issues, target))
        except OSError as error:
            raise ReportPathError(target, error.strerror or str(error)) from None
    return written
