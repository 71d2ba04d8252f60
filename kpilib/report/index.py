"""``index.html`` of a batch folder: a page for people, offline and escaped.

First the provincial summary and every department's headline figures (from the manifest: what
each report published), each linking to its report and to its dashboard; then, folded in a
``<details>`` section, the build log (status, files, times, errors, provenance).

A batch with the Urdu edition has two index pages: ``index.html`` in English (each report
linking its Urdu edition too) and ``ur/index.html`` in Urdu, right to left (each report linking
its English edition). Links are relative to each page's folder.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import jinja2

from kpilib.fiscal import resolve_report_period
from kpilib.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    N_,
    _,
    gettext,
    isolate,
    ngettext,
    text_direction,
    use_language,
)
from kpilib.present.fonts import urdu_text_css
from kpilib.present.formatting import format_datetime, format_iso_date, format_report_period
from kpilib.present.html import read_base_stylesheet
from kpilib.report.files import write_atomic
from kpilib.report.html import TEMPLATE_DIR, TEMPLATE_NAME
from kpilib.report.manifest import BatchManifest, BatchRecord, ReportRecord
from kpilib.report.naming import language_prefix

INDEX_FILE = "index.html"
STATUS_LABELS = {
    "built": N_("Built"),
    "unchanged": N_("Unchanged (kept)"),
    "failed": N_("FAILED"),
    "interrupted": N_("Not finished (batch stopped)"),
}
#: The batch's status as the build log says it.
BATCH_STATUS_WORDS = {"running": N_("running"), "succeeded": N_("succeeded"),
                      "failed": N_("failed"), "interrupted": N_("interrupted")}  # fmt: skip
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / "batch_index")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_ENVIRONMENT.filters["date"] = format_iso_date
_ENVIRONMENT.filters["time"] = format_datetime
_ENVIRONMENT.filters["ltr"] = isolate
_ENVIRONMENT.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)

#: The headline figures the index shows per report (keys of :mod:`kpilib.present.headline`).
INDEX_FIGURES = {
    "budget_used": N_("Budget used"),
    "development_used": N_("ADP used"),
    "service_score": N_("Service score"),
    "pses_high_risk": N_("PSEs at high risk"),
    "returns_received": N_("Returns received"),
    "red_flags": N_("Red flags"),
}
STATUSES = ("green", "amber", "red", "grey")
#: The other files of a report the index links beside its name.
FILE_LABELS = {"pdf": N_("PDF"), "xlsx": N_("Excel")}
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
    #: The same report in the other language (its name in itself -> link), when made.
    editions: dict[str, str] = dataclasses.field(default_factory=dict)


#: The index's name of a report that is not a department's, and the order of the kinds.
ROW_NAMES = {"summary": N_("Province"), "portfolio": N_("PSE portfolio")}
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


def relative_link(path: str, language: str) -> str:
    """A file of the batch (``HLT.html``, ``ur/HLT.html``) as linked from the index page of
    ``language`` (``index.html``, ``ur/index.html``)."""
    prefix = language_prefix(language)
    if not prefix:
        return path
    return path[len(prefix) :] if path.startswith(prefix) else f"../{path}"


def _stem(report: ReportRecord) -> str:
    return report.report_id.rsplit("/", 1)[-1]


def _row(
    report: ReportRecord,
    batch: BatchRecord,
    base: str | None,
    others: dict[str, ReportRecord],
    language: str,
) -> IndexRow:
    if report.kind == "department":
        name = report.title.split(":", 1)[0]
    else:
        name = _(ROW_NAMES[report.kind])
    href = None
    if report.ok and "html" in report.outputs:
        href = relative_link(report.outputs["html"], language)
    figures = {
        str(f["key"]): (str(f["text"]), f["status"] if f.get("status") in STATUSES else None)
        for f in report.headline
        if f.get("key")
    }
    files = {
        _(label): relative_link(report.outputs[fmt], language)
        for fmt, label in FILE_LABELS.items()
        if report.ok and fmt in report.outputs
    }
    other = others.get(_stem(report))
    editions = (
        {LANGUAGE_NAMES[other.language]: relative_link(other.outputs["html"], language)}
        if other is not None and other.ok and "html" in other.outputs
        else {}
    )
    return IndexRow(name, href, _dashboard_link(base, report, batch), figures, files, editions)


def render_index_html(manifest: BatchManifest, language: str = DEFAULT_LANGUAGE) -> str:
    """The index page of ``language``: the province, the PSE portfolio, then the departments by
    name, with their headline figures and links (and the other edition of each, when made);
    then the build log (summary first, the portfolio, departments by code, failures with their
    error) in a ``<details>`` section: every report on the English page, the page's own on
    another language's."""
    with use_language(language):
        return _render_index(manifest, language)


def _render_index(manifest: BatchManifest, language: str) -> str:
    stylesheet = read_base_stylesheet() + (
        TEMPLATE_DIR / TEMPLATE_NAME / "static" / "kpi.css"
    ).read_text(encoding="utf-8")
    if text_direction(language) == "rtl":
        stylesheet += urdu_text_css() + (
            TEMPLATE_DIR / TEMPLATE_NAME / "static" / "kpi-rtl.css"
        ).read_text(encoding="utf-8")
    everything = sorted(
        manifest.reports, key=lambda r: (r.language != language, KIND_ORDER[r.kind], r.report_id)
    )
    own = [r for r in everything if r.language == language]
    others = {_stem(r): r for r in everything if r.language != language}
    base = dashboards_url()
    pairs = [(KIND_ORDER[r.kind], _row(r, manifest.batch, base, others, language)) for r in own]
    rows = [row for _, row in sorted(pairs, key=lambda pair: (pair[0], pair[1].name))]
    logged = everything if language == DEFAULT_LANGUAGE else own
    return _ENVIRONMENT.get_template("index.html.j2").render(
        batch=manifest.batch,
        reports=logged,
        rows=rows,
        figures={key: _(label) for key, label in INDEX_FIGURES.items()},
        dashboards=base,
        labels={key: _(label) for key, label in STATUS_LABELS.items()},
        stylesheet=stylesheet,
        language=language,
        direction=text_direction(language),
        period_title=_period_title(manifest.batch),
        link=lambda path: relative_link(path, language),
        manifest_link=relative_link("manifest.json", language),
        batch_status=_(BATCH_STATUS_WORDS.get(manifest.batch.status, manifest.batch.status)),
    )


def _period_title(batch: BatchRecord) -> str:
    try:
        return format_report_period(resolve_report_period(batch.fiscal_year, batch.period))
    except ValueError:
        return f"{batch.fiscal_year} {batch.period}"


def write_index(folder: Path, manifest: BatchManifest) -> Path:
    """Write ``index.html`` atomically, and ``ur/index.html`` when the batch folder holds Urdu
    reports; returns the English page's path."""
    path = Path(folder) / INDEX_FILE
    write_atomic(path, render_index_html(manifest))
    for language in sorted({r.language for r in manifest.reports} - {DEFAULT_LANGUAGE}):
        write_atomic(Path(folder) / language_prefix(language) / INDEX_FILE,
                     render_index_html(manifest, language))  # fmt: skip
    return path
