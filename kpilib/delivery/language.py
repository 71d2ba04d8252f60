"""E-mails in the recipient's language (issue 18): the Urdu body's HTML part, and which files
of a report to attach.

An address listed in ``mail_languages:`` of ``parameters/defaults.yaml`` gets its e-mails in
that language (reports, PSE reminders, reviewer reminders); every other address gets English.
An Urdu e-mail has a plain-text part and an HTML part written right to left (``dir="rtl"``)
and set in Nastaliq when the reader's device has it: the font is *named* (Noto Nastaliq Urdu,
then fonts common on Pakistani computers and phones), never embedded (it is 1.5 MB). An
English e-mail is plain text only, as before.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from email import policy
from email.message import EmailMessage
from pathlib import Path

from kpilib.i18n import DEFAULT_LANGUAGE, check_language, is_right_to_left

#: The fonts an Urdu e-mail asks for, best first (none is attached).
URDU_MAIL_FONTS = (
    "'Noto Nastaliq Urdu', 'Jameel Noori Nastaleeq', 'Urdu Typesetting', "
    "'Noto Naskh Arabic', 'Noto Sans Arabic', Tahoma, serif"
)
#: Where a report's Urdu edition may sit beside the English one, tried in order:
#: ``ur/HLT.pdf`` (a folder per language) and ``HLT.ur.pdf`` (a suffix).
URDU_EDITION_PATTERNS = ("ur/{name}", "{stem}.ur{suffix}")


#: Headers of a right-to-left e-mail are written on one line up to RFC 5322's limit: Python's
#: folding of a long non-ASCII subject into several encoded words can drop the space at a fold
#: ("سہ ماہی" arrived as "سہماہی"), and an Urdu subject is all non-ASCII.
UNFOLDED = policy.default.clone(max_line_length=998)


def new_message(language: str) -> EmailMessage:
    """An empty e-mail for a reader of ``language`` (English: as kpi-suite always wrote them)."""
    return EmailMessage(policy=UNFOLDED) if is_right_to_left(language) else EmailMessage()


def language_of(address: str, languages: Mapping[str, str]) -> str:
    """The language ``address`` reads its e-mails in (English unless listed)."""
    chosen = languages.get(address) or languages.get(address.lower())
    return check_language(chosen) if chosen else DEFAULT_LANGUAGE


def mail_html(paragraphs: Sequence[str], language: str) -> str:
    """A small HTML body: each paragraph escaped; lines of a paragraph kept apart; the page's
    language, direction and (for Urdu) font stack set on ``<html>`` and ``<body>``."""
    direction = "rtl" if is_right_to_left(language) else "ltr"
    fonts = URDU_MAIL_FONTS if direction == "rtl" else "Arial, sans-serif"
    body = "\n".join(
        "<p>" + "<br>".join(_line(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
        if paragraph
    )
    style = f"font-family: {fonts}; line-height: 2; text-align: start;"
    return (
        f'<!DOCTYPE html>\n<html lang="{language}" dir="{direction}">\n<head>'
        '<meta charset="utf-8"></head>\n'
        f'<body dir="{direction}" style="{style}">\n{body}\n</body>\n</html>\n'
    )


def _line(text: str) -> str:
    """One line escaped; the suite's name is not broken at its hyphen on a phone."""
    return html.escape(text).replace(
        "kpi-suite", '<span style="white-space: nowrap">kpi-suite</span>'
    )


def set_body(message: EmailMessage, paragraphs: Sequence[str], language: str) -> None:
    """The body of ``message``: plain text; for a right-to-left language also an HTML part."""
    text = "\n\n".join(p for p in paragraphs if p) + "\n"
    message.set_content(text)
    if is_right_to_left(language):
        message.add_alternative(mail_html(paragraphs, language), subtype="html")


def urdu_edition(path: Path) -> Path | None:
    """The Urdu edition of the report file ``path`` (see :data:`URDU_EDITION_PATTERNS`), if it
    was built."""
    for pattern in URDU_EDITION_PATTERNS:
        candidate = path.parent / pattern.format(name=path.name, stem=path.stem,
                                                 suffix=path.suffix)  # fmt: skip
        if candidate.is_file():
            return candidate
    return None


def edition_files(files: Sequence[Path], language: str) -> tuple[Path, ...]:
    """The files to attach for a reader of ``language``: for Urdu, the Urdu edition of each
    format that has one, when any has (else the English files: a report not yet built in Urdu
    still reaches its reader); for English, ``files`` as they are."""
    if language == DEFAULT_LANGUAGE:
        return tuple(files)
    urdu = [found for found in (urdu_edition(p) for p in files) if found is not None]
    return tuple(urdu) if urdu else tuple(files)
