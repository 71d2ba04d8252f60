"""The portal in a real browser at 1280 and 390 px: ``kpi serve --portal`` with the dashboards
protected by a token, on a fresh demo database; Debian's Chromium driven by Playwright, every
request that is not to the local server blocked and recorded.

An officer's link opens their page (no kernel); a file is chosen, its name shown, sent, and the
receipt comes back at once, then its preview beside last quarter, then "Accepted" once
confirmed. A broken file shows its error table and a formula-safe download. A reviewer works from
the queue: opens a return, approves with a confirmation step, approves several at once, returns
one for correction, which its PSE then sees. An officer answers a red flag's action; the
reviewer closes it after a confirmation step. Bad, revoked and expired links see nothing; a link
revoked while its page is open can no longer submit or approve. Screenshots:
``outputs/screenshots/portal-*-{1280,390}.png``.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import REPO, start_kpi_serve
from portal_helpers import financial_csv, governance_csv

from kpilib.demo import build_demo
from kpilib.fiscal import FiscalYear, Period, pakistan_today
from kpilib.kpis.actions import CANDIDATE_COLUMNS, open_actions_for_flags
from kpilib.portal.access import grant, portal_link, revoke
from kpilib.portal.due import returns_due
from kpilib.store.database import connect
from kpilib.store.writes import content_hash, read_dataset_info

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "outputs" / "screenshots"
QUARTER = "2025-26Q1"
WIDTHS = [1280, 390]


def _missing_q1(engine) -> list[tuple[str, str]]:
    """The PSEs (and their department) whose QUARTER financial return is missing in the
    demo."""
    with engine.connect() as connection:
        codes = connection.execute(
            sa.text("SELECT e.code, d.code FROM entities e JOIN departments d "
                    "ON d.id = e.department_id ORDER BY e.code")
        ).all()  # fmt: skip
        missing = []
        for code, department in codes:
            due = returns_due(connection, code, pakistan_today())
            row = due[(due["period_code"] == QUARTER) & (due["return_type"] == "pse_financial")]
            if row["status"].tolist() == ["missing"]:
                missing.append((code, department))
    assert len(missing) >= 5
    return missing


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A demo database of its own and ``kpi serve --portal --token …``."""
    folder = tmp_path_factory.mktemp("portal")
    url = f"sqlite:///{folder / 'kpi.sqlite'}"
    engine = connect(url)
    build_demo(engine)
    dashboards_token = secrets.token_hex(16)
    served = start_kpi_serve(url, folder / "serve.log", "--portal", "--token", dashboards_token,
                             "--pool-size", "1")  # fmt: skip
    yield {"url": url, "engine": engine, "server": served, "folder": folder,
           "missing": _missing_q1(engine), "dashboards_token": dashboards_token}  # fmt: skip
    served.stop()
    engine.dispose()


def _link(portal, code: str, kind: str = "pse", name: str = "Ayesha Khan") -> tuple[int, str]:
    with portal["engine"].begin() as connection:
        token_id, token = grant(connection, code, name, kind=kind)
    return token_id, portal_link(portal["server"].url, kind, token)


class PortalPage:
    """A browser tab on the portal at one width, with what it tried to reach off the server."""

    def __init__(self, browser, server, url: str, width: int) -> None:
        self.width = width
        self.page = browser.new_page(viewport={"width": width, "height": 900},
                                     accept_downloads=True)  # fmt: skip
        self.blocked: list[str] = []
        self.errors: list[str] = []
        origin = server.url.rstrip("/")
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def guard(route):
            url = route.request.url
            if url.startswith((origin + "/", "data:", "blob:", "about:")):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort()

        self.page.route("**/*", guard)
        self.page.goto(url, wait_until="domcontentloaded", timeout=60_000)

    def text(self, css: str = "main") -> str:
        return self.page.inner_text(css)

    def wait_text(self, text: str, timeout: float = 60_000) -> None:
        self.page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)

    def fits(self) -> None:
        """Nothing wider than the screen (tables scroll inside their own box)."""
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, f"the page is {overflow} px wider than {self.width} px"

    def screenshot(self, name: str) -> None:
        self.fits()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"portal-{name}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if self.width == 390:  # a screenful, as a phone shows it first (README pictures)
            self.page.screenshot(path=str(SCREENSHOTS / f"phone-portal-{name}.png"))

    def close(self) -> None:
        assert self.blocked == [], f"requests left the server: {self.blocked}"
        assert self.errors == [], f"page errors: {self.errors}"
        self.page.close()


def _send(page: PortalPage, file) -> None:
    page.page.locator("select[name=return_type]").select_option("pse_financial")
    page.page.locator("select[name=period]").select_option(QUARTER)
    page.page.locator("input[type=file]").set_input_files(str(file))
    assert f"Chosen: {file.name}" in page.text("#chosen-file")  # shown before sending
    page.page.get_by_role("button", name="Send the file").click()
    page.wait_text("Receipt number")


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_sends_a_return_sees_the_preview_confirms_and_keeps_a_receipt(
    browser, portal, tmp_path, width
):
    code = portal["missing"][WIDTHS.index(width)][0]
    _, link = _link(portal, code)
    page = PortalPage(browser, portal["server"], link, width)
    page.wait_text("Send a return")
    assert "key=" not in page.page.url  # the key left the address bar
    assert code in page.text() and "Returns due" in page.text()
    page.screenshot("officer")
    file = tmp_path / "q1.csv"
    file.write_bytes(financial_csv(tmp_path, code, QUARTER))
    _send(page, file)
    assert "R-0" in page.text(".portal-receipt") and "SHA-256" in page.text(".portal-receipt")
    page.wait_text("Checked: please confirm")  # the page refreshes itself meanwhile
    assert "Check the figures" in page.text() and "2024-25Q4" in page.text()
    page.screenshot("preview")
    page.page.get_by_role("button", name="Confirm and submit").click()
    page.wait_text("Accepted")
    page.screenshot("receipt")
    with portal["engine"].connect() as connection:
        actor = connection.execute(
            sa.text("SELECT s.submitted_by FROM submissions s JOIN entities e "
                    "ON e.id = s.entity_id WHERE e.code = :c ORDER BY s.id DESC LIMIT 1"),
            {"c": code},
        ).scalar()  # fmt: skip
    assert actor == f"portal:{code}:Ayesha Khan"
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_sends_a_governance_return_for_the_year_under_way(browser, portal, tmp_path, width):
    with portal["engine"].connect() as connection:
        codes = connection.execute(sa.text("SELECT code FROM entities ORDER BY code")).scalars()
        others = [c for c in codes if c not in {m for m, _ in portal["missing"]}]
        year = read_dataset_info(connection)["data_as_of"]
    under_way = Period(FiscalYear.containing(date.fromisoformat(year))).code
    code = others[WIDTHS.index(width)]
    _, link = _link(portal, code)
    page = PortalPage(browser, portal["server"], link, width)
    page.wait_text("Send a return")
    assert "Yearly governance return" in page.text(".portal-templates")
    # Choosing a yearly return keeps the period list to fiscal years (the script).
    page.page.locator("select[name=return_type]").select_option("pse_governance")
    assert page.page.locator("select[name=period]").input_value() == under_way
    page.screenshot("officer-yearly")
    file = tmp_path / "governance.csv"
    file.write_bytes(governance_csv(code, under_way))
    page.page.locator("input[type=file]").set_input_files(str(file))
    page.page.get_by_role("button", name="Send the file").click()
    page.wait_text("Check what the portal read")
    assert "Board size" in page.text() and f"Yearly governance return, {under_way}" in page.text()
    page.screenshot("yearly-preview")
    page.page.get_by_role("button", name="Confirm and submit").click()
    page.wait_text("Accepted")
    with portal["engine"].connect() as connection:
        stored = connection.execute(
            sa.text("SELECT COUNT(*) FROM pse_governance g JOIN entities e ON e.id = g.entity_id "
                    "JOIN periods p ON p.id = g.period_id WHERE e.code = :c AND p.code = :y"),
            {"c": code, "y": under_way},
        ).scalar()  # fmt: skip
    assert stored == 1
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_broken_file_shows_its_error_table_and_changes_nothing(browser, portal, tmp_path, width):
    code = portal["missing"][2][0]
    _, link = _link(portal, code)
    with portal["engine"].connect() as connection:
        before = content_hash(connection)
    file = tmp_path / "broken.csv"
    text = financial_csv(tmp_path, "UNI-999", QUARTER, "=HYPERLINK(1)").decode()
    file.write_text(text)
    page = PortalPage(browser, portal["server"], link, width)
    page.wait_text("Send a return")
    _send(page, file)
    page.wait_text("What must be corrected")
    table = page.text()
    assert "Nothing of this file was loaded" in table and "=HYPERLINK(1)" in table
    assert "UNI-999" in table
    page.screenshot("rejected")
    with page.page.expect_download() as download:
        page.page.get_by_text("Download this table (CSV)").click()
    csv_text = download.value.path().read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "row,column,value,severity,reason"
    assert "'=HYPERLINK(1)" in csv_text  # formula-safe
    with portal["engine"].connect() as connection:
        assert content_hash(connection) == before
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_reviewer_approves_with_confirmation_and_in_bulk(browser, portal, width):
    _, link = _link(portal, "HED", "reviewer", "Bilal Shah")
    page = PortalPage(browser, portal["server"], link, width)
    page.wait_text("Returns awaiting your review")
    page.screenshot("queue")
    first = page.page.locator("table.kpi-table tbody tr td a").first
    number = first.inner_text()
    first.click()
    page.wait_text("Data-quality warnings")
    # The oldest may be a yearly return (its rows) or a quarterly one (beside last quarter).
    assert "Figures beside" in page.text() or "What the return holds" in page.text()
    page.screenshot("return")
    page.page.get_by_role("button", name="Approve…").click()
    page.wait_text("Approve this return?")
    page.screenshot("confirm")
    page.page.get_by_role("button", name="Yes, approve it").click()
    page.wait_text(f"Return {number} approved.")
    page.page.get_by_text("Back to the queue").click()
    page.wait_text("Returns awaiting your review")
    boxes = page.page.locator("input[name=select]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.page.get_by_role("button", name="Approve the ticked returns…").click()
    page.wait_text("Approve these 2 return(s)?")
    page.page.get_by_role("button", name="Yes, approve 2").click()
    page.wait_text("2 return(s) approved.")
    page.close()


def test_a_return_sent_back_for_correction_is_seen_by_its_pse(browser, portal, tmp_path):
    code, department = portal["missing"][3]
    _, officer = _link(portal, code)
    page = PortalPage(browser, portal["server"], officer, 1280)
    page.wait_text("Send a return")
    file = tmp_path / "q1.csv"
    file.write_bytes(financial_csv(tmp_path, code, QUARTER))
    _send(page, file)
    page.page.get_by_role("button", name="Confirm and submit").click()
    page.wait_text("Return number")
    sid = page.page.locator("th:text('Return number') + td").inner_text().split()[0]
    _, reviewer_link = _link(portal, department, "reviewer", "Bilal Shah")
    review = PortalPage(browser, portal["server"], reviewer_link, 390)
    review.page.goto(f"{portal['server'].url}portal/return?id={sid}")
    review.page.locator("textarea[name=comment]").first.fill("Equity <b>does not</b> match")
    review.page.get_by_role("button", name="Return for correction…").click()
    review.wait_text("Send this return back for correction?")
    review.page.get_by_role("button", name="Yes, send it back").click()
    review.wait_text(f"Return {sid} returned for correction.")
    review.close()
    page.page.goto(f"{portal['server'].url}portal/")
    page.wait_text("returned for correction")
    assert "Equity <b>does not</b> match" in page.text()  # shown as text, not markup
    page.screenshot("returned")
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["wrong", "revoked", "expired", "empty"])
def test_bad_revoked_and_expired_links_see_nothing(browser, portal, kind, width):
    token_id, link = _link(portal, portal["missing"][0][0], name="Former Officer")
    with portal["engine"].begin() as connection:
        if kind == "revoked":
            revoke(connection, token_id)
        if kind == "expired":
            connection.execute(
                sa.text("UPDATE access_tokens SET expires_on = :d WHERE id = :i"),
                {"d": pakistan_today() - timedelta(days=1), "i": token_id},
            )
    if kind == "wrong":
        link = link[:-4] + "AAAA"
    if kind == "empty":
        link = link.split("?")[0]
    page = PortalPage(browser, portal["server"], link, width)
    page.wait_text("does not give access")
    text = page.text("body")
    assert "Demo" not in text and "Send a return" not in text
    assert page.page.locator("input[type=file], table").count() == 0
    if kind == "wrong":
        page.screenshot("no-access")
    page.close()


def test_a_link_revoked_while_its_page_is_open_can_no_longer_submit_or_approve(
    browser, portal, tmp_path
):
    code = portal["missing"][4][0]
    officer_id, officer = _link(portal, code)
    reviewer_id, reviewer = _link(portal, "HED", "reviewer", "Bilal Shah")
    page = PortalPage(browser, portal["server"], officer, 390)
    page.wait_text("Send a return")
    review = PortalPage(browser, portal["server"], reviewer, 1280)
    review.page.locator("table.kpi-table tbody tr td a").first.click()
    review.wait_text("Data-quality warnings")
    with portal["engine"].begin() as connection:
        revoke(connection, officer_id)
        revoke(connection, reviewer_id)
    file = tmp_path / "q1.csv"
    file.write_bytes(financial_csv(tmp_path, code, QUARTER))
    page.page.locator("input[type=file]").set_input_files(str(file))
    page.page.get_by_role("button", name="Send the file").click()
    page.wait_text("does not give access")
    review.page.get_by_role("button", name="Approve…").click()
    review.wait_text("does not give access")
    with portal["engine"].connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM inbox WHERE entity_id = "
                                          "(SELECT id FROM entities WHERE code = :c)"),
                                  {"c": code}).scalar() == 0  # fmt: skip
    page.close()
    review.close()


def test_the_dashboards_stay_protected_by_their_own_token(portal):
    import httpx

    base = portal["server"].url
    refused = httpx.get(f"{base}voila/render/province.ipynb", timeout=60)
    assert refused.status_code in (302, 401, 403), refused.status_code
    allowed = httpx.get(f"{base}?token={portal['dashboards_token']}", timeout=60)
    assert allowed.status_code == 200


def _open_action(portal, code: str, department: str, key: str) -> int:
    """An action of its own for ``code`` (a PSE flag), returned by id."""
    flags = pd.DataFrame(
        [("pse", key, department, code, "high", f"Flag for {code}", "very high overall risk")],
        columns=CANDIDATE_COLUMNS,
    )
    with portal["engine"].begin() as connection:
        as_of = date.fromisoformat(read_dataset_info(connection)["data_as_of"])
        opened = open_actions_for_flags(connection, flags, fiscal_year=2025, period_code="FY",
                                        opened_on=as_of)  # fmt: skip
    return opened.opened[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_answers_a_red_flag_and_the_reviewer_closes_it(browser, portal, width):
    code, department = portal["missing"][-1 if width == 1280 else -2]
    action = _open_action(portal, code, department, f"browser-{width}/{code}")
    _, officer = _link(portal, code)
    page = PortalPage(browser, portal["server"], officer, width)
    page.wait_text("Red flags to answer")
    card = page.page.locator(f"#action-{action}")
    card.locator("textarea[name=answer]").fill("The board approved a recovery plan.")
    page.screenshot("action-answer")
    card.get_by_role("button", name="Send the answer").click()
    page.wait_text(f"Your answer to action {action} was sent")
    assert page.page.locator(f"#action-{action}").count() == 0
    page.close()
    _, reviewer = _link(portal, department, "reviewer", "Bilal Shah")
    review = PortalPage(browser, portal["server"], reviewer, width)
    review.wait_text("Answers to red flags awaiting your review")
    review.page.get_by_role("link", name=f"Action {action}", exact=True).click()
    review.wait_text("The board approved a recovery plan.")
    review.page.locator("textarea[name=note]").first.fill("Plan seen; close.")
    review.screenshot("action")
    review.page.get_by_role("button", name="Close the action…").click()
    review.wait_text("Close this action?")
    review.page.get_by_role("button", name="Yes, close it").click()
    review.wait_text(f"Action {action} closed.")
    review.screenshot("action-closed")
    review.close()
    with portal["engine"].connect() as connection:
        status = connection.execute(
            sa.text("SELECT status FROM actions WHERE id = :i"), {"i": action}
        ).scalar_one()
    assert status == "closed"
