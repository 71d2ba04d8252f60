"""``index.html`` of a batch folder: every report with its status, linked; offline, escaped."""

from __future__ import annotations

from pathlib import Path

import jinja2

from kpilib.present.formatting import format_datetime, format_iso_date
from kpilib.present.html import read_base_stylesheet
from kpilib.report.files import write_atomic
from kpilib.report.html import TEMPLATE_DIR, TEMPLATE_NAME
from kpilib.report.manifest import BatchManifest

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


def render_index_html(manifest: BatchManifest) -> str:
    """The index page: summary first, then departments by code; failures show their error."""
    stylesheet = read_base_stylesheet() + (
        TEMPLATE_DIR / TEMPLATE_NAME / "static" / "kpi.css"
    ).read_text(encoding="utf-8")
    reports = sorted(manifest.reports, key=lambda r: (r.kind != "summary", r.report_id))
    return _ENVIRONMENT.get_template("index.html.j2").render(
        batch=manifest.batch,
        reports=reports,
        labels=STATUS_LABELS,
        stylesheet=stylesheet,
    )


def write_index(folder: Path, manifest: BatchManifest) -> Path:
    """Write ``index.html`` atomically; returns its path."""
    path = Path(folder) / INDEX_FILE
    write_atomic(path, render_index_html(manifest))
    return path
