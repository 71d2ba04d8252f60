"""What an Urdu page may still hold in Latin letters, for the "no English left" tests (issue 18).

``english_left(html, allowed)`` returns the Latin-letter words of a page's visible text, after
taking out what is not English UI text: names and codes of departments and PSEs (``allowed``:
the page's own data), numbers, fiscal years, dates' month abbreviations, units and codes such as
``HLT`` or ``UNI-004`` (all capitals and digits), file names and addresses (``.yaml`` and
``.parquet`` paths among them), a parameter file's keys (``flag_severity``), a return's content
hash in hexadecimal, the attributes of an element that is not displayed (``style="display:
none"``: no one sees its title) and the ``aria-label`` of an element inside
``aria-hidden="true"`` (never read out). An empty list means every word a reader sees is Urdu
(or data).
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
#: Elements with no end tag (the rest are closed in a browser's serialised page).
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_SKIP_TAGS = {"script", "style", "svg", "code", "template", "noscript"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
#: E-mail and web addresses, and file names or paths with the extensions the suite writes or
#: reads (``parameters/defaults.yaml``, ``store/budget.parquet``).
_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|\S+\.(?:html|pdf|xlsx|csv|ipynb|yaml|yml|parquet)\b")
#: A content hash (SHA-256), whole or cut short: 8 or more hexadecimal digits, with a digit and
#: a letter among them (so that no English word, e.g. "facade", is taken for one).
#: A parameter file's key (``flag_severity``): lower-case words joined by underscores.
_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_HEX_HASH = re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._unheard: list[bool] = []  # per open element: inside aria-hidden="true"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        unheard = bool(self._unheard and self._unheard[-1]) or ("aria-hidden", "true") in attrs
        if tag not in _VOID:
            self._unheard.append(unheard)
        if _hidden(attrs):
            return  # an element not displayed: its title is never seen nor read
        for name, value in attrs:  # what a reader sees or hears besides text
            if name == "aria-label" and unheard:
                continue  # a label inside aria-hidden="true" is never read out
            if name in {"title", "alt", "placeholder", "aria-label"} and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._unheard:
            self._unheard.pop()
        if tag in _SKIP_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _hidden(attrs: list[tuple[str, str | None]]) -> bool:
    style = dict(attrs).get("style") or ""
    return re.search(r"display:\s*none", style) is not None


def visible_text(html: str) -> str:
    """The text a reader sees (and the titles and labels read aloud) of an HTML page."""
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_left(html: str, allowed: Iterable[str] = ()) -> list[str]:
    """The Latin-letter words of ``html``'s visible text that are not data (sorted, once each)."""
    text = visible_text(html).replace("\xa0", " ")  # a selector's options: no-break spaces
    text = re.sub(_ADDRESS, " ", text)  # before the names: a path may hold a code (HLT.yaml)
    for phrase in sorted(set(allowed), key=len, reverse=True):
        if phrase:
            text = text.replace(phrase, " ")
    text = re.sub(_HEX_HASH, " ", text)  # after the names: a name may hold a key's shape
    text = re.sub(_KEY, " ", text)
    words = set()
    for word in _WORD.findall(text):
        if word in ALWAYS_ALLOWED or _CODE.match(word):
            continue
        words.add(word)
    return sorted(words)
