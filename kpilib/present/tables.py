"""One table model for every surface: reports, dashboards and the portal.

A table is a frame and a list of :class:`Column`: which field, its heading and its kind. The
kind decides how a value reads (:mod:`kpilib.present.formatting`), whether it is right-aligned,
and how a status shows (text and colour, never colour alone: :func:`kpilib.present.html.
render_rag`). Every value is escaped; a link may only point at a page of the same folder.
:func:`export_table` gives the same table for a download, numbers left as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Literal, cast

import pandas as pd

from kpilib.i18n import N_, _, is_right_to_left, isolate
from kpilib.present.formatting import (
    MISSING,
    RATING_RAG,
    ZONE_LABELS,
    ZONE_RAG,
    format_count,
    format_date,
    format_money_value,
    format_number,
    format_percent,
    format_share,
    format_times,
    is_missing,
    money_heading,
    money_in_unit,
    money_unit_label,
    pefa_rag,
)
from kpilib.present.html import render_rag

ColumnKind = Literal[
    "text", "money", "percent", "share", "number", "times", "count",
    "rag", "rating", "zone", "pefa", "link", "checkbox",
]  # fmt: skip
#: Kinds shown right-aligned in tabular figures.
NUMERIC_KINDS = frozenset({"money", "percent", "share", "number", "times", "count"})


@dataclass(frozen=True)
class Column:
    """A column of a table: the frame's ``key``, its heading and how to show it.

    ``kind``: ``text``; ``money`` (rupees shown in the money unit of
    :func:`~kpilib.present.formatting.money_unit`, which the heading names); ``percent``
    (already × 100);
    ``share`` (0–1 shown as %); ``number``; ``times`` (a ratio, ``1.23×``); ``count`` (whole
    numbers); ``rag`` (a status green/amber/red/grey; ``label_key`` names the column with its
    text, default the standard label); ``rating`` (low … very high); ``zone`` (Z'' zone);
    ``pefa`` (a PEFA score); ``link`` (text whose ``href_key`` column holds a relative link to
    a page of the same folder); ``checkbox`` (a form's tick box named ``key`` whose value is the
    cell's, e.g. a return's number; an empty cell has none).
    """

    key: str
    label: str
    kind: ColumnKind = "text"
    digits: int = 1
    label_key: str | None = None
    href_key: str | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def heading(self) -> str:
        """The heading shown, in the current language: the label (marked ``N_`` where the
        column is made), and for money its unit (``Revised budget (Rs m)``)."""
        label = _(self.label)
        if self.kind != "money":
            return label
        if is_right_to_left():  # "(Rs m)" kept whole inside Urdu
            return f"{label} ({isolate(money_unit_label().replace(' ', chr(0xA0)))})"
        return money_heading(label)

    def format(self, value: object) -> str:
        """``value`` as text (``–`` when missing)."""
        if self.kind == "money":
            return format_money_value(value, self.digits)
        if self.kind == "percent":
            return format_percent(value, self.digits)
        if self.kind == "share":
            return format_share(value, self.digits)
        if self.kind == "number":
            if isinstance(value, str) and not is_missing(value):
                return value  # already written out, e.g. "87 % (3)"
            return format_number(value, self.digits)
        if self.kind == "times":
            return format_times(value, self.digits)
        if self.kind == "count":
            return format_count(value)
        if isinstance(value, date) and not is_missing(value):
            # A date reads as everywhere else (15 Feb 2026), kept left to right in Urdu.
            return isolate(format_date(value))
        return MISSING if is_missing(value) else str(value)


#: Risk ratings as the tables write them.
RATING_LABELS = {"low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High"),
                 "very high": N_("Very high"), "not rated": N_("Not rated")}  # fmt: skip


def rating_label(rating: str | None) -> str:
    """A risk rating in words (``Very high``), in the current language."""
    text = rating or "not rated"
    return _(RATING_LABELS.get(text, text.capitalize()))


def check_relative_link(href: str) -> str:
    """``href`` if it points at a page of the same folder (``HLT.html``,
    ``department.ipynb?department=HLT``); anything with a scheme, a slash or ``..`` is refused."""
    if "/" in href or "\\" in href or ":" in href or ".." in href or not href:
        raise ValueError(f"{href!r} is not a page of this folder (e.g. HLT.html)")
    return href


def render_cell(row: Mapping[str, object], column: Column, stacked: bool = False) -> str:
    """One ``<td>``: the value formatted and escaped, statuses as labelled badges (with
    ``stacked``, the column's heading as ``data-label`` for the phone layout)."""
    return _with_label(_render_cell(row, column), column, stacked)


def _with_label(cell: str, column: Column, stacked: bool) -> str:
    if not stacked:
        return cell
    return f'<td data-label="{escape(column.heading, quote=True)}"' + cell[3:]


def _render_cell(row: Mapping[str, object], column: Column) -> str:
    value = row.get(column.key)
    if column.kind == "rag":
        label = row.get(column.label_key) if column.label_key else None
        status = value if isinstance(value, str) else None
        text = None if is_missing(label) else _(str(label))
        return f"<td>{render_rag(status, text)}</td>"
    if column.kind == "rating":
        text = value if isinstance(value, str) and not is_missing(value) else None
        status = RATING_RAG.get(text or "", "grey")
        return f"<td>{render_rag(status, rating_label(text))}</td>"
    if column.kind == "zone":
        text = value if isinstance(value, str) and not is_missing(value) else "not rated"
        label = _(ZONE_LABELS.get(text, text))
        return f"<td>{render_rag(ZONE_RAG.get(text, 'grey'), label)}</td>"
    if column.kind == "pefa":
        return f"<td>{render_rag(pefa_rag(value), column.format(value))}</td>"
    if column.kind == "checkbox":
        if is_missing(value):
            return "<td></td>"
        name, ticked = escape(column.key, quote=True), escape(str(value), quote=True)
        return (
            f'<td><input type="checkbox" name="{name}" value="{ticked}" '
            f'aria-label="{escape(column.label, quote=True)} {ticked}"></td>'
        )
    href = row.get(column.href_key) if column.href_key else None
    if column.kind == "link" and not is_missing(href):
        link = escape(check_relative_link(str(href)), quote=True)
        return f'<td><a href="{link}">{escape(column.format(value))}</a></td>'
    css = ' class="num"' if column.numeric else ""
    return f"<td{css}>{escape(column.format(value))}</td>"


def _render_heading(column: Column) -> str:
    css = ' class="num"' if column.numeric else ""
    return f'<th{css} scope="col">{escape(column.heading)}</th>'


def render_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    caption: str | None = None,
    *,
    max_rows: int | None = None,
    empty: str | None = None,
    scroll: bool = False,
    stacked: bool = False,
) -> str:
    """A ``.kpi-table`` of ``columns`` of ``frame``. Every value is escaped.

    ``max_rows``: show only the first rows, with a note of how many more the download has;
    ``empty``: the sentence shown instead of an empty table; ``scroll``: inside a scrolling box
    (``.kpi-table-wrap``, for pages with long tables), else in a box that scrolls sideways on a
    narrow screen only (``.kpi-table-scroll``); ``stacked``: on a phone each row shows
    as a card of "heading: value" lines (``.kpi-stacked``) instead of a table to scroll.
    """
    if frame.empty and empty is not None:
        return f'<p class="kpi-empty">{escape(empty)}</p>'
    head = "".join(_render_heading(column) for column in columns)
    rows = frame if max_rows is None else frame.head(max_rows)
    # The columns are named by strings (Column.key).
    records = cast("list[dict[str, object]]", rows.to_dict("records"))
    body = "".join(
        "<tr>" + "".join(render_cell(row, c, stacked) for c in columns) + "</tr>" for row in records
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    css = "kpi-table kpi-stacked" if stacked else "kpi-table"
    table = f'<table class="{css}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    # Either box scrolls a wide table sideways on a narrow screen (never the page), with the
    # first column kept in view; the scrolling box also scrolls long tables down.
    box = "kpi-table-wrap" if scroll else "kpi-table-scroll"
    table = f'<div class="{box}">{table}</div>'
    if max_rows is not None and len(frame) > max_rows:
        table += (
            '<p class="footnote">'
            + escape(
                _("Showing the first {shown} of {total} rows; the download has them all.").format(
                    shown=f"{max_rows:,}", total=f"{len(frame):,}"
                )
            )
            + "</p>"
        )
    return table


def export_table(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The table as it is downloaded: the same columns and headings, values unformatted
    (numbers stay numbers; money in the money unit its heading names; shares as percentages; a
    status as its text)."""
    data = {}
    for column in columns:
        values = frame[column.key]
        label = column.heading
        if column.kind == "money":
            values = values.map(money_in_unit).astype("float64")
        elif column.kind == "share":
            values = values.astype("float64") * 100
        elif column.kind == "rag" and column.label_key:
            values = frame[column.label_key].map(lambda v: _(v) if isinstance(v, str) else v)
        elif column.kind == "zone":
            values = values.map(lambda zone: _(ZONE_LABELS[zone]) if zone in ZONE_LABELS else zone)
        elif column.kind == "rating":
            values = values.map(
                lambda rating: rating_label(str(rating)) if isinstance(rating, str) else rating
            )
        data[label] = values.to_numpy()
    return pd.DataFrame(data)
