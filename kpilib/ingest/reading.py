"""Read a submitted file into a header and numbered rows: CSV (UTF-8, UTF-8 with BOM, cp1252)
or XLSX (one sheet), never evaluating anything.

* The format comes from the content, not the name: an XLSX is a zip archive; the old binary
  ``.xls`` format is refused with advice; anything else is read as CSV text.
* CSV encoding: a UTF-8 byte-order mark means UTF-8; otherwise UTF-8 is tried strictly and, if
  the bytes are not UTF-8, Windows-1252 (cp1252, what Excel writes on Windows) is used and the
  sender is told. ``encoding=`` declares it instead. The delimiter is a comma, or a semicolon or
  tab when the header has no comma.
* XLSX: formulas are read as their text (``=SUM(A1:A3)``), never computed. With several sheets,
  the named sheet is read, else the first sheet whose header names a known column; the choice is
  reported as a warning.
* Row numbers are those the sender sees: in a CSV the header is row 1, in a sheet the sheet's
  own row numbers; blank rows are skipped but keep the numbering.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MAX_MB = 50.0
ENV_MAX_MB = "KPI_INGEST_MAX_MB"
#: An XLSX may not unpack to more than this many times the size limit (zip bombs).
MAX_UNPACK_RATIO = 20
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
csv.field_size_limit(10_000_000)


class FileReadError(Exception):
    """The file cannot be read as a table; the message is the plain-language reason."""


@dataclass
class RawTable:
    """A file's header (normalised names) and its data rows with the sender's row numbers."""

    file_name: str
    file_format: str  # csv | xlsx
    content: bytes
    columns: list[str] = field(default_factory=list)
    header_row: int = 1
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)  # warnings about how the file was read


def max_file_bytes(max_mb: float | None = None) -> int:
    """The size limit in bytes: ``max_mb``, else ``KPI_INGEST_MAX_MB``, else 50 MB."""
    if max_mb is None:
        try:
            max_mb = float(os.environ.get(ENV_MAX_MB) or DEFAULT_MAX_MB)
        except ValueError:
            max_mb = DEFAULT_MAX_MB
    return int(max_mb * 1_000_000)


def normalise_header(name: Any) -> str:
    """``' Cost Centre-Code '`` → ``cost_centre_code``."""
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").strip().lower()
    for ch in " -./":
        text = text.replace(ch, "_")
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")


def read_file(
    path: Path,
    *,
    max_bytes: int,
    encoding: str | None = None,
    sheet: str | None = None,
    known_columns: frozenset[str] = frozenset(),
) -> RawTable:
    """Read ``path`` into a :class:`RawTable`; :class:`FileReadError` says why it cannot be."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileReadError(f"cannot be opened: {error.strerror or error}") from None
    if not path.is_file():
        raise FileReadError("is not a file")
    if size > max_bytes:
        raise FileReadError(
            f"is {size / 1e6:,.1f} MB, over the {max_bytes / 1e6:,.0f} MB limit "
            "(split it, or raise the limit with --max-mb)"
        )
    if size == 0:
        raise FileReadError("is empty (0 bytes)")
    content = path.read_bytes()
    if content.startswith(_XLS_MAGIC):
        raise FileReadError("is an old binary .xls workbook: save it as .xlsx or CSV (UTF-8)")
    if content.startswith(_XLSX_MAGIC):
        return _read_xlsx(path.name, content, max_bytes, sheet, known_columns)
    if sheet is not None:
        raise FileReadError(f"is a CSV file, which has no sheets (--sheet {sheet!r} was given)")
    return _read_csv(path.name, content, encoding)


def _decode(content: bytes, declared: str | None) -> tuple[str, str, list[str]]:
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            raise FileReadError(f"declared encoding {declared!r} is not a known encoding") from None
        try:
            return content.decode(name), name, []
        except UnicodeDecodeError as error:
            raise FileReadError(
                f"is not valid {declared} text (byte {error.start + 1} cannot be decoded)"
            ) from None
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content.decode("utf-8-sig"), "utf-8-sig", []
        except UnicodeDecodeError as error:
            raise FileReadError(
                f"starts with a UTF-8 mark but byte {error.start + 1} is not UTF-8"
            ) from None
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileReadError("is UTF-16 text: save it as CSV UTF-8")
    try:
        return content.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileReadError(
            f"is neither UTF-8 nor Windows-1252 text (byte {error.start + 1} cannot be decoded); "
            "save it as CSV UTF-8 or XLSX"
        ) from None
    note = "the file is not UTF-8; it was read as Windows-1252 (cp1252): check names and symbols"
    return text, "cp1252", [note]


def _read_csv(name: str, content: bytes, encoding: str | None) -> RawTable:
    text, used, notes = _decode(content, encoding)
    if "\x00" in text:
        raise FileReadError("contains NUL bytes: it is not a CSV text file nor an XLSX workbook")
    lines = (line for line in text.lstrip("\ufeff").splitlines() if line.strip())
    first_line = next(lines, "")
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    table = RawTable(name, "csv", content, encoding=used, notes=notes)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise FileReadError(f"is not well-formed CSV: {error}") from None
    _fill(table, ((number, record) for number, record in enumerate(records, start=1)))
    return table


def _fill(table: RawTable, numbered: Any) -> None:
    """Header = first non-blank row; later non-blank rows are data."""
    header: list[Any] | None = None
    for number, cells in numbered:
        cells = list(cells)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if header is None:
            header = cells
            table.header_row = number
            continue
        table.rows.append((number, cells))
    if header is None:
        raise FileReadError("has no header row and no data (it is blank)")
    while header and (header[-1] is None or not str(header[-1]).strip()):
        header.pop()
    table.columns = [normalise_header(c) for c in header]


def _read_xlsx(
    name: str, content: bytes, max_bytes: int, sheet: str | None, known: frozenset[str]
) -> RawTable:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileReadError(f"is not a readable XLSX workbook (damaged zip: {error})") from None
    if unpacked > MAX_UNPACK_RATIO * max_bytes:
        raise FileReadError(f"unpacks to {unpacked / 1e6:,.0f} MB, over the limit")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # any parser failure means "cannot read"
        raise FileReadError(f"is not a readable XLSX workbook ({_short(error)})") from None
    try:
        return _read_sheet(name, content, workbook, sheet, known)
    except FileReadError:
        raise
    except Exception as error:  # a damaged sheet part, a bad cell
        raise FileReadError(f"has a sheet that cannot be read ({_short(error)})") from None
    finally:
        workbook.close()


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


def _read_sheet(name: str, content: bytes, workbook: Any, wanted: str | None, known: frozenset[str]
                ) -> RawTable:  # fmt: skip
    names = list(workbook.sheetnames)
    if not names:
        raise FileReadError("has no sheets")
    if wanted is not None:
        if wanted not in names:
            raise FileReadError(f"has no sheet {wanted!r} (its sheets: {', '.join(names)})")
        candidates = [wanted]
    else:
        candidates = names
    first_non_empty: RawTable | None = None
    for sheet_name in candidates:
        table = RawTable(name, "xlsx", content, sheet=sheet_name)
        rows = workbook[sheet_name].iter_rows(values_only=True)
        try:
            _fill(table, enumerate(rows, start=1))
        except FileReadError:
            continue  # a blank sheet
        if wanted is not None or set(table.columns) & known:
            break
        first_non_empty = first_non_empty or table
    else:
        if wanted is not None:
            raise FileReadError(f"sheet {wanted!r} is blank")
        if first_non_empty is None:
            raise FileReadError("has only blank sheets")
        table = first_non_empty
    if len(names) > 1:
        how = "as asked" if wanted else "the first sheet with a known column; use --sheet to choose"
        table.notes.append(
            f"the workbook has {len(names)} sheets ({', '.join(names)}); "
            f"sheet {table.sheet!r} was read ({how})"
        )
    return table
