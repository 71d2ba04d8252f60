"""The report notebooks' HTML building blocks: cover, section headings, blocks kept on a page,
links to other reports of the batch; and the pieces every surface shares (cards, RAG labels,
footnotes: :mod:`kpilib.present.html`; tables: :mod:`kpilib.present.tables`).

Every value is escaped, so data can never inject markup into a report. The classes are
documented in ``kpilib/present/styles/kpi-base.css`` and ``templates/kpi_report/static/kpi.css``.
Notebooks show the result with ``IPython.display.HTML(...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from kpilib.i18n import _
from kpilib.present.explain import render_explanations
from kpilib.present.headline import publish_headline
from kpilib.present.html import (
    KpiCard,
    render_cards,
    render_footnote,
    render_headline,
    render_key_messages,
    render_rag,
)
from kpilib.present.methodology import render_methodology
from kpilib.present.tables import check_relative_link
from kpilib.report.content import ExecutiveSummary
from kpilib.report.workbook import publish_tables

__all__ = [
    "KpiCard",
    "publish_headline",
    "publish_tables",
    "render_block",
    "render_cards",
    "render_cover",
    "render_executive_summary",
    "render_explanations",
    "render_footnote",
    "render_headline",
    "render_links",
    "render_methodology",
    "render_rag",
    "render_section_heading",
]


def render_cover(
    title: str,
    subject: str,
    period_label: str,
    officer_title: str,
    *,
    organisation: str | None = None,
    details: Sequence[tuple[str, str]] = (),
    summary: str = "",
) -> str:
    """The cover block of a report (``.report-cover``): who, what, which period, who signs;
    ``summary`` (rendered, e.g. :func:`render_executive_summary`) on the cover itself, so the
    first page answers "how are we doing?" (``.report-cover-with-summary``: a compact cover)."""
    organisation = organisation or _("Government of Khyber Pakhtunkhwa, Finance Department")
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in details
    )
    table = f'<table class="report-cover-details">{rows}</table>' if rows else ""
    css = "report-cover report-cover-with-summary" if summary else "report-cover"
    return (
        f'<section class="{css}">'
        f'<p class="report-cover-organisation">{escape(organisation)}</p>'
        f"<h1>{escape(title)}</h1>"
        f'<p class="report-cover-subject">{escape(subject)}</p>'
        f'<p class="report-cover-period">{escape(period_label)}</p>'
        f"{table}{summary}"
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


def render_links(items: Iterable[tuple[str, str]], css_class: str = "report-links") -> str:
    """A list of links to other reports of the batch, e.g. from the summary to departments.

    Only relative links to files of the same batch folder are allowed (``HLT.html``): anything
    with a scheme, a slash or ``..`` is refused, so a report never links off the batch.
    """
    entries = []
    for label, href in items:
        check_relative_link(href)
        entries.append(f'<li><a href="{escape(href, quote=True)}">{escape(label)}</a></li>')
    return f'<ul class="{escape(css_class, quote=True)}">{"".join(entries)}</ul>'


def render_executive_summary(summary: ExecutiveSummary, explain_href: str = "#explain-") -> str:
    """The executive summary (``.executive-summary``): the key messages, then the headline
    cards, each with its change on the same period of last year and its explanation."""
    lead = _(
        "Key messages, then the headline figures; each card compares with {period} and says "
        "how it is counted."
    ).format(period=summary.compared_with)
    heading = _("Executive summary")
    return (
        f'<div class="executive-summary"><h2>{escape(heading)}</h2>'
        f'<p class="report-section-lead">{escape(lead)}</p>'
        f"{render_key_messages(summary.messages)}"
        f"{render_headline(summary.figures, explain_href, changes=summary.changes)}</div>"
    )
