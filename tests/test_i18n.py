"""The language setting and the message lookup (kpilib.i18n), on a catalog of the test's own."""

from __future__ import annotations

import threading

import pytest

from kpilib import i18n
from kpilib.i18n import catalog


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    i18n.set_language("en")


def test_english_is_the_default_and_needs_no_catalog() -> None:
    assert i18n.current_language() == "en"
    assert i18n.gettext("Budget") == "Budget"
    assert i18n.text_direction() == "ltr"


def test_urdu_comes_from_the_catalog_and_falls_back_to_english() -> None:
    i18n.set_language("ur")
    assert i18n.gettext("Budget") == "بجٹ"
    assert i18n.gettext("Department") == "محکمہ"
    assert i18n.gettext("A sentence nobody translated") == "A sentence nobody translated"
    assert i18n.gettext("") == ""
    assert i18n.text_direction() == "rtl"


def test_a_request_language_is_its_own_and_ends_with_the_block() -> None:
    seen: dict[str, str] = {}

    def other_request() -> None:
        seen["other"] = i18n.gettext("Budget")

    with i18n.use_language("ur"):
        assert i18n.gettext("Budget") == "بجٹ"
        thread = threading.Thread(target=other_request)
        thread.start()
        thread.join()
    assert seen["other"] == "Budget"  # another thread (request) keeps the process language
    assert i18n.gettext("Budget") == "Budget"


def test_languages_are_checked_in_plain_words() -> None:
    assert i18n.parse_languages("en, UR,en") == ["en", "ur"]
    assert i18n.check_language(" Ur ") == "ur"
    with pytest.raises(i18n.UnknownLanguageError, match="'fr' is not one of en, ur"):
        i18n.parse_languages("en,fr")
    with pytest.raises(i18n.UnknownLanguageError, match="no language given"):
        i18n.parse_languages(" , ")
    with pytest.raises(i18n.UnknownLanguageError):
        i18n.set_language("x' onload='alert(1)")


def test_numbers_and_codes_stay_left_to_right_inside_urdu() -> None:
    assert i18n.isolate("2024-25") == "2024-25"
    with i18n.use_language("ur"):
        assert i18n.isolate("2024-25") == "\u20662024-25\u2069"
        assert i18n.isolate("") == ""


def test_plural_forms(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "ur"
    folder.mkdir()
    (folder / "test.po").write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "{n} return"\nmsgid_plural "{n} returns"\n'
        'msgstr[0] "{n} گوشوارہ"\nmsgstr[1] "{n} گوشوارے"\n\n'
        '#, fuzzy\nmsgid "Unchecked"\nmsgstr "غیر جانچا"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(catalog, "CATALOGS_DIR", tmp_path)
    catalog.translations.cache_clear()
    try:
        with i18n.use_language("ur"):
            assert i18n.ngettext("{n} return", "{n} returns", 1).format(n=1) == "1 گوشوارہ"
            assert i18n.ngettext("{n} return", "{n} returns", 3).format(n=3) == "3 گوشوارے"
            assert i18n.gettext("Unchecked") == "Unchecked"  # fuzzy: not used
        assert i18n.ngettext("{n} return", "{n} returns", 3) == "{n} returns"
    finally:
        catalog.translations.cache_clear()
