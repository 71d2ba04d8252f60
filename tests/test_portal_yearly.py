"""The yearly returns (governance, its notes, support) on the PSE officer's page: listed as due
120 days after the fiscal year, offered with fiscal years (never quarters), checked and loaded
through the inbox and its worker as ``kpi ingest`` loads them, a governance return sent again
becoming a new version."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from ingest_helpers import build_reference
from portal_helpers import error_codes, financial_csv, governance_csv, send

from kpilib.fiscal import FiscalYear, Period, pakistan_today
from kpilib.portal.access import check_token, grant
from kpilib.portal.due import returns_due
from kpilib.portal.officer import check_upload, officer_home, template_file
from kpilib.portal.workbench import open_return

TODAY = pakistan_today()
UNDER_WAY = Period(FiscalYear.containing(TODAY)).code


@pytest.fixture
def reference(database_url):
    """The reference province (FY 2023-24 and 2024-25), UNI-001's officer and HED's reviewer."""
    engine = build_reference(database_url)
    with engine.begin() as connection:
        _, officer = grant(connection, "UNI-001", "Officer")
        _, reviewer = grant(connection, "HED", "Reviewer", kind="reviewer")
    with engine.connect() as connection:
        accesses = (check_token(connection, officer, "pse"),
                    check_token(connection, reviewer, "reviewer"))  # fmt: skip
    yield engine, *accesses
    engine.dispose()


def test_the_officer_is_offered_the_yearly_returns_with_fiscal_years(reference):
    engine, officer, _ = reference
    with engine.connect() as connection:
        home = officer_home(connection, officer, TODAY)
        due = returns_due(connection, "UNI-001", TODAY)
    kinds = [s.return_type for s in home.schedules]
    assert kinds == ["pse_financial", "pse_kpi", "pse_governance", "pse_governance_notes",
                     "pse_support"]  # fmt: skip
    assert home.years == [UNDER_WAY, "2024-25", "2023-24"] and home.year_under_way == UNDER_WAY
    links = {(t.return_type, t.note): t.period for t in home.templates}
    # Both ended years are owed (nothing sent): the oldest first; notes go with governance.
    assert links[("pse_governance", "owed")] == "2023-24"
    assert links[("pse_governance_notes", "owed")] == "2023-24"
    assert links[("pse_support", "owed")] == "2023-24"
    assert links[("pse_governance", "on change")] == UNDER_WAY
    yearly = due[due["return_type"] == "pse_governance"].set_index("period_code")
    assert yearly.loc["2024-25", "due_date"] == date(2025, 10, 28)  # 30 June + 120 days
    assert yearly.loc["2024-25", "status"] == "missing"
    assert yearly.loc["2024-25", "title"] == "Yearly governance return"
    assert UNDER_WAY not in set(due["period_code"])  # nothing due for the year under way
    assert "pse_governance_notes" not in set(due["return_type"])  # never due on its own


def test_a_period_of_the_wrong_kind_is_refused_in_the_officers_words(reference):
    engine, officer, _ = reference
    with engine.connect() as connection:
        quarter = check_upload(connection, officer, TODAY, "pse_governance", "2024-25Q4",
                               "g.csv", 10)  # fmt: skip
        year = check_upload(connection, officer, TODAY, "pse_financial", "2024-25", "f.csv", 10)
        old = check_upload(connection, officer, TODAY, "pse_support", "2019-20", "s.csv", 10)
        good = check_upload(connection, officer, TODAY, "pse_governance", "2024-25", "g.csv", 10)
        change = check_upload(connection, officer, TODAY, "pse_governance", UNDER_WAY, "g.xlsx", 1)
    assert quarter == [f"The yearly governance return covers a whole fiscal year, not a quarter: "
                       f"choose a fiscal year (e.g. {UNDER_WAY})."]  # fmt: skip
    assert year[0].startswith("The quarterly financial return covers a quarter, not a fiscal")
    assert old == ["Choose one of the fiscal years listed."]
    assert good == [] and change == []


def test_the_governance_template_names_the_pse_and_the_year(reference):
    _, officer, _ = reference
    sheet = openpyxl.load_workbook(
        io.BytesIO(template_file(officer, "pse_governance", "2024-25", "xlsx"))
    ).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert row["entity_code"] == "UNI-001" and row["period"] == "2024-25"
    assert row["board_size"] is None  # to fill in


def test_a_governance_return_with_a_bad_row_is_refused_with_row_and_column(reference):
    engine, officer, _ = reference
    receipt = send(engine, officer, "gov.csv", governance_csv(board_size="10", women_members="8"),
                   "pse_governance", "2024-25", confirm=False)  # fmt: skip
    assert receipt.state == "rejected"
    assert "ingest.inconsistent-values" in error_codes(receipt)
    where = {(p["file"], p["row"], p["column"]) for p in receipt.outcome["problems"]}
    assert ("gov.csv", 2, "board_size") in where and ("gov.csv", 2, "women_members") in where
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM pse_governance")).scalar() == 0


def test_a_governance_return_is_checked_loaded_and_a_resent_one_is_a_new_version(reference):
    engine, officer, reviewer = reference
    checked = send(engine, officer, "gov.csv", governance_csv(), "pse_governance", "2024-25",
                   confirm=False)  # fmt: skip
    assert checked.state == "checked", checked.outcome
    preview = checked.outcome["preview"]
    table = dict(zip(preview["columns"], preview["rows"][0], strict=True))
    assert preview["flagged"] == 0 and "entity_code" not in table
    assert table["board_size"] == "9" and table["chair_independent"] in ("yes", "no")
    assert table["audited_accounts_year"] == "2023-24"  # stored as its start year
    first = send(engine, officer, "gov.csv", governance_csv(), "pse_governance", "2024-25")
    assert first.state == "accepted" and first.outcome["version"] == 1
    again = send(engine, officer, "gov2.csv",
                 governance_csv(ceo_status="acting", ceo_since="2025-05-01"),
                 "pse_governance", "2024-25")  # fmt: skip
    assert again.state == "accepted" and again.outcome["version"] == 2
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT g.ceo_status, s.version FROM pse_governance g JOIN submissions s "
            "ON s.id = g.submission_id")).all()  # fmt: skip
        due = returns_due(connection, "UNI-001", TODAY)
        view = open_return(connection, reviewer, again.submission_id)
    assert [tuple(r) for r in rows] == [("acting", 2)]
    mine = due[(due["return_type"] == "pse_governance") & (due["period_code"] == "2024-25")]
    assert mine["status"].tolist() == ["late"] and mine["version"].tolist() == [2]
    # The reviewer opens it as its rows (no quarter to compare with).
    assert view is not None and view.period_code == "2024-25"
    reviewed = dict(zip(view.preview["columns"], view.preview["rows"][0], strict=True))
    assert reviewed["ceo_status"] == "acting" and reviewed["ceo_since"] == "2025-05-01"
    assert reviewed["audited_accounts_year"] == "2023-24"


def test_a_quarterly_return_still_loads_beside_the_yearly_ones(reference, tmp_path):
    engine, officer, _ = reference
    receipt = send(engine, officer, "q.csv", financial_csv(tmp_path, "UNI-001", "2024-25Q4"),
                   "pse_financial", "2024-25Q4")  # fmt: skip
    assert receipt.state == "accepted"
