"""``kpi deliver`` and ``kpi remind``: reports and reminders by e-mail (SMTP from the
environment)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpilib.cli.app import (
    DatabaseUrl,
    app,
    console,
    error_console,
    parse_date_option,
    writer_url_of,
)
from kpilib.cli.output import JsonOutput, print_records, print_table
from kpilib.fiscal import pakistan_today
from kpilib.report.params import load_parameter_set
from kpilib.report.plan import default_home
from kpilib.store.database import connect

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kpilib.delivery.smtp import SmtpSettings

ENV_REMIND_DAYS = "KPI_REMIND_DAYS"


def _results_table(title: str, columns: list[str], rows: list[dict[str, str]]) -> Table:
    table = Table(*[c.capitalize() for c in columns], title=title)
    styles = {"sent": "green", "failed": "bold red", "already sent": "cyan", "would send": ""}
    for row in rows:
        cells = [Text(str(row.get(c, ""))) for c in columns]
        cells[columns.index("result")].stylize(styles.get(row["result"], ""))
        table.add_row(*cells)
    return table


def _smtp(dry_run: bool, say: Console) -> SmtpSettings | None:
    from kpilib.delivery.smtp import SmtpSettings

    if dry_run:
        return None
    settings = SmtpSettings.from_env()
    say.print(f"Sending through {settings.describe()} as {settings.sender}.", highlight=False)
    return settings


def _print_results(title: str, columns: list[str], rows: list[dict[str, str]],
                   as_json: bool) -> None:  # fmt: skip
    """The results as a table, or with --json as records (the columns' keys, in order)."""
    if as_json:
        print_records([{c: row.get(c) for c in columns} for row in rows])
    else:
        print_table(_results_table(title, columns, rows))


@app.command("deliver")
def deliver_command(
    ctx: typer.Context,
    fiscal_year: str = typer.Option(..., "--fiscal-year", help="Fiscal year, e.g. 2024-25."),
    period: str = typer.Option("FY", "--period", help="FY, Q1, Q2, Q3 or Q4."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be sent; send nothing."),
    force: bool = typer.Option(False, "--force", help="Send again what was already sent."),
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", help="Folder of the reports (default: outputs).")
    ] = None,
    parameters_dir: Annotated[
        Path | None,
        typer.Option(
            "--parameters-dir", help="Folder of the parameter files (default: parameters)."
        ),
    ] = None,
    as_json: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:
    """E-mail each department's report to the recipients of its parameter file, the provincial
    summary to the province's list and the PSE Portfolio Report to portfolio.recipients
    (parameters/defaults.yaml), PDF and HTML attached.

    Every attempt is recorded; what was already sent (same report files, same recipient) is not
    sent again unless --force; a refused recipient does not stop the others (exit code 1).
    """
    from kpilib.delivery.reports import deliver, plan_mails

    parameters = load_parameter_set(parameters_dir or default_home() / "parameters")
    engine = connect(writer_url_of(ctx))
    names = _department_names(engine) if parameters.defaults.mail_languages else {}
    mails = plan_mails(output_dir or default_home() / "outputs", parameters, fiscal_year, period,
                       names)  # fmt: skip
    say = error_console if as_json else console  # with --json, stdout holds the JSON alone
    settings = _smtp(dry_run, say)
    result = deliver(engine, mails, settings, fiscal_year, period, dry_run=dry_run, force=force)
    title = "Dry run: nothing was sent" if dry_run else f"Delivery of {fiscal_year} {period}"
    _print_results(title, ["report", "recipient", "result", "error"], result.rows, as_json)
    say.print(
        f"{len(mails)} report(s) with recipients: {result.count('sent')} sent, "
        f"{result.count('already sent')} already sent, {result.count('failed')} failed"
        + (f", {result.count('would send')} would be sent" if dry_run else "")
    )
    if result.count("failed"):
        raise typer.Exit(1)


def _department_names(engine: Engine) -> dict[str, tuple[str, str | None]]:
    """Each department's English and Urdu names (the subjects of Urdu e-mails)."""
    import pandas as pd

    from kpilib.store.queries import load_departments

    with engine.connect() as connection:
        frame = load_departments(connection)
    names: dict[str, tuple[str, str | None]] = {}
    for code, english, urdu in zip(frame["department_code"], frame["department_name"],
                                   frame["department_name_ur"], strict=True):  # fmt: skip
        names[str(code)] = (str(english), None if pd.isna(urdu) else str(urdu))
    return names


def _mail_languages(parameters_dir: Path | None) -> dict[str, str]:
    """``mail_languages:`` of defaults.yaml (every address English when there is none)."""
    folder = parameters_dir or default_home() / "parameters"
    if parameters_dir is None and not (folder / "defaults.yaml").is_file():
        return {}
    return dict(load_parameter_set(folder).defaults.mail_languages)


@app.command("remind")
def remind_command(
    ctx: typer.Context,
    as_of: str | None = typer.Option(
        None, "--as-of", help="The day to remind for (YYYY-MM-DD; default: today)."
    ),
    days: int = typer.Option(
        int(os.environ.get(ENV_REMIND_DAYS, "7") or 7),
        "--days",
        min=0,
        max=90,
        help=f"Remind returns due within this many days, or with --reviewers returns waiting "
        f"longer for review (default 7, or {ENV_REMIND_DAYS}).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the reminders; send nothing."),
    reviewers: bool = typer.Option(
        False,
        "--reviewers",
        help="Remind department reviewers instead: those whose queue holds returns waiting "
        "more than --days days (once a day at most).",
    ),
    parameters_dir: Annotated[
        Path | None,
        typer.Option(
            "--parameters-dir",
            help="Folder of the parameter files, for the e-mail "
            "languages of defaults.yaml (default: parameters).",
        ),
    ] = None,
    as_json: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:
    """E-mail each PSE whose return is due within --days days, late, or returned for
    correction, at the addresses of its access links (kpi access grant --email). Each reminder
    is sent once. With --reviewers, e-mail the reviewers whose review queue has returns older
    than --days days."""
    from kpilib.delivery import reminders

    day = parse_date_option(as_of, "--as-of") or pakistan_today()
    engine = connect(writer_url_of(ctx))
    say = error_console if as_json else console  # with --json, stdout holds the JSON alone
    settings = _smtp(dry_run, say)
    languages = _mail_languages(parameters_dir)
    if reviewers:
        planned = reminders.plan_reviewer_reminders(engine, day, days, languages)
        rows = reminders.send_reviewer_reminders(engine, planned, settings, day, dry_run=dry_run)
        columns = ["department", "waiting", "overdue", "oldest", "recipient", "result", "error"]
    else:
        mails = reminders.plan_reminders(engine, day, days, languages)
        rows = reminders.send_reminders(engine, mails, settings, day, dry_run=dry_run)
        columns = ["entity", "return", "period", "kind", "recipient", "result", "error"]
    title = "Dry run: nothing was sent" if dry_run else f"Reminders as of {day}"
    _print_results(title, columns, rows, as_json)
    counts = {k: sum(r["result"] == k for r in rows) for k in ("sent", "already sent", "failed")}
    say.print(
        f"{len(rows)} reminder(s): {counts['sent']} sent, {counts['already sent']} already sent, "
        f"{counts['failed']} failed"
    )
    if counts["failed"]:
        raise typer.Exit(1)
