"""Write tables for people to open: CSV and XLSX that are safe from formula injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, so a value such as ``=HYPERLINK("http://x",
"click")`` that arrived in a submitted file could run when an official opens an export. Every
exporter of the suite writes through this module: such text cells are neutralised by prefixing
an apostrophe (``'=HYPERLINK(...)``), which spreadsheets show as text. Real numbers, including
negative ones, stay numbers; text that is only a plain number (``-12.5``) is left as it is, since
it cannot be a formula.

Output file names built from data go through :func:`safe_output_path`, which keeps them inside
the chosen folder.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from numbers import Number
from pathlib import Path
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def neutralise_cell(value: Any) -> Any:
    """The value as it may be written to a CSV/XLSX cell.

    Text starting with one of :data:`FORMULA_TRIGGERS` gets a leading apostrophe unless it is a
    plain number; every other value (numbers, dates, None) is returned unchanged.

    Examples
    --------
    >>> neutralise_cell("=1+1"), neutralise_cell("-5"), neutralise_cell(-5)
    ("'=1+1", '-5', -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        if _PLAIN_NUMBER.match(value):
            return value
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised."""
    safe = frame.copy()
    safe.columns = [neutralise_cell(str(c)) for c in frame.columns]
    for column in safe.columns:
        series = safe[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            safe[column] = series.astype(object).map(neutralise_cell)
    return safe


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as UTF-8 CSV (with a byte-order mark, so Excel reads the encoding)."""
    path = Path(path)
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_xlsx(
    sheets: dict[str, pd.DataFrame] | pd.DataFrame, path: str | Path, sheet_name: str = "Data"
) -> Path:
    """Write one or several DataFrames as sheets of an XLSX workbook.

    Text cells are neutralised and written as text (never as formulas); numbers stay numeric.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if isinstance(sheets, pd.DataFrame):
        sheets = {sheet_name: sheets}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(_sheet_title(name))
        sheet.append([str(neutralise_cell(str(c))) for c in frame.columns])
        for row in neutralise_frame(frame).itertuples(index=False):
            sheet.append([xlsx_value(v) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    path = Path(path)
    workbook.save(path)
    return path


def xlsx_value(value: Any) -> Any:
    """A value as openpyxl writes it: None for missing, numpy numbers as Python numbers, UTC
    times without a zone, anything else that is not a date as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Number):
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
    return value if hasattr(value, "isoformat") else str(value)


def _sheet_title(name: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "Sheet"
    return title[:31]


def safe_file_name(name: str, default: str = "file") -> str:
    """``name`` reduced to letters, digits, ``.``, ``_`` and ``-`` (no folders, no leading dot)."""
    cleaned = _UNSAFE_NAME_CHARS.sub("_", Path(str(name)).name).strip("._")
    return cleaned[:150] or default


def safe_output_path(folder: str | Path, name: str) -> Path:
    """A path for ``name`` inside ``folder`` that cannot escape it (``..``, ``/``, links)."""
    root = Path(folder).resolve()
    path = (root / safe_file_name(name)).resolve()
    if path.parent != root:
        raise ValueError(f"{name!r} would be written outside {root}")
    return path


def encode_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as the bytes :func:`write_csv` writes (UTF-8 with a byte-order mark, cells
    neutralised), for downloads that never touch the disk (the dashboards' CSV links)."""
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\n")
    return "\ufeff".encode() + text.encode("utf-8")
