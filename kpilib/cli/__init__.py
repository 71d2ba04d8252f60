"""The ``kpi`` command-line interface (typer). Importing it registers every subcommand."""

from kpilib.cli import db, demo  # noqa: F401  (registers the commands)
from kpilib.cli import ingest, submissions  # noqa: F401  (registers the commands)
from kpilib.cli.app import app, run

main = run

__all__ = ["app", "main"]
