"""kpilib: the KPI logic, data access, ingestion, charts and drivers of kpi-suite."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from kpilib import _startup  # noqa: F401  (first: keeps slow optional imports out)

try:
    __version__ = version("kpi-suite")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

from kpilib.database import connect

__all__ = ["__version__", "connect"]
