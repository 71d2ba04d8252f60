"""The message catalogs: ``kpilib/i18n/catalogs/<language>/*.po``, read with Babel.

One ``.po`` file per area of the suite (``common.po`` for the glossary's terms, ``reports.po``,
``portal.po``, ``dashboards.po``, ``mail.po``, …) so that people translating different areas do
not edit one file; all the files of a language are read together. Fuzzy entries (a translation
not yet checked by a person) and empty ones are not used. The catalogs are plain ``.po`` text
read at first use (no compiled ``.mo`` to keep in step).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

CATALOGS_DIR = Path(__file__).parent / "catalogs"


@dataclass(frozen=True)
class Translations:
    """One language's translations: singular messages and plural forms, by English msgid."""

    messages: dict[str, str] = field(default_factory=dict)
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, message: str) -> str | None:
        """The translation of ``message``, or None."""
        return self.messages.get(message)

    def plural(self, singular: str) -> tuple[str, ...]:
        """The plural forms of the message whose singular is ``singular`` (empty: none)."""
        return self.plurals.get(singular, ())


def catalog_files(language: str, directory: Path | None = None) -> list[Path]:
    """The ``.po`` files of ``language``, in name order."""
    return sorted(((directory or CATALOGS_DIR) / language).glob("*.po"))


def read_catalog(path: Path) -> Catalog:
    """One ``.po`` file as a Babel catalog."""
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.name, domain=path.stem)


def _entries(catalog: Catalog) -> Translations:
    result = Translations()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            strings = tuple(message.string or ())
            forms = tuple(str(s) for s in strings if s)
            if forms and len(forms) == len(strings):
                result.plurals[str(message.id[0])] = forms
        elif message.string:
            result.messages[str(message.id)] = str(message.string)
    return result


@functools.cache
def translations(language: str) -> Translations:
    """Every translation of ``language`` (all its ``.po`` files; read once per process)."""
    merged = Translations()
    for path in catalog_files(language):
        entries = _entries(read_catalog(path))
        merged.messages.update(entries.messages)
        merged.plurals.update(entries.plurals)
    return merged
