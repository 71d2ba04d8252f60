"""The ``kpi`` command: one typer app; each subcommand parses, calls kpilib, reports."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import OperationalError

from kpilib.errors import DatabaseBusyError, KpiError
from kpilib.store.retry import busy_seconds, is_transient

app = typer.Typer(
    name="kpi",
    help=(
        "kpi-suite: KPIs, reports and dashboards on the province's budget, service delivery "
        "and public sector entities.\n\n"
        "The database is chosen by --database-url or KPI_DATABASE_URL (default: the SQLite "
        "file data/kpi.sqlite)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console()
error_console = Console(stderr=True)


DATABASE_URL_HELP = "Database URL: sqlite:///path/to/file.sqlite or postgresql://user@host:port/db."


@app.callback()
def main_options(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="KPI_DATABASE_URL", help=DATABASE_URL_HELP,
        show_envvar=True,
    ),
) -> None:  # fmt: skip
    """Options shared by every command."""
    # typer may bring its own copy of click: compare the source by name, not by enum identity.
    typed = getattr(ctx.get_parameter_source("database_url"), "name", None) == "COMMANDLINE"
    ctx.obj = {"database_url": database_url, "typed": typed}


def _remember_database_url(ctx: typer.Context, value: str | None) -> None:
    """``--database-url`` typed after a command: it wins over the one before it and over every
    environment variable, as if it had been typed before the command."""
    if value is not None:
        obj = ctx.ensure_object(dict)
        obj.update(database_url=value, typed=True)


#: ``--database-url`` after the command's name (``kpi submissions --database-url URL``): every
#: command that opens the database declares it with this one definition, as
#: ``database_url: DatabaseUrl = None``; its value reaches :func:`database_url_of`,
#: :func:`reader_url_of` and :func:`writer_url_of` through the context, not the parameter.
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help=DATABASE_URL_HELP + " Also accepted before the command.",
                 callback=_remember_database_url, expose_value=False, show_default=False),
]  # fmt: skip


def parse_date_option(value: str | None, option: str) -> date | None:
    """An ISO date given to ``option`` (None stays None); a clear usage error otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD, e.g. 2026-06-30)", param_hint=option
        ) from None


def database_url_of(ctx: typer.Context) -> str | None:
    """The --database-url given to ``kpi`` before or after the command, else
    ``KPI_DATABASE_URL`` (None: use the default)."""
    return (ctx.obj or {}).get("database_url")


def writer_url_of(ctx: typer.Context) -> str:
    """The database URL for writing (``kpi ingest``, the portal's commands): ``--database-url``
    when given on the command line, else ``KPI_WRITER_DATABASE_URL``, else ``KPI_DATABASE_URL``
    (see :func:`kpilib.store.database.writer_url`)."""
    from kpilib.store.database import writer_url

    return writer_url(command_line_url(ctx)).render_as_string(hide_password=False)


def reader_url_of(ctx: typer.Context) -> str:
    """The database URL for reading (``kpi serve``, ``kpi report``): ``--database-url`` when
    given on the command line, else ``KPI_READER_DATABASE_URL``, else ``KPI_DATABASE_URL``
    (see :func:`kpilib.store.database.reader_url`)."""
    from kpilib.store.database import reader_url

    return reader_url(command_line_url(ctx)).render_as_string(hide_password=False)


def command_line_url(ctx: typer.Context) -> str | None:
    """``--database-url`` when typed on the command line (before or after the command); None
    when it came from ``KPI_DATABASE_URL`` or was not given (a role's own variable then comes
    first)."""
    return database_url_of(ctx) if (ctx.obj or {}).get("typed") else None


def fail(message: str, code: int = 1) -> None:
    """Print an error without a traceback and exit."""
    print_error(message)
    raise typer.Exit(code)


def print_error(message: str) -> None:
    """An error on stderr, on one line however narrow the terminal (no markup read in it)."""
    error_console.print(Text.assemble(("Error:", "bold red"), " ", message), soft_wrap=True)


def run() -> None:
    """Entry point: turn kpi-suite's own errors into a message and exit code 1 (75, "try again
    later", for a database that stayed busy)."""
    try:
        app()
    except KpiError as error:
        print_error(str(error))
        sys.exit(getattr(error, "exit_code", 1))
    except OperationalError as error:  # busy past every retry, wherever it was met
        if not is_transient(error):
            raise
        busy = DatabaseBusyError(None, busy_seconds())
        print_error(str(busy))
        sys.exit(busy.exit_code)
