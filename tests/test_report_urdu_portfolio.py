"""The PSE Portfolio Report in Urdu (issue 18): every section's words, labels and captions from
the catalogs (kpilib/i18n/catalogs/ur/portfolio.po), right to left, in Nastaliq, offline.

One Urdu batch on the demo (the provincial summary and the portfolio report, network blocked):
no English left on the page but names and codes; the PDF's outline (bookmarks, logical order)
holds the page's Urdu headings in order; the stress heat map's labels are Urdu. Screenshots:
outputs/screenshots/portfolio-ur.png (1280 px) and portfolio-ur-390.png.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import REPO
from i18n_helpers import english_left
from layout_helpers import WIDTHS, assert_charts_whole, assert_fits
from test_report_browser import open_offline
from test_report_urdu import PROPER_NAMES, _data_names, html_headings

from kpilib.report.html import find_external_references
from kpilib.report.manifest import read_manifest

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "outputs" / "screenshots"
STEM = "pse_portfolio_report"
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def portfolio_batch(urdu_batch):
    """The Urdu batch of tests/conftest.py (it holds the Urdu summary and portfolio report)."""
    return urdu_batch


def _html(plan) -> str:
    return (plan.folder / "ur" / f"{STEM}.html").read_text(encoding="utf-8")


def _letters(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace() and ch not in "\u2066\u2069")


def test_the_urdu_portfolio_report_is_right_to_left_offline_with_every_section(portfolio_batch):
    html = _html(portfolio_batch)
    assert '<html lang="ur" dir="rtl">' in html
    assert "@font-face" in html and find_external_references(html) == []
    headings = html_headings(html)
    for heading in (
        "رپورٹ",  # part of the title
        "حجم اور ساخت", "آمدنی، نفع یا نقصان اور خالص ایکویٹی", "سب سے زیادہ خسارے والے ادارے",
        "گورننس کی تعمیل", "آڈٹ آراء", "ذریعہ وار حکومتی معاونت",
        "ضمانتیں: ہنگامی واجبات کا رجسٹر", "دباؤ کے نتائج", "زیر التوا کارروائیاں",
    ):  # fmt: skip
        assert any(heading in h for h in headings), heading
    assert (portfolio_batch.folder / "ur" / f"{STEM}.pdf").is_file()


def test_no_english_is_left_on_the_urdu_portfolio_report(portfolio_batch, demo_sqlite_url):
    html = _html(portfolio_batch)
    record = read_manifest(portfolio_batch.folder).record(f"2024-25/FY/ur/{STEM}")
    assert record is not None and record.ok
    provenance = [record.report_id, record.data_fingerprint[:16], record.code_version]
    files = [f"{STEM}.xlsx", f"{STEM}.html", "parameters/stress.yaml",
             "parameters/support.yaml", "parameters/governance/"]  # fmt: skip
    allowed = [*_data_names(demo_sqlite_url), *PROPER_NAMES, *provenance, *files]
    assert english_left(html, allowed=allowed) == []


def test_the_pdf_outline_holds_the_urdu_headings_in_order(portfolio_batch):
    import pypdfium2 as pdfium

    headings = html_headings(_html(portfolio_batch))
    document = pdfium.PdfDocument(str(portfolio_batch.folder / "ur" / f"{STEM}.pdf"))
    try:
        titles = [" ".join(b.get_title().split()) for b in document.get_toc()]
    finally:
        document.close()
    assert len(titles) == len(headings) >= 10
    # Chromium records a heading at a page break twice (its text repeated).
    titles = [t[: len(t) // 2] if t == t[: len(t) // 2] * 2 else t for t in titles]
    for title, heading in zip(titles, headings, strict=True):
        if _LATIN.search(heading):  # mixed Urdu and Latin: the outline has visual order
            assert _letters(title) == _letters(heading), (title, heading)
        else:
            assert title == heading, (title, heading)
    assert "دباؤ کے نتائج" in titles and "زیر التوا کارروائیاں" in titles


def test_the_stress_heat_map_is_labelled_in_urdu(portfolio_batch):
    html = _html(portfolio_batch)
    start = html.find("دباؤ کے نتائج")
    svg = re.search(r"<svg.*?</svg>", html[start:], flags=re.S)
    assert svg is not None
    texts = [re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text[^>]*>.*?</text>", svg[0],
                                                             flags=re.S)]  # fmt: skip
    words = {w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t)}
    assert words <= {"Rs", "bn", "m"}, words
    joined = " ".join(texts)
    for label in ("جامعات", "مجموعی مندی", "زمرہ وار"):
        assert label in joined or label in html, label
    assert _ARABIC_SCRIPT.search(joined)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_urdu_portfolio_report_in_a_browser(browser, portfolio_batch, width):
    page, blocked, errors = open_offline(
        browser, (portfolio_batch.folder / "ur" / f"{STEM}.html"), width
    )
    try:
        page.evaluate("() => document.fonts.ready")
        assert page.evaluate("() => document.fonts.check(\"16px 'Noto Nastaliq Urdu'\")")
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
        assert_fits(page)
        assert_charts_whole(page, ".jp-RenderedSVG svg")
        assert blocked == [] and errors == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = "portfolio-ur.png" if width == 1280 else f"portfolio-ur-{width}.png"
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    finally:
        page.close()


def test_the_pefa_pi10_tables_of_the_urdu_summary_are_urdu(portfolio_batch, demo_sqlite_url):
    html = (portfolio_batch.folder / "ur" / "provincial_summary.html").read_text(encoding="utf-8")
    tables = [t for t in re.findall(r"<table.*?</table>", html, flags=re.S) if "PI-10" in t]
    assert len(tables) == 2
    allowed = [*_data_names(demo_sqlite_url), *PROPER_NAMES, "pefa.org/node/4784",
               "defaults.yaml", "portfolio.periods", "pse_portfolio_report.html"]  # fmt: skip
    assert english_left("".join(tables), allowed=allowed) == []
    assert "سرکاری کارپوریشنوں کی نگرانی" in tables[0]  # 10.1's title
