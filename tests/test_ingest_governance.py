"""Ingestion of the governance returns (issue 17): bad input named by row and column, versions,
and the rows the statement of compliance reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from ingest_helpers import build_reference, ingest, messages, write

from kpilib.ingest.schemas import RETURN_SPECS
from kpilib.ingest.templates import template_frame
from kpilib.kpis.governance import load_governance
from kpilib.kpis.governance_rules import load_rulebook

RULEBOOK = Path(__file__).resolve().parents[1] / "parameters" / "governance"
SPEC = RETURN_SPECS["pse_governance"]
HEADER = ",".join(SPEC.column_names)


def governance_row(**changes: str) -> str:
    example = template_frame(SPEC).iloc[0].to_dict()
    example |= {"entity_code": "UNI-001", "period": "2024-25", "agm_date": None} | changes
    return ",".join("" if v is None else str(v) for v in example.values())


def governance_file(folder: Path, name: str = "gov.csv", **changes: str) -> Path:
    return write(folder, name, f"{HEADER}\n{governance_row(**changes)}\n")


def problems(outcome) -> list[tuple]:
    return [(i.code, i.where.row, i.where.column) for i in outcome.issues if i.severity == "error"]


def test_a_governance_return_loads_and_a_change_is_a_new_version(database_url, tmp_path):
    engine = build_reference(database_url)
    first = ingest(engine, governance_file(tmp_path))
    assert first.status == "loaded" and first.version == 1, messages(first)
    assert ingest(engine, governance_file(tmp_path)).status == "unchanged"
    changed = ingest(engine, governance_file(tmp_path, "gov2.csv", ceo_status="acting",
                                             ceo_since="2025-05-01"))  # fmt: skip
    assert changed.status == "loaded" and changed.version == 2
    assert changed.supersedes_id == first.submission_id
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM pse_governance")).scalar()
        view = load_governance(connection, "2024-25", load_rulebook(RULEBOOK))
    assert count == 1
    ceo = view.statement.set_index("rule_id").loc["CEO-IN-POST"]
    assert ceo["verdict"] == "complied"  # acting 60 days on 30 June 2025
    assert view.scores.loc[0, "entity_code"] == "UNI-001"


def test_inconsistent_board_is_refused_naming_row_and_column(database_url, tmp_path):
    engine = build_reference(database_url)
    outcome = ingest(engine, governance_file(tmp_path, board_size="10", women_members="8"))
    assert outcome.status == "rejected"
    assert ("ingest.inconsistent-values", 2, "board_size") in problems(outcome)
    assert ("ingest.inconsistent-values", 2, "women_members") in problems(outcome)
    assert "add up to 9, not the board's 10 seats" in messages(outcome)
    assert {i.where.file for i in outcome.issues} == {"gov.csv"}


@pytest.mark.parametrize(("changes", "column"), [
    ({"ceo_status": "vacant"}, "ceo_since"),
    ({"cfo_since": ""}, "cfo_since"),
    ({"audit_committee_members": "0"}, "audit_committee_chair_independent"),
    ({"audit_opinion": ""}, "audit_opinion"),
    ({"audited_accounts_year": "", }, "auditor_report_date"),
    ({"auditor_report_date": "2024-05-01"}, "auditor_report_date"),
    ({"audit_opinion": "clean"}, "audit_opinion"),
    ({"as_at": "31/13/2025"}, "as_at"),
    ({"board_meetings": "4.5"}, "board_meetings"),
    ({"board_attendance_pct": "120"}, "board_attendance_pct"),
    ({"chair_independent": "maybe"}, "chair_independent"),
])  # fmt: skip
def test_bad_input_is_refused_with_its_column(sqlite_url, tmp_path, changes, column):
    engine = build_reference(sqlite_url)
    outcome = ingest(engine, governance_file(tmp_path, **changes))
    assert outcome.status == "rejected"
    assert any(c == column and r == 2 for _, r, c in problems(outcome)), messages(outcome)


def test_a_quarter_is_not_a_governance_period(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    outcome = ingest(engine, governance_file(tmp_path, period="2024-25Q1"))
    assert ("ingest.bad-period", 2, "period") in problems(outcome)


def test_dates_day_first_are_read(sqlite_url, tmp_path):
    engine = build_reference(sqlite_url)
    outcome = ingest(engine, governance_file(tmp_path, as_at="30/06/2025"), dry_run=True)
    assert outcome.status == "valid", messages(outcome)
    assert outcome.preview[0]["as_at"].isoformat() == "2025-06-30"


def test_notes_load_and_unknown_rules_are_refused(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_PARAMETERS_DIR", str(RULEBOOK.parent))
    engine = build_reference(sqlite_url)
    header = ",".join(RETURN_SPECS["pse_governance_notes"].column_names)
    bad = write(tmp_path, "notes.csv", f"{header}\nUNI-001,2024-25,AGM-X,why,what\n")
    outcome = ingest(engine, bad)
    assert ("ingest.unknown-code", 2, "rule_id") in problems(outcome)
    good = write(
        tmp_path,
        "notes2.csv",
        f"{header}\nUNI-001,2024-25,BOARD-VACANCIES,seats await nominations,summary\n",
    )
    assert ingest(engine, good).status == "loaded"
    ingest(engine, governance_file(tmp_path, vacancies="1", non_executive_members="2"))
    with engine.connect() as connection:
        view = load_governance(connection, 2024, load_rulebook(RULEBOOK))
    row = view.statement.set_index("rule_id").loc["BOARD-VACANCIES"]
    assert (row["verdict"], row["reason"]) == ("not complied", "seats await nominations")


def test_submissions_take_the_new_return_types_only(database_url):
    engine = build_reference(database_url)
    insert = (
        "INSERT INTO submissions (return_type, entity_id, period_id, received_at, status, "
        "version, content_hash, row_count, submitted_by) VALUES (:t, 1, 1, "
        "CURRENT_TIMESTAMP, 'accepted', 1, 'x', 1, 'test')"
    )
    with engine.begin() as connection:
        connection.execute(sa.text(insert), {"t": "pse_governance_notes"})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text(insert), {"t": "bogus"})


def test_an_xlsx_with_excel_dates_loads(sqlite_url, tmp_path):
    from datetime import date, datetime

    from openpyxl import Workbook

    engine = build_reference(sqlite_url)
    example = template_frame(SPEC).iloc[0].to_dict() | {
        "entity_code": "UNI-001",
        "period": "2024-25",
        "agm_date": None,
    }
    example |= {"as_at": datetime(2025, 6, 30), "ceo_since": date(2023, 2, 1)}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "pse_governance"
    sheet.append(list(example))
    sheet.append(list(example.values()))
    workbook.save(tmp_path / "gov.xlsx")
    outcome = ingest(engine, tmp_path / "gov.xlsx")
    assert outcome.status == "loaded", messages(outcome)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT as_at, ceo_since FROM pse_governance")).one()
    assert [str(v)[:10] for v in row] == ["2025-06-30", "2023-02-01"]


def test_migration_0006_up_and_down_keeps_the_returns(database_url, tmp_path):
    from ingest_helpers import financial_file

    from kpilib.store import migrate

    engine = build_reference(database_url)
    assert ingest(engine, financial_file(tmp_path)).status == "loaded"
    assert ingest(engine, governance_file(tmp_path)).status == "loaded"
    migrate.downgrade(engine, "0005")  # the governance submission stays, its table goes
    assert "pse_governance" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine)
    with engine.connect() as connection:
        types = connection.execute(sa.text("SELECT return_type FROM submissions")).scalars()
        assert sorted(types) == ["pse_financial", "pse_governance"]
    assert (
        ingest(
            engine, governance_file(tmp_path, "again.csv", vacancies="1", non_executive_members="2")
        ).status
        == "loaded"
    )
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
