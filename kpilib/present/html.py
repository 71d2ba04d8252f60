"""HTML pieces every surface shares: status labels and headline cards.

A status is always text and colour (and a symbol, from the stylesheet), never colour alone; the
text of each colour is :data:`kpilib.kpis.service_delivery.RAG_LABELS`. Every value is escaped.
The classes are documented in ``styles/kpi-base.css``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present.headline import HeadlineFigure

#: The folder of the base stylesheet: on the template path of the reports and the dashboards,
#: whose templates include :data:`BASE_STYLESHEET` before their own.
STYLES_DIR = Path(__file__).resolve().parent / "styles"
BASE_STYLESHEET = "kpi-base.css"


@cache
def read_base_stylesheet() -> str:
    """The text of the base stylesheet every surface starts from."""
    return (STYLES_DIR / BASE_STYLESHEET).read_text(encoding="utf-8")


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


def render_footnote(text: str) -> str:
    """A source or method note under a table or chart (``.footnote``)."""
    return f'<p class="footnote">{escape(text)}</p>'


def render_headline(figures: Iterable[HeadlineFigure], explain_href: str | None = None) -> str:
    """Headline figures as cards, each opening a short explanation: what it counts and when,
    the status rule it was rated with, and any stale input (``explain_href``: a page anchor
    prefix for a fuller explanation, e.g. ``#explain-``)."""
    items = []
    for figure in figures:
        rag = render_rag(figure.status) if figure.status is not None else ""
        note = f'<div class="footnote">{escape(figure.note)}</div>' if figure.note else ""
        stale = f'<div class="kpi-stale">{escape(figure.stale)}</div>' if figure.stale else ""
        items.append(
            f'<div class="kpi-card" id="card-{escape(figure.key, quote=True)}">'
            f'<div class="kpi-card-value">{escape(figure.text)}</div>'
            f'<div class="kpi-card-label">{escape(figure.label)}</div>{rag}{note}{stale}'
            f"{_render_explain(figure, explain_href)}</div>"
        )
    return f'<div class="kpi-cards">{"".join(items)}</div>'


def _render_explain(figure: HeadlineFigure, explain_href: str | None) -> str:
    rows = [("Counts", figure.population)]
    if figure.rule:
        rows.append(("Status", figure.rule))
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows if v)
    more = (
        f'<a href="{escape(explain_href + figure.key, quote=True)}">Inputs and returns</a>'
        if explain_href
        else ""
    )
    return (
        '<details class="kpi-explain"><summary>How is this counted?</summary>'
        f"<dl>{body}</dl>{more}</details>"
    )
