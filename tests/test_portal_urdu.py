"""The portal in Urdu (issue 18): the language switch is remembered in a cookie, every page of
the officer, the reviewer and the follow-up reads right to left in Urdu with no English left
(names, codes and file names aside), a bad language is English, and the forms keep their CSRF
protection."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from i18n_helpers import english_left
from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES
from portal_helpers import csrf_of, served_with_an_action, sign_in, wait_for_page

GOOD = f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q1,{FINANCIAL_VALUES}\n".encode()
#: The pages' data: names of people, PSEs and departments, and the flag's stored words (a
#: flag's subject and message are kept as raised).
DATA = [
    "pse of UNI-001", "reviewer of HED", "Demo University", "Higher Education", "very high risk",
    "kpi-suite", "q1.csv",
]  # fmt: skip


@pytest.fixture
def portal(database_url):
    """The reference province served by the portal, an action for UNI-001 (HED)."""
    with served_with_an_action(database_url) as served:
        yield served


def _sign_in(portal, who: str, language: str | None = "ur") -> httpx.Client:
    return sign_in(portal["served"], portal["links"][who][1], language)


def _is_urdu(html: str) -> None:
    assert '<html lang="ur" dir="rtl">' in html
    assert re.search(r'<link rel="stylesheet" href="/portal/static/urdu\.css\?v=[0-9a-f]{12}">',
                     html)  # fmt: skip
    fingerprints = re.findall(r"[0-9a-f]{64}", html)  # a receipt's file fingerprint (data)
    assert english_left(html, allowed=DATA + fingerprints) == []


def test_the_language_switch_is_remembered_in_a_cookie(portal):
    client = _sign_in(portal, "pse", language=None)
    english = client.get("").text
    assert '<html lang="en" dir="ltr">' in english and "urdu.css" not in english
    assert 'href="/portal/language?to=ur&amp;next=%2Fportal%2F"' in english
    switched = client.get("language", params={"to": "ur", "next": "/portal/"})
    cookie = switched.headers["set-cookie"]
    assert cookie.startswith("kpi_lang=ur;") and "Path=/portal/" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "expires=" in cookie.lower()
    for _ in range(2):  # remembered across requests (and visits: the cookie lasts a year)
        assert '<html lang="ur" dir="rtl">' in client.get("").text
    back = client.get("language", params={"to": "en", "next": "/portal/"})
    assert back.headers["set-cookie"].startswith("kpi_lang=en;")
    assert '<html lang="en" dir="ltr">' in client.get("").text


def test_a_bad_language_or_address_falls_back_without_being_reflected(portal):
    client = _sign_in(portal, "pse", language=None)
    bad = "xx<script>alert(1)</script>"
    answer = client.get("language", params={"to": bad, "next": "https://evil.example/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/"
    assert answer.headers["set-cookie"].startswith("kpi_lang=en;")
    for target in ("//evil.example/", "/portal/../x", "/portal/start?key=abc", "javascript:x"):
        moved = client.get("language", params={"to": "ur", "next": target})
        assert moved.headers["location"] == "/portal/", target
    client.cookies.set("kpi_lang", bad, path="/portal/")
    page = client.get("")
    assert page.status_code == 200 and '<html lang="en" dir="ltr">' in page.text
    assert "alert(1)" not in page.text and "xx" not in page.text.replace("xx-", "")


def test_the_officer_page_is_in_urdu(portal):
    client = _sign_in(portal, "pse")
    html = client.get("").text
    _is_urdu(html)
    assert "واجب الادا گوشوارے" in html and "گوشوارہ بھیجیں" in html  # returns due, send
    assert "سہ ماہی مالیاتی گوشوارہ" in html and "سالانہ گورننس گوشوارہ" in html  # titles
    assert "موصول نہیں ہوا" in html or "واجب الادا" in html  # a status in Urdu
    assert "\u20662024-25Q4\u2069" in html or "2024-25Q4" in html
    assert 'data-chosen="منتخب: {name} ({size} KB)"' in html
    assert 'aria-current="true">اردو<' in html and 'hreflang="en"' in html


def test_the_officer_page_names_the_pse_in_urdu_where_it_has_an_urdu_name(portal):
    import sqlalchemy as sa

    with portal["engine"].begin() as connection:
        connection.execute(
            sa.text("UPDATE entities SET name_ur = :name WHERE code = 'UNI-001'"),
            {"name": "ڈیمو جامعہ"},
        )
    urdu = _sign_in(portal, "pse").get("").text
    assert "ڈیمو جامعہ کے گوشوارے" in urdu or "ڈیمو جامعہ" in urdu.split("</h1>")[0]
    english = _sign_in(portal, "pse", language="en").get("").text
    assert "ڈیمو جامعہ" not in english and "Demo University" in english


def test_a_receipt_is_in_urdu_and_the_forms_keep_their_csrf(portal):
    client = _sign_in(portal, "pse")
    token = csrf_of(client.get("").text)
    refused = client.post("upload", data={"return_type": "pse_financial", "period": "2024-25Q1"},
                          files={"file": ("q1.csv", GOOD, "text/csv")})  # fmt: skip
    assert refused.status_code == 403 and '<html lang="ur" dir="rtl">' in refused.text
    assert "اس فارم کی مدت ختم ہو چکی ہے" in refused.text
    wrong = client.post("upload", data={"_csrf": token, "return_type": "pse_financial",
                                        "period": "2024-25Q1"},
                        files={"file": ("notes.txt", b"hello", "text/plain")})  # fmt: skip
    assert wrong.status_code == 400 and "کوئی CSV یا Excel (.xlsx) فائل نہیں" in wrong.text
    answer = client.post("upload", data={"_csrf": token, "return_type": "pse_financial",
                                         "period": "2024-25Q1"},
                         files={"file": ("q1.csv", GOOD, "text/csv")})  # fmt: skip
    assert answer.status_code == 303
    receipt = wait_for_page(client, answer.headers["location"], "جانچ مکمل: براہِ کرم تصدیق کریں")
    _is_urdu(receipt)
    assert "رسید" in receipt and "تصدیق کر کے جمع کرائیں" in receipt and "خالص آمدنی" in receipt
    style = client.get(re.search(r'href="/portal/(static/urdu\.css\?v=\w+)"', receipt).group(1))
    assert style.status_code == 200 and "Noto Nastaliq Urdu" in style.text
    assert style.headers["content-type"].startswith("text/css")
    assert "immutable" in style.headers["cache-control"]


def test_the_reviewer_queue_and_an_action_page_are_in_urdu(portal):
    officer = _sign_in(portal, "pse", language=None)
    token = csrf_of(officer.get("").text)
    officer.post("upload", data={"_csrf": token, "return_type": "pse_financial",
                                 "period": "2024-25Q1", "confirm": "yes"},
                 files={"file": ("q1.csv", GOOD, "text/csv")})  # fmt: skip
    reviewer = _sign_in(portal, "hed")
    for _ in range(300):
        queue = reviewer.get("").text
        if "(1)" in queue.split("</h2>")[0]:
            break
        time.sleep(0.1)
    _is_urdu(queue)
    assert "آپ کے جائزے کے منتظر گوشوارے (1)" in queue
    action = reviewer.get("action", params={"id": portal["action"]}).text
    _is_urdu(action)
    assert "کارروائی" in action and "اعلیٰ سطح پر بھیجیں…" in action
    ask = reviewer.post("action-decide", data={"id": portal["action"], "decision": "escalate",
                                               "note": "x"})  # fmt: skip
    assert ask.status_code == 403  # no CSRF secret: nothing changed
    fields = {
        "_csrf": csrf_of(action),
        "id": portal["action"],
        "decision": "escalate",
        "note": "وجہ",
    }
    confirm = reviewer.post("action-decide", data=fields)
    _is_urdu(confirm.text)
    assert "کیا یہ کارروائی اعلیٰ سطح پر بھیجی جائے؟" in confirm.text


def test_the_no_access_and_signed_out_pages_are_in_urdu(portal):
    client = _sign_in(portal, "pse")
    out = client.post("logout", data={"_csrf": csrf_of(client.get("").text)})
    _is_urdu(out.text)
    assert "آپ سائن آؤٹ ہو گئے ہیں" in out.text
    denied = client.get("")
    assert denied.status_code == 403
    _is_urdu(denied.text)
    missing = client.get("no-such-page")
    assert missing.status_code == 404 and "ایسا کوئی صفحہ موجود نہیں" in missing.text
