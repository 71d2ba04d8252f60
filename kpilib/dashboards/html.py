"""HTML pieces of the dashboards: header, DEMO DATA banner, tables, CSV downloads, messages.

Every value that comes from data is escaped here (``html.escape``), links are built from
parameters with ``urllib.parse.urlencode`` and point only at the dashboards of the same server,
and a CSV download is a ``data:`` link written by :func:`kpilib.present.export.encode_csv`, which
neutralises formula injection. Cards and RAG labels are the reports' own
(:mod:`kpilib.report.display`), so both look alike.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

import pandas as pd

from kpilib.fiscal import Period
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present.export import encode_csv, safe_file_name
from kpilib.report.display import render_rag

#: Rows shown in a table on the page; the CSV download always has them all.
MAX_TABLE_ROWS = 200
DASHBOARD_FILES = ("province.ipynb", "department.ipynb", "pse_monitor.ipynb")
DEMO_TEXT = "DEMO DATA — a synthetic province, not official statistics"
ORGANISATION = "Government of Khyber Pakhtunkhwa, Finance Department"
#: Risk ratings and Z'' zones shown as RAG-styled labels (the text is the rating itself).
RATING_STATUS = {"low": "green", "moderate": "amber", "high": "red", "very high": "red"}
ZONE_STATUS = {"safe": "green", "grey": "amber", "distress": "red"}
ZONE_TEXT = {"safe": "Safe", "grey": "Grey zone", "distress": "Distress", "not rated": "Not rated"}
SEVERITY_STATUS = {"critical": "red", "warning": "amber"}


@dataclass(frozen=True)
class TableColumn:
    """One column of a dashboard table.

    ``kind``: ``text``; ``int``; ``num`` (``digits`` decimals); ``pct`` (a percentage, shown
    with ``%``); ``share`` (a fraction shown as a percentage); ``millions`` (rupees shown in
    Rs. million); ``status`` (a label shown RAG-styled: ``status`` names the column holding
    ``green``/``amber``/``red``/``grey``); ``link`` (``href`` names the column holding a
    relative dashboard link built by :func:`dashboard_link`).
    """

    key: str
    title: str
    kind: str = "text"
    digits: int = 1
    status: str | None = None
    href: str | None = None


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value: object, column: TableColumn) -> str:
    """``value`` as text for the page (``–`` when missing)."""
    if _missing(value):
        return "–"
    kind = column.kind
    if kind == "int":
        return f"{int(value):,}"
    if kind == "num":
        return f"{float(value):,.{column.digits}f}"
    if kind == "pct":
        return f"{float(value):,.{column.digits}f} %"
    if kind == "share":
        return f"{float(value) * 100:,.{column.digits}f} %"
    if kind == "millions":
        return f"{float(value) / 1e6:,.{column.digits}f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _numeric(column: TableColumn) -> bool:
    return column.kind in ("int", "num", "pct", "share", "millions")


def _cell(row: Mapping[str, object], column: TableColumn) -> str:
    text = format_value(row[column.key], column)
    if column.kind == "status" and text != "–":
        status = row.get(column.status) if column.status else None
        return f"<td>{render_rag(str(status) if status else None, text)}</td>"
    if column.kind == "link" and column.href and not _missing(row.get(column.href)):
        href = escape(str(row[column.href]), quote=True)
        return f'<td><a href="{href}">{escape(text)}</a></td>'
    css = ' class="num"' if _numeric(column) else ""
    return f"<td{css}>{escape(text)}</td>"


def render_table(
    frame: pd.DataFrame,
    columns: Sequence[TableColumn],
    caption: str | None = None,
    max_rows: int = MAX_TABLE_ROWS,
    empty: str = "Nothing to show.",
) -> str:
    """A scrolling ``.kpi-table`` of ``columns`` of ``frame`` (first ``max_rows`` rows, with a
    note saying how many more the download has). Every cell is escaped."""
    if frame.empty:
        return f'<p class="kpi-empty">{escape(empty)}</p>'
    head = "".join(
        f'<th{" class=num" if _numeric(c) else ""} scope="col">{escape(c.title)}</th>'
        for c in columns
    )
    rows = frame.head(max_rows).to_dict("records")
    body = "".join("<tr>" + "".join(_cell(r, c) for c in columns) + "</tr>" for r in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    more = ""
    if len(frame) > max_rows:
        more = (
            f'<p class="footnote">Showing the first {max_rows:,} of {len(frame):,} rows; '
            "the CSV download has them all.</p>"
        )
    return (
        f'<div class="kpi-table-wrap"><table class="kpi-table">{cap}<thead><tr>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div>{more}"
    )


def export_table(frame: pd.DataFrame, columns: Sequence[TableColumn]) -> pd.DataFrame:
    """The table as it is downloaded: the same columns and titles, values unformatted (numbers
    stay numbers; rupee columns in Rs. million; percentages as numbers)."""
    data = {}
    for column in columns:
        values = frame[column.key]
        title = column.title
        if column.kind == "millions":
            values = values.astype("float64") / 1e6
            title = f"{title} (Rs. million)" if "Rs." not in title else title
        elif column.kind == "share":
            values = values.astype("float64") * 100
        data[title] = values.to_numpy()
    return pd.DataFrame(data)


def render_download(frame: pd.DataFrame, file_name: str, label: str = "Download CSV") -> str:
    """A link that downloads ``frame`` as CSV (UTF-8 with BOM, formula-safe, no server call)."""
    payload = base64.b64encode(encode_csv(frame)).decode("ascii")
    name = safe_file_name(file_name if file_name.endswith(".csv") else f"{file_name}.csv")
    return (
        f'<a class="kpi-download" download="{escape(name, quote=True)}" '
        f'href="data:text/csv;charset=utf-8;base64,{payload}">{escape(label)}</a>'
    )


def render_table_with_download(
    frame: pd.DataFrame,
    columns: Sequence[TableColumn],
    file_name: str,
    caption: str | None = None,
    empty: str = "Nothing to show.",
) -> str:
    """:func:`render_table` followed by its CSV download (none for an empty table)."""
    html = render_table(frame, columns, caption, empty=empty)
    if frame.empty:
        return html
    return html + render_download(export_table(frame, columns), file_name)


def dashboard_link(page: str, **values: str | None) -> str:
    """A relative link to another dashboard of the same server, e.g.
    ``department.ipynb?department=HLT&fiscal_year=2024-25``; ``page`` must be one of
    :data:`DASHBOARD_FILES` and the values are URL-encoded."""
    if page not in DASHBOARD_FILES:
        raise ValueError(f"{page!r} is not a dashboard ({', '.join(DASHBOARD_FILES)})")
    query = urlencode({k: v for k, v in values.items() if v})
    return f"{page}?{query}" if query else page


def render_header(title: str, lead: str, organisation: str = ORGANISATION) -> str:
    """The page's title block."""
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
    if period.kind == "year":
        return f"Fiscal year {year.label} ({start:%B %Y} – {year.end_date:%B %Y})"
    end = period.end_date
    return f"{year.label}, year to date through Q{period.number} ({start:%B}–{end:%B %Y})"


def render_as_of(period_label: str, as_of: date, data_as_of: date | None, is_demo: bool) -> str:
    """The DEMO DATA banner (demo data only) and the line saying which dates the figures and
    the data speak of."""
    banner = f'<div class="demo-banner">{escape(DEMO_TEXT)}</div>' if is_demo else ""
    data = f"data as of {data_as_of:%d %B %Y}" if data_as_of else "data as of: not recorded"
    return (
        f'{banner}<p class="kpi-dash-asof"><strong>{escape(period_label)}</strong> · figures to '
        f"{as_of:%d %B %Y} · {escape(data)}</p>"
    )


def render_section(title: str, lead: str | None = None) -> str:
    """A section heading with an optional one-line lead."""
    text = f'<p class="kpi-dash-lead">{escape(lead)}</p>' if lead else ""
    return f'<div class="kpi-dash-section"><h2>{escape(title)}</h2>{text}</div>'


def render_messages(problems: Sequence[str], lead: str = "This page could not show everything "
                    "it was asked for:") -> str:  # fmt: skip
    """A message box listing problems (a bad link, an unknown code); empty when none."""
    if not problems:
        return ""
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return f'<div class="kpi-alert" role="alert"><p>{escape(lead)}</p><ul>{items}</ul></div>'


def render_status(text: str, busy: bool = False) -> str:
    """The status line: what is shown, or that the page is updating."""
    css = "kpi-dash-status is-busy" if busy else "kpi-dash-status"
    return f'<p class="{css}" aria-live="polite">{escape(text)}</p>'


def rag_label(status: str | None) -> str:
    """The text shown with a RAG status (:data:`kpilib.kpis.service_delivery.RAG_LABELS`)."""
    return RAG_LABELS.get(status or "grey", RAG_LABELS["grey"])


def file_stem(*parts: str | None) -> str:
    """A download's file name from the selection, e.g. ``kpi_exceptions_2024-25_FY``."""
    return safe_file_name("_".join(["kpi", *(p for p in parts if p)]))
