"""HTML pieces every surface shares: status labels and headline cards.

A status is always text and colour (and a symbol, from the stylesheet), never colour alone; the
text of each colour is :data:`kpilib.kpis.service_delivery.RAG_LABELS`. Every value is escaped.
The classes are documented in ``styles/kpi-base.css``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from kpilib.i18n import N_, _, current_language, is_right_to_left, isolate
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present.explain import REVIEW_WORDS, Explanation, input_words
from kpilib.present.headline import HeadlineFigure
from kpilib.present.messages import FigureChange, KeyMessage

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
    rag_label: str | None = None  # the words beside the colour (default: the RAG's own)


def render_rag(status: str | None, label: str | None = None) -> str:
    """A RAG label: the colour-blind-safe class and a text label (``None`` -> grey, no data)."""
    key = status if status in RAG_LABELS else "grey"
    text = label if label is not None else _(RAG_LABELS[key])
    if is_right_to_left() and text.isascii():
        text = isolate(text)  # "96 %", "A": kept left to right inside Urdu
    return f'<span class="rag rag-{key}">{escape(text)}</span>'


def render_cards(cards: Iterable[KpiCard]) -> str:
    """Headline figures as a row of cards (``.kpi-cards`` / ``.kpi-card``)."""
    items = []
    for card in cards:
        rag = render_rag(card.rag, card.rag_label) if card.rag is not None else ""
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


def render_headline(
    figures: Iterable[HeadlineFigure],
    explain_href: str | None = None,
    explanations: Mapping[str, Explanation] | None = None,
    changes: Mapping[str, FigureChange] | None = None,
) -> str:
    """Headline figures as cards, each opening a short explanation: what it counts and when,
    the status rule it was rated with, any stale input, and (``explanations`` by figure key)
    the formula, the inputs with their values and the returns behind it. ``explain_href``: a
    page anchor prefix for the fuller explanation, e.g. ``#explain-`` in a report;
    ``changes``: each figure against the same period of last year (a line under the value)."""
    items = []
    for figure in figures:
        rag = render_rag(figure.status) if figure.status is not None else ""
        note = f'<div class="footnote">{escape(figure.note)}</div>' if figure.note else ""
        stale = f'<div class="kpi-stale">{escape(figure.stale)}</div>' if figure.stale else ""
        change = render_change((changes or {}).get(figure.key))
        explanation = (explanations or {}).get(figure.key)
        items.append(
            f'<div class="kpi-card" id="card-{escape(figure.key, quote=True)}">'
            f'<div class="kpi-card-value">{escape(figure.text)}</div>'
            f'<div class="kpi-card-label">{escape(figure.label)}</div>{rag}{change}{note}{stale}'
            f"{_render_explain(figure, explain_href, explanation)}</div>"
        )
    return f'<div class="kpi-cards">{"".join(items)}</div>'


#: The symbol of the way a figure moved, and the word of its trend (never colour alone).
DIRECTION_SIGNS = {"up": "▲", "down": "▼"}
TREND_WORDS = {"better": N_("better"), "worse": N_("worse")}


def render_change(change: FigureChange | None) -> str:
    """A card's change on last year (``.kpi-card-change``, ``.kpi-change-better`` / ``-worse``):
    ``▼ -2 on FY 2023-24, better`` (the arrow: which way the number moved; the word: whether
    that is good); nothing when there is no change to show."""
    if change is None:
        return ""
    sign = DIRECTION_SIGNS.get(change.direction, "=" if change.trend == "same" else "")
    word = _(TREND_WORDS[change.trend]) if change.trend in TREND_WORDS else ""
    comma = _(", ")
    text = f"{sign} {change.text}".strip() + (f"{comma}{word}" if word else "")
    return (
        f'<div class="kpi-card-change kpi-change-{escape(change.trend, quote=True)}">'
        f"{escape(text)}</div>"
    )


def render_key_messages(messages: Iterable[KeyMessage]) -> str:
    """The key messages as a list (``.key-messages``): each its topic, a status in words and
    colour when it has one, and its sentence."""
    items = "".join(
        f'<li class="key-message"><strong>{escape(m.topic)}</strong> '
        f"{render_rag(m.status) if m.status else ''} {escape(m.text)}</li>"
        for m in messages
    )
    return f'<ol class="key-messages">{items}</ol>'


#: Returns an explanation names on a card before saying how many more there are.
CARD_RETURNS_SHOWN = 5


def _render_explain(
    figure: HeadlineFigure, explain_href: str | None, explanation: Explanation | None
) -> str:
    how, inputs_and_returns = _("How is this counted?"), _("Inputs and returns")
    rows = [(_("Formula"), _(explanation.formula) if explanation else ""),
            (_("Counts"), figure.population)]  # fmt: skip
    if figure.rule:
        rows.append((_("Status"), figure.rule))
    if explanation is not None:
        rows += _explained_inputs(explanation)
    body = "".join(
        f'<p class="kpi-explain-line"><strong>{escape(k)}:</strong> {escape(v)}</p>'
        for k, v in rows
        if v
    )
    more = (
        f'<a href="{escape(explain_href + figure.key, quote=True)}">'
        f"{escape(inputs_and_returns)}</a>"
        if explain_href
        else ""
    )
    return f'<details class="kpi-explain"><summary>{escape(how)}</summary>{body}{more}</details>'


def _explained_inputs(explanation: Explanation) -> list[tuple[str, str]]:
    """The inputs with their values and the returns behind them, in the current language
    (codes, numbers and hashes kept left to right inside Urdu)."""
    separator = _("; ")
    inputs = separator.join(
        _("{item}: {value}").format(item=_input_words(str(r["item"])), value=isolate(_value(r)))
        for r in explanation.inputs.to_dict("records")
    )
    returns = explanation.returns
    if returns.empty:
        return [(_("Inputs"), inputs)]
    listed = _(", ").join(
        _("no. {number} ({ret} {version}, {review}, SHA-256 {hash})").format(
            number=r["submission_id"],
            ret=isolate(f"{r['sender']} {r['period_code']}"),
            version=_("v{number}").format(number=r["version"]),
            review=_(REVIEW_WORDS.get(str(r["review"]), str(r["review"]))),
            hash=isolate(f"{str(r['content_hash'])[:12]}…"),
        )
        for r in returns.head(CARD_RETURNS_SHOWN).to_dict("records")
    )
    extra = len(returns) - CARD_RETURNS_SHOWN
    listed += _(" and {count} more").format(count=f"{extra:,}") if extra > 0 else ""
    behind = _("Returns behind it ({count})").format(count=f"{len(returns):,}")
    return [(_("Inputs"), inputs), (behind, listed)]


def _input_words(item: str) -> str:
    """An input's name as the card shows it: as written in English (``rated green``), in the
    reader's words otherwise (:func:`kpilib.present.explain.input_words`)."""
    return item if current_language() == "en" else input_words(item)


def _value(row: Mapping[Hashable, object]) -> str:
    value = row["value"]
    return f"{value:,}" if isinstance(value, int) else str(value)
