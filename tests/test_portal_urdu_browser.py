"""The Urdu officer page in a real browser at 1280 and 390 px, every request that is not to the
local server blocked: right to left, in Noto Nastaliq Urdu (served by the portal itself), nothing
wider than the screen. Screenshots: ``outputs/screenshots/portal-urdu-officer-{1280,390}.png``."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import REPO
from ingest_helpers import build_reference
from layout_helpers import WIDTHS, assert_fits
from portal_helpers import ServedPortal

from kpilib.kpis.actions import CANDIDATE_COLUMNS, open_actions_for_flags
from kpilib.portal.access import grant

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "outputs" / "screenshots"
FLAGS = [("pse", "UNI-001", "HED", "UNI-001", "high", "Demo University", "very high risk")]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('urdu') / 'kpi.sqlite'}"
    engine = build_reference(url)
    with engine.begin() as connection:
        _, key = grant(connection, "UNI-001", "Ayesha Khan", kind="pse")
        open_actions_for_flags(connection, pd.DataFrame(FLAGS, columns=CANDIDATE_COLUMNS),
                               fiscal_year=2024, period_code="FY",
                               opened_on=date(2024, 7, 1))  # fmt: skip
    served = ServedPortal(engine)
    yield {"served": served, "key": key}
    served.stop()
    engine.dispose()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_urdu_officer_page_reads_right_to_left_in_nastaliq(browser, portal, width):
    origin = portal["served"].url.split("/portal/")[0]
    page = browser.new_page(viewport={"width": width, "height": 900})
    blocked: list[str] = []

    def guard(route):
        if route.request.url.startswith((origin + "/", "data:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(f"{portal['served'].url}start?key={portal['key']}", wait_until="load")
    page.get_by_role("link", name="اردو").click()  # the switch, as an officer uses it
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.fonts.check(\"16px 'Noto Nastaliq Urdu'\", 'گوشوارہ')")
    family = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert family.startswith('"Noto Nastaliq Urdu"')
    # Right to left: a heading's words start at the right edge of its box, the switch at the left.
    heading, text = page.evaluate(
        "(() => { const h = document.querySelector('main h2'); const r = document.createRange();"
        " r.selectNodeContents(h); return [h.getBoundingClientRect().right,"
        " r.getBoundingClientRect().right]; })()"
    )
    assert abs(heading - text) <= 2
    switch = page.evaluate("document.querySelector('.portal-languages').getBoundingClientRect()"
                           ".left")  # fmt: skip
    assert switch < width / 2
    assert_fits(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"portal-urdu-officer-{width}.png"), full_page=True)
    if width == 390:
        page.screenshot(path=str(SCREENSHOTS / "phone-portal-urdu-officer.png"))
    assert blocked == []
    page.close()
