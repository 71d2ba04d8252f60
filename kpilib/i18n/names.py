"""Names of departments and PSEs in the reader's language (issue 18).

The store keeps each department's and PSE's English ``name`` and, optionally, its Urdu
``name_ur`` (entity reference data, ``kpi names load``). :func:`display_name` is the one rule
every page, report and e-mail follows: the Urdu name when the text is being written in Urdu and
the PSE has one, else the English name. Views keep both columns; the choice is made where the
name is shown.
"""

from __future__ import annotations

import math
import re
import unicodedata

from kpilib.i18n import current_language

#: The longest Urdu name accepted (the store's column holds 300 characters).
URDU_NAME_MAX = 300
# Letters of the Arabic script (Arabic, its supplement and presentation forms), as Urdu uses.
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# Letters written the Arabic way where Urdu has its own (ي ك ه → ی ک ہ).
_ARABIC_NOT_URDU = {"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0647": "\u06c1"}


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def display_name(english: object, urdu: object = None, language: str | None = None) -> str:
    """The name to show: ``urdu`` when writing Urdu and it is given, else ``english``.

    ``language`` defaults to the current one (:func:`kpilib.i18n.current_language`); a missing
    Urdu name (None, NaN of a frame, blank) falls back to the English one.
    """
    chosen = language or current_language()
    if chosen == "ur" and not _blank(urdu):
        return str(urdu).strip()
    return "" if _blank(english) else str(english)


def urdu_name_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable Urdu name (in plain words), or None when it is.

    An Urdu name is Arabic-script text (digits, spaces and punctuation allowed beside it, no
    Latin letters), at most :data:`URDU_NAME_MAX` characters, with Urdu's own letters ی ک ہ
    rather than the Arabic ي ك ه, and no control characters.
    """
    text = value.strip()
    if len(text) > URDU_NAME_MAX:
        return f"is {len(text)} characters long; an Urdu name may have at most {URDU_NAME_MAX}"
    if any(unicodedata.category(c) in {"Cc", "Cf"} and c not in "\u200c\u200d" for c in text):
        return "holds a control character (a line break or a hidden mark)"
    if _LATIN_LETTER.search(text) or not _ARABIC_LETTER.search(text):
        return "is not Urdu text: write the name in Urdu script (or leave the cell empty)"
    arabic = sorted({c for c in text if c in _ARABIC_NOT_URDU})
    if arabic:
        wanted = ", ".join(f"{c} → {_ARABIC_NOT_URDU[c]}" for c in arabic)
        return f"uses Arabic letters where Urdu has its own ({wanted})"
    return None


__all__ = ["URDU_NAME_MAX", "display_name", "urdu_name_problem"]
