"""Ingestion's problems in the officer's language (issue 18): stored and logged in English,
shown in Urdu on the portal's receipt with the file, row and column kept."""

from __future__ import annotations

from i18n_helpers import english_left
from ingest_helpers import (
    FINANCIAL_HEADER,
    FINANCIAL_VALUES,
    build_reference,
    ingest,
    messages,
    write,
)

from kpilib.i18n import use_language
from kpilib.ingest.schemas import RETURN_SPECS
from kpilib.ingest.templates import template_frame
from kpilib.portal.web.tables import problems_frame
from kpilib.portal.worker import _problem
from kpilib.problems import Reason, said, shown_message, shown_record_message

GOVERNANCE = RETURN_SPECS["pse_governance"]
#: What a receipt may show in Latin letters besides Urdu: the file's codes and column names.
DATA = ["UNI-001", "XYZ-999", "entity_code", "period", "revenue", "cash", "total_assets",
        "board_size", "women_members", "ceo_since", "as_at", "audit_opinion", "clean",
        "unqualified", "qualified", "adverse", "disclaimer", "not_audited", "abc",
        "pse_financial", "pse_governance"]  # fmt: skip


def _bad_financial(tmp_path):
    values = FINANCIAL_VALUES.split(",")
    values[0] = "abc"  # revenue: not a number
    rows = [
        f"UNI-001,2024-25Q1,{','.join(values)}",
        f"XYZ-999,2024-25Q5,{FINANCIAL_VALUES}",  # another PSE, an impossible quarter
    ]
    header = FINANCIAL_HEADER.replace(",cash,", ",")  # a required column missing
    return write(tmp_path, "fin.csv", f"{header}\n" + "\n".join(rows) + "\n")


def _governance_file(tmp_path, **changes):
    example = template_frame(GOVERNANCE).iloc[0].to_dict()
    example |= {"entity_code": "UNI-001", "period": "2024-25", "agm_date": None} | changes
    row = ",".join("" if v is None else str(v) for v in example.values())
    return write(tmp_path, "gov.csv", f"{','.join(GOVERNANCE.column_names)}\n{row}\n{row}\n")


def _receipt(outcome):
    """The problems as the portal stores them (worker) and shows them (receipt table)."""
    return [_problem(p) for p in outcome.issues]


def test_a_bad_financial_return_reads_in_urdu_with_file_row_and_column(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    outcome = ingest(
        engine, _bad_financial(tmp_path), entity="UNI-001", return_type="pse_financial"
    )  # the portal says which return it is
    english = messages(outcome)
    assert "missing required column(s) for a pse_financial return: cash" in english
    records = _receipt(outcome)
    with use_language("ur"):
        frame = problems_frame(records)
    reasons = list(frame["reason"])
    assert any("لازمی کالم موجود نہیں" in r and "cash" in r for r in reasons), reasons
    for reason in reasons:
        assert english_left(reason, DATA) == [], reason
    assert [p["file"] for p in records] == ["fin.csv"] * len(records)
    # the position is kept as it was: the header row of the missing column
    missing = next(p for p in records if p["code"] == "ingest.missing-column")
    assert missing["row"] == 1
    # in English the receipt shows exactly the stored English messages
    assert set(problems_frame(records)["reason"]) == {p.message for p in outcome.issues}


def test_bad_cells_and_rows_read_in_urdu(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    values = FINANCIAL_VALUES.split(",")
    values[0], values[6] = "abc", "12.5"  # revenue not a number, cash not whole rupees
    path = write(tmp_path, "fin.csv", f"{FINANCIAL_HEADER}\n"
                 f"UNI-001,2024-25Q5,{','.join(values)}\n"
                 f"XYZ-999,2024-25Q1,{FINANCIAL_VALUES}\n")  # fmt: skip
    outcome = ingest(engine, path)
    found = {(p.where.row, p.where.column): p for p in outcome.issues}
    with use_language("ur"):
        shown = {key: shown_message(p) for key, p in found.items()}
    assert shown[(2, "revenue")] == "روپوں میں رقم نہیں ہے (صرف ہندسے لکھیں، مثلاً 1250000)"
    assert shown[(2, "cash")].startswith("پورے روپے نہیں ہیں")
    assert shown[(2, "period")].startswith("مدت کا کوڈ نہیں ہے")
    assert found[(2, "period")].message == "quarter number 5 is outside 1–4"  # English: as before
    for key, text in shown.items():
        assert english_left(text, DATA) == [], (key, text)
    assert shown_message(found[(2, "revenue")]) == found[(2, "revenue")].message  # English


def test_a_bad_governance_return_reads_in_urdu(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    path = _governance_file(tmp_path, board_size="10", women_members="8", period="2024-25Q1")
    outcome = ingest(engine, path)
    codes = {p.code for p in outcome.errors}
    assert {"ingest.inconsistent-values", "ingest.bad-period", "ingest.duplicate-row"} & codes
    records = _receipt(outcome)
    with use_language("ur"):
        shown = {(p["code"], p["row"], p["column"]): shown_record_message(p) for p in records}
    for key, text in shown.items():
        assert english_left(text, DATA) == [], (key, text)
    women = shown[("ingest.inconsistent-values", 2, "women_members")]
    assert women == "خواتین (\u20668\u2069) موجودہ اراکین (\u2066{}\u2069) سے زیادہ ہیں".format(
        women.split("\u2066")[2].split("\u2069")[0]
    )
    english = {(p.code, p.where.row, p.where.column): p.message for p in outcome.issues}
    assert english[("ingest.inconsistent-values", 2, "women_members")].startswith("more women (8)")


def test_a_reason_keeps_english_and_survives_a_receipt():
    reason = said("repeats row {row} ({key}): each key may appear once", row=3, key="period=Q1")
    assert reason.english() == "repeats row 3 (period=Q1): each key may appear once"
    assert Reason.from_record(reason.to_record()) == reason
    with use_language("ur"):
        assert reason.shown() == (
            "سطر \u20663\u2069 (\u2066period=Q1\u2069) کو دہراتی ہے: ہر کلید صرف ایک بار آ سکتی ہے"
        )
        # a receipt stored before reasons were kept shows its English message, translated
        assert shown_record_message({"message": "is not a number"}) == "عدد نہیں ہے"
        assert shown_record_message({"message": "something new"}) == "something new"
