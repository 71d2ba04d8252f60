"""The Urdu dashboards in a real browser (issue 18): ``kpi serve`` on the demo database,
Chromium with every request that is not to the local server blocked.

An Urdu page is right to left, draws Nastaliq from the font it embeds (``document.fonts``
answers for Noto Nastaliq Urdu with the network cut), shows no English UI word
(``english_left`` on the rendered page, names, codes and what the PSEs wrote aside: the tab's
title, the red flags, alerts and governance findings, a figure's inputs and each chart's
accessible name are Urdu) and fits at 1280 and 390 px; the
language switch is remembered (a cookie; a plain link then opens in Urdu); a bad ``lang`` is
English and never written into the page. Screenshots go to ``outputs/screenshots/``.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from i18n_helpers import english_left
from layout_helpers import PHONE, WIDTHS, assert_charts_whole, assert_fits
from test_dashboards_browser import CHART, SCREENSHOTS, OpenedPage

from kpilib.store.database import connect
from kpilib.store.queries import (
    load_cost_centres,
    load_departments,
    load_economic_classes,
    load_entities,
    load_indicators,
)
from kpilib.store.writes import table

pytestmark = pytest.mark.slow
NASTALIQ_READY = "() => document.fonts.check(\"16px 'Noto Nastaliq Urdu'\")"


def no_english_left(left: list[str], page: str) -> None:
    """No English UI word on an Urdu page: every sentence, label and chart's name is Urdu; what
    is left in Latin letters is data (names, codes, what a PSE wrote) or a convention
    (tests/i18n_helpers.py)."""
    assert left == [], f"English left on the Urdu {page} page: {', '.join(left)}"


@pytest.fixture
def opened(browser, dashboard_server):
    pages: list[OpenedPage] = []

    def open_page(path: str, width: int = 1280) -> OpenedPage:
        page = OpenedPage(browser, dashboard_server, path, width)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def names(demo_sqlite_url) -> list[str]:
    """What an Urdu page may show in Latin letters: the data's names and codes (departments,
    PSEs, cost centres (also without their department's name in front, as the red flags show
    them), districts, budget heads, indicators and their units) and what the PSEs wrote in their
    governance returns (the auditor's name, their reasons and lines of action), shown as
    written."""
    engine = connect(demo_sqlite_url, read_only=True)
    with engine.connect() as connection:
        departments, pses = load_departments(connection), load_entities(connection)
        heads, centres = load_economic_classes(connection), load_cost_centres(connection)
        indicators = load_indicators(connection)
        short = [n.partition(": ")[2] for n in centres["cost_centre_name"]]
        districts = connection.execute(sa.select(table("districts").c.name)).scalars().all()
        governance = table("pse_governance")
        auditors = connection.execute(sa.select(governance.c.auditor)).scalars().all()
        notes = table("pse_governance_notes")
        written = connection.execute(sa.select(notes.c.reason, notes.c.line_of_action)).all()
    words = [*departments["department_name"], *departments["department_code"],
             *pses["entity_name"], *pses["entity_code"], *heads["economic_class_name"],
             *centres["cost_centre_name"], *short,
             *indicators["indicator_name"], *indicators["unit"], *districts,
             *auditors, *(text for row in written for text in row)]  # fmt: skip
    return [str(w) for w in words if w] + ["Altman", "Z''", "Health Check", "kpi-suite"]


def open_urdu(opened, path: str, width: int) -> OpenedPage:
    page = opened(path, width)
    page.wait_for_charts()
    page.page.wait_for_function(NASTALIQ_READY, timeout=60_000)
    page.page.wait_for_timeout(1500)  # every chart drawn
    html = page.page.locator("html")
    assert html.get_attribute("lang") == "ur" and html.get_attribute("dir") == "rtl"
    return page


def check_urdu_page(page: OpenedPage, names: list[str], name: str, heading: str) -> list[str]:
    """The checks every Urdu dashboard passes; returns the English words left on it."""
    assert page.page.evaluate(NASTALIQ_READY)
    assert heading in page.page.inner_text(".kpi-header")
    family = page.page.evaluate(
        "() => getComputedStyle(document.querySelector('.kpi-header h1')).fontFamily"
    )
    assert "Noto Nastaliq Urdu" in family
    switch = page.page.locator(".kpi-lang a[aria-current=true]")
    assert switch.inner_text() == "اردو"
    # the header's text starts at the right
    header = page.page.locator(".kpi-header h1").bounding_box()
    dash = page.page.locator(".kpi-dash").bounding_box()
    assert header and dash and dash["x"] + dash["width"] - (header["x"] + header["width"]) < 40
    assert_fits(page.page)
    assert_charts_whole(page.page, CHART)
    # a screen reader hears no English role word of Vega's, and each chart's Urdu name
    roles = page.page.evaluate(
        "() => [...document.querySelectorAll('[aria-roledescription]')]"
        ".map(n => n.getAttribute('aria-roledescription'))"
    )
    assert not [r for r in roles if re.search("[A-Za-z]", r)], roles
    chart_names = page.page.evaluate(
        "() => [...document.querySelectorAll('[role=graphics-document]')]"
        ".map(n => n.getAttribute('aria-label') || '')"
    )
    assert chart_names and all(re.search("[\u0600-\u06ff]", n) for n in chart_names), chart_names
    page.assert_clean()
    page.screenshot(f"{name}_ur")
    return english_left(page.page.content(), allowed=names)


@pytest.mark.parametrize("width", WIDTHS)
def test_province_in_urdu_offline(opened, names, width):
    page = open_urdu(opened, "voila/render/province.ipynb?lang=ur", width)
    left = check_urdu_page(page, names, "province", "صوبے کا جائزہ")
    no_english_left(left, "province")


@pytest.mark.parametrize("width", WIDTHS)
def test_pse_monitor_in_urdu_offline(opened, names, width):
    page = open_urdu(opened, "voila/render/pse_monitor.ipynb?lang=ur&pse=UNI-004", width)
    assert "گورننس" in page.page.inner_text(".kpi-governance-lead")
    left = check_urdu_page(page, names, "pse_monitor", "ادارہ جاتی نگرانی")
    no_english_left(left, "PSE monitor")


@pytest.mark.parametrize("pse", ["", "WSC-002", "PCO-011", "MTI-001"])
def test_other_pses_in_urdu_show_no_english(opened, names, pse):
    """The category view (no PSE chosen) and PSEs with other alerts, breaches and findings."""
    chosen = f"&pse={pse}" if pse else ""
    page = open_urdu(opened, f"voila/render/pse_monitor.ipynb?lang=ur{chosen}", PHONE)
    assert_fits(page.page)
    page.assert_clean()
    no_english_left(english_left(page.page.content(), allowed=names), f"PSE monitor ({pse})")


def test_department_in_urdu_offline(opened, names):
    page = open_urdu(opened, "voila/render/department.ipynb?lang=ur&department=HLT", PHONE)
    left = check_urdu_page(page, names, "department", "محکمہ")
    no_english_left(left, "department")


def test_the_switch_is_remembered(browser, dashboard_server):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        base = dashboard_server.url.rstrip("/")
        page.goto(f"{base}/voila/render/province.ipynb?lang=ur", wait_until="domcontentloaded")
        assert page.locator("html").get_attribute("dir") == "rtl"
        # a fresh visit by a plain link opens in Urdu, the landing page too
        fresh = context.new_page()
        fresh.goto(f"{base}/voila/render/province.ipynb", wait_until="domcontentloaded")
        assert fresh.url.endswith("lang=ur")
        assert fresh.locator("html").get_attribute("dir") == "rtl"
        fresh.locator(".kpi-header h1").wait_for(timeout=120_000)
        assert "صوبے کا جائزہ" in fresh.inner_text(".kpi-header")
        fresh.goto(f"{base}/", wait_until="domcontentloaded")
        assert fresh.locator("html").get_attribute("dir") == "rtl"
        assert "صوبے کا جائزہ" in fresh.inner_text(".kpi-landing-list")
        assert "?lang=ur" in (
            fresh.locator(".kpi-landing-item a").first.get_attribute("href") or ""
        )
        # the switch's English link: English from then on
        fresh.locator(".kpi-lang a[lang=en]").click()
        fresh.wait_for_load_state("domcontentloaded")
        plain = context.new_page()
        plain.goto(f"{base}/", wait_until="domcontentloaded")
        assert plain.locator("html").get_attribute("dir") is None
        assert "Province overview" in plain.inner_text(".kpi-landing-list")
    finally:
        context.close()


def test_a_bad_language_is_english_and_not_reflected(opened):
    bad = "%22%3E%3Cscript%3Ewindow.hit%3D1%3C%2Fscript%3E"
    page = opened(f"voila/render/province.ipynb?lang={bad}")
    page.wait_for_charts()
    html = page.page.locator("html")
    assert html.get_attribute("lang") == "en" and html.get_attribute("dir") is None
    assert "Province overview" in page.page.inner_text(".kpi-header")
    content = page.page.content()
    assert "window.hit" not in content and page.page.evaluate("() => window.hit") is None
    landing = opened(f"?lang={bad}")
    landing.page.wait_for_selector(".kpi-landing-item")
    assert "window.hit" not in landing.page.content()
    assert landing.page.locator("html").get_attribute("lang") == "en"
    page.assert_clean()


def test_urdu_screenshot_for_the_readme(opened):
    page = open_urdu(opened, "voila/render/province.ipynb?lang=ur", PHONE)
    path = SCREENSHOTS / "dashboard_province_ur_phone.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.set_viewport_size({"width": PHONE, "height": 1400})
    page.page.wait_for_timeout(500)
    page.page.screenshot(path=str(path))
