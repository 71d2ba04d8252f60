"""The department dashboard: budget execution against plan (by month and economic head), the
department's service-delivery indicators with RAG and trends, and its PSEs.

Every figure is the department's slice of the province view
(:func:`kpilib.views.select_department`), exactly what its printed report shows.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from kpilib.dashboards import html
from kpilib.dashboards.page import ChartPanel, DashboardContext, DashboardPage, dropdown, html_panel
from kpilib.i18n import N_, _, is_right_to_left
from kpilib.present import charts
from kpilib.present.explain import explain_figures
from kpilib.present.headline import department_headline, describe_rule
from kpilib.present.html import render_footnote, render_headline
from kpilib.present.messages import AREA_LABELS, label_severity, translate_flags
from kpilib.present.pse_words import statement_words
from kpilib.present.tables import Column
from kpilib.views import (
    DepartmentView,
    ProvinceView,
    UnknownDepartmentError,
    select_department,
)
from kpilib.views.pse import CATEGORY_LABELS
from kpilib.views.selection import Selection

EXECUTION_COLUMNS = [
    Column("budget_label", N_("Budget")),
    Column("original_budget", N_("Original budget"), "money", 0),
    Column("revised_budget", N_("Revised budget"), "money", 0),
    Column("released", N_("Released"), "money", 0),
    Column("expended", N_("Expended"), "money", 0),
    Column("release_rate", N_("Released (% of revised)"), "percent"),
    Column("utilisation", N_("Utilisation (% of revised)"), "percent"),
    Column("utilisation_of_releases", N_("Spent of releases (%)"), "percent"),
    Column("burn_vs_plan", N_("Spending against plan (%)"), "percent"),
    Column("rag", N_("Status"), "rag", label_key="rag_label"),
]
INDICATOR_COLUMNS = [
    Column("indicator_code", N_("Code")),
    Column("indicator_name", N_("Indicator")),
    Column("unit", N_("Unit")),
    Column("period_code", N_("Latest period")),
    Column("target", N_("Target"), "number", 2),
    Column("actual", N_("Actual"), "number", 2),
    Column("achievement", N_("Achievement (% of target)"), "percent"),
    Column("rag", N_("Status"), "rag", label_key="rag_label"),
    Column("change_vs_last_year", N_("Change on a year earlier"), "number", 2),
    Column("trend", N_("Trend")),
]
PSE_COLUMNS = [
    Column("entity_code", N_("Code"), "link", href_key="link"),
    Column("entity_name", N_("PSE")),
    Column("category_label", N_("Category")),
    Column("statement", N_("Latest statement")),
    Column("overall_rating", N_("Overall risk"), "rating"),
    Column("z2", N_("Z''"), "number", 2),
    Column("z2_zone", N_("Z'' zone"), "zone"),
    Column("loss_text", N_("Loss maker")),
    Column("completeness", N_("Returns received (%)"), "share", 0),
    Column("timeliness", N_("On time (%)"), "share", 0),
]
EXCEPTION_COLUMNS = [
    Column("severity_rag", N_("Severity"), "rag", label_key="severity_label"),
    Column("area_label", N_("Area")),
    Column("subject", N_("Subject")),
    Column("message", N_("What is wrong")),
]
BUDGET_LABELS = {"current": N_("Current"), "development": N_("Development (ADP)"),
                 "total": N_("Total")}  # fmt: skip


def _trend(row: pd.Series) -> str:
    improved = row["improved_vs_last_year"]
    if improved is pd.NA or pd.isna(improved):
        return "–"
    return _("Better than a year earlier") if improved else _("Worse than a year earlier")


class DepartmentDashboard(DashboardPage):
    """One department for a fiscal year and period."""

    title = N_("Department")
    notebook = "department.ipynb"
    lead = N_(
        "One department's budget execution against plan, its service-delivery indicators "
        "with their status and trends, and its public sector entities."
    )
    query_keys = ("fiscal_year", "period", "department")

    def build(self) -> list[widgets.Widget]:
        self.department = dropdown(
            "department",
            _("Department"),
            [(self.name(code, name), code) for code, name in self.choices.departments.items()],
            self.selection.department,
            width="420px",
        )
        self.title_panel = html_panel("department-title")
        self.cards = html_panel("cards")
        self.curve_chart = ChartPanel("curve")
        self.class_chart = ChartPanel("by-class")
        self.execution_table = html_panel("execution-table")
        self.indicator_table = html_panel("indicator-table")
        self.indicator = dropdown("indicator", _("Trend of"), [], None, width="520px")
        self.indicator.observe(lambda _c: self._render_trend(), names="value")
        self.trend_chart = ChartPanel("trend")
        self.pse_table = html_panel("pse-table")
        self.exceptions_table = html_panel("exceptions-table")
        self.department_view: DepartmentView | None = None

        def section(title: str, lead: str) -> widgets.HTML:
            return widgets.HTML(html.render_section(title, lead))

        budget_charts = widgets.HBox([self.curve_chart.widget, self.class_chart.widget])
        budget_charts.add_class("kpi-dash-columns")
        return [
            self.title_panel,
            self.cards,
            section(_("Budget execution"), _("Spending against the straight-line plan, by "
                    "month and by economic classification (object head).")),
            budget_charts,
            self.execution_table,
            section(_("Service-delivery indicators"), _("Latest period of each indicator "
                    "against its target; status by achievement.")),
            self.indicator_table,
            self.indicator,
            self.trend_chart.widget,
            section(_("Public sector entities"), _("Each PSE's latest quarterly statement and "
                    "its returns in the period; the code opens the PSE monitor.")),
            self.pse_table,
            section(_("Exceptions"), _("The department's red flags.")),
            self.exceptions_table,
        ]  # fmt: skip

    def selectors(self) -> list[widgets.Dropdown]:
        return [self.department, self.fiscal_year, self.period]

    def selected_values(self) -> dict[str, str | None]:
        return {**super().selected_values(), "department": self.department.value}

    def sync_selectors(self, selection: Selection) -> None:
        super().sync_selectors(selection)
        self.department.value = selection.department

    def render(self, view: ProvinceView, selection: Selection) -> None:
        dept = select_department(view, _department(selection))
        self.department_view = dept
        self.selection = selection
        title = self.department_title(dept.code, dept.name)
        self.title_panel.value = f"<h2>{html.escape(title)}</h2>"
        explained = explain_figures(self.context.engine, view, dept.code)
        self.cards.value = render_headline(
            department_headline(view, dept.code, _("listed below")),
            explanations={item.figure.key: item for item in explained},
        )
        self._render_budget(dept, selection)
        self._render_indicators(dept, selection)
        self._render_pses(dept, selection)
        # most severe first (the view's order), in the reader's words
        exceptions = translate_flags(label_severity(dept.exceptions))
        exceptions["area_label"] = [_(AREA_LABELS.get(a, a)) for a in exceptions["area"]]
        self.exceptions_table.value = self.table_with_download(
            exceptions,
            EXCEPTION_COLUMNS,
            html.file_stem("exceptions", dept.code, selection.fiscal_year, selection.period),
            empty=N_("No red flag for this department."),
        )

    def _render_budget(self, dept: DepartmentView, selection: Selection) -> None:
        self.curve_chart.update(
            charts.chart_spending_curve(
                dept.monthly,
                _("{name}: spending against plan").format(name=self.name(dept.code, dept.name)),
            )
            if not dept.monthly.empty
            else None
        )
        self.class_chart.update(
            charts.chart_execution_by_class(
                dept.execution_by_class,
                _("{name}: utilisation by object head").format(
                    name=self.name(dept.code, dept.name)
                ),
            )
            if not dept.execution_by_class.empty
            else None
        )
        execution = dept.execution.copy()  # its statuses are the view's (one set of rules)
        execution["budget_label"] = [_(BUDGET_LABELS.get(t, t)) for t in execution["budget_type"]]
        self.execution_table.value = self.table_with_download(
            execution,
            EXECUTION_COLUMNS,
            html.file_stem("budget", dept.code, selection.fiscal_year, selection.period),
            empty=N_("No budget lines for this department in this year."),
        ) + render_footnote(describe_rule(dept.province.rules, "budget_execution", dept.code))

    def _render_indicators(self, dept: DepartmentView, selection: Selection) -> None:
        indicators = dept.indicators.copy()
        indicators["trend"] = (
            indicators.apply(_trend, axis=1) if not indicators.empty else pd.Series(dtype=str)
        )
        self.indicator_table.value = self.table_with_download(
            indicators,
            INDICATOR_COLUMNS,
            html.file_stem("indicators", dept.code, selection.fiscal_year, selection.period),
            empty=N_("This department reports no province-level service-delivery indicator."),
        ) + render_footnote(describe_rule(dept.province.rules, "indicator_achievement", dept.code))
        options = [
            (f"{r.indicator_code} {r.indicator_name}", r.indicator_code)
            for r in indicators.itertuples(index=False)
        ]
        self._quiet = True
        try:
            self.indicator.options = options
            self.indicator.value = options[0][1] if options else None
        finally:
            self._quiet = False
        self.indicator.layout.display = None if options else "none"
        self._render_trend()

    def _render_trend(self) -> None:
        dept, code = self.department_view, self.indicator.value
        if dept is None or self._quiet:
            return
        if code is None:
            self.trend_chart.update(None, N_("No indicator to draw."))
            return
        definition = dept.indicators.set_index("indicator_code").loc[code]
        series = dept.indicator_values[dept.indicator_values["indicator_code"] == code]
        series = series.sort_values("period_end")
        self.trend_chart.update(
            charts.chart_indicator_trend(
                series, f"{code} {definition['indicator_name']}", str(definition["unit"])
            )
            if not series.empty
            else None,
            N_("No values reported for this indicator."),
        )

    def _render_pses(self, dept: DepartmentView, selection: Selection) -> None:
        pses = dept.pses.merge(
            dept.compliance[["entity_code", "completeness", "timeliness"]],
            on="entity_code",
            how="left",
        )
        pses["category_label"] = [_(CATEGORY_LABELS.get(c, c)) for c in pses["category"]]
        pses["overall_rating"] = pses["overall_rating"].astype(object)
        pses["loss_text"] = pses["loss_maker"].map({True: _("Yes"), False: _("No")})
        pses["statement"] = statement_words(pses)  # "…, unapproved" until approved
        pses["link"] = [
            html.dashboard_link(
                "pse_monitor.ipynb",
                pse=code,
                fiscal_year=selection.fiscal_year,
                period=selection.period,
            )
            for code in pses["entity_code"]
        ]
        self.pse_table.value = self.table_with_download(
            self.with_names(pses.sort_values("entity_code")),
            PSE_COLUMNS,
            html.file_stem("pses", dept.code, selection.fiscal_year, selection.period),
            empty=N_("No PSE reports to this department."),
        )

    def describe(self, view: ProvinceView, selection: Selection) -> str:
        code = _department(selection)
        name = self.name(code, self.choices.departments[code])
        period = html.describe_period(view.period)
        if is_right_to_left() and code in self.context.urdu_names:
            return _("Showing {department}: {period}.").format(department=name, period=period)
        return _("Showing the {name} Department: {period}.").format(name=name, period=period)


def _department(selection: Selection) -> str:
    # resolve_selection picks a department whenever the data has one.
    if selection.department is None:
        raise UnknownDepartmentError("", [])
    return selection.department


def build_department_dashboard(
    context: DashboardContext, query: str | None = None, **defaults: str | None
) -> DepartmentDashboard:
    """The department dashboard for a request: ``query`` is the page's URL query string
    (``department``, ``fiscal_year``, ``period``), ``defaults`` the notebook's parameters."""
    return DepartmentDashboard(context, query, defaults)
