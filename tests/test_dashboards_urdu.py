"""The dashboards in Urdu, built in-process (no browser): the link's language (checked), the
English / اردو switch that keeps the view, the Urdu words and font, and bad values refused.
The browser checks (network cut, Nastaliq drawn, no English left, both widths, the choice
remembered) are in tests/test_dashboards_urdu_browser.py."""

import pytest

from kpilib.dashboards.department import build_department_dashboard
from kpilib.dashboards.language import (
    language_from_query,
    remembered_language_redirect,
    render_switch,
    with_language,
)
from kpilib.dashboards.page import start_dashboard
from kpilib.dashboards.province import build_province_dashboard
from kpilib.dashboards.pse_monitor import build_pse_monitor
from kpilib.i18n import current_language, set_language
from kpilib.present.fonts import URDU_FAMILY


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(scope="module")
def context(demo_sqlite_url):
    return start_dashboard(url=demo_sqlite_url)


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("lang=ur", "ur"),
        ("fiscal_year=2024-25&lang=UR ", "ur"),
        ("lang=en", "en"),
        ("", "en"),
        (None, "en"),
        ("lang=fr", "en"),
        ("lang=<script>alert(1)</script>", "en"),
        ("lang=ur&lang=en", "ur"),  # the first, as the page's other keys
        ("lang=" + "u" * 2000, "en"),
    ],
)
def test_the_links_language_is_checked(query, language):
    assert language_from_query(query) == language


def test_a_remembered_language_sends_a_plain_link_to_it():
    assert remembered_language_redirect({}, "ur") == "ur"
    assert remembered_language_redirect({"lang": [b"en"]}, "ur") is None  # the link decides
    assert remembered_language_redirect({}, "en") is None
    assert remembered_language_redirect({}, "<b>") is None
    assert remembered_language_redirect({}, None) is None
    assert with_language("period=Q2&lang=en", "ur") == "period=Q2&lang=ur"


def test_the_switch_is_two_links_the_current_one_marked():
    switch = render_switch({"en": "p?lang=en", "ur": "p?lang=ur"}, "ur")
    assert switch.count("<a ") == 2 and 'href="p?lang=ur"' in switch
    assert 'lang="ur" dir="rtl" aria-current="true"' in switch
    assert "English</a>" in switch and "اردو</a>" in switch


def test_province_in_urdu(context):
    page = build_province_dashboard(context, "lang=ur&period=Q2")
    assert current_language() == "ur" and page.language == "ur"
    assert "صوبے کا جائزہ" in page.header.value
    assert "خیبر پختونخوا" in page.header.value
    assert page.fiscal_year.description == "مالی سال"
    assert ("دسمبر تک (Q1–Q2)", "Q2") in page.period.options
    assert "کیا جا رہا" not in page.status.value and "دکھائے جا رہے ہیں" in page.status.value
    assert f"font-family: '{URDU_FAMILY}'" in page.widget.children[0].value  # the font, embedded
    assert "kpi-dash-rtl" in page.widget._dom_classes
    # the switch keeps the view and marks Urdu
    assert "province.ipynb?fiscal_year=2024-25&amp;period=Q2&amp;lang=en" in page.switch.value
    assert 'aria-current="true" class="is-current">اردو' in page.switch.value


def test_a_warm_english_page_is_rebuilt_in_urdu_for_an_urdu_link(context):
    page = build_province_dashboard(context)
    assert page.language == "en" and "Province overview" in page.header.value
    english = page.widget
    page.apply_query("lang=ur")
    assert page.widget is not english and "صوبے کا جائزہ" in page.header.value
    page.apply_query("lang=en&period=Q3")
    assert "Province overview" in page.header.value and page.selection.period == "Q3"


def test_english_pages_carry_no_urdu_font(context):
    page = build_province_dashboard(context, "period=Q2")
    assert page.language == "en"
    assert all("@font-face" not in getattr(w, "value", "") for w in page.widget.children)
    assert 'aria-current="true" class="is-current">English' in page.switch.value


def test_a_bad_language_is_english_and_not_written_back(context):
    page = build_department_dashboard(context, "department=HLT&lang=%3Cscript%3Ex%3C/script%3E")
    assert page.language == "en" and page.messages.value == ""
    everything = "".join(str(getattr(w, "value", "")) for w in page.widget.children)
    assert "<script>" not in everything and "%3Cscript" not in everything


def test_pse_monitor_in_urdu_with_its_oversight_panels(context):
    page = build_pse_monitor(context, "lang=ur&pse=UNI-004")
    assert "ادارہ جاتی نگرانی" in page.header.value
    assert "گورننس" in page.widget.children[-6].value or "گورننس" in page.governance_cards.value
    assert "گوشوارہ" in page.governance_lead.value or "گوشوارے" in page.governance_lead.value
    assert "ادارے" in page.support_lead.value


def test_names_in_urdu_where_the_store_has_them(context):
    urdu = context.urdu_names["HLT"]
    page = build_department_dashboard(context, "lang=ur&department=HLT")
    assert urdu in page.title_panel.value
    assert (urdu, "HLT") in page.department.options
    set_language("en")
    english = build_department_dashboard(context, "department=HLT")
    assert "Health Department" in english.title_panel.value and urdu not in english.pse_table.value
    assert "محکمہ محکمہ" not in page.title_panel.value + page.status.value
