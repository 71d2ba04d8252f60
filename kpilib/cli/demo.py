"""``kpi demo``: build the synthetic demo province."""

from __future__ import annotations

import time
from datetime import date

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from kpilib.cli.app import DatabaseUrl, app, console, database_url_of, parse_date_option
from kpilib.cli.output import print_table
from kpilib.demo import DEFAULT_AS_OF, DEFAULT_SEED, build_demo
from kpilib.demo.build import MAX_SCALE, DemoSummary
from kpilib.store.database import create_engine, ensure_schema, mask_url
from kpilib.store.writes import has_data


@app.command("demo")
def demo(
    ctx: typer.Context,
    seed: int = typer.Option(DEFAULT_SEED, help="Random seed: the same seed gives the same data."),
    scale: int = typer.Option(
        1,
        min=1,
        max=MAX_SCALE,
        help="Multiply the cost centres (budget rows): 1 ≈ 204,000 rows, 50 ≈ 10.2 million.",
    ),
    as_of: str = typer.Option(
        DEFAULT_AS_OF.isoformat(),
        "--as-of",
        help="The demo's 'today' (YYYY-MM-DD): data after it is not yet reported.",
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Rebuild an existing demo database (real data is never replaced)."
    ),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the database already holds data."
    ),
    database_url: DatabaseUrl = None,
) -> None:
    """Build a deterministic synthetic province (DEMO DATA) so everything works without real data.

    32 Khyber Pakhtunkhwa departments, 183 synthetic PSEs, fiscal years 2021-22 to 2024-25 plus
    2025-26 to date: monthly budget and spending, revenue, 30+ service-delivery indicators,
    quarterly PSE financials and submissions, with realistic flaws to find.
    """
    as_of_date = parse_date_option(as_of, "--as-of")
    engine = create_engine(database_url_of(ctx))
    if if_empty and _holds_data(engine):
        console.print(f"The database already holds data; left as it is ({mask_url(engine.url)}).")
        return
    started = time.perf_counter()
    summary = _build_with_progress(engine, seed, scale, as_of_date or DEFAULT_AS_OF, replace)
    _print_summary(summary, time.perf_counter() - started, engine)


def _holds_data(engine: Engine) -> bool:
    """Create the schema if it is missing; whether the database already holds data."""
    ensure_schema(engine)
    with engine.connect() as connection:
        return has_data(connection)


def _build_with_progress(
    engine: Engine, seed: int, scale: int, as_of: date, replace: bool
) -> DemoSummary:
    """Build the demo province behind a progress bar that names each step."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Building the demo province", total=1)

        def on_progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"Building: {step}", completed=done, total=total)

        return build_demo(
            engine, seed=seed, scale=scale, as_of=as_of, replace=replace, progress=on_progress
        )


def _print_summary(summary: DemoSummary, elapsed: float, engine: Engine) -> None:
    """The rows written per table, and what was built where."""
    table = Table("Table", "Rows", title=f"Demo province built in {elapsed:,.1f} s")
    for name, count in summary.row_counts.items():
        table.add_row(name, f"{count:,}")
    print_table(table)
    console.print(
        f"DEMO DATA: seed {summary.seed}, scale {summary.scale}, as of {summary.as_of} "
        f"in {mask_url(engine.url)}"
    )
