"""A headless Chromium (Debian's, driven by Playwright, network blocked) opens the reports:
every chart has drawn, no console errors, the DEMO DATA banner is there; the PDF is A4 with page
numbers and the banner on every page. At 1280 and 390 px (a phone) the page never scrolls
sideways and every chart shows its whole axis (tests/layout_helpers.py). Screenshots go to
outputs/screenshots/ (``HLT.png`` at 1280 px, ``HLT-390.png`` at 390 px).

Needs ``apt-get install -y chromium``: missing, these tests fail in CI and skip locally.
"""

from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from layout_helpers import (
    PHONE,
    WIDTHS,
    assert_charts_whole,
    assert_fits,
    axis_labels,
    phone_shot,
)
from pypdf import PdfReader

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "outputs" / "screenshots"
A4_POINTS = (595.3, 841.9)


def open_offline(browser, path: Path, width: int = 1280):
    """Open a local file at ``width`` px with every non-local request blocked and recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    blocked, errors = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def guard(route):
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, blocked, errors


def expected_charts(ipynb: Path) -> int:
    notebook = nbformat.read(ipynb, as_version=4)
    return sum(
        "image/svg+xml" in output.get("data", {})
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )  # fmt: skip


def shot_name(stem: str, width: int) -> str:
    return f"{stem}.png" if width != PHONE else f"{stem}-{width}.png"


#: The section a report's phone screenshot starts at (default: "Budget execution").
PHONE_SECTIONS = {
    "provincial_summary": "Departments ranked",
    "pse_portfolio_report": "Stress results",
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("stem", ["HLT", "FIN", "provincial_summary", "pse_portfolio_report"])
def test_report_opens_offline_and_every_chart_has_drawn(browser, demo_report_batch, stem, width):
    plan, _result = demo_report_batch
    page, blocked, errors = open_offline(browser, plan.folder / f"{stem}.html", width)
    try:
        charts = page.locator(".jp-RenderedSVG svg")
        expected = expected_charts(plan.folder / f"{stem}.ipynb")
        assert expected >= 1 and charts.count() == expected
        for i in range(expected):
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50
            assert charts.nth(i).locator("path, rect").count() > 5  # marks were drawn
        assert_fits(page)  # tables scroll sideways in their own box, never the page
        assert_charts_whole(page, ".jp-RenderedSVG svg")  # shrunk to fit, never cut
        labels = axis_labels(page, ".jp-RenderedSVG svg")
        if stem == "pse_portfolio_report":  # the stress heat map: every scenario, last included
            assert any("downturn" in label for label in labels)
        else:
            assert "Jun" in labels  # the curve runs to June
        banner = page.locator(".demo-banner")
        assert banner.is_visible() and "DEMO DATA" in banner.inner_text()
        assert page.locator(".report-cover").count() == 1
        assert page.locator(".jp-InputArea .highlight, .jp-InputPrompt:visible").count() == 0
        assert blocked == [] and errors == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / shot_name(stem, width)), full_page=True)
        if width == PHONE:  # a screenful: the first wide table and what follows it
            section = PHONE_SECTIONS.get(stem, "Budget execution")
            phone_shot(page, ".report-block", SCREENSHOTS / f"phone-{stem}.png", section)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_index_links_resolve_to_the_reports(browser, demo_report_batch, width):
    plan, _result = demo_report_batch
    page, blocked, errors = open_offline(browser, plan.folder / "index.html", width)
    try:
        hrefs = page.locator("table a").evaluate_all("links => links.map(a => a.href)")
        assert hrefs and all(h.startswith("file:") for h in hrefs)
        for href in hrefs:
            assert Path(href.removeprefix("file://")).is_file(), href
        assert page.locator(".demo-banner").is_visible()
        assert_fits(page)
        assert blocked == [] and errors == []
        page.screenshot(path=str(SCREENSHOTS / shot_name("index", width)), full_page=True)
    finally:
        page.close()


def test_pdf_is_a4_with_page_numbers_and_the_banner_on_every_page(chromium_path, demo_report_batch):
    plan, _result = demo_report_batch
    for stem in ("HLT", "provincial_summary"):
        reader = PdfReader(plan.folder / f"{stem}.pdf")
        total = len(reader.pages)
        assert total >= 2
        for number, pdf_page in enumerate(reader.pages, start=1):
            width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
            assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2
            text = " ".join(pdf_page.extract_text().split())
            assert f"Page {number} of {total}" in text, (stem, number, text[-200:])
            assert "DEMO DATA" in text, (stem, number)
