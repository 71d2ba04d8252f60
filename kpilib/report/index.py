"""``index.html`` of a batch folder: a page for people, offline and escaped.

First the provincial summary and every department's headline figures (from the manifest: what
each report published), each linking to its report and to its dashboard; then, folded in a
``<details>`` section, the build log (status, files, times, errors, provenance).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import jinja2

from kpilib.present.formatting import format_datetime, format_iso_date
from kpilib.present.html import read_base_stylesheet
from kpilib.report.files import write_atomic
from kpilib.report.html import TEMPLATE_DIR, TEMPLATE_NAME
from kpilib.report.manifest import BatchManifest, BatchRecord, ReportRecord

INDEX_FILE = "index.html"
STATUS_LABELS = {
    "built": "Built",
    "unchanged": "Unchanged (kept)",
    "failed": "FAILED",
    "interrupted": "Not finished (batch stopped)",
}
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / "batch_index")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_ENVIRONMENT.filters["date"] = format_iso_date
_ENVIRONMENT.filters["time"] = format_datetime

#: The headline figures the index shows per report (keys of :mod:`kpilib.present.headline`).
INDEX_FIGURES = {
    "budget_used": "Budget used",
    "development_used": "ADP used",
    "service_score": "Service score",
    "pses_high_risk": "PSEs at high risk",
    "returns_received": "Returns received",
    "red_flags": "Red flags",
}
STATUSES = ("green", "amber", "red", "grey")
#: The other files of a report the index links beside its name.
FILE_LABELS = {"pdf": "PDF", "xlsx": "Excel"}
#: Where the dashboards are (``kpi serve``): this variable, else the portal's address (served
#: by the same server); with neither, the index links no dashboard (a page e-mailed with a link
#: to a local address would lead nowhere, and the index stays a page that works offline).
ENV_DASHBOARDS_URL = "KPI_DASHBOARDS_URL"


@dataclass(frozen=True)
class IndexRow:
    """One report on the index: its name, link, dashboard link and headline figures
    (``key → (text, status)``)."""

    name: str
    href: str | None
    dashboard: str | None
    figures: dict[str, tuple[str, str | None]]
    files: dict[str, str]  # label (PDF, Excel) -> file


#: The index's name of a report that is not a department's, and the order of the kinds.
ROW_NAMES = {"summary": "Province", "portfolio": "PSE portfolio"}
KIND_ORDER = {"summary": 0, "portfolio": 1, "department": 2}


def dashboards_url() -> str | None:
    """The dashboards' base address (``KPI_DASHBOARDS_URL``, else ``KPI_PORTAL_URL``); None
    when neither is set or it is not an http(s) address."""
    url = os.environ.get(ENV_DASHBOARDS_URL) or os.environ.get("KPI_PORTAL_URL") or ""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return None
    return url if url.endswith("/") else url + "/"


def _dashboard_link(base: str | None, report: ReportRecord, batch: BatchRecord) -> str | None:
    if base is None:
        return None
    query = {"fiscal_year": batch.fiscal_year, "period": batch.period}
    if report.kind == "summary":
        return f"{base}voila/render/province.ipynb?{urlencode(query)}"
    if report.kind == "portfolio":
        return f"{base}voila/render/pse_monitor.ipynb"
    query = {"department": report.department or "", **query}
    return f"{base}voila/render/department.ipynb?{urlencode(query)}"


def _row(report: ReportRecord, batch: BatchRecord, base: str | None) -> IndexRow:
    name = report.title.split(":", 1)[0] if report.kind == "department" else ROW_NAMES[report.kind]
    href = report.outputs.get("html") if report.ok else None
    figures = {
        str(f["key"]): (str(f["text"]), f["status"] if f.get("status") in STATUSES else None)
        for f in report.headline
        if f.get("key")
    }
    files = {
        label: report.outputs[fmt]
        for fmt, label in FILE_LABELS.items()
        if report.ok and fmt in report.outputs
    }
    return IndexRow(name, href, _dashboard_link(base, report, batch), figures, files)


def render_index_html(manifest: BatchManifest) -> str:
    """The index page: the province, the PSE portfolio, then the departments by name, with
    their headline figures and links; then the build log (summary first, the portfolio,
    departments by code, failures with their error) in a ``<details>`` section."""
    stylesheet = read_base_stylesheet() + (
        TEMPLATE_DIR / TEMPLATE_NAME / "static" / "kpi.css"
    ).read_text(encoding="utf-8")
    reports = sorted(manifest.reports, key=lambda r: (KIND_ORDER[r.kind], r.report_id))
    base = dashboards_url()
    pairs = [(KIND_ORDER[r.kind], _row(r, manifest.batch, base)) for r in reports]
    rows = [row for _, row in sorted(pairs, key=lambda pair: (pair[0], pair[1].name))]
    return _ENVIRONMENT.get_template("index.html.j2").render(
        batch=manifest.batch,
        reports=reports,
        rows=rows,
        figures=INDEX_FIGURES,
        dashboards=base,
        labels=STATUS_LABELS,
        stylesheet=stylesheet,
    )


def write_index(folder: Path, manifest: BatchManifest) -> Path:
    """Write ``index.html`` atomically; returns its path."""
    path = Path(folder) / INDEX_FILE
    write_atomic(path, render_index_html(manifest))
    return path
