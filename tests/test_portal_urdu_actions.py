"""The last English of the Urdu portal's follow-up pages and yearly returns (issue 18): action
cards name the PSE and the department by their Urdu names and word the red flag (stored in
English) in Urdu; a yearly return's choices (``regular``, ``grant_in_aid``) are shown in Urdu
words, free text as typed; a file size says its unit in Urdu. English is unchanged."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from i18n_helpers import english_left
from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES, build_reference, ingest
from portal_helpers import (
    ServedPortal,
    assert_urdu_page,
    csrf_of,
    governance_csv,
    send,
    sign_in,
)

from kpilib.i18n import use_language
from kpilib.ingest.schemas import RETURN_SPECS
from kpilib.ingest.templates import template_frame
from kpilib.kpis.actions import CANDIDATE_COLUMNS, open_actions_for_flags
from kpilib.portal.access import check_token, grant
from kpilib.portal.preview import rows_preview
from kpilib.portal.web.tables import problems_frame, rows_table
from kpilib.portal.worker import _problem
from kpilib.store.actions import load_actions

HED_URDU = "محکمہ اعلیٰ تعلیم"
UNI_URDU = "ڈیمو یونیورسٹی"
RISK = "very high overall risk (2024-25Q4; Z'' zone distress)"
SPENT = "spent 60 % of the straight-line plan (45 % of the revised budget)"
FLAGS = pd.DataFrame([
    ("pse", "UNI-001", "HED", "UNI-001", "high", "Demo University (UNI-001)", RISK),
    ("budget", "HED/current budget", "HED", None, "medium", "current budget", SPENT),
    ("returns", "HED/returns", "HED", None, "low", "PSE returns",
     "40 % of expected returns received (20 % on time)"),
], columns=CANDIDATE_COLUMNS)  # fmt: skip
#: Names, codes and grantees of the reference province, and the Altman score's name (data).
DATA = ["pse of UNI-001", "reviewer of HED", "Demo University", "Higher Education", "UNI-001",
        "portal:UNI-001:pse of UNI-001", "Z''", "kpi-suite"]  # fmt: skip


@pytest.fixture
def portal(sqlite_url):
    """The reference province with Urdu names for HED and UNI-001, links for UNI-001's officer
    and HED's reviewer, and three actions of HED (one on UNI-001, two of the department)."""
    engine = build_reference(sqlite_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE departments SET name_ur = :n WHERE code = 'HED'"),
                           {"n": HED_URDU})  # fmt: skip
        connection.execute(sa.text("UPDATE entities SET name_ur = :n WHERE code = 'UNI-001'"),
                           {"n": UNI_URDU})  # fmt: skip
        links = {key: grant(connection, code, f"{kind} of {code}", kind=kind)
                 for key, code, kind in (("pse", "UNI-001", "pse"),
                                         ("hed", "HED", "reviewer"))}  # fmt: skip
        open_actions_for_flags(connection, FLAGS, fiscal_year=2024, period_code="FY",
                               opened_on=date(2024, 7, 1))  # fmt: skip
        actions = load_actions(connection)
    ids = dict(zip(actions["kind"], actions["action_id"], strict=True))
    served = ServedPortal(engine, max_bytes=200_000)
    yield {"engine": engine, "served": served, "links": links, "ids": ids}
    served.stop()
    engine.dispose()


def _sign_in(portal, who: str, language: str = "ur") -> httpx.Client:
    return sign_in(portal["served"], portal["links"][who][1], language)


def _is_urdu(html: str, allowed: list[str] = ()) -> None:
    assert_urdu_page(html, [*DATA, *allowed])


def test_the_loader_gives_the_urdu_names_beside_the_english(portal):
    with portal["engine"].connect() as connection:
        actions = load_actions(connection).set_index("kind")
    assert actions.loc["pse", "entity_name"] == "Demo University"
    assert actions.loc["pse", "entity_name_ur"] == UNI_URDU
    assert set(actions["department_name_ur"]) == {HED_URDU}
    assert actions.loc["budget", "entity_name_ur"] is None
    assert actions.loc["budget", "subject"] == "current budget"  # stored in English
    assert actions.loc["pse", "message"] == RISK


def test_the_officer_reads_their_red_flags_in_urdu(portal):
    home = _sign_in(portal, "pse").get("").text
    _is_urdu(home)
    assert f"{UNI_URDU} (\u2066UNI-001\u2069)" in home  # the PSE's Urdu name, its code kept
    assert "بہت زیادہ مجموعی خطرہ (\u20662024-25Q4\u2069؛" in home and "مالی مشکل" in home
    english = _sign_in(portal, "pse", "en").get("").text
    assert "Demo University (UNI-001)" in english and UNI_URDU not in english
    assert "very high overall risk (2024-25Q4; Z&#39;&#39; zone distress)" in english


def test_the_reviewer_reads_actions_owners_and_flags_in_urdu(portal):
    ids = portal["ids"]
    officer = _sign_in(portal, "pse")
    token = csrf_of(officer.get("").text)
    sent = officer.post("action-answer", data={"_csrf": token, "id": ids["pse"],
                                               "answer": "منصوبہ بنا لیا گیا"})  # fmt: skip
    assert sent.status_code == 303
    reviewer = _sign_in(portal, "hed")
    queue = reviewer.get("").text
    _is_urdu(queue)
    assert UNI_URDU in queue and HED_URDU in queue and "جاری بجٹ" in queue
    assert "اداروں کے گوشوارے" in queue  # the returns flag's subject
    own = reviewer.get("action", params={"id": ids["budget"]}).text
    _is_urdu(own)
    assert f"· {HED_URDU}</h2>" in own
    assert "جاری بجٹ: یکساں شرح کے منصوبے کا \u206660\u2069 % خرچ کیا" in own
    answered = reviewer.get("action", params={"id": ids["pse"]}).text
    _is_urdu(answered)
    assert f"{UNI_URDU} (\u2066UNI-001\u2069): بہت زیادہ مجموعی خطرہ" in answered
    confirm = reviewer.post("action-decide", data={"_csrf": csrf_of(answered), "id": ids["pse"],
                                                   "decision": "escalate",
                                                   "note": "مزید تفصیل درکار"})  # fmt: skip
    assert confirm.status_code == 200
    _is_urdu(confirm.text)
    assert f"{UNI_URDU}: {UNI_URDU} (\u2066UNI-001\u2069)۔" in confirm.text
    english = _sign_in(portal, "hed", "en")
    assert "Demo University" in english.get("").text
    page = english.get("action", params={"id": ids["budget"]}).text
    assert f"current budget: {SPENT}" in page and "· Higher Education</h2>" in page
    assert HED_URDU not in page


def test_a_pse_without_an_urdu_name_keeps_its_english_name(portal):
    with portal["engine"].begin() as connection:
        connection.execute(sa.text("UPDATE entities SET name_ur = NULL"))
    home = _sign_in(portal, "pse").get("").text
    _is_urdu(home)
    assert "Demo University (UNI-001)" in home and UNI_URDU not in home


# ------------------------------------------------------------ a yearly return's choices


def _governance_row(**changes: object) -> dict:
    spec = RETURN_SPECS["pse_governance"]
    return template_frame(spec).iloc[0].to_dict() | changes


def test_a_yearly_returns_choices_are_shown_in_urdu_and_free_text_as_typed():
    row = _governance_row(ceo_status="acting", cfo_status="vacant", audit_opinion="qualified",
                          auditor="acting", chair_independent=True)  # fmt: skip
    preview = rows_preview("pse_governance", [row])
    english = rows_table(preview)
    assert ">acting<" in english and ">vacant<" in english and ">qualified<" in english
    with use_language("ur"):
        urdu = rows_table(preview)
        several = rows_table(rows_preview("pse_governance", [row, row]))
    assert urdu.count("قائم مقام") == 1  # the CEO's post; the auditor's name stays as typed
    assert "\u2066acting\u2069" in urdu and "خالی" in urdu and "مشروط" in urdu
    typed = [str(v) for k, v in row.items() if isinstance(v, str) and k != "ceo_status"]
    for html in (urdu, several):
        assert english_left(html, DATA + typed) == [], english_left(html, DATA + typed)
    support = [
        template_frame(RETURN_SPECS["pse_support"]).iloc[0].to_dict() | {"instrument": instrument}
        for instrument in ("grant_in_aid", "guarantee_called")
    ]
    english = rows_table(rows_preview("pse_support", support))
    assert "grant_in_aid" in english and "guarantee_called" in english
    with use_language("ur"):
        urdu = rows_table(rows_preview("pse_support", support))
    assert "امدادی گرانٹ" in urdu and "طلب کی گئی ضمانت" in urdu
    assert "grant_in_aid" not in urdu and english_left(urdu, DATA) == []


def test_the_reviewer_reads_a_governance_returns_choices_in_urdu(portal):
    with portal["engine"].connect() as connection:
        officer = check_token(connection, portal["links"]["pse"][1], "pse")
    receipt = send(portal["engine"], officer, "gov.csv", governance_csv(ceo_status="regular"),
                   "pse_governance", "2024-25")  # fmt: skip
    assert receipt.state == "accepted", receipt.outcome
    typed = [str(v) for v in _governance_row().values() if isinstance(v, str)]
    page = _sign_in(portal, "hed").get("return", params={"id": receipt.submission_id}).text
    _is_urdu(page, ["gov.csv", *typed])
    assert "مستقل" in page
    reviewer = _sign_in(portal, "hed", "en")
    english = reviewer.get("return", params={"id": receipt.submission_id}).text
    assert ">regular<" in english


# ------------------------------------------------------------------------- file sizes


def _shown(outcome) -> list[str]:
    return list(problems_frame([_problem(p) for p in outcome.issues])["reason"])


def test_a_file_size_says_its_unit_in_urdu(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    path = tmp_path / "big.csv"
    path.write_bytes(f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q1,{FINANCIAL_VALUES}\n".encode() * 2)
    size = path.stat().st_size
    assert 500 < size < 1000
    outcome = ingest(engine, path, return_type="pse_financial", max_mb=0.0005)
    english = outcome.errors[0].message
    assert english == (f"the file is {size} bytes; files over 500 bytes are not accepted (split "
                       "it into smaller files)")  # fmt: skip
    assert _shown(outcome)[0] == english
    with use_language("ur"):
        shown = _shown(outcome)[0]
    assert shown.startswith(f"فائل کا حجم \u2066{size}\u2069 بائٹ ہے؛ \u2066500\u2069 بائٹ سے")
    assert english_left(shown) == [], shown
    path.write_bytes(path.read_bytes() * 3)
    kilo = ingest(engine, path, return_type="pse_financial", max_mb=0.001)
    message = kilo.errors[0].message
    assert re.fullmatch(r"the file is \d kB; files over 1 kB are not accepted \(split it into "
                        r"smaller files\)", message), message  # fmt: skip
    with use_language("ur"):
        shown = _shown(kilo)[0]
    assert re.search("\u2066\\d\u2069 کلو بائٹ ہے؛ \u20661\u2069 کلو بائٹ سے", shown), shown
    assert english_left(shown) == []
