"""The portal's submission page in a real browser: ``kpi serve --portal`` on a fresh demo
database, Debian's Chromium driven by Playwright with every request that is not to the local
server blocked and recorded.

A granted link opens the PSE's page; a valid file is accepted and counted by ``kpi
submissions``; a broken file shows the row-level error table (and its download) while the
database stays unchanged; a bad, revoked or another page's link shows "no access" with no data
and no upload control. Screenshots go to ``outputs/screenshots/portal-*.png``.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import REPO, start_kpi_serve

from kpilib.demo import build_demo
from kpilib.portal.access import grant, revoke
from kpilib.store.database import connect
from kpilib.store.writes import content_hash

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "outputs" / "screenshots"
ENTITY = "UNI-001"  # its 2025-26Q1 financial return is missing in the demo
QUARTER = "2025-26Q1"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A demo database of its own (the test writes to it), links, and ``kpi serve --portal``."""
    folder = tmp_path_factory.mktemp("portal")
    url = f"sqlite:///{folder / 'kpi.sqlite'}"
    engine = connect(url)
    build_demo(engine)
    with engine.begin() as connection:
        _, token = grant(connection, ENTITY, "Ayesha Khan", email="ayesha@example.org")
        _, reviewer = grant(connection, "HED", "Bilal Shah", kind="reviewer")
        revoked_id, revoked = grant(connection, ENTITY, "Former Officer")
        revoke(connection, revoked_id)
    served = start_kpi_serve(url, folder / "serve.log", "--portal")
    yield {"url": url, "engine": engine, "server": served, "token": token,
           "reviewer": reviewer, "revoked": revoked, "folder": folder}  # fmt: skip
    served.stop()
    engine.dispose()


class PortalPage:
    """A page of the portal with what it tried to reach off the server."""

    def __init__(self, browser, server, path: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
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
        self.page.goto(server.url + path, wait_until="domcontentloaded", timeout=120_000)

    def wait_for(self, css: str, timeout: float = 120_000) -> None:
        self.page.locator(css).first.wait_for(timeout=timeout)

    def screenshot(self, name: str) -> None:
        height = self.page.evaluate(
            "() => Math.ceil(document.querySelector('.kpi-dash').getBoundingClientRect().height)"
        )
        self.page.set_viewport_size({"width": 1280, "height": max(height + 120, 600)})
        self.page.wait_for_timeout(500)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=True)

    def close(self) -> None:
        assert self.blocked == [], f"requests left the server: {self.blocked}"
        assert self.errors == [], f"page errors: {self.errors}"
        self.page.close()


#: True when the row of the returns table for (quarter, return) shows ``status``.
ROW_STATUS = """([quarter, title, status]) => [...document.querySelectorAll('.kpi-portal-due tr')]
    .some(tr => tr.textContent.includes(quarter) && tr.textContent.includes(title)
                && tr.querySelector('.rag') && tr.querySelector('.rag').textContent === status)"""


def _submit_page(browser, portal, token: str) -> PortalPage:
    return PortalPage(browser, portal["server"], f"voila/render/portal/submit.ipynb?token={token}")


def _return_file(tmp_path, name: str, **changes: str) -> str:
    """The pse_financial template filled for ENTITY and QUARTER, with ``changes`` applied."""
    path = tmp_path / "template.csv"
    subprocess.run(
        [sys.executable, "-m", "kpilib.cli", "template", "pse_financial", "--format", "csv",
         "--out", str(path)], check=True, cwd=REPO, capture_output=True,
    )  # fmt: skip
    text = path.read_text(encoding="utf-8-sig").replace("2024-25Q1", QUARTER)
    for old, new in changes.items():
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return str(target)


def _upload(page: PortalPage, file: str) -> None:
    page.page.locator(".kpi-select-return select").select_option(label="Quarterly financial return")
    page.page.locator(".kpi-select-quarter select").select_option(label=QUARTER)
    with page.page.expect_file_chooser() as chooser:
        page.page.locator(".kpi-upload").click()
    chooser.value.set_files(file)
    page.page.wait_for_function(
        "() => document.querySelector('.kpi-upload').textContent.includes('(1)')"
    )
    page.page.locator(".kpi-submit").click()


def _submissions(url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kpilib.cli", "--database-url", url, "submissions",
         "--sender", ENTITY, "--period", QUARTER, "--as-of", "2030-01-01"],
        check=True, cwd=REPO, capture_output=True, text=True, env={**_env(),
                                                                  "COLUMNS": "200"},
    )  # fmt: skip
    return result.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("KPI_")}


def test_valid_upload_is_accepted_and_counted(browser, portal, tmp_path):
    page = _submit_page(browser, portal, portal["token"])
    page.wait_for(".kpi-portal-due table")
    text = page.page.inner_text(".kpi-portal-submit")
    assert "Returns of Demo" in text and ENTITY in text and "Ayesha Khan" in text
    due = page.page.inner_text(".kpi-portal-due")
    assert "missing" in due and "received" in due and "30 Oct 2025" in due
    page.page.wait_for_function(ROW_STATUS, arg=[QUARTER, "Quarterly financial return", "missing"])
    assert page.page.locator(".kpi-template").count() >= 2  # the templates to download
    page.screenshot("submit")
    assert "pse_financial" not in _submissions(portal["url"])

    _upload(page, _return_file(tmp_path, "q1.csv"))
    page.wait_for(".kpi-accepted")
    assert "Accepted: 1 row of q1.csv" in page.page.inner_text(".kpi-accepted")
    page.page.wait_for_function(ROW_STATUS, arg=[QUARTER, "Quarterly financial return", "late"])
    page.screenshot("accepted")
    listed = _submissions(portal["url"])
    assert "pse_financial" in listed and ENTITY in listed
    with portal["engine"].connect() as connection:
        actor = connection.execute(
            sa.text("SELECT submitted_by FROM submissions ORDER BY id DESC LIMIT 1")
        ).scalar()
    assert actor == f"portal:{ENTITY}:Ayesha Khan"
    page.close()


def test_broken_upload_shows_the_errors_and_changes_nothing(browser, portal, tmp_path):
    with portal["engine"].connect() as connection:
        before = content_hash(connection)
        rows = connection.execute(sa.text("SELECT count(*) FROM submissions")).scalar()
    page = _submit_page(browser, portal, portal["token"])
    page.wait_for(".kpi-portal-due table")
    broken = _return_file(
        tmp_path, "broken.csv", **{"152000000": "=HYPERLINK(1)", "UNI-001,": "UNI-002,"}
    )
    _upload(page, broken)
    page.wait_for(".kpi-rejected table")
    table = page.page.inner_text(".kpi-rejected")
    assert "nothing was loaded" in table
    assert "entity_code" in table and "UNI-002" in table  # another PSE's return is refused
    assert "revenue" in table and "=HYPERLINK(1)" in table
    link = page.page.locator(".kpi-rejected a.kpi-download")
    href = link.get_attribute("href")
    assert href.startswith("data:text/csv")
    csv_text = base64.b64decode(href.split(",", 1)[1]).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv_text  # formula-safe
    assert csv_text.splitlines()[0] == "row,column,value,severity,reason"
    page.screenshot("rejected")
    with portal["engine"].connect() as connection:
        assert content_hash(connection) == before
        assert connection.execute(sa.text("SELECT count(*) FROM submissions")).scalar() == rows
    page.close()


@pytest.mark.parametrize(
    "query", ["", "?token=", "?token=not-a-token", "?token=REVOKED", "?token=REVIEWER"]
)
def test_bad_link_shows_no_data_and_no_upload(browser, portal, query):
    query = query.replace("REVOKED", portal["revoked"]).replace("REVIEWER", portal["reviewer"])
    page = PortalPage(browser, portal["server"], f"voila/render/portal/submit.ipynb{query}")
    page.wait_for(".kpi-portal-denied")
    page.page.wait_for_timeout(500)
    text = page.page.inner_text("body")
    assert "No access" in text
    assert ENTITY not in text and "Demo" not in text
    assert page.page.locator("input[type=file], .kpi-upload, button").count() == 0
    assert page.page.locator("table").count() == 0
    if query == "?token=not-a-token":
        page.screenshot("no-access")
    page.close()


def test_reviewer_returns_a_return_and_the_pse_sees_the_comment(browser, portal, tmp_path):
    from kpilib.portal.access import check_token
    from kpilib.portal.submit import submit_upload

    engine = portal["engine"]
    with engine.connect() as connection:
        access = check_token(connection, portal["token"], "pse")
    corrected = _return_file(tmp_path, "q1-v2.csv", **{"152000000": "152000002"})
    content = Path(corrected).read_bytes()
    outcome = submit_upload(engine, access, "q1-v2.csv", content, "pse_financial", QUARTER)
    assert outcome.status == "loaded"
    sid = outcome.submission_id
    review = PortalPage(
        browser, portal["server"], f"voila/render/portal/review.ipynb?token={portal['reviewer']}"
    )
    review.wait_for(".kpi-portal-review-table table")
    assert f"{ENTITY} " in review.page.inner_text(".kpi-portal-review-table")
    review.page.locator(".kpi-select-submission select").select_option(
        label=f"{sid} · {ENTITY} · pse_financial {QUARTER}"
    )
    review.page.locator(".kpi-comment textarea").fill("Equity does not match the audited <b>")
    review.page.locator(".kpi-return").click()
    review.wait_for(".kpi-portal-result .kpi-accepted")
    assert "returned for correction" in review.page.inner_text(".kpi-portal-result")
    review.page.wait_for_function(
        "() => document.querySelector('.kpi-portal-review-table').textContent"
        ".includes('returned for correction')"
    )
    review.screenshot("review")
    review.close()
    page = _submit_page(browser, portal, portal["token"])
    page.wait_for(".kpi-portal-due table")
    page.page.wait_for_function(
        ROW_STATUS, arg=[QUARTER, "Quarterly financial return", "returned for correction"]
    )
    assert "Equity does not match the audited <b>" in page.page.inner_text(".kpi-portal-due")
    page.close()
    with engine.connect() as connection:
        actors = (
            connection.execute(
                sa.text("SELECT actor FROM audit_log WHERE action = 'review_returned'")
            )
            .scalars()
            .all()
        )
    assert actors == ["portal:HED:Bilal Shah"]
