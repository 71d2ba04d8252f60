"""How the ``kpi`` commands print records: tables on a terminal, every column in full when the
output goes to a pipe or a file, and ``--json`` (a JSON array of records) for scripts."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from kpilib.cli.app import console

#: ``--json`` of every command that lists records (one definition, the same words everywhere).
JsonOutput = Annotated[
    bool,
    typer.Option("--json", help="Print the records as a JSON array: every row, ISO dates."),
]

_UNLIMITED = 1_000_000


def print_table(table: Table) -> None:
    """A table at the terminal's width; piped or redirected, at its full width, so that no
    column is cut short (``submis…``) for the program or file that reads it."""
    if console.is_terminal:
        console.print(table)
        return
    options = console.options.update(max_width=_UNLIMITED)
    width = max(Measurement.get(console, options, table).maximum, console.width)
    Console(file=console.file, width=width, highlight=False).print(table)


def print_records(records: pd.DataFrame | Iterable[Mapping[str, Any]]) -> None:
    """Records as a JSON array on stdout: keys in a fixed order (the columns'), dates and times
    in ISO 8601, missing values as null."""
    if isinstance(records, pd.DataFrame):
        rows: Iterable[Mapping[str, Any]] = (
            dict(zip(records.columns, row, strict=True))
            for row in records.itertuples(index=False, name=None)
        )
    else:
        rows = records
    data = [{str(key): json_value(value) for key, value in row.items()} for row in rows]
    console.print_json(data=data)


def json_value(value: Any) -> Any:
    """One value as JSON has it: None for every kind of missing, ISO text for dates."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
