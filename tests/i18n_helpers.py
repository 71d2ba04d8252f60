"""What an Urdu page may still hold in Latin letters, for the "no English left" tests (issue 18).

``english_left(html, allowed)`` returns the Latin-letter words of a page's visible text, after
taking out what is not English UI text: names and codes of departments and PSEs (``allowed``:
the page's own data), numbers, fiscal years, dates' month abbreviations, units and codes such as
``HLT`` or ``UNI-004`` (all capitals and digits), file names and addresses. An empty list means
every word a reader sees is Urdu (or data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

#: Words that are data or conventions in both editions (docs/glossary-ur.md), not UI text.
ALWAYS_ALLOWED = frozenset(
    {
        # month abbreviations of dates (dates read the same in both editions)
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        # units and standard abbreviations kept in Latin letters in Urdu documents
        "Rs", "bn", "m", "pp", "KPI", "KPIs", "PEFA", "IMF", "SOE", "ADP", "PSE", "PSEs",
        "CSV", "XLSX", "PDF", "HTML", "Excel", "SECP", "PFM", "Altman", "DEMO", "FY",
        "Q1", "Q2", "Q3", "Q4", "H1", "English",
    }
)  # fmt: skip
_SKIP_TAGS = {"script", "style", "svg", "code", "template", "noscript"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        for name, value in attrs:  # what a reader sees or hears besides text
            if name in {"title", "alt", "placeholder", "aria-label"} and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees (and the titles and labels read aloud) of an HTML page."""
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_left(html: str, allowed: Iterable[str] = ()) -> list[str]:
    """The Latin-letter words of ``html``'s visible text that are not data (sorted, once each)."""
    text = visible_text(html)
    for phrase in sorted(set(allowed), key=len, reverse=True):
        if phrase:
            text = text.replace(phrase, " ")
    text = re.sub(r"\S+@\S+|https?://\S+|\S+\.(?:html|pdf|xlsx|csv|ipynb)\b", " ", text)
    words = set()
    for word in _WORD.findall(text):
        if word in ALWAYS_ALLOWED or _CODE.match(word):
            continue
        words.add(word)
    return sorted(words)
