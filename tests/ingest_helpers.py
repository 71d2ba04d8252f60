"""A tiny reference province for ingestion tests, and small return files written by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from kpilib.fiscal import FiscalYear
from kpilib.ingest import IngestOptions, ingest_file
from kpilib.ingest.loading import ensure_fiscal_year
from kpilib.ingest.report import describe_issue
from kpilib.store.database import connect
from kpilib.store.writes import content_hash, insert_rows, table

FINANCIAL_HEADER = (
    "entity_code,period,revenue,grants_subsidies,operating_expenses,ebit,interest_expense,"
    "net_income,cash,inventories,current_assets,current_liabilities,total_assets,"
    "total_liabilities,equity,retained_earnings,borrowings,overdue_payables"
)
#: A balanced statement: 5,000,000,000 assets = 2,000,000,000 liabilities + 3,000,000,000 equity.
FINANCIAL_VALUES = (
    "100000000,50000000,120000000,30000000,5000000,25000000,200000000,10000000,600000000,"
    "400000000,5000000000,2000000000,3000000000,-100000000,300000000,20000000"
)
BUDGET_HEADER = (
    "cost_centre_code,budget_type,economic_class_code,month,original_budget,revised_budget,"
    "released,expended"
)


def build_reference(url: str) -> Engine:
    """Two departments, two PSEs, three cost centres, heads, indicators, FY 2023-24/2024-25."""
    engine = connect(url)
    with engine.begin() as c:
        insert_rows(c, "departments", [
            {"id": 1, "code": "HLT", "name": "Health"},
            {"id": 2, "code": "HED", "name": "Higher Education"},
        ])  # fmt: skip
        insert_rows(c, "districts", [{"id": 1, "code": "PSH", "name": "Peshawar"}])
        insert_rows(c, "entities", [
            {"id": 1, "code": "UNI-001", "name": "Demo University", "category": "university",
             "department_id": 2, "district_id": 1},
            {"id": 2, "code": "MTI-001", "name": "Demo Hospital", "category": "teaching_hospital",
             "department_id": 1, "district_id": 1},
        ])  # fmt: skip
        insert_rows(c, "cost_centres", [
            {"id": 1, "code": "HLT00001", "name": "Health office 1", "department_id": 1},
            {"id": 2, "code": "HLT00002", "name": "Health office 2", "department_id": 1},
            {"id": 3, "code": "HED00001", "name": "Higher education office", "department_id": 2},
        ])  # fmt: skip
        insert_rows(c, "economic_classes", [
            {"id": 1, "code": "A01", "name": "Employee related expenses", "kind": "regular"},
            {"id": 2, "code": "A03", "name": "Operating expenses", "kind": "regular"},
        ])  # fmt: skip
        insert_rows(c, "revenue_heads", [{"id": 1, "code": "R-HFE", "name": "Hospital fees",
                                          "kind": "non_tax"}])  # fmt: skip
        insert_rows(c, "indicators", [
            {"id": 1, "code": "HLT-IMM", "name": "Full immunisation coverage", "unit": "%",
             "department_id": 1, "direction": "higher_is_better", "frequency": "quarterly",
             "level": "province"},
            {"id": 2, "code": "MTI-BOR", "name": "Bed occupancy rate", "unit": "%",
             "department_id": 1, "direction": "higher_is_better", "frequency": "quarterly",
             "level": "entity"},
        ])  # fmt: skip
        for year in (2023, 2024):
            ensure_fiscal_year(c, FiscalYear(year))
    return engine


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def financial_file(folder: Path, name: str = "fin.csv", *, entity: str = "UNI-001",
                   period: str = "2024-25Q1", values: str = FINANCIAL_VALUES) -> Path:  # fmt: skip
    return write(folder, name, f"{FINANCIAL_HEADER}\n{entity},{period},{values}\n")


def budget_file(folder: Path, name: str = "budget.csv", rows: list[str] | None = None) -> Path:
    rows = rows or [
        "HLT00001,current,A01,2024-25M01,1000000,1000000,900000,800000",
        "HLT00001,current,A01,2024-25M02,1000000,1000000,,",
        "HLT00002,development,A03,2024-25M01,500000,400000,300000,200000",
    ]
    return write(folder, name, BUDGET_HEADER + "\n" + "\n".join(rows) + "\n")


def ingest(engine: Engine, path: Path, **options) -> object:
    return ingest_file(engine, path, IngestOptions(**options))


def one_return_received_at(url: str, folder: Path, received_at: datetime) -> Engine:
    """The reference province, whose UNI-001 sent its 2024-25 Q2 financial return (due 30
    January 2025) once, at ``received_at`` (an aware time)."""
    engine = build_reference(url)
    ingest(engine, financial_file(folder, period="2024-25Q2"))
    with engine.begin() as connection:
        connection.execute(table("submissions").update().values(received_at=received_at))
    return engine


def data_hash(engine: Engine) -> str:
    with engine.connect() as connection:
        return content_hash(connection)


def messages(outcome) -> str:
    return "\n".join(describe_issue(i) for i in outcome.issues)


def write_xlsx_bomb(path: Path, unpacked_bytes: int, *, header: str = FINANCIAL_HEADER,
                    values: str = FINANCIAL_VALUES, entity: str = "UNI-001",
                    period: str = "2024-25Q1") -> Path:  # fmt: skip
    """An XLSX whose data sheet repeats one return row until its XML is ``unpacked_bytes`` long
    (a zip bomb: ~950 MB of sheet packs into a few MB). The sheet XML is written in chunks, so
    building a large one costs little memory; the zip declares the sizes honestly."""
    import io
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "pse_financial"
    workbook.active.append(["placeholder"])
    base = io.BytesIO()
    workbook.save(base)
    sheet_part = "xl/worksheets/sheet1.xml"

    def cells(row: int, items: list[str]) -> str:
        out = []
        for item in items:
            if item.lstrip("-").isdigit():
                out.append(f"<c><v>{item}</v></c>")
            else:
                out.append(f'<c t="inlineStr"><is><t>{item}</t></is></c>')
        return f'<row r="{row}">' + "".join(out) + "</row>"

    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main"><sheetData>' + cells(1, header.split(",")))  # fmt: skip
    tail = "</sheetData></worksheet>"
    data = [entity, period, *values.split(",")]
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != sheet_part:
                out.writestr(info, source.read(info))
        with out.open(sheet_part, "w", force_zip64=True) as sheet:
            written = sheet.write(head.encode())
            row = 2
            while written < unpacked_bytes - len(tail):
                count = 1000 if unpacked_bytes - written > 1_000_000 else 1
                block = "".join(cells(r, data) for r in range(row, row + count))
                written += sheet.write(block.encode())
                row += count
            sheet.write(tail.encode())
    return path
