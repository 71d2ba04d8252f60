"""The province dashboard: departments ranked, province totals, exceptions, compliance league.

Every figure comes from the province view (:func:`kpilib.views.load_province_view`) and the
small view functions of :mod:`kpilib.views.ranking` and :mod:`kpilib.present.headline`.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from kpilib.dashboards import html
from kpilib.dashboards.page import ChartPanel, DashboardContext, DashboardPage, dropdown, html_panel
from kpilib.i18n import N_, _, isolate, ngettext
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present import charts
from kpilib.present.explain import explain_figures
from kpilib.present.headline import province_headline
from kpilib.present.html import render_headline
from kpilib.present.messages import AREA_LABELS, label_severity, translate_flags
from kpilib.present.tables import Column
from kpilib.views import ProvinceView
from kpilib.views.ranking import RANKING_METRICS, rank_departments
from kpilib.views.selection import Selection

EXCEPTION_AREAS = {"": N_("All areas"), **AREA_LABELS}
BUDGET_COLUMNS = [
    Column("rank", N_("Rank"), "count"),
    Column("department_name", N_("Department"), "link", href_key="link"),
    Column("utilisation", N_("Utilisation (% of revised budget)"), "percent"),
    Column("plan_utilisation", N_("Plan to date (%)"), "percent", 0),
    Column("burn_vs_plan", N_("Spending against plan (%)"), "percent"),
    Column("rag", N_("Status"), "rag", label_key="rag_label"),
]
METRIC_COLUMNS = {
    "budget": BUDGET_COLUMNS,
    "development": BUDGET_COLUMNS,
    "pefa": [
        Column("rank", N_("Rank"), "count"),
        Column("department_name", N_("Department"), "link", href_key="link"),
        Column("pi1", N_("PI-1 aggregate outturn")),
        Column("pi2", N_("PI-2 composition outturn")),
        Column("pi3", N_("PI-3 revenue outturn")),
    ],
    "service": [
        Column("rank", N_("Rank"), "count"),
        Column("department_name", N_("Department"), "link", href_key="link"),
        Column("service_score", N_("Service-delivery score (0–100)"), "number"),
        Column("service_completeness", N_("Indicators with data (%)"), "percent", 0),
    ],
}
EXCEPTION_COLUMNS = [
    Column("department_name", N_("Department"), "link", href_key="link"),
    Column("area_label", N_("Area")),
    Column("severity_rag", N_("Severity"), "rag", label_key="severity_label"),
    Column("subject", N_("Subject")),
    Column("message", N_("What is wrong")),
]
LEAGUE_COLUMNS = [
    Column("compliance_rank", N_("Rank"), "count"),
    Column("department_name", N_("Department"), "link", href_key="link"),
    Column("pses", N_("PSEs"), "count"),
    Column("expected", N_("Returns expected"), "count"),
    Column("on_time", N_("On time"), "count"),
    Column("late", N_("Late"), "count"),
    Column("outstanding", N_("Missing"), "count"),
    Column("timeliness", N_("On time (%)"), "share", 0),
    Column("completeness", N_("Received (%)"), "share", 0),
    Column("completeness_rag", N_("Received: status"), "rag", label_key="completeness_label"),
]


class ProvinceDashboard(DashboardPage):
    """Departments side by side for a fiscal year and period."""

    title = N_("Province overview")
    lead = N_(
        "Every department ranked on budget execution, PEFA budget reliability and service "
        "delivery; the province's totals, its exceptions and the PSE returns league table."
    )
    notebook = "province.ipynb"
    query_keys = ("fiscal_year", "period")

    def build(self) -> list[widgets.Widget]:
        self.cards = html_panel("cards")
        self.rank_by = dropdown(
            "rank-by",
            _("Rank departments by"),
            [(_(m.label), m.key) for m in RANKING_METRICS.values()],
            "budget",
            width="360px",
        )
        self.rank_by.observe(lambda _c: self._render_ranking(), names="value")
        self.ranking_chart = ChartPanel("ranking")
        self.ranking_table = html_panel("ranking-table")
        self.ranking_rule = html_panel("ranking-rule")
        self.curve_chart = ChartPanel("province-curve")
        self.exception_area = dropdown(
            "exception-area", _("Show"), list((_(v), k) for k, v in EXCEPTION_AREAS.items()), ""
        )
        self.exception_area.observe(lambda _c: self._render_exceptions(), names="value")
        self.exceptions_table = html_panel("exceptions-table")
        self.league_chart = ChartPanel("league")
        self.league_table = html_panel("league-table")

        def section(title: str, lead: str) -> widgets.HTML:
            return widgets.HTML(html.render_section(title, lead))

        return [
            self.cards,
            section(_("Departments ranked"), _("1 = best; ties share a rank; no data, no rank.")),
            self.rank_by,
            self.ranking_rule,
            self.ranking_chart.widget,
            self.ranking_table,
            section(
                _("Spending through the year"),
                _("Cumulative expenditure of the province against the straight-line plan."),
            ),
            self.curve_chart.widget,
            section(_("Exceptions"), _("Every red flag of the province, by department.")),
            self.exception_area,
            self.exceptions_table,
            section(
                _("Compliance league table"),
                _(
                    "Quarterly returns of each department's PSEs in the period: received on "
                    "time, late, or missing."
                ),
            ),
            self.league_chart.widget,
            self.league_table,
        ]

    def _link(self, frame: pd.DataFrame) -> pd.Series:
        selection = self.selection
        return frame["department_code"].map(
            lambda code: html.dashboard_link(
                "department.ipynb",
                department=code,
                fiscal_year=selection.fiscal_year,
                period=selection.period,
            )
        )

    def render(self, view: ProvinceView, selection: Selection) -> None:
        self.selection = selection
        self.view = view
        explained = explain_figures(self.context.engine, view)
        self.cards.value = render_headline(
            province_headline(view, _("listed below")),
            explanations={item.figure.key: item for item in explained},
        )
        self._render_ranking()
        self.curve_chart.update(
            charts.chart_spending_curve(view.province_monthly, _("Province: spending against plan"))
        )
        self._render_exceptions()
        self._render_league(view, selection)

    def _render_ranking(self) -> None:
        view, selection = self.view, self.selection
        if view is None:
            return
        metric = RANKING_METRICS[self.rank_by.value]
        ranking = rank_departments(view, metric.key)
        ranking["link"] = self._link(ranking)
        ranking = self.with_names(ranking)
        rule = _("Ranked by {rule}.").format(rule=_(metric.rule))
        self.ranking_rule.value = f'<p class="footnote">{html.escape(rule)}</p>'
        title = _("{metric}, {year} {period}").format(
            metric=_(metric.label),
            year=isolate(view.fiscal_year.label),
            period=isolate(selection.period),
        )
        if metric.key in ("budget", "development"):
            plan = float(ranking["plan_utilisation"].dropna().max())
            chart = charts.chart_department_ranking(
                ranking, _("Utilisation (% of revised budget)"), title, plan=plan
            )
        elif metric.key == "pefa":
            chart = charts.chart_pefa_scores(ranking, title)
        else:
            chart = charts.chart_department_ranking(ranking, _("Score (0–100)"), title)
        self.ranking_chart.update(chart)
        self.ranking_table.value = self.table_with_download(
            ranking,
            METRIC_COLUMNS[metric.key],
            html.file_stem("ranking", metric.key, selection.fiscal_year, selection.period),
        )

    def _render_exceptions(self) -> None:
        view, selection = self.view, self.selection
        if view is None:
            return
        # most severe first (the view's order), in the reader's words
        exceptions = translate_flags(label_severity(view.exceptions))
        if self.exception_area.value:
            exceptions = exceptions[exceptions["area"] == self.exception_area.value]
        exceptions["area_label"] = [_(EXCEPTION_AREAS.get(a, a)) for a in exceptions["area"]]
        exceptions["link"] = self._link(exceptions)
        exceptions = self.with_names(exceptions)
        self.exceptions_table.value = self.table_with_download(
            exceptions,
            EXCEPTION_COLUMNS,
            html.file_stem("exceptions", selection.fiscal_year, selection.period),
            caption=ngettext("{n} exception(s)", "{n} exception(s)", len(exceptions)).format(
                n=f"{len(exceptions):,}"
            ),
            empty=N_("No exception in this area."),
        )

    def _render_league(self, view: ProvinceView, selection: Selection) -> None:
        summary = view.department_summary[
            ["department_code", "department_name", "pses", "compliance_rank", "returns_rag"]
        ]
        league = summary.merge(view.compliance_by_department, on="department_code", how="inner")
        league = league.sort_values(["compliance_rank", "department_name"], na_position="last")
        league["completeness_rag"] = league["returns_rag"]  # the view's status
        league["completeness_label"] = [_(RAG_LABELS.get(r, r)) for r in league["completeness_rag"]]
        league["link"] = self._link(league)
        league = self.with_names(league)
        self.league_chart.update(
            charts.chart_compliance_league(
                league,
                _("PSE returns by department, {year} {period}").format(
                    year=isolate(view.fiscal_year.label), period=isolate(selection.period)
                ),
            )
        )
        self.league_table.value = self.table_with_download(
            league,
            LEAGUE_COLUMNS,
            html.file_stem("compliance_league", selection.fiscal_year, selection.period),
        )

    def describe(self, view: ProvinceView, selection: Selection) -> str:
        period = html.describe_period(view.period)
        return _("Showing all {n} departments: {period}.").format(
            n=len(view.departments), period=period
        )


def build_province_dashboard(
    context: DashboardContext, query: str | None = None, **defaults: str | None
) -> ProvinceDashboard:
    """The province dashboard for a request: ``query`` is the page's URL query string
    (``fiscal_year``, ``period``), ``defaults`` the notebook's parameters."""
    return ProvinceDashboard(context, query, defaults)
