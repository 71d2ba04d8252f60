"""HTML report -> A4 PDF with page numbers, printed by the system Chromium through Playwright.

Nothing is downloaded: Playwright drives Debian's ``/usr/bin/chromium`` (or ``KPI_CHROMIUM``),
the browser context is offline and every request that is not to a local file or a ``data:`` URI
is aborted (and reported: a report that asks for the network is a broken report). Each page
carries the report's title and "page N of M" in the footer, and a DEMO DATA band in the header
when the data is a demo, in the report's language (the current one, :mod:`kpilib.i18n`; right to
left in Urdu).

An Urdu PDF has a document outline (bookmarks) made from the report's headings: it is how the
headings' text can be read back, since Chromium draws Nastaliq glyphs stacked diagonally and
text extractors return a page's Urdu letters out of order, while each bookmark holds its
heading's text in logical order (tests/test_report_urdu.py reads them). Chromium builds the
outline from the PDF's structure tree, so Urdu PDFs are tagged (about twice the size); English
PDFs stay untagged, as small as before (``outline`` is asked for, and gives nothing untagged).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from html import escape
from pathlib import Path
from typing import Any

from kpilib.errors import ChromiumNotFoundError
from kpilib.i18n import _, is_right_to_left
from kpilib.present.fonts import URDU_FONT_STACK, urdu_font_directory

DEFAULT_CHROMIUM = "/usr/bin/chromium"
ENV_CHROMIUM = "KPI_CHROMIUM"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage")  # fmt: skip
LOCAL_URL_PREFIXES = ("file:", "data:", "about:", "blob:")
#: The page margins; the running header (DEMO DATA) and footer (title, page N of M) sit in them.
MARGIN_MM = {"top": 16, "bottom": 16, "left": 14, "right": 14}
#: Before printing: the report's last block (going down from the last output through wrappers
#: such as ``.report-block``: the last methodology block or explanation, or a closing note) and
#: the provenance footer go into one box that is not split (``.kpi-print-end``), so the last page
#: holds that much at least, never the provenance alone. ``break-before: avoid`` on the footer is
#: not enough: Chromium 156 does not look for an earlier break inside the last cell's nested
#: blocks. The HTML file is not changed.
_KEEP_PROVENANCE_WITH_THE_END = """() => {
  const footer = document.querySelector('.report-provenance');
  const outputs = document.querySelectorAll('.jp-OutputArea-output');
  if (!footer || !outputs.length) return;
  let last = outputs[outputs.length - 1].lastElementChild;
  while (last && last.matches('.report-block, .report-methodology') && last.lastElementChild) {
    last = last.lastElementChild;
  }
  if (!last) return;
  const end = document.createElement('div');
  end.className = 'kpi-print-end';
  end.style.breakInside = 'avoid';
  last.before(end);
  end.append(last, footer);
}"""
_SMALL = "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 8px; width: 100%;"


def find_chromium() -> Path:
    """The Chromium to use: ``KPI_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on PATH.

    Raises :class:`ChromiumNotFoundError` when there is none.
    """
    configured = os.environ.get(ENV_CHROMIUM)
    candidates = [configured] if configured else [DEFAULT_CHROMIUM, shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise ChromiumNotFoundError(configured or DEFAULT_CHROMIUM)


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig file (written in ``folder``) that adds the shipped Nastaliq font to the
    machine's fonts. Chromium draws the running header and footer apart from the page, with the
    fonts fontconfig knows and not the page's embedded ones: without it an Urdu footer falls back
    to DejaVu Sans, which has no ہ or ے (drawn as empty boxes)."""
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{escape(str(urdu_font_directory()))}</dir>\n"
        f"  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def _small() -> str:
    """The header's and footer's font (Urdu: the shipped Nastaliq, through
    :func:`fontconfig_file`)."""
    if is_right_to_left():
        return f"font-family: {URDU_FONT_STACK}; font-size: 8px; width: 100%; direction: rtl;"
    return _SMALL


def _header(is_demo: bool) -> str:
    if not is_demo:
        return "<span></span>"
    spacing = "" if is_right_to_left() else " letter-spacing: 0.08em;"
    demo, official = _("DEMO DATA"), _("not official statistics")
    return (
        f'<div style="{_small()} text-align: center; color: #3d2e00; font-weight: bold;'
        f'{spacing}">{escape(demo)} &mdash; {escape(official)}</div>'
    )


def _footer(title: str) -> str:
    pages = escape(_("Page {page} of {pages}")).format(
        page='<span class="pageNumber"></span>', pages='<span class="totalPages"></span>'
    )
    return (
        f'<div style="{_small()} color: #57606a; display: flex; justify-content: space-between; '
        f'padding: 0 14mm;"><span>{escape(title)}</span><span>{pages}</span></div>'
    )


class PdfPrinter:
    """A headless Chromium kept open to print several reports (use from one thread only)."""

    def __init__(self, chromium: Path | None = None) -> None:
        self.chromium = Path(chromium) if chromium else find_chromium()
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._blocked: list[str] = []
        self._fonts: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> PdfPrinter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _ensure_page(self) -> Any:
        if self._page is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._fonts = tempfile.TemporaryDirectory(prefix="kpi-fonts-")
            fonts = fontconfig_file(Path(self._fonts.name))
            self._browser = self._playwright.chromium.launch(
                executable_path=str(self.chromium),
                args=list(CHROMIUM_ARGS),
                env={**os.environ, "FONTCONFIG_FILE": str(fonts)},
            )
            context = self._browser.new_context(offline=True)
            self._page = context.new_page()
            self._page.route("**/*", self._guard)
            self._page.emulate_media(media="print")
        return self._page

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(LOCAL_URL_PREFIXES):
            route.continue_()
        else:
            self._blocked.append(url)
            route.abort()

    def print_pdf(
        self, html: Path, pdf: Path, *, title: str, is_demo: bool, tagged: bool = False
    ) -> None:
        """Print ``html`` (a local file) to ``pdf`` on A4 with page numbers.

        An Urdu PDF is tagged and has an outline (bookmarks) of the report's headings.
        ``tagged`` adds the PDF structure tree (headings, tables, rows and the pages they are
        on; the same layout, a file about three times larger): the page tests read it.
        Raises ``RuntimeError`` naming the requests it blocked if the page asked for any
        non-local resource. One page is reused from report to report (a new one costs ~0.3 s).
        """
        page = self._ensure_page()
        self._blocked = []
        page.goto(Path(html).resolve().as_uri(), wait_until="load")
        page.evaluate(_KEEP_PROVENANCE_WITH_THE_END)
        tagged = tagged or is_right_to_left()  # the outline is made from the structure tree
        page.pdf(
            path=str(pdf),
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template=_header(is_demo),
            footer_template=_footer(title),
            margin={side: f"{mm}mm" for side, mm in MARGIN_MM.items()},
            tagged=tagged,
            outline=True,
        )
        if self._blocked:
            raise RuntimeError(
                f"the report asked for network resources: {', '.join(self._blocked)}"
            )

    def close(self) -> None:
        """Close the browser and stop Playwright."""
        self._page = None
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
        if self._fonts is not None:
            self._fonts.cleanup()
            self._fonts = None
