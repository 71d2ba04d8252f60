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
    dashboards show them (:mod:`kpilib.views`), every status rated by one set of rules.
headline(view, department=None), explain(kpi, department=None, fiscal_year=None)
    The headline figures as the reports' and dashboards' cards show them (a frame), and one
    figure's formula, inputs and the returns behind it.
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

from kpilib import _public_names, _startup  # noqa: F401  (_startup first: keeps slow imports out)

try:
    __version__ = version("kpi-suite")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

from kpilib.store.database import connect

#: The public names of the analysts' API and the module each stands for. ``kpilib.execution``
#: (attribute access, ``from kpilib import execution`` and ``import kpilib.execution`` alike)
#: loads ``kpilib.kpis.budget_execution`` on first use (PEP 562), so ``import kpilib`` stays fast
#: and notebooks written against these names keep working wherever the code lives.
PUBLIC_MODULES = {
    "charts": "kpilib.present.charts",
    "compliance": "kpilib.kpis.compliance",
    "execution": "kpilib.kpis.budget_execution",
    "export": "kpilib.present.export",
    "finance": "kpilib.kpis.pse_finance",
    "fiscal": "kpilib.fiscal",
    "flags": "kpilib.kpis.flags",
    "pefa": "kpilib.kpis.pefa",
    "pefa_assessment": "kpilib.kpis.pefa_assessment",
    "portfolio": "kpilib.kpis.portfolio",
    "pse_charts": "kpilib.present.pse_charts",
    "quality": "kpilib.kpis.quality",
    "queries": "kpilib.store.queries",
    "service": "kpilib.kpis.service_delivery",
    "tables": "kpilib.store.tables",
    "views": "kpilib.views",
}
#: Submodules that ``kpilib.<name>`` imports on first use (the keys of :data:`PUBLIC_MODULES`).
LAZY_MODULES = tuple(PUBLIC_MODULES)
#: Functions that ``kpilib.<name>`` fetches from their module on first use.
LAZY_FUNCTIONS = {
    "load_province_view": "kpilib.views",
    "select_department": "kpilib.views",
    "headline": "kpilib.present.headline",
    "explain": "kpilib.present.explain",
}

__all__ = ["__version__", "connect", *LAZY_MODULES, *LAZY_FUNCTIONS]

_public_names.install(__name__, PUBLIC_MODULES)


def __getattr__(name: str) -> Any:
    if name in PUBLIC_MODULES:
        return importlib.import_module(PUBLIC_MODULES[name])
    if name in LAZY_FUNCTIONS:
        return getattr(importlib.import_module(LAZY_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'kpilib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
