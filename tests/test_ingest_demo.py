"""The demo province passes the same validation as real returns: its data, exported as return
files, validate on the demo database with no errors (its planted flaws are only warnings), and
every template's example row is a valid return."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpilib.ingest import RETURN_SPECS, IngestOptions, ingest_file
from kpilib.ingest.extract import load_return_frame
from kpilib.ingest.report import describe_issue
from kpilib.ingest.templates import write_template
from kpilib.present.export import write_csv, write_xlsx
from kpilib.store.database import connect


def _flawed_budget_key(connection):
    """A department and year holding a line whose expenditure exceeds its releases."""
    return connection.execute(sa.text(
        "SELECT d.code, b.fiscal_year FROM budget_lines b JOIN departments d "
        "ON d.id = b.department_id GROUP BY d.code, b.fiscal_year, b.cost_centre_id, "
        "b.budget_type, b.economic_class_id HAVING SUM(b.expended) > SUM(b.released) "
        "ORDER BY b.fiscal_year, d.code LIMIT 1"
    )).one()  # fmt: skip


def _jumped_statement(connection):
    """A PSE quarter whose revenue is ~8× the previous quarter's (a planted flaw)."""
    return connection.execute(sa.text(
        "SELECT e.code, p.code FROM pse_financials f JOIN pse_financials g "
        "ON g.entity_id = f.entity_id AND g.period_id = f.period_id - 1 "
        "JOIN entities e ON e.id = f.entity_id JOIN periods p ON p.id = f.period_id "
        "WHERE p.kind = 'quarter' AND g.revenue > 1000000 AND f.revenue > 5 * g.revenue "
        "ORDER BY e.code LIMIT 1"
    )).one()  # fmt: skip


def test_demo_data_pass_the_ingestion_checks(demo_sqlite_url, tmp_path):
    engine = connect(demo_sqlite_url, read_only=True)
    with engine.connect() as connection:
        department, year = _flawed_budget_key(connection)
        label = f"{year}-{(year + 1) % 100:02d}"
        entity, quarter = _jumped_statement(connection)
        samples = [
            ("budget_extract", department, label),
            ("budget_extract", "ESE", "2025-26"),  # the current year, partly reported
            ("revenue", "FIN", "2024-25"),
            ("indicator_targets", "HLT", "2023-24"),
            ("pse_financial", entity, quarter),
            ("pse_financial", "UNI-001", "2024-25Q1"),
            ("pse_kpi", "MTI-001", "2024-25Q2"),
        ]
        frames = [(s, load_return_frame(connection, *s)) for s in samples]
    warned = set()
    for index, ((return_type, code, period), frame) in enumerate(frames):
        assert not frame.empty, (return_type, code, period)
        path = tmp_path / f"{index}_{return_type}.{'xlsx' if index % 2 else 'csv'}"
        write_xlsx(frame, path) if index % 2 else write_csv(frame, path)
        outcome = ingest_file(engine, path, IngestOptions(dry_run=True))
        assert outcome.status == "valid", [describe_issue(i) for i in outcome.errors]
        assert outcome.accepted_rows == len(frame)
        warned |= {
            (return_type, w.where.column) for w in outcome.warnings if w.where.row is not None
        }
    assert ("budget_extract", "expended") in warned  # expenditure above releases
    assert ("pse_financial", "revenue") in warned  # the ~8× revenue jump


@pytest.mark.parametrize("return_type", sorted(RETURN_SPECS))
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_template_example_rows_are_valid_returns(demo_sqlite_url, tmp_path, return_type,
                                                 file_format):  # fmt: skip
    path = write_template(return_type, file_format, tmp_path / f"t.{file_format}")
    engine = connect(demo_sqlite_url, read_only=True)
    options = IngestOptions(dry_run=True, entity=None)
    outcome = ingest_file(engine, path, options)
    assert outcome.status == "valid", [describe_issue(i) for i in outcome.errors]
    assert outcome.return_type == return_type and outcome.accepted_rows == 1
