"""Formatted Excel workbooks from the table model: read back with openpyxl, numbers are numbers
with the number format of their column's kind, panes are frozen, formulas are neutralised, and
the as-of line and DEMO DATA banner are in every sheet."""

from __future__ import annotations

import base64
import re
from datetime import date
from io import BytesIO

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpilib.dashboards import html
from kpilib.present.tables import Column
from kpilib.present.xlsx import (
    DEMO_TEXT,
    HEADER_ROW,
    INDEX_SHEET,
    SheetTable,
    WorkbookContext,
    encode_workbook,
    number_format,
    sheet_names,
    write_workbook,
)

FRAME = pd.DataFrame(
    {
        "name": ['=HYPERLINK("http://x","click")', "+cmd", "-2+3", "@SUM(A1)", "\tTab", "Health"],
        "revised": [1_234_567_890, 2_000_000, None, 0, -1_500_000, 10],
        "used": [87.44, 100.0, None, 0.0, 12.5, 50.0],
        "share": [0.753, 1.0, 0.0, None, 0.5, 0.25],
        "pses": pd.array([3, 1_234, None, 0, 7, 2], dtype="Int64"),
        "z2": [1.234, 2.5, None, 0.0, -1.0, 3.0],
        "rag": ["green", "red", "grey", "amber", "green", "red"],
        "rag_label": ["On track", "Off track", "No data", "At risk", "On track", "Off track"],
    }
)
COLUMNS = (
    Column("name", "Name"),
    Column("revised", "Revised budget", "money"),
    Column("used", "Spent % of revised", "percent"),
    Column("share", "Grant share", "share", 0),
    Column("pses", "PSEs", "count"),
    Column("z2", "Z''", "times", 2),
    Column("rag", "Status", "rag", label_key="rag_label"),
)
CONTEXT = WorkbookContext("Fiscal year 2024-25 · figures to 30 Jun 2025", True, "Health")


@pytest.fixture
def sheet(tmp_path):
    path = write_workbook([SheetTable("Budget", FRAME, COLUMNS)], CONTEXT, tmp_path / "t.xlsx")
    return load_workbook(path)["Budget"]


def column_cells(sheet, letter):
    return [sheet[f"{letter}{row}"] for row in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(FRAME))]


def test_numbers_are_numbers_with_the_format_of_their_kind(sheet):
    revised = column_cells(sheet, "B")
    assert revised[0].value == pytest.approx(1234.56789) and revised[0].data_type == "n"
    assert revised[0].number_format == "#,##0.0"
    assert revised[2].value is None and revised[4].value == pytest.approx(-1.5)
    used = column_cells(sheet, "C")
    assert used[0].value == pytest.approx(0.8744) and used[0].number_format == "0.0%"
    share = column_cells(sheet, "D")
    assert share[0].value == pytest.approx(0.753) and share[0].number_format == "0%"
    pses = column_cells(sheet, "E")
    assert pses[1].value == 1234 and pses[1].number_format == "#,##0"
    assert column_cells(sheet, "F")[0].number_format == '0.00"×"'
    assert [c.value for c in column_cells(sheet, "G")][:2] == ["On track", "Off track"]


def test_headings_name_the_unit_and_panes_freeze_the_heading_row_and_first_column(sheet):
    headings = [c.value for c in sheet[HEADER_ROW]]
    assert headings == ["Name", "Revised budget (Rs m)", "Spent % of revised", "Grant share",
                        "PSEs", "Z''", "Status"]  # fmt: skip
    assert all(cell.font.bold for cell in sheet[HEADER_ROW])
    assert sheet.freeze_panes == f"B{HEADER_ROW + 1}"
    assert sheet.column_dimensions["A"].width >= len('=HYPERLINK("http://x","click")')
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:G{HEADER_ROW + len(FRAME)}"


def test_formula_text_is_neutralised(sheet):
    names = [cell.value for cell in column_cells(sheet, "A")]
    assert names == ["'=HYPERLINK(\"http://x\",\"click\")", "'+cmd", "'-2+3", "'@SUM(A1)",
                     "'\tTab", "Health"]  # fmt: skip
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_the_as_of_line_and_demo_banner_are_in_the_sheet(sheet):
    assert sheet["A1"].value == "Budget"
    assert sheet["A2"].value == "Fiscal year 2024-25 · figures to 30 Jun 2025 · money in Rs m"
    assert sheet["A3"].value == DEMO_TEXT


def test_no_banner_for_real_data_and_an_index_for_several_tables():
    context = WorkbookContext("figures to 30 Jun 2025", False, "Health")
    tables = [SheetTable("Budget", FRAME, COLUMNS), SheetTable("Budget", FRAME.head(0), COLUMNS)]
    workbook = load_workbook(BytesIO(encode_workbook(tables, context)))
    assert workbook.sheetnames == [INDEX_SHEET, "Budget", "Budget (2)"]
    index = workbook[INDEX_SHEET]
    assert index["A1"].value == "Health" and index["A3"].value is None
    assert index[f"A{HEADER_ROW + 1}"].hyperlink.location == "'Budget'!A1"
    assert index[f"A{HEADER_ROW + 2}"].hyperlink.location == "'Budget (2)'!A1"
    assert workbook["Budget"]["A3"].value is None


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["a/b: c?", "x" * 40, "x" * 40, "Index", ""])
    assert names[0] == "a b c" and len(names[1]) == 31 and names[2].endswith("(2)")
    assert names[3] != "Index" and names[4] == "Table"
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)


@pytest.mark.parametrize(
    ("kind", "digits", "expected"),
    [("money", 0, "#,##0"), ("money", 1, "#,##0.0"), ("percent", 1, "0.0%"), ("share", 0, "0%"),
     ("count", 1, "#,##0"), ("number", 2, "#,##0.00"), ("text", 1, None), ("rag", 1, None)],
)  # fmt: skip
def test_number_formats_come_from_the_column_kinds(kind, digits, expected):
    assert number_format(Column("x", "X", kind, digits)) == expected


def test_the_dashboard_offers_the_table_as_excel_beside_csv():
    context = html.workbook_context(
        "Fiscal year 2024-25", date(2025, 6, 30), date(2026, 2, 15), True, "Province"
    )
    page = html.render_table_with_download(FRAME, COLUMNS, "kpi_budget", workbook=context)
    assert 'download="kpi_budget.csv"' in page and 'download="kpi_budget.xlsx"' in page
    payload = re.search(r'href="data:[^;]+sheet;base64,([^"]+)"', page).group(1)
    sheet = load_workbook(BytesIO(base64.b64decode(payload))).active
    assert sheet["A2"].value.startswith("Fiscal year 2024-25 · figures to 30 Jun 2025 · data as of")
    assert sheet["A3"].value == DEMO_TEXT
    assert sheet[f"B{HEADER_ROW + 1}"].value == pytest.approx(1234.56789)
