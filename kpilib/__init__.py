"""kpilib: the KPI logic, data access, ingestion, charts and drivers of kpi-suite.

For analysts (in JupyterLab: ``make lab``; ``notebooks/explore/getting_started.ipynb`` is a tour):

>>> import kpilib
>>> engine = kpilib.connect()            # KPI_DATABASE_URL, else data/kpi.sqlite  # doctest: +SKIP
>>> view = kpilib.load_province_view(engine, "2024-25")   # every KPI, tidy frames  # doctest: +SKIP
>>> kpilib.tables.load_departments(engine)                 # a table as a DataFrame # doctest: +SKIP
>>> kpilib.charts.chart_department_ranking(view.execution_total)                    # doctest: +SKIP

What is here (each loads on first use, so ``import kpilib`` stays fast; ``help()`` on any of them
explains it):

connect(url=None, read_only=False)
    An engine on the database (``KPI_DATABASE_URL`` or the default SQLite file), schema checked.
load_province_view(engine, fiscal_year, period="FY"), select_department(view, code)
    Every KPI of the province (or one department) for a fiscal year, as the reports and
    dashboards show them (:mod:`kpilib.views`).
tables
    Table loaders: ``load_departments``, ``load_entities``, ``load_budget_rollup``,
    ``load_indicator_values``, ``load_pse_financials``, ``load_submissions`` ... taking an engine.
queries
    The same loaders on an open connection (what kpilib uses inside).
execution, pefa, pefa_assessment, service, finance, portfolio, compliance, quality, flags
    The KPI modules (formulas and sources in ``docs/methodology.md``).
charts, pse_charts
    Altair chart builders with the suite's theme, the same as the reports' and dashboards'.
export
    CSV/XLSX writing that neutralises spreadsheet formulas.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from kpilib import _startup  # noqa: F401  (first: keeps slow optional imports out)

try:
    __version__ = version("kpi-suite")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

from kpilib.database import connect

#: Submodules that ``kpilib.<name>`` imports on first use (PEP 562).
LAZY_MODULES = (
    "charts",
    "compliance",
    "execution",
    "export",
    "finance",
    "fiscal",
    "flags",
    "pefa",
    "pefa_assessment",
    "portfolio",
    "pse_charts",
    "quality",
    "queries",
    "service",
    "tables",
    "views",
)
#: Functions that ``kpilib.<name>`` fetches from their module on first use.
LAZY_FUNCTIONS = {
    "load_province_view": "kpilib.views",
    "select_department": "kpilib.views",
}

__all__ = ["__version__", "connect", *LAZY_MODULES, *LAZY_FUNCTIONS]


def __getattr__(name: str) -> Any:
    if name in LAZY_MODULES:
        return importlib.import_module(f"kpilib.{name}")
    if name in LAZY_FUNCTIONS:
        return getattr(importlib.import_module(LAZY_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'kpilib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
