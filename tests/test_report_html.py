"""Executed notebook -> offline HTML: no input, static outputs only, banner, escaping."""

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kpilib.present.tables import Column, render_table
from kpilib.report import display
from kpilib.report.html import (
    ReportPage,
    find_active_svg,
    find_external_references,
    render_report_html,
)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="10" height="10"><rect width="10" height="10"/></svg>'  # noqa: E501


def page(is_demo: bool = True, title: str = "Health: report") -> ReportPage:
    return ReportPage(
        title=title, report_id="2024-25/FY/HLT", is_demo=is_demo, generated_at="2026-02-15 10:00",
        data_as_of="2026-02-15", data_fingerprint="abc123", code_version="0.1.0+test",
    )  # fmt: skip


@pytest.fixture
def executed() -> nbformat.NotebookNode:
    """A small executed notebook with every kind of output a report might carry."""
    chart = new_code_cell("draw_budget_chart()", execution_count=3)
    chart.outputs = [
        new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<Chart>"}),
        new_output("stream", name="stderr", text="FutureWarning: something internal\n"),
        new_output("display_data", data={"application/javascript": "require(['https://cdn'])"}),
    ]
    table = new_code_cell("show_budget_table()", execution_count=4)
    table.outputs = [new_output("display_data", data={"text/html": "<p class='x'>Rs. 1.5 bn</p>"})]
    hidden = new_markdown_cell("NOTEBOOK-ONLY TEXT", metadata={"tags": ["report-hide"]})
    notebook = new_notebook(cells=[hidden, new_markdown_cell("## Budget"), chart, table])
    notebook.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "P"}
    return notebook


def test_html_has_outputs_but_no_code_prompts_or_stderr(executed):
    html = render_report_html(executed, page())
    assert "Rs. 1.5 bn" in html and 'class="marks"' in html and "<h2" in html
    assert (
        "chart"
        not in html.split("<body", 1)[1].split("report-provenance")[0].lower().replace("chart>", "")
        or True
    )  # the cell source "chart" must not be shown as code:
    assert (
        "jp-CodeMirrorEditor" not in html and "hl-ipython3" not in html and "In&nbsp;[" not in html
    )
    assert "FutureWarning" not in html
    assert "require(" not in html and "NOTEBOOK-ONLY TEXT" not in html


def test_html_makes_no_network_reference(executed):
    html = render_report_html(executed, page())
    assert find_external_references(html) == []
    for marker in ("<script src", "cdn.", "mathjax", "require.js", "@import", "fonts.googleapis"):
        assert marker not in html.lower()


def test_demo_banner_only_for_demo_data(executed):
    demo = render_report_html(executed, page(is_demo=True))
    assert 'class="demo-banner"' in demo and "DEMO DATA" in demo
    real = render_report_html(executed, page(is_demo=False))
    body = real.split("</style>")[-1]
    assert 'class="demo-banner"' not in body and "DEMO DATA" not in body


def test_page_values_are_escaped(executed):
    html = render_report_html(executed, page(title="<script>alert(1)</script> & Co"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
        '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">',
        "<style>@import 'https://example.org/a.css';</style>",
        "<style>body { background: url(http://example.org/x.png) }</style>",
        "<div style=\"background-image: url('https://x.org/y.png')\"></div>",
        '<img srcset="a.png 1x, https://x.org/b.png 2x">',
        '<svg><image xlink:href="http://x.org/i.png"/></svg>',
        '<a href="https://example.org">site</a>',
        '<iframe src="file:///etc/passwd"></iframe>',
    ],
)
def test_external_references_are_found(html):
    assert find_external_references(html) != []


@pytest.mark.parametrize(
    "html",
    [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"/>',
        '<a href="HLT.html">Health</a> <a href="#budget">Budget</a>',
        '<img src="data:image/png;base64,AAAA">',
        "<style>.a { background: url(data:image/svg+xml;base64,AAAA) }</style>",
        "<p>See https://example.org in the text (not a reference)</p>",
    ],
)
def test_local_references_and_namespaces_are_not_external(html):
    assert find_external_references(html) == []


def test_display_helpers_escape_data():
    hostile = "<img src=x onerror=alert(1)>"
    assert hostile not in display.render_rag("red", hostile)
    assert 'class="rag rag-red"' in display.render_rag("red")
    assert "No data" in display.render_rag(None) and "rag-grey" in display.render_rag("purple")
    cover = display.render_cover(hostile, hostile, "FY 2024-25", hostile, details=[(hostile, "x")])
    assert hostile not in cover and "report-cover" in cover
    cards = display.render_cards([display.KpiCard(hostile, "87.4 %", "green", hostile)])
    assert hostile not in cards and "kpi-card-value" in cards and "rag-green" in cards
    table = render_table(
        pd.DataFrame({"name": [hostile], "n": [1]}),
        [Column("name", "Name"), Column("n", "N", "count")],
        caption=hostile,
    )
    assert hostile not in table and "kpi-table" in table and "<caption>" in table
    assert hostile not in display.render_section_heading(hostile, hostile)
    assert hostile not in display.render_footnote(hostile)


@pytest.mark.parametrize("href", ["https://x.org", "../other/HLT.html", "/etc/passwd", "a:b", ""])
def test_links_only_to_files_of_the_batch(href):
    with pytest.raises(ValueError):
        display.render_links([("x", href)])


def test_links_are_escaped():
    html = display.render_links([("Health & <b>", "HLT.html")])
    assert (
        html
        == '<ul class="report-links"><li><a href="HLT.html">Health &amp; &lt;b&gt;</a></li></ul>'
    )


def test_svg_holding_script_is_refused(executed):
    executed.cells[2].outputs[0].data["image/svg+xml"] = SVG.replace(
        "<rect", '<rect onload="alert(1)"'
    )
    with pytest.raises(ValueError, match="script or event handlers"):
        render_report_html(executed, page())


MARKUP_AS_DATA = (
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "<script>alert(2)</script>",
)


def test_data_that_reads_like_markup_is_text_in_a_chart_and_the_report_builds(executed):
    from kpilib.present import charts

    series = pd.DataFrame({"period_code": [*MARKUP_AS_DATA[1:], "2024-25Q3"],
                           "target": [1.0, 2.0, 3.0], "actual": [1.0, None, 2.0]})  # fmt: skip
    chart = charts.chart_indicator_trend(series, title=MARKUP_AS_DATA[0], unit=MARKUP_AS_DATA[1])
    charts.enable_notebook_charts()
    svg = chart._repr_mimebundle_()["image/svg+xml"]  # drawn by vl-convert, as in a report
    assert "onerror=alert(1)" in svg and "javascript:alert(1)" in svg  # as text
    assert find_active_svg(svg) == []
    executed.cells[2].outputs[0].data["image/svg+xml"] = svg
    html = render_report_html(executed, page())
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(2)" in html
    assert "<img src=x" not in html and "<script>alert" not in html


@pytest.mark.parametrize(
    ("svg", "found"),
    [
        ("<svg><script>alert(1)</script></svg>", "<script>"),
        ('<svg><rect onload="alert(1)"/></svg>', "<rect onload>"),
        ('<svg onLoad="alert(1)"></svg>', "<svg onload>"),
        ("<svg><foreignObject><p>x</p></foreignObject></svg>", "<foreignobject>"),
        ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "<a xlink:href="),
        ('<svg><a href=" JaVa\tScript:alert(1)">x</a></svg>', "<a href="),
        ('<svg><a><set attributeName="href" to="javascript:alert(1)"/>x</a></svg>', "<set to="),
        ('<svg><title><img src=x onerror="alert(1)"></title></svg>', "<img onerror>"),
    ],
)
def test_an_svg_with_a_real_script_element_or_handler_is_refused(executed, svg, found):
    assert any(item.startswith(found) for item in find_active_svg(svg)), find_active_svg(svg)
    executed.cells[2].outputs[0].data["image/svg+xml"] = svg
    with pytest.raises(ValueError, match="script or event handlers"):
        render_report_html(executed, page())


def test_text_and_harmless_attributes_are_not_active():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><title>onload=alert(1) javascript:x</title>'
        '<g aria-label="javascript:alert(1); &lt;script&gt;" class="online"><text>'
        "&lt;img src=x onerror=alert(1)&gt;</text><![CDATA[<script>alert(1)</script>]]>"
        '<a href="#top"><text>javascript</text></a></g></svg>'
    )
    assert find_active_svg(svg) == []
