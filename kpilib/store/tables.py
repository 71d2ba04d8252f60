"""Table loaders for analysts: tidy pandas DataFrames with typed columns, from an engine.

Each loader is the :mod:`kpilib.store.queries` function of the same name, made to take what a
notebook has at hand: the engine of :func:`kpilib.connect` (a connection is opened and closed for
the call) or an open connection. Money columns are exact ``Int64`` rupees (``<NA>`` = not yet
reported), codes are strings, dates are dates. Fiscal years are given by their start year (``2024``
for 2024-25) or as text (``"2024-25"``).

>>> import kpilib
>>> engine = kpilib.connect()                                             # doctest: +SKIP
>>> kpilib.store.tables.load_departments(engine).head()                         # doctest: +SKIP
>>> kpilib.store.tables.load_budget_rollup(engine, ["2024-25"], ["HLT"])         # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Engine

from kpilib.fiscal import FiscalYear
from kpilib.store import queries

__all__ = [
    "load_budget_line_exceptions",
    "load_budget_rollup",
    "load_cost_centre_outturn",
    "load_cost_centres",
    "load_departments",
    "load_economic_classes",
    "load_entities",
    "load_fiscal_years",
    "load_indicator_values",
    "load_indicators",
    "load_latest_complete_fiscal_year",
    "load_pse_financials",
    "load_revenue_rollup",
    "load_submissions",
]


def fiscal_year_start(value: int | str) -> int:
    """``2024`` or ``"2024-25"`` -> ``2024`` (a malformed text raises ``ValueError``)."""
    if isinstance(value, int):
        return value
    return FiscalYear.parse(str(value)).start_year


def _accepting_engines(function: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(function)

    @functools.wraps(function)
    def loader(source: Engine | Connection, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(source, *args, **kwargs)
        for name in ("fiscal_years", "fiscal_year"):
            value = bound.arguments.get(name)
            if isinstance(value, Sequence) and not isinstance(value, str):
                bound.arguments[name] = [fiscal_year_start(year) for year in value]
            elif value is not None and name == "fiscal_year":
                bound.arguments[name] = fiscal_year_start(value)
        if isinstance(source, Connection):
            return function(*bound.args, **bound.kwargs)
        with source.connect() as connection:
            bound.arguments[next(iter(signature.parameters))] = connection
            return function(*bound.args, **bound.kwargs)

    loader.__doc__ = (
        f"{function.__doc__ or ''}\n\n"
        "Takes the engine of ``kpilib.connect()`` or an open connection; fiscal years as "
        '``2024`` or ``"2024-25"``.'
    )
    return loader


load_budget_line_exceptions = _accepting_engines(queries.load_budget_line_exceptions)
load_budget_rollup = _accepting_engines(queries.load_budget_rollup)
load_cost_centre_outturn = _accepting_engines(queries.load_cost_centre_outturn)
load_cost_centres = _accepting_engines(queries.load_cost_centres)
load_departments = _accepting_engines(queries.load_departments)
load_economic_classes = _accepting_engines(queries.load_economic_classes)
load_entities = _accepting_engines(queries.load_entities)
load_fiscal_years = _accepting_engines(queries.load_fiscal_years)
load_indicator_values = _accepting_engines(queries.load_indicator_values)
load_indicators = _accepting_engines(queries.load_indicators)
load_latest_complete_fiscal_year = _accepting_engines(queries.load_latest_complete_fiscal_year)
load_pse_financials = _accepting_engines(queries.load_pse_financials)
load_revenue_rollup = _accepting_engines(queries.load_revenue_rollup)
load_submissions = _accepting_engines(queries.load_submissions)
