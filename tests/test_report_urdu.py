"""The Urdu edition of the reports (issue 18): built by the batch beside English, right to left,
in Nastaliq, offline, with no English left on the page but names and codes.

One batch on the demo, network blocked (the PDF printer aborts any non-local request and fails
the report; the browser pages block and record them): the department report (HLT), the
provincial summary and the PSE Portfolio Report in Urdu, then HLT in English in the same warm
kernel (one worker), which must come out English. The PDF's text of Nastaliq comes out of
extractors in visual, not logical, order (glyphs are stacked diagonally), so the headings are
read from the PDF's outline (bookmarks), which holds them in logical order; the page text is
checked as a multiset of letters. Screenshots: outputs/screenshots/HLT-ur.png (1280 px) and
HLT-ur-390.png.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from conftest import REPO
from i18n_helpers import english_left
from layout_helpers import WIDTHS, assert_charts_whole, assert_fits
from test_report_browser import open_offline

from kpilib.report.batch import BatchOptions, run_batch
from kpilib.report.html import find_external_references
from kpilib.report.manifest import read_manifest
from kpilib.store.database import connect

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "outputs" / "screenshots"
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self._open = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._open is not None:
            self.headings.append(" ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def html_headings(html: str) -> list[str]:
    parser = _Headings()
    parser.feed(html)
    return parser.headings


def _letters(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace() and ch not in "\u2066\u2069")


def test_the_urdu_edition_sits_beside_the_english_one(urdu_batch):
    folder = urdu_batch.folder
    manifest = read_manifest(folder)
    records = {r.report_id: r for r in manifest.reports}
    urdu = records["2024-25/FY/ur/HLT"]
    assert urdu.language == "ur" and urdu.parameters["language"] == "ur" and urdu.ok
    assert urdu.outputs["html"] == "ur/HLT.html" and (folder / "ur" / "HLT.pdf").is_file()
    english = records["2024-25/FY/HLT"]
    assert english.language == "en" and english.input_key != urdu.input_key
    assert {"2024-25/FY/ur/provincial_summary", "2024-25/FY/ur/pse_portfolio_report"} <= set(
        records
    )
    assert manifest.batch.languages == ["ur", "en"]
    # The English page of the index links the Urdu edition; the Urdu page is Urdu.
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="ur/HLT.html"' in index and '<html lang="en">' in index
    urdu_index = (folder / "ur" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ur" dir="rtl">' in urdu_index and 'href="../HLT.html"' in urdu_index
    batch = manifest.batch
    allowed = ["Health", "kpi-suite", batch.database, batch.data_fingerprint, batch.code_version,
               *[r.report_id for r in manifest.reports], *batch.formats,
               "manifest.json"]  # fmt: skip
    assert english_left(urdu_index, allowed=allowed) == []


def test_an_urdu_run_after_both_editions_counts_only_its_own_reports(urdu_batch, tmp_path):
    """``kpi report --language ur`` says what it did: the Urdu reports (here unchanged), not the
    English ones the folder also holds from the earlier run."""
    copy = tmp_path / "reports"
    shutil.copytree(urdu_batch.output_dir, copy)
    urdu_jobs = tuple(job for job in urdu_batch.jobs if job.language == "ur")
    plan = replace(urdu_batch, output_dir=copy, jobs=urdu_jobs, languages=("ur",))
    result = run_batch(plan, BatchOptions(workers=1, timeout=60))
    assert result.run_ids == []
    assert result.counts == {"built": 0, "unchanged": 3, "failed": 0, "interrupted": 0}
    # the manifest also keeps the English reports of the earlier run, as they were
    assert result.manifest.batch.counts == {"built": 3, "unchanged": 3, "failed": 0,
                                            "interrupted": 0}  # fmt: skip


def test_urdu_html_is_right_to_left_offline_with_the_font_embedded(urdu_batch):
    html = (urdu_batch.folder / "ur" / "HLT.html").read_text(encoding="utf-8")
    assert '<html lang="ur" dir="rtl">' in html
    assert html.count("@font-face") == 2 and "data:font/ttf;base64," in html
    assert find_external_references(html) == []
    english = (urdu_batch.folder / "HLT.html").read_text(encoding="utf-8")
    # The warm kernel went back to English: the English report has no Urdu and no font.
    assert '<html lang="en">' in english and "@font-face" not in english
    assert not _ARABIC_SCRIPT.search(re.sub(r"<style.*?</style>", "", english, flags=re.S))


def test_the_urdu_report_names_the_department_in_urdu(urdu_batch):
    html = (urdu_batch.folder / "ur" / "HLT.html").read_text(encoding="utf-8")
    # The demo's Urdu name of Health, used whole (it already says "Department": محکمہ).
    assert '<p class="report-cover-subject">محکمہ صحت</p>' in html
    assert "محکمہ محکمہ" not in html and "سیکرٹری، محکمہ صحت" in html


def test_the_pdf_outline_holds_the_urdu_headings_in_logical_and_document_order(urdu_batch):
    import pypdfium2 as pdfium

    headings = html_headings((urdu_batch.folder / "ur" / "HLT.html").read_text(encoding="utf-8"))
    document = pdfium.PdfDocument(str(urdu_batch.folder / "ur" / "HLT.pdf"))
    try:
        titles = [" ".join(b.get_title().split()) for b in document.get_toc()]
    finally:
        document.close()
    assert len(titles) == len(headings) >= 10
    # Chromium records a heading at a page break twice (its text repeated).
    titles = [t[: len(t) // 2] if t == t[: len(t) // 2] * 2 else t for t in titles]
    for title, heading in zip(titles, headings, strict=True):
        if _LATIN.search(heading):  # mixed Urdu and Latin: the outline has visual order
            assert _letters(title) == _letters(heading), (title, heading)
        else:
            assert title == heading, (title, heading)
    assert titles[0] == "خدمات کی فراہمی کی کارکردگی کی نگرانی کی رپورٹ"
    assert "بجٹ پر عمل درآمد" in titles and "طریقۂ کار" in titles


def test_the_pdf_embeds_nastaliq_and_its_text_holds_the_title(urdu_batch):
    import pypdfium2 as pdfium

    pdf = urdu_batch.folder / "ur" / "HLT.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    embedded = [line for line in fonts.stdout.splitlines() if "NotoNastaliqUrdu" in line]
    assert embedded and all(" yes " in line for line in embedded)
    document = pdfium.PdfDocument(str(pdf))
    try:
        first = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    title = "خدمات کی فراہمی کی کارکردگی کی نگرانی کی رپورٹ"
    missing = _letters(title) - _letters(first)
    assert not missing, f"letters of the title not on page 1: {missing}"


def _margin_fonts(pdf_path) -> dict[str, set[str]]:
    """The fonts of the Urdu letters drawn in page 1's top and bottom margins (the running
    header and footer), by font name."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        page = document[0]
        text, height = page.get_textpage(), page.get_size()[1]
        fonts: dict[str, set[str]] = {}
        for index in range(text.count_chars()):
            char = chr(raw.FPDFText_GetUnicode(text, index))
            box = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
            raw.FPDFText_GetCharBox(text, index, *box)
            in_margin = box[2].value < 40 or box[3].value > height - 40
            if in_margin and _ARABIC_SCRIPT.match(char):
                name = ctypes.create_string_buffer(256)
                raw.FPDFText_GetFontInfo(text, index, name, 256, ctypes.c_int())
                fonts.setdefault(name.value.decode(), set()).add(char)
        return fonts
    finally:
        document.close()


def test_the_pdf_header_and_footer_are_drawn_in_nastaliq(urdu_batch):
    """Chromium draws the running header and footer apart from the page, with fontconfig's fonts:
    the shipped Nastaliq is added to them (kpilib.report.pdf.fontconfig_file); DejaVu Sans, the
    fallback, has no ہ or ے and would draw empty boxes."""
    fonts = _margin_fonts(urdu_batch.folder / "ur" / "HLT.pdf")
    assert fonts, "no Urdu letters in the header or footer"
    assert not [name for name in fonts if "DejaVu" in name], fonts
    assert "ہ" in set().union(*fonts.values())  # "صفحہ", drawn from a font that has it


def _data_names(url: str) -> list[str]:
    """The names and codes of the demo's data (shown as the store holds them)."""
    from kpilib.store import queries

    with connect(url, read_only=True).connect() as connection:
        frames = [
            queries.load_departments(connection),
            queries.load_entities(connection),
            queries.load_indicators(connection),
            queries.load_economic_classes(connection),
            queries.load_cost_centres(connection),
        ]
    names: set[str] = set()
    for frame in frames:
        for column in frame.columns:
            if column.endswith(("_name", "_code", "unit")):
                names |= {str(v) for v in frame[column].dropna()}
    return sorted(names)


#: Not UI text: the names of tools and scores, the paths of parameter files, an API's name.
PROPER_NAMES = [
    "IMF SOE Health Check Tool", "IMF SOE Health Check", "Altman Z''", "Z''", "kpilib.explain",
    "kpi-suite", "parameters/defaults.yaml", "parameters/pefa/pi10.yaml", "flag_severity",
]  # fmt: skip


def _without_pi10(html: str) -> str:
    """The summary without its PEFA PI-10 section: its tables come from the PSE Portfolio
    Report's content (kpilib/report/portfolio_content.py), translated with that report."""
    start = html.find("<h2>PEFA PI-10")
    end = html.find("<h2>", start + 1)
    return html if start < 0 else html[:start] + html[end:]


@pytest.mark.parametrize("stem", ["HLT", "provincial_summary"])
def test_no_english_is_left_on_the_urdu_reports(urdu_batch, demo_sqlite_url, stem):
    html = _without_pi10((urdu_batch.folder / "ur" / f"{stem}.html").read_text(encoding="utf-8"))
    record = read_manifest(urdu_batch.folder).record(f"2024-25/FY/ur/{stem}")
    assert record is not None
    provenance = [record.report_id, record.data_fingerprint[:16], record.code_version]
    rules = [f"parameters/departments/{code}.yaml" for code in ("HLT", "FIN", "EDU")]
    files = [f"{stem}.xlsx", f"{stem}.html"]
    allowed = [*_data_names(demo_sqlite_url), *PROPER_NAMES, *provenance, *rules, *files]
    assert english_left(html, allowed=allowed) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_urdu_report_in_a_browser(browser, urdu_batch, width):
    page, blocked, errors = open_offline(browser, urdu_batch.folder / "ur" / "HLT.html", width)
    try:
        page.evaluate("() => document.fonts.ready")
        assert page.evaluate("() => document.fonts.check(\"16px 'Noto Nastaliq Urdu'\")")
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
        heading = page.locator("h1").first.bounding_box()
        body = page.locator(".report-body").bounding_box()
        assert heading and body  # the title starts at the right
        assert abs((heading["x"] + heading["width"]) - (body["x"] + body["width"])) < 80
        assert_fits(page)
        assert_charts_whole(page, ".jp-RenderedSVG svg")
        assert blocked == [] and errors == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = "HLT-ur.png" if width == 1280 else f"HLT-ur-{width}.png"
        page.screenshot(path=str(SCREENSHOTS / name))
    finally:
        page.close()


def test_the_urdu_workbook_reads_right_to_left(urdu_batch):
    from openpyxl import load_workbook

    workbook = load_workbook(urdu_batch.folder / "ur" / "HLT.xlsx")
    assert all(sheet.sheet_view.rightToLeft for sheet in workbook.worksheets)
    first = workbook.worksheets[1]
    assert _ARABIC_SCRIPT.search(str(first["A1"].value))
    english = load_workbook(urdu_batch.folder / "HLT.xlsx")
    assert not any(sheet.sheet_view.rightToLeft for sheet in english.worksheets)


def test_the_language_is_checked_in_plain_words(demo_sqlite_url, tmp_path):
    from kpilib.errors import ReportBatchError
    from kpilib.report.params import load_parameter_set
    from kpilib.report.plan import NotebookPaths, plan_batch

    with pytest.raises(ReportBatchError, match="'fr' is not one of en, ur"):
        plan_batch(
            connect(demo_sqlite_url, read_only=True), load_parameter_set(REPO / "parameters"),
            notebooks=NotebookPaths.in_folder(REPO / "notebooks"), output_dir=tmp_path,
            departments=["HLT"], fiscal_year="2024-25", include_summary=False,
            languages=["fr"],
        )  # fmt: skip


def test_a_parameter_file_sets_the_default_editions(tmp_path):
    from kpilib.errors import ParameterFileError
    from kpilib.report.params import load_parameter_set

    defaults = (REPO / "parameters" / "defaults.yaml").read_text(encoding="utf-8")
    (tmp_path / "defaults.yaml").write_text(
        defaults.replace("language: en", "language: [en, ur]"), encoding="utf-8"
    )
    assert load_parameter_set(tmp_path).defaults.language == ["en", "ur"]
    (tmp_path / "defaults.yaml").write_text(
        defaults.replace("language: en", "language: urdu"), encoding="utf-8"
    )
    with pytest.raises(ParameterFileError, match="language"):
        load_parameter_set(tmp_path)
