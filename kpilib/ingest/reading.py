"""Read a submitted file into a header and numbered rows: CSV (UTF-8, UTF-8 with BOM, cp1252)
or XLSX (one sheet), never evaluating anything, and never reading more than its return type's
limits allow.

* The format comes from the content, not the name: an XLSX is a zip archive; the old binary
  ``.xls`` format is refused with advice; anything else is read as CSV text.
* CSV encoding: a UTF-8 byte-order mark means UTF-8; otherwise UTF-8 is tried strictly and, if
  the bytes are not UTF-8, Windows-1252 (cp1252, what Excel writes on Windows) is used and the
  sender is told. ``encoding=`` declares it instead. The delimiter is a comma, or a semicolon or
  tab when the header has no comma.
* XLSX: formulas are read as their text (``=SUM(A1:A3)``), never computed. With several sheets,
  the named sheet is read, else the data sheet: the first whose header names a known column;
  sheets that name none (the template's "Instructions", a cover note) are passed over silently,
  and only two sheets that both look like data draw a warning.
* Row numbers are those the sender sees: in a CSV the header is row 1, in a sheet the sheet's
  own row numbers; blank rows are skipped but keep the numbering.
* Limits (:class:`~kpilib.ingest.schemas.ReturnLimits`, per return type): a file past one is
  refused (``ingest.too-large``) as soon as the reader gets there. A CSV larger than the limit is
  refused before it is decoded, a line longer than a row can be before it is split; an XLSX whose
  parts would unpack to more than the limit is refused on the zip's declared sizes before
  anything is unpacked (Python's zip reader never unpacks more than a part declares); every XML
  part is then scanned as it streams (:func:`_scan_xml_part`: no row wider than a worksheet can
  be, no row number past a worksheet's last, no more cells than the return type allows) before
  openpyxl, read-only, reads the rows; reading stops at the first row or column past the limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpilib.i18n import N_
from kpilib.ingest.schemas import ANY_RETURN_LIMITS, ReturnLimits
from kpilib.problems import Reason, name_some, said

DEFAULT_MAX_MB = 50.0
ENV_MAX_MB = "KPI_INGEST_MAX_MB"
#: A line of a CSV return is at most this many characters per column allowed.
MAX_CELL_CHARS = 1_000
#: The name of the template's instructions sheet (never a return's data).
INSTRUCTIONS_SHEET = "Instructions"
#: What a worksheet can hold (Excel's own limits): a row past these is a damaged workbook.
SHEET_MAX_ROWS = 1_048_576
SHEET_MAX_COLUMNS = 16_384
#: A sheet may hold this many cells per row allowed (a return's widest is 18 columns), or at
#: least MIN_CELLS_ALLOWED; of them at most MIN_CELLS_ALLOWED empty (formatted) cells.
CELLS_PER_ROW_ALLOWED = 20
MIN_CELLS_ALLOWED = 250_000
#: A workbook's shared texts (each distinct text once): up to this many per row allowed, for codes
#: and numbers stored as text (openpyxl reads them all before any sheet).
TEXTS_PER_ROW_ALLOWED = 4
#: A return's workbook has a few dozen parts (sheets, styles, images); a zip of more is refused
#: before any part is read.
MAX_PARTS = 1_000
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_SCAN_CHUNK = 1 << 16
_DELIMITERS = (",", ";", "\t")
csv.field_size_limit(10_000_000)


class FileReadError(Exception):
    """The file cannot be read as a table; the message is the plain-language reason ("the file
    is empty (0 bytes)"), ``reason`` the same as a template and values (shown in the sender's
    language on the portal), ``code`` its problem code (``ingest.unreadable``, or
    ``ingest.too-large`` for a limit passed) and ``row`` the sender's row number where reading
    stopped, if it stopped at a row."""

    def __init__(self, reason: str | Reason, code: str = "ingest.unreadable",
                 row: int | None = None):  # fmt: skip
        self.reason = reason if isinstance(reason, Reason) else said(reason)
        super().__init__(self.reason.english())
        self.code = code
        self.row = row
        self.sheet: str | None = None  # the sheet where reading stopped


class _BlankTableError(FileReadError):
    """No row of the sheet (or file) holds anything."""


def _too_large(reason: Reason, row: int | None = None) -> FileReadError:
    return FileReadError(reason, "ingest.too-large", row)


#: What the limits of a read are those of, when the return type is not known yet (a return's
#: own is "a" and its title, see :func:`_Limits.said`).
ANY_RETURN = N_("any return")


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
    #: warnings about how the file was read (English, or a template and its values)
    notes: list[str | Reason] = field(default_factory=list)


#: The limits of the return type a header tells, and the words for it ("a PSE quarterly
#: financial return"); the widest limits and "any return" when the header tells no type.
LimitsOfHeader = Callable[[list[str]], tuple[ReturnLimits, str]]


@dataclass(frozen=True)
class _Limits:
    """The limits of one read and the words for them: ``what`` is "a PSE quarterly financial
    return" (or "any return" while the return type is not known); ``of_header`` narrows them
    once the header is read."""

    limits: ReturnLimits
    what: str
    of_header: LimitsOfHeader | None = None

    def said(self, template: str, sizes: tuple[str, ...] = (), **params: object) -> Reason:
        """A message about these limits: ``{what}`` in ``template`` is :attr:`what` in English
        and, translated, the return's title without its article (Urdu has none); ``sizes``
        names the params that are file sizes."""
        english = template.format(what=self.what, **params)
        term = self.what[2:] if self.what.startswith("a ") else self.what
        return said(template, what=term, terms=["what"], english=english, sizes=sizes, **params)

    def for_header(self, columns: list[str]) -> _Limits:
        if self.of_header is None:
            return self
        limits, what = self.of_header(columns)
        return _Limits(limits, what)

    @property
    def max_cells(self) -> int:
        """The most cells (filled or formatted) one sheet may hold."""
        return max(MIN_CELLS_ALLOWED, (self.limits.rows + 1_000) * CELLS_PER_ROW_ALLOWED)

    @property
    def max_texts(self) -> int:
        """The most shared texts a workbook may hold."""
        return (self.limits.rows + 1_000) * TEXTS_PER_ROW_ALLOWED


def max_file_bytes(max_mb: float | None = None) -> int:
    """The size limit in bytes: ``max_mb``, else ``KPI_INGEST_MAX_MB``, else 50 MB."""
    if max_mb is None:
        try:
            max_mb = float(os.environ.get(ENV_MAX_MB) or DEFAULT_MAX_MB)
        except ValueError:
            max_mb = DEFAULT_MAX_MB
    return int(max_mb * 1_000_000)


#: The params of a message that are file sizes (:func:`_size`; their units are said in the
#: reader's language: :func:`kpilib.problems.size_words`).
FILE_SIZES = ("size", "limit")


def _size(size: int) -> str:
    """``950 MB``, ``4.2 MB``, ``12 kB``, ``300 bytes``."""
    if size >= 10_000_000:
        return f"{size / 1e6:,.0f} MB"
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB"
    if size >= 1_000:
        return f"{size / 1e3:.0f} kB"
    return f"{size} bytes"


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
    limits: ReturnLimits = ANY_RETURN_LIMITS,
    what: str = ANY_RETURN,
    limits_of_header: LimitsOfHeader | None = None,
) -> RawTable:
    """Read ``path`` into a :class:`RawTable`; :class:`FileReadError` says why it cannot be.

    ``limits`` are those of the file's return type (``what``: "a" and its title, for messages),
    or the widest of any return type while the type is not known; then ``limits_of_header``
    gives the limits of the type its header tells, and the rows are read within those. Every
    message starts "the file …" and keeps its template and values (``FileReadError.reason``)."""
    bounds = _Limits(limits, what, limits_of_header)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileReadError(said(N_("the file cannot be opened"),
                                 english=f"the file cannot be opened: {error.strerror or error}")
                            ) from None  # fmt: skip
    if not path.is_file():
        raise FileReadError(N_("the file is not a file"))
    if size > max_bytes:
        raise _too_large(said(
            N_("the file is {size}; files over {limit} are not accepted (split it into smaller "
               "files)"), size=_size(size), limit=_size(max_bytes), sizes=FILE_SIZES,
        ))  # fmt: skip
    if size == 0:
        raise FileReadError(N_("the file is empty (0 bytes)"))
    content = path.read_bytes()
    if content.startswith(_XLS_MAGIC):
        raise FileReadError(N_(
            "the file is an old binary .xls workbook (or a workbook protected by a password): "
            "save it as .xlsx without a password, or as CSV (UTF-8)"
        ))  # fmt: skip
    if content.startswith(_XLSX_MAGIC):
        return _read_xlsx(path.name, content, sheet, known_columns, bounds)
    if sheet is not None:
        raise FileReadError(said(
            N_("the file is a CSV file, which has no sheets (sheet {sheet} was asked for)"),
            sheet=repr(sheet),
        ))  # fmt: skip
    return _read_csv(path.name, content, encoding, bounds)


def _decode(content: bytes, declared: str | None) -> tuple[str, str, list[str]]:
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            raise FileReadError(said(
                N_("the file declared encoding {encoding} is not a known encoding"),
                encoding=repr(declared),
            )) from None  # fmt: skip
        try:
            return content.decode(name), name, []
        except UnicodeDecodeError as error:
            raise FileReadError(said(
                N_("the file is not valid {encoding} text (byte {byte} cannot be decoded)"),
                encoding=declared, byte=error.start + 1,
            )) from None  # fmt: skip
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content.decode("utf-8-sig"), "utf-8-sig", []
        except UnicodeDecodeError as error:
            raise FileReadError(said(
                N_("the file starts with a UTF-8 mark but byte {byte} is not UTF-8"),
                byte=error.start + 1,
            )) from None  # fmt: skip
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileReadError(N_("the file is UTF-16 text: save it as CSV UTF-8"))
    try:
        return content.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileReadError(said(
            N_("the file is neither UTF-8 nor Windows-1252 text (byte {byte} cannot be decoded); "
               "save it as CSV UTF-8 or XLSX"), byte=error.start + 1,
        )) from None  # fmt: skip
    note = N_("the file is not UTF-8; it was read as Windows-1252 (cp1252): check names and "
              "symbols")  # fmt: skip
    return text, "cp1252", [note]


def _larger_than_allowed(content: bytes, bounds: _Limits) -> FileReadError:
    return _too_large(bounds.said(
        N_("the file is {size}, more than {what} may be ({limit}): is it the right file?"),
        size=_size(len(content)), limit=_size(bounds.limits.unpacked_bytes), sizes=FILE_SIZES,
    ))  # fmt: skip


def _read_csv(name: str, content: bytes, encoding: str | None, bounds: _Limits) -> RawTable:
    if len(content) > bounds.limits.unpacked_bytes:
        raise _larger_than_allowed(content, bounds)
    text, used, notes = _decode(content, encoding)
    if "\x00" in text:
        raise FileReadError(N_("the file contains NUL bytes: it is not a CSV text file nor an "
                               "XLSX workbook"))  # fmt: skip
    lines = _checked_lines(text, bounds)
    head: list[str] = []  # the lines up to the first that is not blank: it tells the delimiter
    for line in lines:
        head.append(line)
        if line.strip():
            break
    first_line = head[-1].lstrip("\ufeff") if head else ""
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    table = RawTable(name, "csv", content, encoding=used, notes=list(notes))
    records = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
    try:
        _fill(table, enumerate(records, start=1), bounds)
    except csv.Error as error:
        raise FileReadError(
            said(
                N_("the file is not well-formed CSV"),
                english=f"the file is not well-formed CSV: {error}",
            )
        ) from None
    return table


def _checked_lines(text: str, bounds: _Limits) -> Iterator[str]:
    """The lines of ``text`` one by one (line ends kept, as the csv module wants them); a line
    longer than a row of the return can be stops the reading before it is split into cells."""
    longest = bounds.limits.columns * MAX_CELL_CHARS
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > longest:
            cells = max(line.count(delimiter) for delimiter in _DELIMITERS) + 1
            raise _too_large(bounds.said(
                N_("the file has a line of {characters} characters (line {line}, about {cells} "
                   "cells): a row of {what} has at most {columns} columns"),
                characters=f"{len(line):,}", line=number, cells=f"{cells:,}",
                columns=bounds.limits.columns,
            ), number)  # fmt: skip
        yield line


def _fill(table: RawTable, numbered: Iterable[tuple[int, Any]], bounds: _Limits) -> None:
    """Header = first non-blank row; later non-blank rows are data. Stops at the first row
    with a value past the column limit, or past the row limit."""
    header: list[Any] | None = None
    for number, cells in numbered:
        width = _width(cells)
        if width == 0:
            continue
        if width > bounds.limits.columns:
            raise _too_large(bounds.said(
                N_("the file has a value in column {column} of row {row}: {what} has at most "
                   "{columns} columns"),
                column=f"{width:,}", row=number, columns=bounds.limits.columns,
            ), number)  # fmt: skip
        if header is None:
            header = list(cells[:width])
            table.header_row = number
            table.columns = [normalise_header(c) for c in header]
            bounds = bounds.for_header(table.columns)
            continue
        if len(table.rows) >= bounds.limits.rows:
            raise _too_large(bounds.said(
                N_("the file has more than {rows} data rows, the most {what} may hold (reading "
                   "stopped at row {row})"),
                rows=f"{bounds.limits.rows:,}", row=number,
            ), number)  # fmt: skip
        table.rows.append((number, list(cells[:width])))
    if header is None:
        raise _BlankTableError(N_("the file has no header row and no data (it is blank)"))


def _width(cells: Any) -> int:
    """How many cells of a row count: up to its last one that is not blank."""
    for index in range(len(cells) - 1, -1, -1):
        cell = cells[index]
        if cell is not None and not (isinstance(cell, str) and not cell.strip()):
            return index + 1
    return 0


def _read_xlsx(name: str, content: bytes, sheet: str | None, known: frozenset[str],
               bounds: _Limits) -> RawTable:  # fmt: skip
    if len(content) > bounds.limits.unpacked_bytes:  # packed, no larger than unpacked
        raise _larger_than_allowed(content, bounds)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_unpacked_size(archive, bounds)
            for info in archive.infolist():
                _scan_xml_part(archive, info, bounds)
    except FileReadError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _not_a_workbook(f"damaged zip: {error}") from None
    except Exception as error:  # a damaged part: bad deflate data, encryption, …
        raise _not_a_workbook(_short(error)) from None
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # any parser failure means "cannot read"
        raise _not_a_workbook(_short(error)) from None
    try:
        return _read_sheet(name, content, workbook, sheet, known, bounds)
    except FileReadError:
        raise
    except Exception as error:  # a damaged sheet part, a bad cell
        raise FileReadError(said(
            N_("the file has a sheet that cannot be read"),
            english=f"the file has a sheet that cannot be read ({_short(error)})",
        )) from None  # fmt: skip
    finally:
        workbook.close()


def _not_a_workbook(detail: str) -> FileReadError:
    """The workbook cannot be opened; ``detail`` (the library's words) is kept in English."""
    return FileReadError(
        said(
            N_("the file is not a readable XLSX workbook"),
            english=f"the file is not a readable XLSX workbook ({detail})",
        )
    )


def _check_unpacked_size(archive: zipfile.ZipFile, bounds: _Limits) -> None:
    """Refuse a workbook of more parts than a workbook needs, or whose parts declare more bytes
    than the limit, before unpacking any."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise _too_large(bounds.said(
            N_("the file is a workbook of {parts} parts (sheets, images, …), more than {what} "
               "may have ({limit})"), parts=f"{len(parts):,}", limit=f"{MAX_PARTS:,}",
        ))  # fmt: skip
    unpacked = sum(info.file_size for info in parts)
    limit = bounds.limits.unpacked_bytes
    if unpacked > limit:
        raise _too_large(bounds.said(
            N_("the file unpacks to {size}, more than {what} may hold ({limit}): is it the "
               "right workbook?"), size=_size(unpacked), limit=_size(limit), sizes=FILE_SIZES,
        ))  # fmt: skip


def _scan_xml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, bounds: _Limits) -> None:
    """Stream one part of the workbook through expat (see :class:`_PartScanner`); parts that
    are not XML (images) are skipped."""
    scanner = _PartScanner(bounds)
    with archive.open(info) as stream:
        chunk = stream.read(_SCAN_CHUNK)
        if not chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return  # not XML: an image or another binary part, never parsed as a sheet
        while chunk:
            scanner.parser.Parse(chunk, False)
            chunk = stream.read(_SCAN_CHUNK)
        scanner.parser.Parse(b"", True)


class _PartScanner:
    """Counts the rows, cells and shared texts of one XML part as it streams, and stops at the
    first sign of a part openpyxl could not read in bounded memory and time: a row of more
    cells than a worksheet has columns, more rows than a worksheet has or a row number past its
    last, more rows of values, cells, empty (formatted) cells or texts than the return type
    allows, a document type declaration."""

    def __init__(self, bounds: _Limits) -> None:
        self.bounds = bounds
        self.rows = self.row_cells = self.cells = self.valued_cells = 0
        self.texts = self.value_rows = 0
        self.row_has_value = self.cell_has_value = False
        #: rows holding a value: the header, the data rows and room for an instructions sheet
        self.max_value_rows = bounds.limits.rows + 100
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
        self.parser.StartElementHandler = self.start
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.handlers = {"c": self.cell, "v": self.value, "is": self.value, "f": self.value,
                         "row": self.row, "si": self.text}  # fmt: skip

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        handler = self.handlers.get(tag.rpartition("}")[2])
        if handler is not None:
            handler(attributes)

    def cell(self, _attributes: dict[str, str]) -> None:
        self.row_cells += 1
        self.cells += 1
        self.cell_has_value = False
        if self.row_cells > SHEET_MAX_COLUMNS:
            raise FileReadError(said(
                N_("the file has a row of more than {cells} cells, more than a worksheet can "
                   "hold: the workbook is damaged"), cells=f"{SHEET_MAX_COLUMNS:,}",
            ))  # fmt: skip
        if self.cells > self.bounds.max_cells:
            raise _too_large(self.bounds.said(
                N_("the file has a sheet of more than {cells} cells, more than {what} may hold"),
                cells=f"{self.bounds.max_cells:,}",
            ))  # fmt: skip
        if self.cells - 1 - self.valued_cells > MIN_CELLS_ALLOWED:
            raise _too_large(said(
                N_("the file has a sheet of more than {cells} empty formatted cells: copy the "
                   "return's rows into a new workbook"), cells=f"{MIN_CELLS_ALLOWED:,}",
            ))  # fmt: skip

    def value(self, _attributes: dict[str, str]) -> None:
        if not self.cell_has_value:
            self.cell_has_value = True
            self.valued_cells += 1
        if not self.row_has_value:
            self.row_has_value = True
            self.value_rows += 1
            if self.value_rows > self.max_value_rows:
                raise _too_large(self.bounds.said(
                    N_("the file has more than {rows} data rows, the most {what} may hold"),
                    rows=f"{self.bounds.limits.rows:,}",
                ))  # fmt: skip

    def row(self, attributes: dict[str, str]) -> None:
        self.row_cells = 0
        self.row_has_value = False
        self.rows += 1
        number = attributes.get("r", "1")
        if self.rows > SHEET_MAX_ROWS or not _is_row_number(number):
            raise FileReadError(said(
                N_("the file has a row numbered {number}, past the last row a worksheet can "
                   "have: the workbook is damaged"), number=repr(number[:20]),
            ))  # fmt: skip

    def text(self, _attributes: dict[str, str]) -> None:
        self.texts += 1
        if self.texts > self.bounds.max_texts:
            raise _too_large(self.bounds.said(
                N_("the file holds more than {texts} texts, more than {what} may hold"),
                texts=f"{self.bounds.max_texts:,}",
            ))  # fmt: skip

    def doctype(self, *_: object) -> None:
        raise FileReadError(N_("the file has a part with a document type declaration: it is "
                               "not a workbook"))  # fmt: skip


def _is_row_number(text: str) -> bool:
    try:
        return 0 < float(text) <= SHEET_MAX_ROWS
    except ValueError:
        return False


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


def _fill_from_sheet(table: RawTable, worksheet: Any, bounds: _Limits) -> None:
    """Fill ``table`` from a read-only worksheet, row by row (see :func:`_fill`)."""
    worksheet.reset_dimensions()  # rows as wide as their cells, not as a declared dimension
    try:
        _fill(table, enumerate(worksheet.iter_rows(values_only=True), start=1), bounds)
    except FileReadError as error:
        error.sheet = table.sheet
        raise


def _read_sheet(name: str, content: bytes, workbook: Any, wanted: str | None,
                known: frozenset[str], bounds: _Limits) -> RawTable:  # fmt: skip
    """Read the sheet asked for, else the data sheet: the first whose header names a known
    column. Other sheets that name none (the template's instructions, a cover note) are passed
    over silently; two sheets that both look like data draw a warning."""
    names = list(workbook.sheetnames)
    if not names:
        raise FileReadError(N_("the file has no sheets"))
    if wanted is not None and wanted not in names:
        raise FileReadError(said(N_("the file has no sheet named {sheet} (its sheets: {sheets})"),
                                 sheet=repr(wanted), sheets=name_some(names)))  # fmt: skip
    if wanted is not None:
        chosen, note = wanted, None
    else:
        chosen, note = _choose_sheet(workbook, names, known, bounds)
    table = RawTable(name, "xlsx", content, sheet=chosen)
    try:
        _fill_from_sheet(table, workbook[chosen], bounds)
    except _BlankTableError:
        raise FileReadError(said(N_("the file has a blank sheet named {sheet}"),
                                 sheet=repr(chosen))) from None  # fmt: skip
    if note:
        table.notes.append(note)
    return table


def _choose_sheet(workbook: Any, names: list[str], known: frozenset[str], bounds: _Limits
                  ) -> tuple[str, Reason | None]:  # fmt: skip
    """The data sheet of a workbook and, when the choice is worth a warning, why it was made."""
    headers = {n: _header_of(workbook[n], bounds) for n in names}
    data = [n for n in names if set(headers[n] or ()) & known]
    if len(data) > 1:
        return data[0], said(
            N_("the workbook has {n} sheets that look like returns ({sheets}); the sheet named "
               "{sheet} was read: send one return per workbook"),
            n=len(data), sheets=name_some(data), sheet=repr(data[0]),
        )  # fmt: skip
    if data:
        return data[0], None
    filled = [n for n in names if headers[n] is not None]
    others = [n for n in filled if n != INSTRUCTIONS_SHEET] or filled
    if not others:
        raise FileReadError(N_("the file has only blank sheets"))
    note = None
    if len(filled) > 1:
        note = said(
            N_("no sheet of the workbook names a column of a return; the sheet named {sheet}, "
               "the first that is not blank, was read"), sheet=repr(others[0]),
        )  # fmt: skip
    return others[0], note


def _header_of(worksheet: Any, bounds: _Limits) -> list[str] | None:
    """The first row of a sheet that is not blank (names normalised), or None for a blank
    sheet; a row past the column limit is cut there (the full read refuses it)."""
    worksheet.reset_dimensions()
    for cells in worksheet.iter_rows(values_only=True):
        width = _width(cells)
        if width:
            return [normalise_header(c) for c in cells[: min(width, bounds.limits.columns)]]
    return None
