"""The batch writes each report's tables as an Excel workbook beside it (``HLT.xlsx``): an index
sheet, then a sheet per table, numbers as numbers, the as-of line and DEMO DATA banner."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpilib.present.tables import Column
from kpilib.present.xlsx import DEMO_TEXT, HEADER_ROW, INDEX_SHEET
from kpilib.report.content import Table
from kpilib.report.workbook import sheet_tables, table_payload


def test_the_batch_writes_a_workbook_beside_each_report(demo_report_batch):
    plan, result = demo_report_batch
    assert result.succeeded
    for stem in ("HLT", "FIN", "provincial_summary"):
        path = plan.folder / f"{stem}.xlsx"
        assert path.is_file(), stem
        record = next(r for r in result.manifest.reports if r.report_id.endswith(f"/{stem}"))
        assert record.outputs["xlsx"] == f"{stem}.xlsx"
        assert f'href="{stem}.xlsx"' in (plan.folder / f"{stem}.html").read_text()
    workbook = load_workbook(plan.folder / "HLT.xlsx")
    assert workbook.sheetnames[0] == INDEX_SHEET and len(workbook.sheetnames) >= 5
    index = workbook[INDEX_SHEET]
    assert "Health" in index["A1"].value
    assert index["A2"].value.startswith("FY 2024-25 · figures to 30 Jun 2025 · data as of")
    assert index["A3"].value == DEMO_TEXT
    budget = workbook[workbook.sheetnames[1]]
    assert budget["A3"].value == DEMO_TEXT and budget.freeze_panes == f"B{HEADER_ROW + 1}"
    headings = [cell.value for cell in budget[HEADER_ROW]]
    assert "Revised budget (Rs m)" in headings
    revised = budget.cell(HEADER_ROW + 1, headings.index("Revised budget (Rs m)") + 1)
    assert isinstance(revised.value, float) and revised.number_format == "#,##0"
    index_titles = [index.cell(row, 2).value for row in range(HEADER_ROW + 1, index.max_row + 1)]
    assert len(index_titles) == len(workbook.sheetnames) - 1


def test_published_tables_keep_numbers_labels_and_links():
    frame = pd.DataFrame(
        {
            "name": ["=cmd", "Health"],
            "amount": pd.array([1_500_000, None], dtype="Int64"),
            "rag": ["green", None],
            "rag_label": ["On track", None],
            "due": [pd.Timestamp("2025-01-30"), pd.NaT],
            "unused": [1, 2],
        }
    )
    columns = (
        Column("name", "Name"),
        Column("amount", "Amount", "money", 0),
        Column("rag", "Status", "rag", label_key="rag_label"),
        Column("due", "Due"),
    )
    payload = table_payload(Table(frame, columns, "Caption"))
    assert payload["keys"] == ["name", "amount", "rag", "rag_label", "due"]
    assert payload["rows"][0] == ["=cmd", 1_500_000, "green", "On track", "30 Jan 2025"]
    assert payload["rows"][1] == ["Health", None, None, None, None]
    (table,) = sheet_tables({"tables": [payload]})
    assert table.title == "Caption" and list(table.columns) == list(columns)
    assert table.frame["amount"].iloc[0] == pytest.approx(1_500_000)
