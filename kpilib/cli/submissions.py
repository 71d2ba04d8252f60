"""``kpi submissions``: returns received and missing, and every version of a return."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import Connection

from kpilib.cli.app import (
    DatabaseUrl,
    app,
    console,
    database_url_of,
    error_console,
    parse_date_option,
)
from kpilib.cli.output import JsonOutput, print_records, print_table
from kpilib.errors import ReportPathError
from kpilib.ingest import spec_for
from kpilib.ingest.status import (
    check_sender,
    load_history,
    load_outstanding,
    load_received,
    resolve_as_of,
)
from kpilib.present.export import write_csv, write_xlsx
from kpilib.store.database import connect

submissions_app = typer.Typer(
    help="Returns received and missing (`kpi submissions`), and their versions (`history`).",
    invoke_without_command=True,
)
app.add_typer(submissions_app, name="submissions")


def _show(frame: pd.DataFrame, title: str, limit: int) -> None:
    table = Table(*frame.columns, title=title)
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(Text("" if v is None or v is pd.NA or v != v else str(v)) for v in row))
    print_table(table)
    if len(frame) > limit:
        console.print(f"… {len(frame) - limit:,} more rows (raise --limit, or --out FILE)")


def _export(frame: pd.DataFrame, target: str | None, as_json: bool) -> None:
    """Write ``frame`` to ``--out`` (when given); print it as JSON with ``--json``."""
    if as_json:
        print_records(frame)
    if target is None:
        return
    out = Path(target)
    if not out.parent.is_dir():
        raise ReportPathError(out, f"the folder {out.parent} does not exist")
    if out.suffix.lower() == ".xlsx":
        write_xlsx(frame, out, "submissions")
    elif out.suffix.lower() == ".csv":
        write_csv(frame, out)
    else:
        raise ReportPathError(out, "name the file *.csv or *.xlsx")
    (error_console if as_json else console).print(f"Written to {out}")  # stdout: JSON only


def _outstanding(connection: Connection, day: date, types: list[str] | None, sender: str | None,
                 period: str | None) -> pd.DataFrame:  # fmt: skip
    """The returns outstanding on ``day`` that match the filters."""
    frame = load_outstanding(connection, day)
    if types:
        frame = frame[frame["return_type"].isin(types)]
    if sender:
        frame = frame[frame["entity_code"].str.upper() == sender]
    if period:
        frame = frame[frame["period_code"] == period.strip().upper()]
    return frame


@submissions_app.callback()
def submissions(
    ctx: typer.Context,
    outstanding: bool = typer.Option(
        False, "--outstanding", help="List the returns due and not received instead."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Date (YYYY-MM-DD) to judge by (default: the data's as-of date, else today).",
    ),
    return_type: str | None = typer.Option(None, "--return-type", help="Only this return type."),
    sender: str | None = typer.Option(None, "--sender", help="Only this PSE or department code."),
    period: str | None = typer.Option(None, "--period", help="Only this period, e.g. 2024-25Q1."),
    limit: int = typer.Option(50, "--limit", min=1, help="Rows to show on screen."),
    out: str | None = typer.Option(None, "--out", help="Also write the list to a .csv/.xlsx."),
    as_json: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List the returns received (current versions), or with --outstanding the missing ones
    (most recently due first)."""
    if ctx.invoked_subcommand is not None:
        return
    day = parse_date_option(as_of, "--as-of")
    types = [spec_for(return_type).return_type] if return_type else None
    with connect(database_url_of(ctx), read_only=True).connect() as connection:
        sender = check_sender(connection, sender) if sender else None
        day = resolve_as_of(connection, day)
        if outstanding:
            frame = _outstanding(connection, day, types, sender, period)
            if not as_json:
                title = f"{len(frame):,} returns outstanding as of {day}"
                _show(frame.drop(columns=["category"]), title, limit)
        else:
            frame = load_received(connection, day, types, sender, period)
            late = int((frame["on_time"] == False).sum())  # noqa: E712 - None stays out
            shown = frame.rename(columns={"received_date": "received"})[
                ["submission_id", "return_type", "sender", "period_code", "received",
                 "due_date", "on_time", "version"]
            ]  # fmt: skip
            if not as_json:
                _show(shown, f"{len(frame):,} returns received by {day} ({late:,} late)", limit)
    _export(frame.reset_index(drop=True), out, as_json)


@submissions_app.command("history")
def history(
    ctx: typer.Context,
    return_type: str | None = typer.Option(None, "--return-type", help="Only this return type."),
    sender: str | None = typer.Option(None, "--sender", help="Only this PSE or department code."),
    period: str | None = typer.Option(None, "--period", help="Only this period, e.g. 2024-25Q1."),
    limit: int = typer.Option(50, "--limit", min=1, help="Rows to show on screen."),
    out: str | None = typer.Option(None, "--out", help="Also write the list to a .csv/.xlsx."),
    as_json: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Every version of the matching returns, superseded ones included, oldest first."""
    kind = spec_for(return_type).return_type if return_type else None
    with connect(database_url_of(ctx), read_only=True).connect() as connection:
        sender = check_sender(connection, sender) if sender else None
        frame = load_history(connection, kind, sender, period)
    shown = frame.assign(received=[str(v)[:16] for v in frame["received_at"]])[
        ["submission_id", "return_type", "sender", "period_code", "version", "status",
         "supersedes_id", "received", "submitted_by", "file_name"]
    ]  # fmt: skip
    if not as_json:
        _show(shown, f"{len(frame):,} submissions (all versions)", limit)
    _export(frame, out, as_json)
