"""The ``kpi`` command-line interface (typer). Importing it registers every subcommand."""

from kpilib.cli import db, demo, ingest, report, serve, submissions  # noqa: F401  (registers the commands)
from kpilib.cli.app import app, run

main = run

__all__ = ["app", "main"]
