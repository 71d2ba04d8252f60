"""Tables as formatted Excel workbooks, from the one table model (:mod:`kpilib.present.tables`).

A sheet holds one table: its title, the as-of line (and the unit of money), the DEMO DATA banner
when the data is demo data, then the headings and the rows. Numbers stay numbers and each
column's kind gives its number format (:data:`NUMBER_FORMATS`): money in the unit of
``units: {money: …}`` (:func:`kpilib.present.formatting.money_unit`), percentages and shares as
Excel percentages, counts as whole numbers. The heading row and the first column are frozen,
columns are as wide as their text, and every text cell goes through
:func:`kpilib.present.export.neutralise_cell` (no formula can start a cell). A workbook of
several tables opens on an index sheet that links to each.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from kpilib.i18n import N_, _, is_right_to_left
from kpilib.present.export import neutralise_cell, xlsx_value
from kpilib.present.formatting import money_unit_label
from kpilib.present.tables import Column, export_table

DEMO_TEXT = N_("DEMO DATA — a synthetic province, not official statistics")
#: The row of the headings; the rows above hold the title, the as-of line and the banner.
HEADER_ROW = 5
INDEX_SHEET = "Index"
#: Dates read as everywhere else: 15 Feb 2026.
DATE_FORMAT = "d mmm yyyy"
#: Column widths in characters: never narrower or wider than these.
MIN_WIDTH, MAX_WIDTH = 8, 60
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_BANNER = Font(bold=True, color="FFFFFF")
_BANNER_FILL = PatternFill("solid", fgColor="B42318")
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")


@dataclass(frozen=True)
class SheetTable:
    """One table for a sheet: a title, the rows and the columns that show them."""

    title: str
    frame: pd.DataFrame
    columns: Sequence[Column]


@dataclass(frozen=True)
class WorkbookContext:
    """What every sheet says about its figures: the as-of line and whether they are demo."""

    as_of: str  # e.g. "Figures to 30 Jun 2025 · data as of 15 Feb 2026"
    is_demo: bool
    title: str = ""  # the workbook's title, on the index sheet


def number_format(column: Column) -> str | None:
    """The Excel number format of a column's kind (None: text, shown as it is)."""
    decimals = "." + "0" * column.digits if column.digits > 0 else ""
    if column.kind == "money":
        return f"#,##0{decimals}"
    if column.kind in ("percent", "share"):
        return f"0{decimals}%"
    if column.kind == "count":
        return "#,##0"
    if column.kind == "number":
        return f"#,##0{decimals}"
    if column.kind == "times":
        return f'0{decimals}"×"'
    return None


def sheet_values(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The cells of a sheet: :func:`~kpilib.present.tables.export_table`'s values, with
    percentages and shares as fractions (Excel's percent format multiplies by 100)."""
    values = export_table(frame, columns)
    for position, column in enumerate(columns):
        if column.kind in ("percent", "share"):
            values.isetitem(position, (pd.to_numeric(values.iloc[:, position]) / 100).to_numpy())
    return values


def _text(value: object) -> Any:
    return neutralise_cell(str(value))


def _write_preamble(sheet: Worksheet, title: str, context: WorkbookContext) -> None:
    sheet["A1"] = _text(title)
    sheet["A1"].font = _TITLE
    sheet["A2"] = _text(
        _("{as_of} · money in {unit}").format(as_of=context.as_of, unit=money_unit_label())
    )
    if is_right_to_left():  # an Urdu workbook reads from the right, like its report
        sheet.sheet_view.rightToLeft = True
    if context.is_demo:
        sheet["A3"] = _(DEMO_TEXT)
        sheet["A3"].font = _BANNER
        sheet["A3"].fill = _BANNER_FILL


def _write_table(sheet: Worksheet, table: SheetTable) -> None:
    values = sheet_values(table.frame, table.columns)
    formats = [number_format(column) for column in table.columns]
    widths = [len(str(label)) for label in values.columns]
    for position, label in enumerate(values.columns, start=1):
        cell = sheet.cell(HEADER_ROW, position, _text(label))
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(values.itertuples(index=False), start=1):
        for position, raw in enumerate(row, start=1):
            value = xlsx_value(neutralise_cell(raw))
            cell = sheet.cell(HEADER_ROW + offset, position, value)
            if formats[position - 1] and isinstance(value, int | float):
                cell.number_format = formats[position - 1]
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            widths[position - 1] = max(widths[position - 1], len(str(value or "")) + 2)
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width)
        )
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)
    if len(values.columns) and len(values):
        last = get_column_letter(len(values.columns))
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(values)}"


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Excel sheet names for ``titles``: no ``[]:*?/\\``, at most 31 characters, unique, and
    never the index sheet's name."""
    names: list[str] = []
    taken = {INDEX_SHEET.lower()}
    for title in titles:
        cleaned = re.sub(r"\s+", " ", re.sub(r"[\[\]:*?/\\]", " ", title))
        base = cleaned.strip(" '")[:31].strip() or "Table"
        name, number = base, 2
        while name.lower() in taken:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        taken.add(name.lower())
        names.append(name)
    return names


def _write_index(sheet: Worksheet, names: Sequence[str], tables: Sequence[SheetTable],
                 context: WorkbookContext) -> None:  # fmt: skip
    _write_preamble(sheet, context.title or _("Tables"), context)
    sheet.cell(HEADER_ROW, 1, _("Sheet")).font = _BOLD
    sheet.cell(HEADER_ROW, 2, _("Table")).font = _BOLD
    for row, (name, table) in enumerate(zip(names, tables, strict=True), start=HEADER_ROW + 1):
        link = sheet.cell(row, 1, name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")
        link.font = Font(color="1F4E79", underline="single")
        sheet.cell(row, 2, _text(table.title))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = MAX_WIDTH + 20
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)


def build_workbook(
    tables: Sequence[SheetTable], context: WorkbookContext, *, index: bool | None = None
) -> Workbook:
    """A workbook with a sheet per table (and, with ``index`` or more than one table, an
    index sheet first)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    names = sheet_names([table.title for table in tables])
    if index if index is not None else len(tables) > 1:
        _write_index(workbook.create_sheet(INDEX_SHEET), names, tables, context)
    for name, table in zip(names, tables, strict=True):
        sheet = workbook.create_sheet(name)
        _write_preamble(sheet, table.title, context)
        _write_table(sheet, table)
    return workbook


def write_workbook(
    tables: Sequence[SheetTable],
    context: WorkbookContext,
    path: str | Path,
    *,
    index: bool | None = None,
) -> Path:
    """Write :func:`build_workbook` to ``path``."""
    path = Path(path)
    build_workbook(tables, context, index=index).save(path)
    return path


def encode_workbook(
    tables: Sequence[SheetTable], context: WorkbookContext, *, index: bool | None = None
) -> bytes:
    """:func:`build_workbook` as bytes, for downloads that never touch the disk."""
    buffer = io.BytesIO()
    build_workbook(tables, context, index=index).save(buffer)
    return buffer.getvalue()
