"""``kpi db``: schema migrations and a description of the database."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from kpilib.cli.app import DatabaseUrl, app, console, database_url_of
from kpilib.cli.output import print_table
from kpilib.store import migrate
from kpilib.store.database import (
    create_engine,
    mask_url,
    read_schema_state,
    schema_refusal,
    sqlite_path,
)
from kpilib.store.info import describe_database

db_app = typer.Typer(help="Create, upgrade and describe the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context, database_url: DatabaseUrl = None) -> None:
    """Apply the schema migrations the database lacks (creates the schema in an empty one)."""
    engine = create_engine(database_url_of(ctx))
    before = read_schema_state(engine)
    if (before.current is None and before.has_data_tables) or not before.known:
        raise schema_refusal(before, mask_url(engine.url))
    if before.up_to_date:
        console.print(f"Schema already at {before.head}: nothing to do ({mask_url(engine.url)}).")
        return
    migrate.upgrade(engine)
    console.print(
        f"Schema upgraded from {before.current or 'empty'} to {before.head} "
        f"({mask_url(engine.url)})."
    )


@db_app.command("info")
def info(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the description as JSON."),
    database_url: DatabaseUrl = None,
) -> None:
    """Show the database URL (password masked), schema version, demo flag and row counts."""
    engine = create_engine(database_url_of(ctx), read_only=True)
    description = describe_database(engine)
    if as_json:
        console.print_json(json.dumps(description, default=str))
        return
    summary = Table(show_header=False, box=None, pad_edge=False)
    summary.add_row("Database", description["url"])
    path = sqlite_path(engine.url) if engine.dialect.name == "sqlite" else None
    if path is not None and path.exists():
        summary.add_row("File size", f"{path.stat().st_size / 1e6:,.1f} MB")
    schema = description["schema"]
    status = "up to date" if schema["up_to_date"] else "needs `kpi db upgrade`"
    summary.add_row("Schema version", f"{schema['current'] or 'none'} ({status})")
    summary.add_row("Demo data", "yes (DEMO DATA)" if description["is_demo"] else "no")
    for key in ("data_as_of", "demo_seed", "demo_scale", "built_at"):
        if key in description["dataset"]:
            summary.add_row(key.replace("_", " ").capitalize(), description["dataset"][key])
    print_table(summary)
    counts = Table("Table", "Rows", title="Row counts")
    for name, count in description["row_counts"].items():
        counts.add_row(name, f"{count:,}")
    print_table(counts)
    if description["entities_by_category"]:
        categories = Table("PSE category", "PSEs", title="Public sector entities")
        for name, count in description["entities_by_category"].items():
            categories.add_row(name.replace("_", " "), str(count))
        categories.add_row("[bold]total[/]", f"[bold]{description['row_counts']['entities']}[/]")
        print_table(categories)
