"""Find every message of the suite (Babel's extractors) and check the catalogs against them.

Messages are the string literals passed to ``_``, ``gettext``, ``N_`` and ``ngettext`` in
``kpilib``'s Python modules, and to ``_``/``gettext``/``ngettext`` in its Jinja2 templates
(``*.j2``). ``python -m kpilib.i18n.extract`` (``make messages``) prints the messages that have no
Urdu translation as ``.po`` entries to paste into the right catalog, and the messages whose
translation lost or added a ``{placeholder}``.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from kpilib.i18n.catalog import catalog_files, read_catalog

PACKAGE_DIR = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHOD_MAP = [
    ("**.py", "python"),
    ("**.j2", "jinja2.ext:babel_extract"),
]
OPTIONS_MAP = {"**.j2": {"extensions": "jinja2.ext.do", "trimmed": "true"}}
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)?(?:[:!][^{}]*)?\}(?!\})")
_TRANSLATING_NAMES = frozenset({"_", "gettext", "N_", "ngettext"})


@dataclass(frozen=True)
class Message:
    """One message found in the code: its English text (and plural), and where it is."""

    text: str
    plural: str | None
    places: tuple[str, ...]


def find_messages(package_dir: Path = PACKAGE_DIR) -> list[Message]:
    """Every message of ``package_dir`` (one entry per English text)."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(package_dir), METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if isinstance(message, tuple):
            key = (str(message[0]), str(message[1]) if len(message) > 1 else None)
        else:
            key = (str(message), None)
        if key[0]:
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return [Message(text, plural, tuple(places)) for (text, plural), places in found.items()]


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message."""
    return {match.group(1) or "" for match in _PLACEHOLDER.finditer(text)}


@dataclass(frozen=True)
class CatalogCheck:
    """What the catalogs of a language lack, and what they hold wrongly."""

    missing: list[Message]
    broken: list[str]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.broken


def check_catalogs(language: str, messages: Iterable[Message]) -> CatalogCheck:
    """Messages with no translation in ``language``, and translations whose placeholders
    differ from the English (``.format`` would fail or drop a figure)."""
    translated: dict[str, tuple[str, ...]] = {}
    broken: list[str] = []
    for path in catalog_files(language):
        for entry in read_catalog(path):
            if not entry.id or entry.fuzzy:
                continue
            english = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            strings = tuple(str(s) for s in strings if s)
            if not strings:
                continue
            translated[str(english[0])] = strings
            wanted = placeholders(str(english[-1]))
            for text in strings:
                if placeholders(text) != wanted:
                    broken.append(
                        f"{path.name}: {english[0]!r} → {text!r}: placeholders "
                        f"{sorted(placeholders(text))} instead of {sorted(wanted)}"
                    )
    missing = [m for m in messages if m.text not in translated]
    return CatalogCheck(missing=missing, broken=broken)


def _built_text(node: ast.expr) -> bool:
    """An f-string, a ``+``/``%`` of strings, or a ``.format(…)`` call: text built in place."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    )


def non_literal_messages(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Messages the extractor cannot find, so they would never be translated: ``N_`` of
    anything but a string literal, and ``_``/``gettext``/``ngettext`` of a text built in place
    (an f-string, ``+``, ``%``, ``.format``). Write ``_("… {name} …").format(name=…)``; ``_(X)``
    of a constant marked ``N_`` elsewhere is fine."""
    problems = []
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in _TRANSLATING_NAMES or not node.args:
                continue
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            wrong = not literal if node.func.id == "N_" else _built_text(first)
            if wrong:
                where = path.relative_to(package_dir.parent)
                problems.append(f"{where}:{node.lineno}: {node.func.id}() of a text built in place")
    return problems


def missing_as_po(missing: list[Message], language: str) -> str:
    """The missing messages as ``.po`` entries (empty translations) to fill in."""
    catalog = Catalog(locale=language)
    for message in missing:
        msgid = (message.text, message.plural) if message.plural else message.text
        catalog.add(msgid, string=("", "") if message.plural else "",
                    locations=[(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1]))
                               for p in message.places])  # fmt: skip
    from io import BytesIO

    buffer = BytesIO()
    write_po(buffer, catalog, omit_header=True, width=100)
    return buffer.getvalue().decode("utf-8")


def main(argv: list[str] | None = None) -> int:
    """``make messages``: print what the Urdu catalogs lack; exit 1 when anything does."""
    parser = argparse.ArgumentParser(
        prog="python -m kpilib.i18n.extract",
        description="List the messages that have no translation yet, as .po entries to paste "
        "into kpilib/i18n/catalogs/<language>/<area>.po.",
    )
    parser.add_argument("--language", default="ur", help="catalog language (default: ur)")
    args = parser.parse_args(argv)
    check = check_catalogs(args.language, find_messages())
    literal_problems = non_literal_messages()
    if check.missing:
        sys.stdout.write(missing_as_po(check.missing, args.language))
    for line in check.broken + literal_problems:
        print(line, file=sys.stderr)
    total = len(find_messages())
    print(f"{total} messages; {len(check.missing)} without a translation in {args.language}; "
          f"{len(check.broken)} with wrong placeholders; {len(literal_problems)} not literal",
          file=sys.stderr)  # fmt: skip
    return 0 if check.ok and not literal_problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
