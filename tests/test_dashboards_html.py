"""Dashboard HTML: links stay on the server, downloads are formula-safe CSV, long tables say so.

The table model itself (formats, statuses, escaping) is tested in tests/test_present_tables.py."""

import base64
import re
from datetime import date

import pandas as pd
import pytest
from conftest import REPO

from kpilib.dashboards import html
from kpilib.fiscal import resolve_report_period
from kpilib.present.export import encode_csv, write_csv
from kpilib.present.tables import Column, export_table

EVIL = '<script>alert("x")</script>'


def test_long_tables_say_how_many_rows_the_download_has():
    frame = pd.DataFrame({"n": range(250)})
    page = html.render_page_table(frame, [Column("n", "N", "count")])
    assert page.count("<tr>") == 201  # header + 200 rows
    assert "Showing the first 200 of 250 rows" in page
    assert html.render_page_table(frame.head(0), [Column("n", "N")], empty="None.") == (
        '<p class="kpi-empty">None.</p>'
    )


def decode_download(link: str) -> bytes:
    payload = re.search(r'base64,([A-Za-z0-9+/=]+)"', link)[1]
    return base64.b64decode(payload)


def test_download_is_formula_safe_csv_with_the_shown_columns(tmp_path):
    frame = pd.DataFrame(
        {"code": ['=HYPERLINK("http://x")', "@SUM(A1)", "ok"], "amount": [-1_500_000, 2e6, 0]}
    )
    columns = [Column("code", "Code"), Column("amount", "Amount", "money")]
    link = html.render_table_with_download(frame, columns, "kpi_test 2024-25")
    assert 'download="kpi_test_2024-25.csv"' in link
    body = decode_download(link)
    exported = export_table(frame, columns)
    assert list(exported.columns) == ["Code", "Amount (Rs m)"]
    assert body == encode_csv(exported)
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "-1.5" in text
    write_csv(exported, tmp_path / "same.csv")
    assert (tmp_path / "same.csv").read_bytes() == body


def test_links_only_reach_the_dashboards():
    link = html.dashboard_link("department.ipynb", department="A&B", fiscal_year="2024-25")
    assert link == "department.ipynb?department=A%26B&fiscal_year=2024-25"
    assert html.dashboard_link("province.ipynb", period=None) == "province.ipynb"
    with pytest.raises(ValueError, match="not a dashboard"):
        html.dashboard_link("../../etc/passwd")


def test_period_is_described_as_year_to_date():
    assert html.describe_period(resolve_report_period("2024-25", "FY")) == (
        "Fiscal year 2024-25 (July 2024 – June 2025)"
    )
    assert html.describe_period(resolve_report_period("2024-25", "Q2")) == (
        "2024-25, year to date through Q2 (July–December 2024)"
    )


def test_as_of_line_and_demo_banner():
    line = html.render_as_of("Fiscal year 2024-25", date(2025, 6, 30), date(2026, 2, 15), True)
    assert "DEMO DATA" in line and "figures to 30 Jun 2025" in line
    assert "data as of 15 Feb 2026" in line
    assert "demo-banner" not in html.render_as_of("x", date(2025, 6, 30), None, False)
    assert html.render_messages([]) == ""
    assert "&lt;i&gt;" in html.render_messages(["<i>bad</i>"])


def test_printing_a_dashboard_hides_the_controls_and_keeps_tables_whole():
    folder = REPO / "kpilib/dashboards/jupyter/voila/templates/kpi_dashboard"
    template = (folder / "index.html.j2").read_text()
    assert '{% include "static/kpi-dashboard-print.css" %}' in template
    css = (folder / "static/kpi-dashboard-print.css").read_text()
    assert css.count("{") == css.count("}") and "@media print" in css
    for rule in (".kpi-dash-controls", ".kpi-download", "max-height: none", "break-inside: avoid",
                 "table-header-group", ".kpi-chart svg"):  # fmt: skip
        assert rule in css
