"""The three dashboards built in-process (no browser): they show the view's figures, follow
their selectors, explain bad links, and refuse what a crafted widget message asks for."""

import pytest
from traitlets import TraitError

from kpilib.dashboards.department import build_department_dashboard
from kpilib.dashboards.page import SharedBundleChart, new_chart_widget, start_dashboard
from kpilib.dashboards.province import build_province_dashboard
from kpilib.dashboards.pse_monitor import build_pse_monitor
from kpilib.views import select_department


@pytest.fixture(scope="module")
def context(demo_sqlite_url):
    return start_dashboard(url=demo_sqlite_url)


def spec_text(panel) -> str:
    return str(panel.chart.spec)


def test_province_shows_the_views_totals_and_follows_its_selectors(context):
    page = build_province_dashboard(context)
    view = page.view
    total = view.province_execution.set_index("budget_type").loc["total"]
    assert f"{total['utilisation']:.1f} %" in page.cards.value
    assert f"{total['revised_budget'] / 1e6:,.0f}" in page.cards.value
    assert "Budget utilisation, 2024-25 FY" in spec_text(page.ranking_chart)
    assert page.exceptions_table.value.count("<tr>") == len(view.exceptions) + 1
    page.select(period="Q2")
    assert page.view.period.code == "2024-25Q2"
    assert "Budget utilisation, 2024-25 Q2" in spec_text(page.ranking_chart)
    page.rank_by.value = "service"
    assert "Service-delivery score" in spec_text(page.ranking_chart)
    page.exception_area.value = "returns"
    assert "PSE returns" in page.exceptions_table.value
    assert "PSE risk" not in page.exceptions_table.value


def test_department_page_is_the_department_view(context):
    page = build_department_dashboard(context, "department=HLT&period=Q4")
    assert page.selection.department == "HLT" and page.messages.value == ""
    dept = select_department(page.view, "HLT")
    assert "Health: spending against plan" in spec_text(page.curve_chart)
    assert f"{dept.summary['utilisation']:.1f} %" in page.cards.value
    assert next(iter(page.indicator.options))[1] == dept.indicators["indicator_code"].iloc[0]
    page.indicator.value = "HLT-IMR"
    assert "HLT-IMR Infant mortality rate" in spec_text(page.trend_chart)
    page.select(department="FIN")
    assert "Finance: spending against plan" in spec_text(page.curve_chart)
    assert "Finance Department" in page.title_panel.value
    assert page.indicator.layout.display == "none"  # Finance reports no indicator
    assert "reports no province-level service-delivery indicator" in page.indicator_table.value
    assert "pse_monitor.ipynb?pse=ABD-002" in page.pse_table.value


def test_a_bad_link_is_explained_and_the_defaults_shown(context):
    page = build_department_dashboard(context, "department=XYZ&year=2024", department="ESE")
    assert page.selection.department == "ESE"
    assert "no department with the code &#x27;XYZ&#x27;" in page.messages.value
    assert "&#x27;year&#x27; is not one this page takes" in page.messages.value
    page.apply_query("department=HLT")
    assert page.selection.department == "HLT" and page.messages.value == ""


def test_crafted_widget_values_are_refused(context, monkeypatch):
    page = build_department_dashboard(context)
    shown = page.selection
    with pytest.raises(TraitError):
        page.department.set_state({"index": 999})  # what a forged comm message would do
    monkeypatch.setattr(
        page, "selected_values", lambda: {"fiscal_year": "2024-25", "department": "'; DROP"}
    )
    page._on_change({})
    assert "cannot be shown" in page.messages.value
    assert page.selection == shown


def test_pse_monitor_moves_between_category_and_pse(context):
    page = build_pse_monitor(context)
    assert page.pse_box.layout.display == "none"
    assert "All categories: latest Altman Z''" in spec_text(page.z2_by_pse_chart)
    page.select(category="teaching_hospital")
    assert [v for _, v in page.pse.options][1].startswith("MTI-")
    assert "Medical teaching institutions" in spec_text(page.z2_by_pse_chart)
    page.select(pse="MTI-001")
    assert page.category_box.layout.display == "none" and page.pse_box.layout.display is None
    assert "MTI-001" in spec_text(page.z2_chart) and "MTI-001: returns" in spec_text(
        page.submission_chart
    )
    assert "Profitability" in page.rating_table.value
    page.select(category="university")  # another category: back to the whole category
    assert page.selection.pse is None and page.pse.value == ""


def test_charts_share_the_servers_bundle_only_under_kpi_serve(monkeypatch):
    monkeypatch.delenv("KPI_DASHBOARD_CHART_BUNDLE", raising=False)
    assert not isinstance(new_chart_widget(), SharedBundleChart)
    monkeypatch.setenv("KPI_DASHBOARD_CHART_BUNDLE", "1")
    chart = new_chart_widget()
    assert isinstance(chart, SharedBundleChart)
    assert "static/kpi-charts.js" in chart._esm and len(chart._esm) < 1000
