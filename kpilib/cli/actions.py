"""``kpi actions``: the follow-up of red flags (open actions from the flags, list them)."""

from __future__ import annotations

import json
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from kpilib.cli.app import (
    DatabaseUrl,
    app,
    console,
    parse_date_option,
    reader_url_of,
    writer_url_of,
)
from kpilib.fiscal import FiscalYear
from kpilib.ingest.status import resolve_as_of
from kpilib.kpis.actions import (
    STATUS_LABELS,
    Actor,
    action_kpis,
    close_action,
    escalate_action,
    mark_overdue,
    open_actions_for_flags,
)
from kpilib.store.actions import load_actions
from kpilib.store.database import connect
from kpilib.store.writes import current_actor
from kpilib.views.followup import current_flag_candidates, load_follow_up_rules

actions_app = typer.Typer(
    help="Follow up red flags: every flag becomes an action the PSE answers and the "
    "department's reviewer closes or escalates.",
    no_args_is_help=True,
)
app.add_typer(actions_app, name="actions")

Year = Annotated[str, typer.Option("--year", help="Fiscal year, e.g. 2024-25.")]


@actions_app.command("open")
def open_command(
    ctx: typer.Context,
    year: Year,
    period: str = typer.Option("FY", help="Report period whose flags are read: FY or Q1-Q4."),
    on: str | None = typer.Option(
        None, help="Opening date (YYYY-MM-DD); default the data's as-of date, else today."
    ),
    database_url: DatabaseUrl = None,
) -> None:
    """Open an action for every red flag of the year that has none yet.

    Reads the flags the reports show (PSEs at very high risk, budget and indicator flags) and
    the governance breaches; each becomes an action owned by its department (and PSE), due
    after the days set per severity under follow_up: in parameters/defaults.yaml. Running it
    again opens only the flags raised since: a flag keeps its one action for the year.
    """
    fiscal_year = FiscalYear.parse(year)
    rules = load_follow_up_rules()
    engine = connect(writer_url_of(ctx))
    with engine.connect() as connection:
        opened_on = resolve_as_of(connection, parse_date_option(on, "--on"))
    candidates = current_flag_candidates(engine, fiscal_year.label, period, rules)
    with engine.begin() as connection:
        result = open_actions_for_flags(
            connection, candidates, fiscal_year=fiscal_year.start_year, period_code=period,
            opened_on=opened_on, rules=rules,
        )  # fmt: skip
    engine.dispose()
    console.print(
        f"{len(result.opened)} action(s) opened, {result.existing} flag(s) already followed up"
        + (f", {result.skipped} without a known owner" if result.skipped else ""),
        highlight=False,
    )


@actions_app.command("list")
def list_command(
    ctx: typer.Context,
    year: Annotated[str | None, typer.Option("--year", help="Only this fiscal year.")] = None,
    department: str | None = typer.Option(None, help="Only this department (code, e.g. HLT)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only actions past their due date."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date overdue is judged on; default the data's as-of date."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the actions as JSON."),
    database_url: DatabaseUrl = None,
) -> None:
    """List the actions, soonest due first: status, owner, due date, days overdue.

    Overdue: no answer by the due date (an action due today is not overdue yet).
    """
    engine = connect(reader_url_of(ctx), read_only=True)
    with engine.connect() as connection:
        when = resolve_as_of(connection, parse_date_option(as_of, "--as-of"))
        frame = load_actions(
            connection, department_code=department,
            fiscal_year=FiscalYear.parse(year).start_year if year else None,
        )  # fmt: skip
    engine.dispose()
    frame = mark_overdue(frame, when)
    if overdue:
        frame = frame[frame["overdue"]]
    if as_json:
        columns = [
            "action_id",
            "kind",
            "department_code",
            "entity_code",
            "severity",
            "subject",
            "message",
            "opened_on",
            "due_on",
            "status",
            "overdue",
            "days_overdue",
        ]
        records = json.loads(frame[columns].to_json(orient="records", date_format="iso"))
        console.print_json(json.dumps(records))
        return
    if frame.empty:
        console.print("No actions match.")
        return
    _print_table(frame)


def _print_table(frame: pd.DataFrame) -> None:
    table = Table("Id", "Owner", "Flag", "Severity", "Due", "Status")
    for row in frame.to_dict("records"):
        owner = row["entity_code"] or row["department_code"]
        late = f" ({row['days_overdue']} days overdue)" if row["overdue"] else ""
        table.add_row(str(row["action_id"]), str(owner), str(row["subject"]), row["severity"],
                      str(row["due_on"]), STATUS_LABELS[row["status"]] + late)  # fmt: skip
    console.print(table)


Note = Annotated[str | None, typer.Option("--note", help="What the owner reads about it.")]


@actions_app.command("close")
def close_command(
    ctx: typer.Context,
    action_id: Annotated[int, typer.Argument(help="The action's number (kpi actions list).")],
    note: Note = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Close an answered or escalated action as the Finance Department (CGU).

    The department's reviewer closes their PSEs' actions in the portal; this closes any action,
    among them a department's own (budget, indicator, returns) once it has answered.
    """
    _decide(ctx, action_id, "close", note)


@actions_app.command("escalate")
def escalate_command(
    ctx: typer.Context,
    action_id: Annotated[int, typer.Argument(help="The action's number (kpi actions list).")],
    note: Annotated[str, typer.Option("--note", help="Why it is escalated (required).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Escalate an open or answered action as the Finance Department (CGU): its owner must
    answer again."""
    _decide(ctx, action_id, "escalate", note)


def _decide(ctx: typer.Context, action_id: int, decision: str, note: str | None) -> None:
    actor = Actor(current_actor())
    engine = connect(writer_url_of(ctx))
    with engine.begin() as connection:
        if decision == "close":
            close_action(connection, actor, action_id, note, resolve_as_of(connection, None))
        else:
            escalate_action(connection, actor, action_id, note or "")
    engine.dispose()
    console.print(f"Action {action_id} {'closed' if decision == 'close' else 'escalated'}.")


@actions_app.command("kpis")
def kpis_command(
    ctx: typer.Context,
    year: Annotated[str | None, typer.Option("--year", help="Only this fiscal year.")] = None,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the KPIs are taken on; default the data's as-of date."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the KPIs as JSON."),
    database_url: DatabaseUrl = None,
) -> None:
    """The follow-up KPIs by department: actions, open, overdue, closed, resolution rate (%)
    and median days to close (definitions: docs/methodology.md)."""
    engine = connect(reader_url_of(ctx), read_only=True)
    with engine.connect() as connection:
        when = resolve_as_of(connection, parse_date_option(as_of, "--as-of"))
        frame = load_actions(
            connection, fiscal_year=FiscalYear.parse(year).start_year if year else None
        )
    engine.dispose()
    kpis = action_kpis(frame, when, by=["department_code"])
    if as_json:
        console.print_json(kpis.to_json(orient="records"))
        return
    table = Table("Department", "Actions", "Open", "Overdue", "Escalated", "Closed",
                  "Resolved %", "Median days to close")  # fmt: skip
    for row in kpis.to_dict("records"):
        median, rate = row["median_days_to_close"], row["resolution_rate"]
        table.add_row(row["department_code"], *(str(int(row[c])) for c in (
            "actions", "open", "overdue", "escalated", "closed")),
            "–" if pd.isna(rate) else f"{rate:.0f}", "–" if pd.isna(median) else f"{median:.0f}",
        )  # fmt: skip
    console.print(table)
