"""HTML pieces of the dashboards: header, DEMO DATA banner, CSV and Excel downloads, messages.

Every value that comes from data is escaped here (``html.escape``), links are built from
parameters with ``urllib.parse.urlencode`` and point only at the dashboards of the same server,
and a CSV download is a ``data:`` link written by :func:`kpilib.present.export.encode_csv`, which
neutralises formula injection; the Excel download beside it is a formatted workbook of the same
table (:mod:`kpilib.present.xlsx`: number formats from the column kinds, the as-of line and the
DEMO DATA banner in the sheet). Tables, cards and RAG labels are the reports' own
(:mod:`kpilib.present`), so every surface shows a figure and its status alike.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date
from html import escape
from urllib.parse import urlencode

import pandas as pd

from kpilib.fiscal import Period
from kpilib.i18n import N_, _, is_right_to_left, isolate
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present.export import encode_csv, safe_file_name
from kpilib.present.formatting import format_date
from kpilib.present.tables import Column, export_table, render_table
from kpilib.present.xlsx import SheetTable, WorkbookContext, encode_workbook
from kpilib.problems import Problem

#: Rows shown in a table on the page; the CSV and Excel downloads always have them all.
MAX_TABLE_ROWS = 200
DASHBOARD_FILES = ("province.ipynb", "department.ipynb", "pse_monitor.ipynb")
DEMO_TEXT = N_("DEMO DATA — a synthetic province, not official statistics")
ORGANISATION = N_("Government of Khyber Pakhtunkhwa, Finance Department")
#: Alert severities shown as RAG-styled labels.
SEVERITY_STATUS = {"critical": "red", "warning": "amber"}


def render_download(frame: pd.DataFrame, file_name: str, label: str = N_("Download CSV")) -> str:
    """A link that downloads ``frame`` as CSV (UTF-8 with BOM, formula-safe, no server call);
    ``label`` is translated here."""
    label = _(label)
    payload = base64.b64encode(encode_csv(frame)).decode("ascii")
    name = safe_file_name(file_name if file_name.endswith(".csv") else f"{file_name}.csv")
    return (
        f'<a class="kpi-download" download="{escape(name, quote=True)}" '
        f'href="data:text/csv;charset=utf-8;base64,{payload}">{escape(label)}</a>'
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_xlsx_download(
    table: SheetTable, context: WorkbookContext, file_name: str, label: str = N_("Download Excel")
) -> str:
    """A link that downloads ``table`` as a formatted Excel workbook (no server call)."""
    label = _(label)
    payload = base64.b64encode(encode_workbook([table], context)).decode("ascii")
    stem = file_name.removesuffix(".csv").removesuffix(".xlsx")
    name = safe_file_name(f"{stem}.xlsx")
    return (
        f'<a class="kpi-download" download="{escape(name, quote=True)}" '
        f'href="data:{XLSX_TYPE};base64,{payload}">{escape(label)}</a>'
    )


def workbook_context(
    period_label: str, as_of: date, data_as_of: date | None, is_demo: bool, title: str = ""
) -> WorkbookContext:
    """What a downloaded workbook says about its figures: the as-of line of the page."""
    return WorkbookContext(as_of_line(period_label, as_of, data_as_of), is_demo, title)


def as_of_line(period_label: str, as_of: date, data_as_of: date | None) -> str:
    """``Fiscal year 2024-25 · figures to 30 Jun 2025 · data as of 15 Feb 2026``."""
    if data_as_of:
        data = _("data as of {date}").format(date=isolate(format_date(data_as_of)))
    else:
        data = _("data as of: not recorded")
    figures = _("figures to {date}").format(date=isolate(format_date(as_of)))
    return f"{period_label} · {figures} · {data}"


def render_page_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    caption: str | None = None,
    empty: str = N_("Nothing to show."),
) -> str:
    """A scrolling table of the first :data:`MAX_TABLE_ROWS` rows, or ``empty`` when there are
    none (:func:`kpilib.present.tables.render_table`)."""
    return render_table(frame, columns, caption, max_rows=MAX_TABLE_ROWS, empty=empty, scroll=True)


def render_table_with_download(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    file_name: str,
    caption: str | None = None,
    empty: str = N_("Nothing to show."),
    workbook: WorkbookContext | None = None,
) -> str:
    """:func:`render_page_table` followed by its CSV download with every row and, given the
    page's ``workbook`` context, its Excel download (none for an empty table)."""
    html = render_page_table(frame, columns, caption, empty)
    if frame.empty:
        return html
    html += render_download(export_table(frame, columns), file_name)
    if workbook is not None:
        sheet = SheetTable(caption or workbook.title or file_name, frame, columns)
        html += " " + render_xlsx_download(sheet, workbook, file_name)
    return html


def dashboard_link(page: str, **values: str | None) -> str:
    """A relative link to another dashboard of the same server, e.g.
    ``department.ipynb?department=HLT&fiscal_year=2024-25``; ``page`` must be one of
    :data:`DASHBOARD_FILES` and the values are URL-encoded."""
    if page not in DASHBOARD_FILES:
        raise ValueError(f"{page!r} is not a dashboard ({', '.join(DASHBOARD_FILES)})")
    query = urlencode({k: v for k, v in values.items() if v})
    return f"{page}?{query}" if query else page


def render_header(title: str, lead: str, organisation: str = ORGANISATION) -> str:
    """The page's title block (``organisation`` translated here)."""
    organisation = _(organisation)
    return (
        '<div class="kpi-dash-header">'
        f'<p class="kpi-dash-organisation">{escape(organisation)}</p>'
        f"<h1>{escape(title)}</h1>"
        f'<p class="kpi-dash-lead">{escape(lead)}</p></div>'
    )


def describe_period(period: Period) -> str:
    """What a view covers, in words: ``Fiscal year 2024-25 (July 2024 – June 2025)`` or
    ``2024-25, year to date through Q2 (July–December 2024)`` (a quarter's view is the year to
    date, never the quarter alone)."""
    year = period.fiscal_year
    start = year.start_date
    # Urdu keeps the months in English letters, abbreviated, as its dates (docs/glossary-ur.md).
    month = "%b" if is_right_to_left() else "%B"
    if period.kind == "year":
        months = f"{start:{month} %Y} – {year.end_date:{month} %Y}"
        return _("Fiscal year {year} ({months})").format(
            year=isolate(year.label), months=isolate(months)
        )
    months = f"{start:{month}}–{period.end_date:{month} %Y}"
    return _("{year}, year to date through {quarter} ({months})").format(
        year=isolate(year.label), quarter=isolate(f"Q{period.number}"), months=isolate(months)
    )


def render_as_of(period_label: str, as_of: date, data_as_of: date | None, is_demo: bool) -> str:
    """The DEMO DATA banner (demo data only) and the line saying which dates the figures and
    the data speak of."""
    banner = f'<div class="demo-banner">{escape(_(DEMO_TEXT))}</div>' if is_demo else ""
    rest = as_of_line("", as_of, data_as_of)
    return (
        f'{banner}<p class="kpi-dash-asof"><strong>{escape(period_label)}</strong>'
        f"{escape(rest)}</p>"
    )


def render_section(title: str, lead: str | None = None) -> str:
    """A section heading with an optional one-line lead."""
    text = f'<p class="kpi-dash-lead">{escape(lead)}</p>' if lead else ""
    return f'<div class="kpi-dash-section"><h2>{escape(title)}</h2>{text}</div>'


def render_lead(text: str) -> str:
    """A one-paragraph lead under a section heading (escaped)."""
    return f'<p class="kpi-dash-lead">{escape(text)}</p>'


def render_messages(problems: Sequence[Problem | str], lead: str = N_("This page could not "
                    "show everything it was asked for:")) -> str:  # fmt: skip
    """A message box listing problems (a bad link, an unknown code); empty when none. The
    ``lead`` is translated here."""
    if not problems:
        return ""
    lead = _(lead)
    items = "".join(f"<li>{escape(str(p))}</li>" for p in problems)
    return f'<div class="kpi-alert" role="alert"><p>{escape(lead)}</p><ul>{items}</ul></div>'


def render_status(text: str, busy: bool = False) -> str:
    """The status line: what is shown, or that the page is updating."""
    css = "kpi-dash-status is-busy" if busy else "kpi-dash-status"
    return f'<p class="{css}" aria-live="polite">{escape(text)}</p>'


def rag_label(status: str | None) -> str:
    """The text shown with a RAG status (:data:`kpilib.kpis.service_delivery.RAG_LABELS`)."""
    return _(RAG_LABELS.get(status or "grey", RAG_LABELS["grey"]))


def file_stem(*parts: str | None) -> str:
    """A download's file name from the selection, e.g. ``kpi_exceptions_2024-25_FY``."""
    return safe_file_name("_".join(["kpi", *(p for p in parts if p)]))
