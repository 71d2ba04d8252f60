"""The last English messages of the Urdu portal (issue 18): a file that cannot be read, why a
reviewer's decision or a follow-up change was refused, why a bulk approval left a return, the
yearly returns' preview columns, the reviewer's department, the data-quality findings and the
red flags' departments. Each is shown in Urdu (its values kept left to right) and is unchanged
in English."""

from __future__ import annotations

import re

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from i18n_helpers import english_left
from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES, build_reference, ingest
from portal_helpers import (
    assert_urdu_page,
    csrf_of,
    served_with_an_action,
    sign_in,
    wait_for_page,
)

from kpilib.errors import shown_error
from kpilib.i18n import use_language
from kpilib.ingest.schemas import RETURN_SPECS
from kpilib.ingest.templates import template_frame
from kpilib.kpis.actions import ActionError
from kpilib.kpis.quality import LINE_OUTLIER, check_balance_sheets
from kpilib.portal.preview import rows_preview
from kpilib.portal.review import ReviewError
from kpilib.portal.web.tables import problems_frame, rows_table, warnings_table
from kpilib.portal.worker import _problem
from kpilib.present.findings import finding_words, rule_words
from kpilib.problems import read_reason, said

#: Codes and names of the reference province, the files' own words and a return's sender as
#: stored (data, not UI text).
DATA = ["pse of UNI-001", "reviewer of HED", "Demo University", "Higher Education", "kpi-suite",
        "q1.csv", "q2.csv", "bad.csv", "UNI-001", "cp1252",
        "portal:UNI-001:pse of UNI-001"]  # fmt: skip
ROW = f"UNI-001,2024-25Q1,{FINANCIAL_VALUES}"
HED_URDU = "محکمہ اعلیٰ تعلیم"


def _shown(outcome) -> list[str]:
    """A file's problems as the receipt shows them (stored as the worker stores them)."""
    return list(problems_frame([_problem(p) for p in outcome.issues])["reason"])


# ------------------------------------------------------------------ reading errors (item 1)

FILES = [  # name, content, the English message (unchanged), a piece of its Urdu
    ("empty.csv", b"", "the file is empty (0 bytes)", "فائل خالی ہے"),
    ("nul.csv", f"{FINANCIAL_HEADER}\n{ROW}\x00\n".encode(),
     "the file contains NUL bytes: it is not a CSV text file nor an XLSX workbook",
     "فائل میں خالی (NUL) بائٹ ہیں"),
    ("old.xls", b"\xd0\xcf\x11\xe0rest", "the file is an old binary .xls workbook",
     "فائل پرانی طرز کی XLS ورک بک ہے"),
    ("utf16.csv", "a,b\n".encode("utf-16"), "the file is UTF-16 text: save it as CSV UTF-8",
     "فائل UTF-16 متن ہے"),
    ("cut.xlsx", b"PK\x03\x04" + bytes(200), "the file is not a readable XLSX workbook (",
     "فائل قابلِ مطالعہ XLSX ورک بک نہیں"),
    ("blank.csv", b"\n\n,,\n", "the file has no header row and no data (it is blank)",
     "فائل میں نہ عنوانی سطر ہے نہ ڈیٹا"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "english", "urdu"), FILES)
def test_a_file_that_cannot_be_read_is_said_in_urdu(sqlite_url, tmp_path, name, content, english,
                                                    urdu):  # fmt: skip
    engine = build_reference(sqlite_url)
    path = tmp_path / name
    path.write_bytes(content)
    outcome = ingest(engine, path, return_type="pse_financial")
    assert outcome.errors[0].message.startswith(english)
    assert _shown(outcome)[0].startswith(english)  # English: as stored
    with use_language("ur"):
        shown = _shown(outcome)
    assert urdu in shown[0], shown
    assert english_left(shown[0], DATA) == [], shown[0]


def test_a_file_too_large_and_a_guessed_encoding_are_said_in_urdu(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    big = tmp_path / "big.csv"
    big.write_bytes(f"{FINANCIAL_HEADER}\n{ROW}\n".encode() * 400)
    outcome = ingest(engine, big, return_type="pse_financial", max_mb=0.01)
    english = outcome.errors[0].message
    assert re.fullmatch(r"the file is \d+ kB; files over 10 kB are not accepted \(split it into "
                        r"smaller files\)", english), english  # fmt: skip
    with use_language("ur"):
        shown = _shown(outcome)[0]
    assert shown.startswith("فائل کا حجم \u2066")
    assert "\u206610\u2069 کلو بائٹ سے بڑی فائلیں" in shown
    assert english_left(shown, DATA) == []  # the unit in Urdu too
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{FINANCIAL_HEADER}\n{ROW}\n".replace("UNI-001", "UNI-001").encode()
                      + "UNI-001,2024-25Q2,É\n".encode("cp1252"))  # fmt: skip
    outcome = ingest(engine, latin, return_type="pse_financial", dry_run=True)
    note = next(p for p in outcome.issues if p.code == "ingest.file-note")
    assert note.message.startswith("the file is not UTF-8; it was read as Windows-1252")
    with use_language("ur"):
        shown = [m for m in _shown(outcome) if "ونڈوز-1252" in m]
    assert shown and english_left(shown[0], DATA) == []


def test_a_limit_of_the_return_names_the_return_in_urdu(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    wide = tmp_path / "wide.csv"
    wide.write_bytes(f"{FINANCIAL_HEADER}\n{ROW}{',1' * 80}\n".encode())
    outcome = ingest(engine, wide, return_type="pse_financial")
    english = outcome.errors[0].message
    assert english == ("the file has a value in column 98 of row 2: a PSE quarterly financial "
                       "return has at most 64 columns"), english  # fmt: skip
    with use_language("ur"):
        shown = _shown(outcome)[0]
    assert "سہ ماہی مالیاتی گوشوارہ" in shown and "\u206664\u2069 کالم" in shown, shown
    assert english_left(shown, DATA) == []


def test_a_correction_of_an_approved_return_is_refused_in_urdu(sqlite_url, tmp_path):
    from ingest_helpers import financial_file

    from kpilib.portal.access import check_token, grant
    from kpilib.portal.review import decide

    engine = build_reference(sqlite_url)
    first = ingest(engine, financial_file(tmp_path, "q1.csv"))
    with engine.begin() as connection:
        _, token = grant(connection, "HED", "reviewer of HED", kind="reviewer")
        decide(connection, check_token(connection, token, "reviewer"), first.submission_id,
               "approved")  # fmt: skip
    corrected = FINANCIAL_VALUES.replace("100000000,", "100000001,", 1)
    path = financial_file(tmp_path, "fix.csv", values=corrected)
    english = ingest(engine, path).errors[0].message
    assert english.startswith(f"this return (no. {first.submission_id}) was approved by the "
                              "Higher Education Department on ")  # fmt: skip
    assert re.search(r" on \d{1,2} [A-Z][a-z]+ \d{4}: ask your reviewer", english)
    with use_language("ur"):
        shown = _shown(ingest(engine, path))[0]
        warned = _shown(ingest(engine, path, dry_run=True))[0]
    assert "\u2066Higher Education Department\u2069 نے" in shown, shown
    assert warned.startswith("لوڈ کرنا رد کر دیا جائے گا: یہ گوشوارہ")
    assert english_left(shown, [*DATA, "Higher Education Department"]) == []
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE departments SET name_ur = :n WHERE code = 'HED'"),
                           {"n": HED_URDU})  # fmt: skip
    with use_language("ur"):
        shown = _shown(ingest(engine, path))[0]
    assert f"{HED_URDU} نے" in shown and english_left(shown, DATA) == [], shown
    assert ingest(engine, path).errors[0].message == english  # English: as before


# ------------------------------------------------- reviewer and follow-up reasons (item 2, 3)


def test_review_and_action_errors_keep_their_english_and_read_in_urdu():
    error = ReviewError(said("return {number} is {state}, not approved: only an approved return "
                             "is reopened", number=12, state="awaiting review",
                             terms=["state"]))  # fmt: skip
    assert str(error) == ("return 12 is awaiting review, not approved: only an approved return "
                          "is reopened")  # fmt: skip
    assert shown_error(error) == str(error)
    with use_language("ur"):
        urdu = shown_error(error)
    assert urdu == ("گوشوارہ \u206612\u2069 کی حالت: جائزے کا منتظر، منظور شدہ نہیں: صرف منظور "
                    "شدہ گوشوارہ دوبارہ کھولا جاتا ہے"), urdu  # fmt: skip
    action = ActionError("say why the action is escalated")
    with use_language("ur"):
        assert shown_error(action) == "بتائیں کہ کارروائی اعلیٰ سطح پر کیوں بھیجی جا رہی ہے"
        assert shown_error(ValueError("something new")) == "something new"


# ---------------------------------------------------------- the yearly preview (item 4)


def test_the_yearly_returns_preview_names_its_columns_in_urdu():
    spec = RETURN_SPECS["pse_governance"]
    row = template_frame(spec).iloc[0].to_dict() | {"chair_independent": True}
    preview = rows_preview("pse_governance", [row, row])
    english = rows_table(preview)
    assert "Board size" in english and "Chair separate from CEO" in english
    assert ">yes<" in english or "yes" in english
    with use_language("ur"):
        urdu = rows_table(preview)
        single = rows_table(rows_preview("pse_governance", [row]))
    assert "بورڈ کے کل اراکین" in urdu and "چیئرمین اور چیف ایگزیکٹو الگ الگ" in urdu
    assert "ہاں" in urdu
    values = [str(v) for v in row.values() if isinstance(v, str)]  # the officer's own words
    for html in (urdu, single):
        assert english_left(html, DATA + values) == []
    support = rows_preview("pse_support", [template_frame(RETURN_SPECS["pse_support"]).iloc[0]
                                           .to_dict()])  # fmt: skip
    with use_language("ur"):
        assert "استعمال کی رپورٹ کی تاریخ" in rows_table(support)


# ---------------------------------------------------------- data-quality findings (item 6)


def test_a_finding_reads_in_urdu_with_its_figures_and_codes_kept():
    statements = pd.DataFrame([{
        "entity_code": "UNI-001", "period_code": "2024-25Q1", "fiscal_year": 2024, "quarter": 1,
        "total_assets": 5_000_000_000, "total_liabilities": 2_000_000_000,
        "equity": 2_500_000_000,
    }])  # fmt: skip
    findings = check_balance_sheets(statements)
    english = findings["message"].iloc[0]
    assert english == ("UNI-001 2024-25Q1: assets Rs 5,000.0 m differ from liabilities + equity "
                       "by Rs 500.0 m (more than 0.10% of assets)")  # fmt: skip
    assert finding_words(english) == english and rule_words("outlier") == "outlier"
    with use_language("ur"):
        urdu = finding_words(english)
        flag = finding_words(english.removeprefix("UNI-001 "))  # as a red flag keeps it
        html = warnings_table(findings[["severity", "rule", "item", "message"]])
    assert urdu == (
        "\u2066UNI-001 2024-25Q1\u2069: اثاثے \u2066Rs 5,000.0 m\u2069 واجبات + ایکویٹی "
        "سے \u2066Rs 500.0 m\u2069 مختلف ہیں (اثاثوں کے \u20660.10%\u2069 سے زیادہ)"
    )
    assert flag.startswith("\u20662024-25Q1\u2069: اثاثے")
    assert "بیلنس شیٹ متوازن ہے" in html and "کل اثاثے" in html
    assert english_left(html, DATA) == []
    line = "UNI-001 2024-25Q3: " + LINE_OUTLIER.format(
        line="operating_expenses", value="Rs 9.0 m", median="Rs 1.0 m", score="7.5"
    )
    with use_language("ur"):
        assert english_left(finding_words(line), DATA) == []
        assert "عملی اخراجات" in finding_words(line) or "اخراجات" in finding_words(line)
    assert read_reason("something else", [LINE_OUTLIER]) is None


# ------------------------------------------------------------------- through the portal


@pytest.fixture
def portal(sqlite_url):
    """The reference province served, a link for UNI-001 and one for HED's reviewer, and an
    open action of HED (a flag on UNI-001)."""
    with served_with_an_action(sqlite_url) as served:
        yield served


def _sign_in(portal, who: str, language: str = "ur") -> httpx.Client:
    return sign_in(portal["served"], portal["links"][who][1], language)


def _is_urdu(html: str, allowed: list[str] = ()) -> None:
    assert_urdu_page(html, [*DATA, *allowed])


def _upload(client: httpx.Client, name: str, content: bytes, period: str = "2024-25Q1",
            confirm: bool = False) -> httpx.Response:  # fmt: skip
    fields = {"_csrf": csrf_of(client.get("").text), "return_type": "pse_financial",
              "period": period, **({"confirm": "yes"} if confirm else {})}  # fmt: skip
    return client.post("upload", data=fields, files={"file": (name, content, "text/csv")})


def test_a_receipt_of_a_file_that_cannot_be_read_is_in_urdu(portal):
    officer = _sign_in(portal, "pse")
    answer = _upload(officer, "bad.csv", f"{FINANCIAL_HEADER}\n{ROW}\x00\n".encode())
    assert answer.status_code == 303
    receipt = wait_for_page(officer, answer.headers["location"], "فائل میں خالی (NUL) بائٹ ہیں")
    _is_urdu(receipt)
    english = _sign_in(portal, "pse", "en").get(answer.headers["location"].rsplit("/", 1)[-1])
    assert "the file contains NUL bytes: it is not a CSV text file nor an XLSX workbook" in (
        english.text)  # fmt: skip


def _send_quarters(portal) -> tuple[int, int]:
    """Q1 and Q2 of UNI-001 sent and loaded, Q2's revenue ten times Q1's (a revenue jump):
    their submission numbers."""
    officer = _sign_in(portal, "pse", "en")
    values = FINANCIAL_VALUES.split(",")
    values[0] = str(int(values[0]) * 10)
    for name, period, row in (("q1.csv", "2024-25Q1", FINANCIAL_VALUES),
                              ("q2.csv", "2024-25Q2", ",".join(values))):  # fmt: skip
        content = f"{FINANCIAL_HEADER}\nUNI-001,{period},{row}\n".encode()
        answer = _upload(officer, name, content, period, confirm=True)
        wait_for_page(officer, answer.headers["location"], "Accepted")
    with portal["engine"].connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM submissions ORDER BY id")).scalars()
        first, second = list(ids)
    return first, second


def test_the_reviewer_reads_refusals_findings_and_department_in_urdu(portal):
    with portal["engine"].begin() as connection:
        connection.execute(sa.text("UPDATE departments SET name_ur = :n WHERE code = 'HED'"),
                           {"n": HED_URDU})  # fmt: skip
    first, second = _send_quarters(portal)
    reviewer = _sign_in(portal, "hed")
    queue = reviewer.get("").text
    _is_urdu(queue)
    assert f"{HED_URDU}، جائزہ کار" in queue and f"اداروں کے گوشوارے: {HED_URDU}" in queue
    page = reviewer.get("return", params={"id": second}).text
    _is_urdu(page)
    assert "آمدنی میں اچانک تبدیلی" in page and "کی آمدنی" in page  # the revenue jump, in Urdu
    token = csrf_of(page)
    refused = reviewer.post("decide", data={"_csrf": token, "id": first, "action": "return",
                                            "comment": "", "confirmed": "yes"})  # fmt: skip
    assert refused.status_code == 409
    _is_urdu(refused.text)
    assert "بتائیں کہ کیا درست کرنا ہے" in refused.text
    closed = reviewer.post("action-decide", data={"_csrf": token, "id": portal["action"],
                                                  "decision": "close", "note": "",
                                                  "confirmed": "yes"})  # fmt: skip
    assert closed.status_code == 409
    _is_urdu(closed.text)
    assert "کی حالت: جواب کا انتظار؛ اسے ابھی بند نہیں کیا جا سکتا" in closed.text
    bulk = reviewer.post("bulk-approve", data={"_csrf": token, "select": [first, second, 999],
                                               "confirmed": "yes"})  # fmt: skip
    _is_urdu(bulk.text)
    assert "اس میں ڈیٹا کے معیار کے انتباہات ہیں" in bulk.text
    assert "اب جائزے کا منتظر نہیں" in bulk.text
    english = _sign_in(portal, "hed", "en")
    home = english.get("").text
    assert "Higher Education Department, reviewer" in home and HED_URDU not in home
    again = english.post("decide", data={"_csrf": csrf_of(home), "id": first, "action": "return",
                                         "comment": "", "confirmed": "yes"})  # fmt: skip
    assert ("Nothing was recorded: say what must be corrected: a return for correction needs a "
            "comment.") in again.text  # fmt: skip
    english_page = english.get("return", params={"id": second}).text
    assert "revenue_jump" in english_page and "× the 2024-25Q1 revenue of" in english_page


# ------------------------------------------------------ the red flags' departments (item 7)


def test_the_red_flags_tables_name_departments_in_urdu(demo_sqlite_url):
    from kpilib.report import content
    from kpilib.store.database import connect
    from kpilib.views import clear_view_cache, load_province_view, select_department

    clear_view_cache()
    view = load_province_view(connect(demo_sqlite_url, read_only=True), "2024-25")
    urdu_names = view.departments.set_index("department_code")["department_name_ur"].dropna()
    flags = view.exceptions[view.exceptions["department_code"].isin(urdu_names.index)]
    assert not flags.empty
    code = str(flags["department_code"].iloc[0])
    english = content.exceptions_table(view.exceptions, link=True, view=view).frame
    assert set(english["department"]) == set(view.exceptions["department_name"])
    department = select_department(view, code)
    with use_language("ur"):
        province = content.exceptions_table(view.exceptions, link=True, view=view).frame
        own = content.exceptions_table(department.exceptions, view=view).frame
    shown = dict(zip(province["department_code"], province["department"], strict=False))
    assert shown[code] == urdu_names[code]
    owners = set(own.loc[own["entity"].fillna("").eq(""), "owner"])
    assert owners <= {urdu_names[code]}, owners  # never "محکمہ محکمہ …"
    data = province[province["area"].eq("data")]
    for message in data["message"]:
        assert english_left(message, list(view.exceptions["department_code"])) == [], message
