"""Small HTML building blocks for report notebooks, using the report stylesheet's classes.

Every value is escaped here, so data can never inject markup into a report. The classes are
documented at the top of ``templates/kpi_report/static/kpi.css``. Notebooks show the result
with ``IPython.display.HTML(...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd

from kpilib.kpis.service_delivery import (
    RAG_LABELS,  # the text shown with each colour: one source for all
)
from kpilib.report.formatting import RATING_RAG, ZONE_LABELS, ZONE_RAG, Column, pefa_rag


@dataclass(frozen=True)
class KpiCard:
    """A headline figure: its value as displayed, its label and an optional RAG status."""

    label: str
    value: str
    rag: str | None = None
    note: str | None = None


def render_rag(status: str | None, label: str | None = None) -> str:
    """A RAG label: the colour-blind-safe class and a text label (``None`` -> grey, no data)."""
    key = status if status in RAG_LABELS else "grey"
    text = label if label is not None else RAG_LABELS[key]
    return f'<span class="rag rag-{key}">{escape(text)}</span>'


def render_cover(
    title: str,
    subject: str,
    period_label: str,
    officer_title: str,
    *,
    organisation: str = "Government of Khyber Pakhtunkhwa, Finance Department",
    details: Sequence[tuple[str, str]] = (),
) -> str:
    """The cover block of a report (``.report-cover``): who, what, which period, who signs."""
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in details
    )
    table = f'<table class="report-cover-details">{rows}</table>' if rows else ""
    return (
        '<section class="report-cover">'
        f'<p class="report-cover-organisation">{escape(organisation)}</p>'
        f"<h1>{escape(title)}</h1>"
        f'<p class="report-cover-subject">{escape(subject)}</p>'
        f'<p class="report-cover-period">{escape(period_label)}</p>'
        f"{table}"
        '<div class="report-cover-signature"><span class="report-cover-line"></span>'
        f"<span>{escape(officer_title)}</span></div>"
        "</section>"
    )


def render_section_heading(title: str, lead: str | None = None) -> str:
    """A section's heading (``.report-section``), with an optional one-line lead."""
    text = f'<p class="report-section-lead">{escape(lead)}</p>' if lead else ""
    return f'<section class="report-section"><h2>{escape(title)}</h2>{text}</section>'


def render_block(*parts: str) -> str:
    """Already-rendered pieces kept together on one printed page where they fit (``.report-block``):
    a section heading with its first table, so a heading never ends a page."""
    return f'<div class="report-block">{"".join(parts)}</div>'


def render_cards(cards: Iterable[KpiCard]) -> str:
    """Headline figures as a row of cards (``.kpi-cards`` / ``.kpi-card``)."""
    items = []
    for card in cards:
        rag = render_rag(card.rag) if card.rag is not None else ""
        note = f'<div class="footnote">{escape(card.note)}</div>' if card.note else ""
        items.append(
            '<div class="kpi-card">'
            f'<div class="kpi-card-value">{escape(card.value)}</div>'
            f'<div class="kpi-card-label">{escape(card.label)}</div>{rag}{note}</div>'
        )
    return f'<div class="kpi-cards">{"".join(items)}</div>'


def render_table(frame: pd.DataFrame, caption: str | None = None) -> str:
    """A data table (``.kpi-table``); cell values are escaped, the index is not shown."""
    html = frame.to_html(index=False, escape=True, border=0, classes="kpi-table", na_rep="–")
    if caption:
        html = html.replace(">", f"><caption>{escape(caption)}</caption>", 1)
    return html


def render_kpi_table(
    frame: pd.DataFrame, columns: Sequence[Column], caption: str | None = None
) -> str:
    """A formatted data table (``.kpi-table``): numbers right-aligned in their units, RAG,
    ratings and zones as text labels with their colour, links to other reports of the batch.
    Every value is escaped."""
    head = "".join(
        f'<th class="num">{escape(c.label)}</th>' if c.numeric else f"<th>{escape(c.label)}</th>"
        for c in columns
    )
    body = []
    for row in frame.to_dict("records"):
        cells = []
        for column in columns:
            value = row.get(column.key)
            if column.kind == "rag":
                label = row.get(column.label_key) if column.label_key else None
                cells.append(
                    f"<td>{render_rag(value if isinstance(value, str) else None, label)}</td>"
                )
            elif column.kind == "rating":
                text = str(value) if isinstance(value, str) else None
                status = RATING_RAG.get(text or "", "grey")
                cells.append(f"<td>{render_rag(status, (text or 'not rated').capitalize())}</td>")
            elif column.kind == "zone":
                text = str(value) if isinstance(value, str) else "not rated"
                zone = render_rag(ZONE_RAG.get(text, "grey"), ZONE_LABELS.get(text, text))
                cells.append(f"<td>{zone}</td>")
            elif column.kind == "pefa":
                text = column.format(value)
                cells.append(f"<td>{render_rag(pefa_rag(value), text)}</td>")
            elif column.kind == "link" and column.href_key and row.get(column.href_key):
                href = _batch_link(str(row[column.href_key]))
                cells.append(
                    f'<td><a href="{escape(href, quote=True)}">{escape(str(value))}</a></td>'
                )
            elif column.numeric:
                cells.append(f'<td class="num">{escape(column.format(value))}</td>')
            else:
                cells.append(f"<td>{escape(column.format(value))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="kpi-table">{caption_html}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _batch_link(href: str) -> str:
    if "/" in href or "\\" in href or ":" in href or ".." in href or not href:
        raise ValueError(f"{href!r} is not a file of this batch (e.g. HLT.html)")
    return href


def render_footnote(text: str) -> str:
    """A source or method note under a table or chart (``.footnote``)."""
    return f'<p class="footnote">{escape(text)}</p>'


def render_links(items: Iterable[tuple[str, str]], css_class: str = "report-links") -> str:
    """A list of links to other reports of the batch, e.g. from the summary to departments.

    Only relative links to files of the same batch folder are allowed (``HLT.html``): anything
    with a scheme, a slash or ``..`` is refused, so a report never links off the batch.
    """
    entries = []
    for label, href in items:
        _batch_link(href)
        entries.append(f'<li><a href="{escape(href, quote=True)}">{escape(label)}</a></li>')
    return f'<ul class="{escape(css_class, quote=True)}">{"".join(entries)}</ul>'
