"""The portal's pages over HTTP (a real server on 127.0.0.1, SQLite and PostgreSQL): personal
links become sessions, every request re-checks access, forms carry CSRF, uploads are stored and
get a receipt, and reviewers work from a queue with a confirmation step."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
import sqlalchemy as sa
from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES, build_reference
from portal_helpers import ServedPortal, governance_csv, wait_for_page

from kpilib.portal.access import grant, revoke

GOOD = f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q1,{FINANCIAL_VALUES}\n".encode()
Q2 = f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q2,{FINANCIAL_VALUES}\n".encode()
BROKEN = (
    f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q3,=HYPERLINK(1),{FINANCIAL_VALUES.split(',', 1)[1]}\n"
).encode()


@pytest.fixture
def portal(database_url):
    """The reference province served by the portal, with links for UNI-001's officer, HED's
    and HLT's reviewers."""
    engine = build_reference(database_url)
    links = {}
    for key, code, kind in (("pse", "UNI-001", "pse"), ("hed", "HED", "reviewer"),
                            ("hlt", "HLT", "reviewer"), ("mti", "MTI-001", "pse")):  # fmt: skip
        with engine.begin() as connection:
            links[key] = grant(connection, code, f"{kind} of {code}", kind=kind)
    served = ServedPortal(engine, max_bytes=200_000)
    yield {"engine": engine, "served": served, "links": links}
    served.stop()
    engine.dispose()


def _client(portal) -> httpx.Client:
    return httpx.Client(base_url=portal["served"].url, follow_redirects=False, timeout=30)


def _sign_in(portal, who: str) -> httpx.Client:
    client = _client(portal)
    answer = client.get("start", params={"key": portal["links"][who][1]})
    assert answer.status_code == 303, answer.text
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf" value="([0-9a-f]+)"', html).group(1)


def _upload(client, content=GOOD, name="q1.csv", period="2024-25Q1", **extra) -> httpx.Response:
    token = _csrf(client.get("").text)
    data = {"_csrf": token, "return_type": "pse_financial", "period": period, **extra}
    return client.post("upload", data=data, files={"file": (name, content, "text/csv")})


def _inbox_count(portal) -> int:
    with portal["engine"].connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one()


def test_a_link_becomes_a_session_cookie_and_leaves_the_address(portal):
    client = _client(portal)
    answer = client.get("start", params={"key": portal["links"]["pse"][1]})
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/portal/" in cookie
    assert answer.headers["referrer-policy"] == "no-referrer"
    home = client.get("")
    assert home.status_code == 200 and "Send a return" in home.text
    assert "Demo University" in home.text and portal["links"]["pse"][1] not in home.text
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert home.headers["cache-control"] == "no-store"


def test_bad_links_see_nothing_and_repeated_failures_are_refused(portal):
    client = _client(portal)
    for key in ("", "x' OR '1'='1", "A" * 43, portal["links"]["pse"][1][:-2]):
        answer = client.get("start", params={"key": key})
        assert answer.status_code == 403 and "does not give access" in answer.text
        assert "Send a return" not in answer.text
        assert answer.headers.get("set-cookie", 'kpi_portal=""').startswith('kpi_portal=""')
    assert client.get("").status_code == 403  # no session: nothing
    statuses = [client.get("start", params={"key": f"{n:043d}"}).status_code for n in range(20)]
    assert statuses[-1] == 429 and "wait a minute" in client.get("start?key=x").text


def test_a_revoked_link_can_do_nothing_more_from_an_open_page(portal):
    officer, reviewer = _sign_in(portal, "pse"), _sign_in(portal, "hed")
    token = _csrf(officer.get("").text)
    with portal["engine"].begin() as connection:
        revoke(connection, portal["links"]["pse"][0])
        revoke(connection, portal["links"]["hed"][0])
    refused = officer.post("upload", data={"_csrf": token, "return_type": "pse_financial",
                                           "period": "2024-25Q1"},
                           files={"file": ("q1.csv", GOOD)})  # fmt: skip
    assert refused.status_code == 403 and "does not give access" in refused.text
    assert reviewer.get("").status_code == 403
    assert _inbox_count(portal) == 0


def test_a_form_without_its_csrf_secret_changes_nothing(portal):
    client = _sign_in(portal, "pse")
    answer = client.post("upload", data={"return_type": "pse_financial", "period": "2024-25Q1"},
                         files={"file": ("q1.csv", GOOD)})  # fmt: skip
    assert answer.status_code == 403 and "nothing was changed" in answer.text
    assert _inbox_count(portal) == 0


def test_an_upload_gets_a_receipt_a_preview_and_loads_once_confirmed(portal):
    client = _sign_in(portal, "pse")
    answer = _upload(client)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/receipt?n=")
    receipt = wait_for_page(client, answer.headers["location"], "Checked: please confirm")
    assert "R-000001" in receipt and "Check the figures" in receipt and "2023-24Q4" in receipt
    assert re.search(r"[0-9a-f]{64}", receipt)  # the file's fingerprint
    assert "Confirm and submit" in receipt
    confirm = client.post("confirm", data={"_csrf": _csrf(receipt), "n": "1"})
    assert confirm.status_code == 303
    accepted = wait_for_page(client, confirm.headers["location"], "Accepted")
    assert "Return number" in accepted and "The figures you sent" in accepted
    home = client.get("").text
    assert "Your latest uploads" in home and "R-000001" in home
    again = client.post("confirm", data={"_csrf": _csrf(receipt), "n": "1"})
    assert again.status_code == 409  # confirmed once only


def test_a_broken_file_shows_its_errors_and_a_formula_safe_download(portal):
    client = _sign_in(portal, "pse")
    answer = _upload(client, BROKEN, period="2024-25Q3", confirm="yes")
    html = wait_for_page(client, answer.headers["location"], "Not accepted")
    assert "What must be corrected" in html and "revenue" in html
    assert "=HYPERLINK(1)" in html.replace("&#x27;", "'") or "HYPERLINK" in html
    number = answer.headers["location"].rsplit("=", 1)[-1]
    table = client.get("errors.csv", params={"n": number})
    assert table.status_code == 200 and "attachment" in table.headers["content-disposition"]
    assert "'=HYPERLINK(1)" in table.text  # neutralised for spreadsheets


def test_refused_uploads_say_why_in_the_officers_words(portal):
    client = _sign_in(portal, "pse")
    wrong = _upload(client, b"hello", name="notes.txt")
    assert wrong.status_code == 400 and "not a CSV or Excel (.xlsx) file" in wrong.text
    assert "--" not in re.sub(r"<[^>]+>|<!--.*?-->", "", wrong.text.split("<main>")[1])
    quarter = _upload(client, period="2030-31Q1")
    assert quarter.status_code == 400 and "Choose one of the quarters listed" in quarter.text
    large = _upload(client, b"x" * 300_000)
    assert large.status_code == 413 and "larger than the portal accepts" in large.text
    assert _inbox_count(portal) == 0


def test_nobody_sees_another_pse_s_receipt_or_another_department_s_return(portal):
    client = _sign_in(portal, "pse")
    answer = _upload(client, confirm="yes")
    wait_for_page(client, answer.headers["location"], "Accepted")
    with portal["engine"].connect() as connection:
        sid = connection.execute(sa.text("SELECT max(id) FROM submissions")).scalar_one()
    other = _sign_in(portal, "mti")
    assert other.get("receipt", params={"n": "1"}).status_code == 404
    assert other.get("return", params={"id": sid}).status_code == 403  # not a reviewer
    health = _sign_in(portal, "hlt")
    assert health.get("return", params={"id": sid}).status_code == 404
    assert health.get("file", params={"id": sid}).status_code == 404
    hed = _sign_in(portal, "hed")
    original = hed.get("file", params={"id": sid})
    assert original.status_code == 200 and original.content == GOOD


def test_the_reviewer_works_from_a_queue_with_confirmation_and_bulk_approval(portal):
    officer = _sign_in(portal, "pse")
    for content, period in ((GOOD, "2024-25Q1"), (Q2, "2024-25Q2")):
        answer = _upload(officer, content, period=period, confirm="yes")
        wait_for_page(officer, answer.headers["location"], "Accepted")
    with portal["engine"].connect() as connection:
        first, second = connection.execute(
            sa.text("SELECT id FROM submissions ORDER BY id")
        ).scalars()
    reviewer = _sign_in(portal, "hed")
    queue = reviewer.get("").text
    assert "Returns awaiting your review (2)" in queue
    assert queue.index(f">{first}<") < queue.index(f">{second}<")  # oldest first
    assert f'name="select" value="{first}"' in queue
    opened = reviewer.get("return", params={"id": first}).text
    assert "Figures beside 2023-24Q4" in opened and "Data-quality warnings" in opened
    token = _csrf(opened)
    ask = reviewer.post("decide", data={"_csrf": token, "id": first, "action": "return",
                                        "comment": "Equity <script>x</script>"})  # fmt: skip
    assert ask.status_code == 200 and "Send this return back for correction?" in ask.text
    assert "<script>x" not in ask.text and "&lt;script&gt;" in ask.text
    assert "awaiting your review (2)" in reviewer.get("").text  # nothing recorded yet
    done = reviewer.post("decide", data={"_csrf": token, "id": first, "action": "return",
                                         "comment": "Equity <script>x</script>",
                                         "confirmed": "yes"})  # fmt: skip
    assert done.status_code == 303
    assert "returned for correction" in reviewer.get(done.headers["location"][8:]).text
    bulk = reviewer.post("bulk-approve", data={"_csrf": token, "select": [str(second)]})
    assert "Approve these 1 return(s)?" in bulk.text
    approved = reviewer.post("bulk-approve", data={"_csrf": token, "select": [str(second)],
                                                   "confirmed": "yes"})  # fmt: skip
    assert "1 return(s) approved." in approved.text
    assert "No return is awaiting your review." in reviewer.get("").text
    page = officer.get("").text
    assert "Equity &lt;script&gt;x&lt;/script&gt;" in page and "returned for correction" in page


def test_the_access_log_never_shows_a_link_s_key(portal, caplog):
    with caplog.at_level(logging.INFO, logger="tornado.access"):
        _sign_in(portal, "pse")
        _client(portal).get("start", params={"key": "wrong-key-" * 4})
    assert "start" in caplog.text
    assert portal["links"]["pse"][1] not in caplog.text and "wrong-key" not in caplog.text


def test_failures_are_counted_per_visitor_behind_the_proxy(portal):
    """Behind nginx every request comes from 127.0.0.1: the limiter counts the address nginx
    saw, so one visitor's failures never lock the others out."""
    client = _client(portal)
    for n in range(20):
        client.get("start", params={"key": f"{n:043d}"}, headers={"X-Forwarded-For": "203.0.113.9"})
    blocked = client.get("start", params={"key": "x"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 429
    other = client.get("start", params={"key": portal["links"]["pse"][1]},
                       headers={"X-Forwarded-For": "198.51.100.7"})  # fmt: skip
    assert other.status_code == 303


def test_the_template_is_filled_in_for_the_officer_s_pse_and_quarter(portal):
    client = _sign_in(portal, "pse")
    home = client.get("").text
    assert "template?type=pse_financial&amp;period=" in home
    csv = client.get("template", params={"type": "pse_financial", "period": "2024-25Q2",
                                         "format": "csv"})  # fmt: skip
    assert (
        csv.status_code == 200
        and "UNI-001_pse_financial_2024-25Q2.csv" in (csv.headers["content-disposition"])
    )
    row = csv.content.decode("utf-8-sig").splitlines()[1].split(",")
    assert row[:2] == ["UNI-001", "2024-25Q2"] and set(row[2:]) == {""}  # amounts left empty
    xlsx = client.get("template", params={"type": "pse_financial", "period": "2024-25Q2",
                                          "format": "xlsx"})  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    for wrong in ({"type": "budget_extract", "period": "2024-25Q2"},
                  {"type": "pse_financial", "period": "2031-32Q1"},
                  {"type": "pse_financial", "period": "2024-25Q2", "format": "exe"}):  # fmt: skip
        assert client.get("template", params=wrong).status_code == 404


def _send_yearly(client, content, period="2024-25", return_type="pse_governance", **extra):
    token = _csrf(client.get("").text)
    data = {"_csrf": token, "return_type": return_type, "period": period, **extra}
    return client.post("upload", data=data, files={"file": ("gov.csv", content, "text/csv")})


def test_the_officer_page_offers_the_yearly_returns_with_fiscal_years(portal):
    client = _sign_in(portal, "pse")
    home = client.get("").text
    assert "120 days after the fiscal year ends" in home and '<th scope="col">Period' in home
    assert '<optgroup label="Quarters (quarterly returns)"' in home
    assert '<optgroup label="Fiscal years (yearly returns)"' in home
    assert '<option value="2024-25">2024-25</option>' in home and "(year under way)" in home
    assert '<option value="pse_governance" data-kind="year">Yearly governance return' in home
    assert "Yearly governance return, 2023-24: " in home  # the oldest year owed
    assert "Yearly support return, 2023-24: " in home
    link = re.search(r'href="(template\?type=pse_governance&amp;period=2023-24&amp;format=xlsx)"',
                     home).group(1).replace("&amp;", "&")  # fmt: skip
    template = client.get(link)
    assert template.status_code == 200
    assert 'filename="UNI-001_pse_governance_2023-24.xlsx"' in template.headers[
        "content-disposition"]  # fmt: skip
    assert client.get("template?type=pse_governance&period=2023-24Q1&format=csv").status_code == 404


def test_a_yearly_return_is_refused_for_a_quarter_and_its_bad_rows_are_shown(portal):
    client = _sign_in(portal, "pse")
    quarter = _send_yearly(client, governance_csv(), period="2024-25Q1")
    assert quarter.status_code == 400 and "Nothing was sent." in quarter.text
    assert "covers a whole fiscal year, not a quarter: choose a fiscal year" in quarter.text
    year = _upload(client, period="2024-25")
    assert year.status_code == 400 and "covers a quarter, not a fiscal year" in year.text
    assert _inbox_count(portal) == 0
    bad = _send_yearly(client, governance_csv(board_size="10", women_members="8"))
    html = wait_for_page(client, bad.headers["location"], "Not accepted")
    assert "What must be corrected" in html and "board_size" in html and "women_members" in html
    assert "Yearly governance return, 2024-25" in html
    assert "Traceback" not in html and "ingest." not in html


def test_a_yearly_return_shows_its_rows_loads_once_confirmed_and_waits_for_review(portal):
    client = _sign_in(portal, "pse")
    answer = _send_yearly(client, governance_csv())
    receipt = wait_for_page(client, answer.headers["location"], "Checked: please confirm")
    assert "Check what the portal read" in receipt and "Board size" in receipt
    assert "CEO since" in receipt and "Board attendance (%)" in receipt
    assert "Figure" not in receipt  # no quarter to compare with
    confirm = client.post("confirm", data={"_csrf": _csrf(receipt), "n": "1"})
    accepted = wait_for_page(client, confirm.headers["location"], "Accepted")
    assert "What you sent" in accepted and "(version 1)" in accepted
    with portal["engine"].connect() as connection:
        stored = connection.execute(sa.text("SELECT board_size FROM pse_governance")).all()
        sid = connection.execute(sa.text("SELECT max(id) FROM submissions")).scalar_one()
    assert [tuple(r) for r in stored] == [(9,)]
    home = client.get("").text
    assert "Yearly governance return 2024-25" in home  # the latest uploads
    reviewer = _sign_in(portal, "hed")
    queue = reviewer.get("").text
    assert "Yearly governance return" in queue and "2024-25" in queue
    opened = reviewer.get("return", params={"id": sid}).text
    assert "What the return holds" in opened and "Board size" in opened
