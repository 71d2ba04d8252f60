"""Every message a reader can see has its Urdu translation (issue 18).

The messages are found by Babel's extractors in kpilib's code and templates
(``kpilib.i18n.extract``); ``make messages`` prints the missing ones as .po entries to fill in.
"""

from __future__ import annotations

from kpilib.i18n.catalog import catalog_files, read_catalog
from kpilib.i18n.extract import (
    check_catalogs,
    find_messages,
    non_literal_messages,
    placeholders,
)
from kpilib.present.fonts import URDU_FONT_FILES, urdu_font_css, urdu_font_path


def test_every_message_has_an_urdu_translation() -> None:
    messages = find_messages()
    assert messages
    check = check_catalogs("ur", messages)
    missing = [f"{m.text!r} ({m.places[0]})" for m in check.missing]
    assert not missing, (
        f"{len(missing)} messages have no Urdu translation (run `make messages`):\n"
        + "\n".join(missing[:40])
    )
    assert not check.broken, "\n".join(check.broken)


def test_messages_are_literals_the_extractor_can_find() -> None:
    assert non_literal_messages() == []


def test_the_catalogs_parse_and_hold_no_fuzzy_or_duplicate_disagreeing_entries() -> None:
    files = catalog_files("ur")
    assert {path.name for path in files} >= {"common.po"}
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in files:
        for entry in read_catalog(path):
            if not entry.id:
                continue
            assert not entry.fuzzy, f"{path.name}: {entry.id!r} is marked fuzzy (unchecked)"
            key = str(entry.id if isinstance(entry.id, str) else entry.id[0])
            text = str(entry.string if isinstance(entry.string, str) else entry.string[0])
            if key in seen and seen[key][1] != text:
                clashes.append(f"{key!r}: {seen[key][0]} and {path.name} disagree")
            seen[key] = (path.name, text)
    assert not clashes, "\n".join(clashes)


def test_placeholders_are_read_like_str_format() -> None:
    assert placeholders("{n} of {total:,} PSEs ({share:.0%})") == {"n", "total", "share"}
    assert placeholders("{{literal}} braces") == set()


def test_the_urdu_font_is_shipped_with_its_licence() -> None:
    for weight in URDU_FONT_FILES:
        path = urdu_font_path(weight)
        assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType
    licence = (urdu_font_path().parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License" in licence or "Open Font License" in licence
    css = urdu_font_css()
    assert css.count("@font-face") == 2
    assert "http" not in css


def test_text_built_in_place_is_refused(tmp_path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text(
        "from kpilib.i18n import N_, _\n"
        "LABEL = N_('Fine')\n"
        "name = 'x'\n"
        "a = _(LABEL)\n"  # a constant marked N_: fine
        "b = _(f'Hello {name}')\n"
        "c = _('Hello ' + name)\n"
        "d = N_(name)\n"
        "e = _('Hello {name}').format(name=name)\n",  # the right way
        encoding="utf-8",
    )
    problems = non_literal_messages(package)
    assert [p.split(":")[1] for p in problems] == ["5", "6", "7"]
