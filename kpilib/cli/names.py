"""``kpi names``: the names of departments and PSEs in English and Urdu (reference data)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.text import Text

from kpilib.cli.app import DatabaseUrl, app, console, database_url_of, writer_url_of
from kpilib.ingest.names import export_names, load_names
from kpilib.present.export import write_csv, write_xlsx
from kpilib.store.database import connect

names_app = typer.Typer(
    help="The names of departments and PSEs in English and Urdu: export them to a file, edit "
    "it, load it back.",
    no_args_is_help=True,
)
app.add_typer(names_app, name="names")


@names_app.command("export")
def export(
    ctx: typer.Context,
    out: str = typer.Argument(..., help="File to write: *.csv (UTF-8) or *.xlsx."),
    database_url: DatabaseUrl = None,
) -> None:
    """Write every department and PSE (kind, code, name, name_ur) to a file to edit."""
    path = Path(out)
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise typer.BadParameter("name the file *.csv or *.xlsx", param_hint="OUT")
    engine = connect(database_url_of(ctx), read_only=True)
    with engine.connect() as connection:
        frame = export_names(connection)
    (write_xlsx(frame, path, "Names") if path.suffix.lower() == ".xlsx" else write_csv(frame, path))
    with_urdu = int(frame["name_ur"].notna().sum())
    console.print(f"Wrote {len(frame)} names ({with_urdu} with an Urdu name) to {escape(out)}.")


@names_app.command("load")
def load(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A names file (CSV or XLSX): code, name, name_ur."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check only; change nothing."),
    database_url: DatabaseUrl = None,
) -> None:
    """Set the English and Urdu names of departments and PSEs from a file (a file with any
    error changes nothing; a blank name_ur cell removes the Urdu name). Exit code 1 on errors."""
    engine = connect(database_url_of(ctx) if dry_run else writer_url_of(ctx), read_only=dry_run)
    outcome = load_names(engine, Path(file), dry_run=dry_run)
    for problem in outcome.issues:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(Text(f"{problem.severity}: {problem.describe()}", style=style))
    if outcome.errors:
        console.print(f"{outcome.file}: {len(outcome.errors)} error(s); nothing was changed.")
        raise typer.Exit(1)
    if dry_run:
        console.print(f"{outcome.file}: {outcome.rows} row(s) valid (dry run); nothing changed.")
        return
    changed = ", ".join(f"{n} {t}" for t, n in sorted(outcome.changed.items())) or "nothing"
    console.print(f"{outcome.file}: {outcome.rows} row(s) read; updated {changed}.")
