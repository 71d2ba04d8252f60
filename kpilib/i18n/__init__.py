"""English and Urdu: the language a page, report or e-mail is written in, and its messages.

Every sentence, heading and label a reader sees is written in English in the code, wrapped in
:func:`gettext` (imported as ``_``) where it is shown, or marked with :func:`N_` where it is
defined once at module level and translated where it is shown (``_(CATEGORY_LABELS[c])``). The
Urdu text lives in gettext catalogs, ``kpilib/i18n/catalogs/ur/*.po`` (one file per area of the
suite; all are read together), edited by people and checked by ``tests/test_i18n_catalogs.py``:
a message with no Urdu translation fails ``make test``. ``make messages`` lists what is missing.

The language is a setting, not an argument threaded through every function:

- a batch or a kernel sets it once (:func:`set_language`, e.g. the report notebook's
  ``language`` parameter);
- a server sets it per request (:func:`use_language`, a context variable, so two requests in
  two languages do not mix).

English is the default everywhere. A message missing from the Urdu catalog is shown in English
(never an empty string), and the catalog test is what keeps that from happening.

Digits: Western digits (0-9) in both languages, as the province's Urdu budget documents and
Pakistan's Urdu press print amounts; numbers, codes and fiscal years keep their left-to-right
order inside Urdu text through :func:`isolate` (docs/glossary-ur.md).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Literal, cast

from kpilib.i18n.catalog import translations

Language = Literal["en", "ur"]
#: The languages of the suite, the default first.
LANGUAGES: tuple[Language, ...] = ("en", "ur")
DEFAULT_LANGUAGE: Language = "en"
#: Each language's name, in itself (for a language switch).
LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "ur": "اردو"}
RIGHT_TO_LEFT: frozenset[str] = frozenset({"ur"})

_process_language: Language = DEFAULT_LANGUAGE
_request_language: contextvars.ContextVar[Language | None] = contextvars.ContextVar(
    "kpi_language", default=None
)

# Unicode's directional isolates: LEFT-TO-RIGHT ISOLATE and POP DIRECTIONAL ISOLATE.
_LRI, _PDI = "\u2066", "\u2069"


class UnknownLanguageError(ValueError):
    """A language that is not one of :data:`LANGUAGES`."""


def check_language(value: object) -> Language:
    """``value`` as a :data:`Language`, or :class:`UnknownLanguageError` in plain words."""
    if isinstance(value, str) and value.strip().lower() in LANGUAGES:
        return cast(Language, value.strip().lower())
    choices = ", ".join(LANGUAGES)
    raise UnknownLanguageError(f"language {value!r} is not one of {choices}")


def parse_languages(text: str) -> list[Language]:
    """``"en,ur"`` as ``["en", "ur"]`` (in the order given, each once)."""
    chosen: list[Language] = []
    for part in text.split(","):
        if part.strip():
            language = check_language(part)
            if language not in chosen:
                chosen.append(language)
    if not chosen:
        raise UnknownLanguageError("no language given: write en, ur or en,ur")
    return chosen


def current_language() -> Language:
    """The language of what is being written now: the request's, else the process's."""
    return _request_language.get() or _process_language


def set_language(language: str) -> Language:
    """Write in ``language`` from now on in this process (a batch run, a kernel)."""
    global _process_language
    _process_language = check_language(language)
    return _process_language


@contextlib.contextmanager
def use_language(language: str) -> Iterator[Language]:
    """Write in ``language`` inside the ``with`` block only (one request of a server)."""
    token = _request_language.set(check_language(language))
    try:
        yield current_language()
    finally:
        _request_language.reset(token)


def text_direction(language: str | None = None) -> Literal["ltr", "rtl"]:
    """``"rtl"`` for Urdu, ``"ltr"`` for English (the HTML ``dir`` attribute)."""
    return "rtl" if (language or current_language()) in RIGHT_TO_LEFT else "ltr"


def is_right_to_left(language: str | None = None) -> bool:
    """Whether ``language`` (default: the current one) is written right to left."""
    return text_direction(language) == "rtl"


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (module-level labels)."""
    return message


def gettext(message: str) -> str:
    """``message`` in the current language (English when it has no translation)."""
    language = current_language()
    if language == DEFAULT_LANGUAGE or not message:
        return message
    return translations(language).get(message) or message


_ = gettext


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for ``count``, in the current language."""
    language = current_language()
    english = singular if count == 1 else plural
    if language == DEFAULT_LANGUAGE:
        return english
    forms = translations(language).plural(singular)
    if not forms:
        return english
    # Urdu, like English, has two forms: one, and other (CLDR).
    return forms[0] if count == 1 else forms[-1]


def isolate(text: object) -> str:
    """``text`` kept left to right inside right-to-left text (a code, a fiscal year, a date)."""
    value = str(text)
    if not is_right_to_left() or not value:
        return value
    return f"{_LRI}{value}{_PDI}"


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "Language",
    "UnknownLanguageError",
    "_",
    "check_language",
    "current_language",
    "gettext",
    "is_right_to_left",
    "isolate",
    "ngettext",
    "parse_languages",
    "set_language",
    "text_direction",
    "use_language",
]
