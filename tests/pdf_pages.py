"""How a printed PDF's pages look, for the page tests (tests/test_report_pdf_pages.py).

Pages are rasterised with pypdfium2 (PDFium, Apache-2.0/BSD; a wheel from PyPI, no system
package) and measured between the running header and footer, i.e. inside the page margins of
:data:`kpilib.report.pdf.MARGIN_MM`:

- **ink**: the share of pixel rows of the body holding ink (a pixel darker than
  :data:`INK_LEVEL` in some channel: text, table rules in ink, chart lines; not the pale DEMO DATA
  watermark nor the light grey row rules or header shading);
- **fill**: how far down the body the ink reaches (0 = an empty body, 1 = to the footer).

Tables are read from a *tagged* copy of the PDF (``PdfPrinter.print_pdf(..., tagged=True)``):
Chromium writes a structure tree whose ``/TR`` elements know the pages their cells are drawn on,
so "which rows of which table are on which page" needs no guessing from text.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from kpilib.report.pdf import MARGIN_MM

#: A pixel is ink when one of its channels is below this (0-255). The watermark
#: (rgba(179,0,0,0.10) on white: 247/229/229), row rules (#d0d7de) and header shading (#f3f5f7)
#: stay above it; text and chart lines go below.
INK_LEVEL = 200
POINTS_PER_MM = 72 / 25.4
HEADINGS = ("/H1", "/H2", "/H3", "/H4")


@dataclass(frozen=True)
class PageFill:
    """One page's body: share of pixel rows with ink, and how far down the ink reaches."""

    ink: float
    fill: float


@dataclass(frozen=True)
class TablePages:
    """One table of a tagged PDF: the pages of its header rows and of each body row."""

    header_pages: frozenset[int]
    body_pages: tuple[frozenset[int], ...]


def render_pages(pdf: Path, scale: float = 0.5) -> list[np.ndarray]:
    """Every page as an RGB array (``scale`` 1 = 72 dpi)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [
            np.ascontiguousarray(
                document[i].render(scale=scale, rev_byteorder=True).to_numpy()[:, :, :3]
            )
            for i in range(len(document))
        ]
    finally:
        document.close()


def write_png(path: Path, rgb: np.ndarray) -> None:
    """An RGB array as a PNG file (zlib and struct only, no imaging library)."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def page_fill(rgb: np.ndarray, page_height_pt: float) -> PageFill:
    """Ink and fill of a rendered page's body (between the top and bottom page margins)."""
    pixels_per_mm = rgb.shape[0] / page_height_pt * POINTS_PER_MM
    top = round(MARGIN_MM["top"] * pixels_per_mm)
    bottom = rgb.shape[0] - round(MARGIN_MM["bottom"] * pixels_per_mm)
    rows = (rgb[top:bottom].min(axis=2) < INK_LEVEL).any(axis=1)
    inked = np.flatnonzero(rows)
    fill = (inked[-1] + 1) / len(rows) if len(inked) else 0.0
    return PageFill(ink=float(rows.mean()), fill=float(fill))


def measure_pages(pdf: Path, png_folder: Path | None = None) -> list[PageFill]:
    """Each page's :class:`PageFill`; with ``png_folder``, each page also as ``<stem>-NN.png``."""
    heights = [float(page.mediabox.height) for page in PdfReader(pdf).pages]
    fills = []
    for number, rgb in enumerate(render_pages(pdf), start=1):
        if png_folder is not None:
            write_png(png_folder / f"{pdf.stem}-{number:02d}.png", rgb)
        fills.append(page_fill(rgb, heights[number - 1]))
    return fills


def body_lines(pdf: Path, index: int) -> list[str]:
    """The text lines of one page's body (inside the margins: no running header or footer)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[index]
        width, height = page.get_size()
        text = page.get_textpage().get_text_bounded(
            left=0,
            bottom=MARGIN_MM["bottom"] * POINTS_PER_MM,
            right=width,
            top=height - MARGIN_MM["top"] * POINTS_PER_MM,
        )
    finally:
        document.close()
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- the structure tree of a tagged PDF ---------------------------------------------------------


def _kids(element: DictionaryObject) -> list[object]:
    kids = element.get("/K")
    items = kids if isinstance(kids, ArrayObject) else [] if kids is None else [kids]
    return [kid.get_object() if hasattr(kid, "get_object") else kid for kid in items]


def _walk_one(reader: PdfReader, element: DictionaryObject, page: int | None) -> Iterator[tuple]:
    """The children of ``element``: ``(element, page)`` for structure elements and
    ``(None, page)`` for each piece of marked content (drawn on ``page``)."""
    if "/Pg" in element:
        page = reader.get_page_number(element["/Pg"].get_object())
    for kid in _kids(element):
        if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
            yield None, reader.get_page_number(kid["/Pg"].get_object()) if "/Pg" in kid else page
        elif isinstance(kid, DictionaryObject) and "/S" in kid:
            yield kid, page
        elif isinstance(kid, int):
            yield None, page


def _walk(reader: PdfReader, element: DictionaryObject, page: int | None) -> Iterator[tuple]:
    """Like :func:`_walk_one`, all the way down, in document order."""
    for kid, kid_page in _walk_one(reader, element, page):
        yield kid, kid_page
        if kid is not None:
            yield from _walk(reader, kid, kid_page)


def _pages(reader: PdfReader, element: DictionaryObject, page: int | None) -> frozenset[int]:
    return frozenset(p for kid, p in _walk(reader, element, page) if kid is None and p is not None)


def _structure(pdf: Path) -> tuple[PdfReader, DictionaryObject]:
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    if "/StructTreeRoot" not in root:
        raise ValueError(f"{pdf.name} is not a tagged PDF")
    return reader, root["/StructTreeRoot"].get_object()


def table_pages(pdf: Path) -> list[TablePages]:
    """Every table of a tagged PDF: which pages its header rows and each body row are on.

    A header row is a row of ``TH`` cells only before the first other row (``thead``); a table
    header repeated on a later page is tagged with that page too."""
    reader, root = _structure(pdf)
    tables = []
    for table, page in _walk(reader, root, None):
        if table is None or table["/S"] != "/Table":
            continue
        header: set[int] = set()
        body: list[frozenset[int]] = []
        for row, row_page in _walk(reader, table, page):
            if row is None or row["/S"] != "/TR":
                continue
            cells = [c["/S"] for c in _kids(row) if isinstance(c, DictionaryObject) and "/S" in c]
            pages = _pages(reader, row, row_page)
            if not body and cells and all(cell == "/TH" for cell in cells):
                header |= pages
            elif pages:
                body.append(pages)
        tables.append(TablePages(frozenset(header), tuple(body)))
    return tables


def _pieces(
    reader: PdfReader, element: DictionaryObject, page: int | None, heading: int | None
) -> Iterator[tuple[int, int | None]]:
    """Each piece of marked content in document order: ``(page, id of its heading or None)``."""
    for kid, kid_page in _walk_one(reader, element, page):
        if kid is None:
            if kid_page is not None:
                yield kid_page, heading
        else:
            owner = id(kid) if heading is None and kid["/S"] in HEADINGS else heading
            yield from _pieces(reader, kid, kid_page, owner)


def headings_left_alone(pdf: Path) -> list[int]:
    """Pages (0-based) that end with a heading: what follows it starts on a later page."""
    reader, root = _structure(pdf)
    pieces = list(_pieces(reader, root, None, None))
    return [
        page
        for (page, owner), (next_page, next_owner) in itertools.pairwise(pieces)
        if owner is not None and next_owner != owner and next_page > page
    ]
