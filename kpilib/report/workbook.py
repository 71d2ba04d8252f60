"""A report's tables as an Excel workbook beside it: ``HLT.xlsx`` beside ``HLT.html``.

The report notebook publishes its tables once, in its outputs (:func:`publish_tables`, like
the headline figures): each table's columns (the one table model, :class:`~kpilib.present.
tables.Column`) and its rows as plain JSON, with the view's as-of line and demo flag. The batch
reads them from the executed notebook (:func:`render_report_workbook`) and writes the workbook
with :mod:`kpilib.present.xlsx`: one sheet per table, an index sheet first. The HTML export
ignores this media type, so the page shows nothing of it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

import pandas as pd

from kpilib.i18n import _
from kpilib.present.formatting import format_date, is_missing
from kpilib.present.tables import Column
from kpilib.present.xlsx import SheetTable, WorkbookContext, encode_workbook
from kpilib.report.content import Table, workbook_as_of
from kpilib.views import ProvinceView

TABLES_MEDIA_TYPE = "application/vnd.kpi-suite.tables+json"


def _json_value(value: object) -> Any:
    """A cell as JSON: None when missing, numbers as numbers, dates as a person reads them."""
    if is_missing(value):
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def table_payload(table: Table) -> dict[str, Any]:
    """One table as JSON: caption, columns and the rows of the fields they show."""
    keys = list(
        dict.fromkeys(
            key
            for column in table.columns
            for key in (column.key, column.label_key, column.href_key)
            if key and key in table.frame.columns
        )
    )
    rows = [[_json_value(v) for v in row] for row in table.frame[keys].itertuples(index=False)]
    return {
        "title": table.caption,
        "columns": [asdict(column) for column in table.columns],
        "keys": keys,
        "rows": rows,
    }


def tables_payload(tables: Sequence[Table], view: ProvinceView) -> dict[str, Any]:
    """What :func:`publish_tables` puts in the notebook's outputs."""
    return {
        "as_of": workbook_as_of(view),
        "is_demo": bool(view.is_demo),
        "tables": [table_payload(table) for table in tables],
    }


def publish_tables(tables: Sequence[Table], view: ProvinceView) -> None:
    """Put the report's tables in the notebook's outputs (see :data:`TABLES_MEDIA_TYPE`)."""
    from IPython.display import display

    display({TABLES_MEDIA_TYPE: tables_payload(tables, view)}, raw=True)


def read_published_tables(notebook: Any) -> dict[str, Any] | None:
    """The tables an executed report notebook published (None when it published none)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if TABLES_MEDIA_TYPE in data:
                return dict(data[TABLES_MEDIA_TYPE])
    return None


def sheet_tables(payload: dict[str, Any]) -> list[SheetTable]:
    """The published tables as :class:`~kpilib.present.xlsx.SheetTable`."""
    return [
        SheetTable(
            table["title"] or _("Table"),
            pd.DataFrame(table["rows"], columns=table["keys"]),
            [Column(**column) for column in table["columns"]],
        )
        for table in payload.get("tables", [])
    ]


def render_report_workbook(notebook: Any, title: str, is_demo: bool) -> bytes:
    """The workbook of an executed report: an index sheet, then a sheet per table it published
    (only the index when it published none). The demo flag is the batch's or the view's."""
    payload = read_published_tables(notebook) or {}
    context = WorkbookContext(
        payload.get("as_of", ""), is_demo or bool(payload.get("is_demo")), title
    )
    return encode_workbook(sheet_tables(payload), context, index=True)
