"""The printed reports' pages (issue 21): no blank page, no half-empty page where content could
have flowed, no heading or table row left alone, the table header on every page of a table.

The demo batch's PDFs (Health, Finance, provincial summary) are rasterised to PNG with
pypdfium2 and measured between the running header and footer (tests/pdf_pages.py); the PNGs go
to outputs/screenshots/pdf/ to look at. Tables and headings are read from a tagged copy printed
by the same printer. Properties only: no page counts, so the checks hold as content changes.

Needs ``apt-get install -y chromium``: missing, these tests fail in CI and skip locally.
"""

import pytest
from conftest import REPO
from pdf_pages import body_lines, headings_left_alone, measure_pages, table_pages

from kpilib.report.pdf import PdfPrinter

pytestmark = pytest.mark.slow
PNGS = REPO / "outputs" / "screenshots" / "pdf"
STEMS = ("HLT", "FIN", "provincial_summary")
#: A page with ink in less than this share of its body's pixel rows is blank.
BLANK_INK = 0.02
#: Every page but the cover (followed by a forced break) and the last one is filled at least
#: this far down its body: content flows on rather than leaving half a page empty. What may stay
#: below it is a page before something that cannot be split and does not fit (a chart, or a
#: heading with a table's header and first two rows), and such a piece is under half a page.
FILL_FLOOR = 0.5


@pytest.fixture(scope="module")
def printed(chromium_path, demo_report_batch, tmp_path_factory):
    """``{stem: (shipped PDF, tagged copy, title)}``: the copy is printed from the same HTML by the
    same printer with the structure tree added (the layout does not change)."""
    plan, _result = demo_report_batch
    folder = tmp_path_factory.mktemp("tagged")
    jobs = {job.name.path(plan.output_dir, "pdf").stem: job for job in plan.jobs}
    copies = {}
    with PdfPrinter(chromium_path) as printer:
        for stem in STEMS:
            job = jobs[stem]
            tagged = folder / f"{stem}.pdf"
            html = job.name.path(plan.output_dir, "html")
            printer.print_pdf(html, tagged, title=job.title, is_demo=plan.is_demo, tagged=True)
            copies[stem] = (plan.folder / f"{stem}.pdf", tagged, job.title)
    return copies


@pytest.mark.parametrize("stem", STEMS)
def test_no_page_is_blank_or_half_empty(printed, stem):
    shipped, tagged, _title = printed[stem]
    PNGS.mkdir(parents=True, exist_ok=True)
    fills = measure_pages(shipped, PNGS)
    assert len(fills) == len(measure_pages(tagged)), "tagging changed the layout"
    report = [f"{f.ink:.2f}/{f.fill:.2f}" for f in fills]
    for number, fill in enumerate(fills, start=1):
        assert fill.ink >= BLANK_INK, (stem, number, "blank page", report)
        if 1 < number < len(fills):
            assert fill.fill >= FILL_FLOOR, (stem, number, "under the fill floor", report)


@pytest.mark.parametrize("stem", STEMS)
def test_the_last_page_holds_more_than_the_provenance(printed, stem):
    shipped, _tagged, title = printed[stem]
    lines = body_lines(shipped, len(measure_pages(shipped)) - 1)
    # The provenance footer starts with the report's title (the page footer, which repeats it,
    # is outside the body); some of the report itself must come before it.
    start = next(
        (i for i, line in enumerate(lines) if len(line) > 20 and title.startswith(line)), None
    )
    assert start is not None, (stem, "no provenance on the last page", lines)
    assert start > 0, (stem, "the last page holds the provenance alone", lines[:6])


@pytest.mark.parametrize("stem", STEMS)
def test_no_table_row_or_heading_stands_alone(printed, stem):
    _shipped, tagged, _title = printed[stem]
    tables = table_pages(tagged)
    assert tables, "no table found: is the copy tagged?"
    for number, table in enumerate(tables, start=1):
        pages = sorted(set().union(*table.body_pages)) if table.body_pages else []
        if table.header_pages and pages:
            # The header repeats on every page of the table and never ends a page by itself.
            assert set(pages) == set(table.header_pages), (stem, number, table)
        if len(pages) > 1:
            rows_on = [sum(page in row for row in table.body_pages) for page in pages]
            assert min(rows_on) >= 2, (
                stem,
                number,
                "a row alone on a page",
                dict(zip(pages, rows_on, strict=True)),
            )
    assert headings_left_alone(tagged) == [], (stem, "a heading ends a page")
