"""The dashboards' language: read from the link (``?lang=ur``) or the reader's last choice (a
cookie), and the English / اردو switch every page shows.

The switch is two plain links (the same page and view, ``lang=en`` or ``lang=ur``), so it works
on any phone without script. ``kpi serve`` remembers the choice: a page asked for with a valid
``lang`` sets the :data:`COOKIE` cookie, and a page asked for without one is sent, before any
kernel is used, to the same link with the remembered language
(:func:`remembered_language_redirect`). Every value is checked with
:func:`kpilib.i18n.check_language`; anything else reads as English and is never written back
into a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from urllib.parse import parse_qsl, urlencode

from kpilib.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    Language,
    UnknownLanguageError,
    _,
    check_language,
)

#: The query key of the language, and the cookie that remembers it (a year).
QUERY_KEY = "lang"
COOKIE = "kpi_lang"
COOKIE_DAYS = 365


def read_language(value: object) -> Language | None:
    """``value`` as a language, or ``None`` when it is not one (never an error)."""
    try:
        return check_language(value)
    except UnknownLanguageError:
        return None


def language_from_query(query: str | None) -> Language:
    """The language a page's query string asks for: its first ``lang`` value when valid, else
    English."""
    if not query or len(query) > 1000:
        return DEFAULT_LANGUAGE
    for key, value in parse_qsl(query, keep_blank_values=True, max_num_fields=20):
        if key == QUERY_KEY:
            return read_language(value) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def remembered_language_redirect(
    query: Mapping[str, list[str]], cookie: str | None
) -> Language | None:
    """The language to send a request to when its link names none but its cookie does (and
    it is not English, the default); ``None``: serve the request as it is."""
    if QUERY_KEY in query:
        return None
    remembered = read_language(cookie)
    return remembered if remembered and remembered != DEFAULT_LANGUAGE else None


def with_language(query: str, language: Language) -> str:
    """``query`` (a URL's query string) with ``lang`` set to ``language`` (other keys kept)."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != QUERY_KEY]
    return urlencode([*pairs, (QUERY_KEY, language)])


def render_switch(links: Mapping[Language, str], current: str) -> str:
    """The English / اردو switch: one link per language (``links``: language → href), the
    current one marked (``aria-current``) and not a link away."""
    items = []
    for language in LANGUAGES:
        name = escape(LANGUAGE_NAMES[language])
        href = escape(links[language], quote=True)
        marked = ' aria-current="true" class="is-current"' if language == current else ""
        direction = "rtl" if language == "ur" else "ltr"
        items.append(
            f'<a href="{href}" hreflang="{language}" lang="{language}" dir="{direction}"'
            f"{marked}>{name}</a>"
        )
    label = escape(_("Language"), quote=True)
    return f'<nav class="kpi-lang" aria-label="{label}">{" ".join(items)}</nav>'
