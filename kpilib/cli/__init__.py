"""The ``kpi`` command-line interface (typer). Importing it registers every subcommand."""

from kpilib.cli import (  # noqa: F401  (registers the commands)
    access,
    actions,
    audit,
    db,
    deliver,
    demo,
    ingest,
    names,
    report,
    serve,
    stress,
    submissions,
)
from kpilib.cli.app import app, run

main = run

__all__ = ["app", "main"]
