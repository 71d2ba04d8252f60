"""The PSE monitor: a category of public sector entities, or one PSE, over time.

A category (or all PSEs): each PSE's latest Z'' against the zone bands, the portfolio's loss
makers, subsidies and arrears, every PSE's ratings and the alerts. One PSE: ratios and Z'' over
time with zone bands, risk rating per dimension, subsidy dependence, arrears, its governance and
government support for the fiscal year, the submission history (on time / late / missing) and
its alerts. Everything is cut from the province view by :mod:`kpilib.views.pse`, the governance
and support panels from :mod:`kpilib.views.pse_oversight` (cards and columns in
:mod:`kpilib.dashboards.pse_oversight`).
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from kpilib.dashboards import html
from kpilib.dashboards import pse_oversight as oversight
from kpilib.dashboards.html import (
    SEVERITY_STATUS,
)
from kpilib.dashboards.page import ChartPanel, DashboardContext, DashboardPage, dropdown, html_panel
from kpilib.i18n import N_, _, is_right_to_left, isolate, ngettext
from kpilib.present import pse_charts
from kpilib.present.formatting import ZONE_LABELS, format_date, format_money, format_share
from kpilib.present.headline import pse_risk_figure
from kpilib.present.html import KpiCard, render_cards
from kpilib.present.pse_words import alert_words, statement_words
from kpilib.present.tables import Column
from kpilib.views import ProvinceView
from kpilib.views.pse import (
    ALL_CATEGORIES,
    CATEGORY_LABELS,
    CategoryView,
    PseView,
    select_category,
    select_pse,
)
from kpilib.views.pse_oversight import load_pse_oversight
from kpilib.views.selection import Selection

#: The note under a PSE's latest statement while its department has not approved it.
UNAPPROVED_NOTE = N_("unapproved: its department has not yet approved this return")
#: The PSE selector's first entry: the whole category, no single PSE.
WHOLE_CATEGORY = ""
ALERT_COLUMNS = [
    Column("severity_status", N_("Severity"), "rag", label_key="severity_label"),
    Column("entity_code", N_("PSE"), "link", href_key="link"),
    Column("period_code", N_("Period")),
    Column("message", N_("Alert")),
]
CATEGORY_PSE_COLUMNS = [
    Column("entity_code", N_("Code"), "link", href_key="link"),
    Column("entity_name", N_("PSE")),
    Column("department_name", N_("Department")),
    Column("statement", N_("Latest statement")),
    Column("overall_rating", N_("Overall risk"), "rating"),
    Column("z2", N_("Z''"), "number", 2),
    Column("z2_zone", N_("Z'' zone"), "zone"),
    Column("government_dependence", N_("Government dependence (%)"), "share", 0),
    Column("arrears_ratio", N_("Arrears (% of a year's spending)"), "share", 1),
    Column("timeliness", N_("Returns on time (%)"), "share", 0),
]
RATING_COLUMNS = [
    Column("label", N_("Dimension")),
    Column("rating", N_("Risk rating"), "rating"),
    Column("score", N_("Score (1 low – 4 very high)"), "number", 2),
]
SUBMISSION_COLUMNS = [
    Column("period_code", N_("Quarter")),
    Column("return_title", N_("Return")),
    Column("due_date", N_("Due")),
    Column("received_date", N_("First received")),
    Column("state_status", N_("State"), "rag", label_key="state_label"),
    Column("days_late", N_("Days late"), "count"),
    Column("days_overdue", N_("Days overdue"), "count"),
]
STATE_STATUS = {"on_time": "green", "late": "amber", "missing": "red"}
#: A category's whole entry in the PSE selector.
CATEGORY_ALL_LABELS = {
    "autonomous_body": N_("All autonomous bodies"),
    "university": N_("All universities"),
    "teaching_hospital": N_("All medical teaching institutions"),
    "water_sanitation_company": N_("All water and sanitation companies"),
    "public_company": N_("All public companies"),
    "other": N_("All other PSEs"),
}
#: The overall risk rating in words on a card.
RATING_WORDS = {"low": N_("low"), "moderate": N_("moderate"), "high": N_("high"),
                "very high": N_("very high"), "not rated": N_("not rated")}  # fmt: skip


def _statement_note(latest: pd.Series, reference: str) -> str | None:
    """Why the latest statement needs care: older than the view's quarter, or unapproved."""
    notes = []
    if not bool(latest.get("current", True)):
        notes.append(
            _("stale: the ratings below are from before {quarter}").format(
                quarter=isolate(reference)
            )
        )
    if latest.get("approval") == "unapproved":
        notes.append(_(UNAPPROVED_NOTE))
    return _("; ").join(notes) or None


def _risk_card(group: CategoryView) -> KpiCard:
    """The headline figure's count, on the same population (current statements only)."""
    figure = pse_risk_figure(group.province, group.pses, len(group.pses), group.label)
    note = figure.population.split(": ", 1)[-1]
    return KpiCard(figure.label, figure.text, figure.status, note)


def _words(labels: pd.Series) -> pd.Series:
    """The labels of a view's column in the page's language (a missing one stays missing)."""
    return labels.map(lambda label: _(label) if isinstance(label, str) else label)


def _money_m(amount: float | None) -> str:
    return format_money(amount)


def _share(value: float | None) -> str:
    return format_share(value)


class PseMonitorDashboard(DashboardPage):
    """PSEs by category, or one PSE, up to the end of a fiscal year's period."""

    title = N_("PSE monitor")
    notebook = "pse_monitor.ipynb"
    lead = N_(
        "Public sector entities by category or one by one: financial ratios and Altman Z'' "
        "over time, risk ratings, subsidy dependence, arrears, governance, government support, "
        "returns and alerts."
    )
    query_keys = ("fiscal_year", "period", "category", "pse")

    def build(self) -> list[widgets.Widget]:
        self.category = dropdown(
            "category",
            _("Category"),
            [(_(label), key) for key, label in self.choices.categories.items()],
            self.selection.category,
            width="330px",
        )
        self.pse = dropdown(
            "pse",
            _("PSE"),
            self._pse_options(self.selection.category),
            self.selection.pse or WHOLE_CATEGORY,
            width="420px",
        )
        self.subject = html_panel("subject")
        self.cards = html_panel("cards")
        self.category_box = self._build_category_box()
        self.pse_box = self._build_pse_box()
        self.alerts_table = html_panel("alerts-table")
        return [
            self.subject,
            self.cards,
            self.category_box,
            self.pse_box,
            self._section(_("Alerts"), _("Rules in the methodology (PSE alerts); critical first.")),
            self.alerts_table,
        ]

    def _build_category_box(self) -> widgets.VBox:
        """The panels of one category: each PSE's latest Z'' and the table of its PSEs."""
        self.z2_by_pse_chart = ChartPanel("z2-by-pse")
        self.category_table = html_panel("category-table")
        return widgets.VBox(
            [self.z2_by_pse_chart.widget, self._section(_("PSEs"), _("Each PSE's latest "
             "statement; the code opens its own view.")), self.category_table]
        )  # fmt: skip

    def _build_pse_box(self) -> widgets.VBox:
        """The panels of one PSE: Z'', ratios, ratings, support and arrears, submissions."""
        self.z2_chart = ChartPanel("z2")
        self.ratio_chart = ChartPanel("ratios")
        self.rating_table = html_panel("rating-table")
        self.rating_chart = ChartPanel("ratings")
        self.money_chart = ChartPanel("support-arrears")
        self.governance_lead = html_panel("governance-lead")
        self.governance_cards = html_panel("governance-cards")
        self.breach_table = html_panel("breach-table")
        self.support_lead = html_panel("support-lead")
        self.support_cards = html_panel("support-cards")
        self.reconciliation_table = html_panel("reconciliation-table")
        self.sustainability_table = html_panel("sustainability-table")
        self.guarantee_table = html_panel("guarantee-table")
        self.submission_chart = ChartPanel("submissions")
        self.submission_table = html_panel("submission-table")
        return widgets.VBox(
            [
                self._section(_("Altman Z'' over time"), _("Distress below 1.10, grey zone "
                              "1.10–2.60, safe above 2.60.")),
                self.z2_chart.widget,
                self._section(_("Financial ratios"), _("Trailing four quarters; each point "
                              "coloured and shaped by its risk rating.")),
                self.ratio_chart.widget,
                self._section(_("Risk rating per dimension"), _("IMF SOE Health Check "
                              "thresholds; government dependence is rated but not in the overall "
                              "rating.")),
                self.rating_table,
                self.rating_chart.widget,
                self._section(_("Subsidy dependence and arrears"), _("Government grants and "
                              "subsidies received, and payables past their due date.")),
                self.money_chart.widget,
                self._section(_("Governance"), _("The PSE's yearly governance return judged by "
                              "its category's rulebook: score, board, management, audit.")),
                self.governance_lead,
                self.governance_cards,
                self.breach_table,
                self._section(_("Government support"), _("By instrument from the budget side "
                              "and as the PSE reports it, reconciled; self-sustainability; "
                              "guarantees.")),
                self.support_lead,
                self.support_cards,
                self.reconciliation_table,
                self.sustainability_table,
                self.guarantee_table,
                self._section(_("Submission history"), _("Each quarterly return: on time, "
                              "late, or missing (not received by the data's as-of date).")),
                self.submission_chart.widget,
                self.submission_table,
            ]
        )  # fmt: skip

    @staticmethod
    def _section(title: str, lead: str) -> widgets.HTML:
        return widgets.HTML(html.render_section(title, lead))

    def _pse_options(self, category: str) -> list[tuple[str, str]]:
        pses = self.choices.pses_of(category)
        whole = (
            _(CATEGORY_ALL_LABELS.get(category, "All PSEs"))
            if category != ALL_CATEGORIES
            else _("All PSEs")
        )
        return [(f"({whole})", WHOLE_CATEGORY)] + [
            (f"{code} {self.name(code, name)}", str(code))
            for code, name in zip(pses["entity_code"], pses["entity_name"], strict=True)
        ]

    def selectors(self) -> list[widgets.Dropdown]:
        return [self.category, self.pse, self.fiscal_year, self.period]

    def selected_values(self) -> dict[str, str | None]:
        pse = self.pse.value or None
        if pse is not None:
            category_of_pse = self.choices.pses.set_index("entity_code")["category"].get(pse)
            if self.category.value not in (ALL_CATEGORIES, category_of_pse):
                pse = None  # the category changed: show the whole new category
        return {**super().selected_values(), "category": self.category.value, "pse": pse}

    def sync_selectors(self, selection: Selection) -> None:
        super().sync_selectors(selection)
        self.category.value = selection.category
        options = self._pse_options(selection.category)
        if list(self.pse.options) != options:
            self.pse.options = options
        self.pse.value = selection.pse or WHOLE_CATEGORY

    def _link(self, codes: pd.Series) -> list[str]:
        s = self.selection
        return [
            html.dashboard_link(
                "pse_monitor.ipynb", pse=code, fiscal_year=s.fiscal_year, period=s.period
            )
            for code in codes
        ]

    def _alerts(self, alerts: pd.DataFrame, stem: str) -> None:
        alerts = alerts.copy()
        alerts["severity_status"] = alerts["severity"].map(SEVERITY_STATUS)
        alerts["severity_label"] = _words(alerts["severity_label"])
        alerts["message"] = [alert_words(str(m)) for m in alerts["message"]]
        alerts["link"] = self._link(alerts["entity_code"])
        alerts = self.with_names(alerts)
        s = self.selection
        self.alerts_table.value = self.table_with_download(
            alerts,
            ALERT_COLUMNS,
            html.file_stem("alerts", stem, s.fiscal_year, s.period),
            caption=ngettext("{n} alert(s)", "{n} alert(s)", len(alerts)).format(
                n=f"{len(alerts):,}"
            ),
            empty=N_("No alert."),
        )

    def render(self, view: ProvinceView, selection: Selection) -> None:
        self.selection = selection
        if selection.pse:
            self.category_box.layout.display = "none"
            self.pse_box.layout.display = None
            self._render_pse(select_pse(view, selection.pse))
        else:
            self.pse_box.layout.display = "none"
            self.category_box.layout.display = None
            self._render_category(select_category(view, selection.category))

    def _render_category(self, group: CategoryView) -> None:
        self.subject.value = f"<h2>{html.escape(_(group.label))}</h2>"
        portfolio = group.portfolio
        if portfolio.empty:
            self.cards.value = render_cards([KpiCard(_("PSEs"), f"{len(group.pses)}",
                                                     note=_("no statement yet"))])  # fmt: skip
        else:
            last = portfolio.iloc[-1]
            quarter = isolate(last["period_code"])
            self.cards.value = render_cards(
                [
                    KpiCard(_("PSEs reporting"), _("{reporting} of {pses}").format(
                                reporting=last["reporting"], pses=last["pses"]),
                            note=_("statements for {quarter}").format(quarter=quarter)),
                    KpiCard(_("Loss makers"), f"{last['loss_makers']}",
                            note=_("{share} of those reporting").format(
                                share=isolate(f"{last['loss_maker_share']:.0%}"))),
                    KpiCard(_("Negative equity"), f"{last['negative_equity']}"),
                    _risk_card(group),
                    KpiCard(_("Z'' distress"), f"{last['distress']}"),
                    KpiCard(_("Grants and subsidies"), _money_m(last["subsidies_total"]),
                            note=_("received in {quarter}").format(quarter=quarter)),
                    KpiCard(_("Overdue payables"), _money_m(last["arrears_total"]),
                            note=_("at the end of {quarter}").format(quarter=quarter)),
                ]
            )  # fmt: skip
        pses = group.pses.merge(
            group.compliance[["entity_code", "timeliness"]], on="entity_code", how="left"
        )
        pses["overall_rating"] = pses["overall_rating"].astype(object)
        pses["link"] = self._link(pses["entity_code"])
        pses["statement"] = statement_words(pses)  # "…, unapproved" until approved
        pses = self.with_names(pses)
        self.z2_by_pse_chart.update(
            pse_charts.chart_z2_by_pse(
                pses, _("{category}: latest Altman Z''").format(category=_(group.label))
            )
            if pses["z2"].notna().any()
            else None,
            N_("No PSE of this category has a Z''-score yet."),
        )
        s = self.selection
        self.category_table.value = self.table_with_download(
            pses,
            CATEGORY_PSE_COLUMNS,
            html.file_stem("pses", group.category, s.fiscal_year, s.period),
        )
        self._alerts(group.alerts, group.category)

    def _render_pse(self, pse: PseView) -> None:
        self._render_pse_cards(pse)
        self._render_pse_history(pse)
        self._render_pse_oversight(pse)
        self._render_pse_submissions(pse)
        self._alerts(pse.alerts, pse.code)

    def _reports_to(self, pse: PseView) -> str:
        """``reports to the Health Department`` (in Urdu, by the department's Urdu name)."""
        if is_right_to_left() and pse.department_code in self.context.urdu_names:
            urdu = self.context.urdu_names[pse.department_code]
            return _("reports to {department}").format(department=urdu)
        return _("reports to the {department} Department").format(department=pse.department_name)

    def _render_pse_cards(self, pse: PseView) -> None:
        """The PSE's name and the cards of its latest statement."""
        self.subject.value = (
            f"<h2>{html.escape(pse.code)} {html.escape(self.name(pse.code, pse.name))}</h2>"
            f'<p class="kpi-dash-lead">{html.escape(_(CATEGORY_LABELS[pse.category]))} · '
            + html.escape(self._reports_to(pse))
            + "</p>"
        )
        latest = pse.latest
        if latest is None:
            none = KpiCard(_("Statements"), _("none"), "grey", _("no quarterly statement received"))
            self.cards.value = render_cards([none])
            return
        rating = str(latest["overall_rating"]) if pd.notna(latest["overall_rating"]) else None
        zone = str(latest["z2_zone"])
        self.cards.value = render_cards(
            [
                KpiCard(_("Latest statement"), str(latest["period_code"]),
                        note=_statement_note(latest, pse.province.reference_quarter.code)),
                KpiCard(_("Overall risk"),
                        _(RATING_WORDS.get(rating, rating)) if rating else _("not rated"),
                        note=_("IMF SOE Health Check rating")),
                KpiCard(_("Altman Z''"),
                        "–" if pd.isna(latest["z2"]) else f"{latest['z2']:.2f}",
                        note=_(ZONE_LABELS.get(zone, zone))),
                KpiCard(_("Government dependence"), _share(latest["government_dependence"]),
                        note=_("grants and subsidies ÷ income")),
                KpiCard(_("Grants and subsidies a year"),
                        _money_m(latest["annual_grants_subsidies"])),
                KpiCard(_("Overdue payables"), _money_m(latest["overdue_payables"]),
                        note=_("{share} of a year's spending").format(
                            share=isolate(_share(latest["arrears_ratio"])))),
                KpiCard(_("Net income a year"),
                        _money_m(latest["annual_net_income"])),
            ]
        )  # fmt: skip

    def _render_pse_history(self, pse: PseView) -> None:
        """The PSE's charts over time and its latest rating per dimension."""
        latest = pse.latest
        history = pse.history
        has_history = not history.empty
        self.z2_chart.update(
            pse_charts.chart_z2_history(history, f"{pse.code} {self.name(pse.code, pse.name)}")
            if has_history
            else None,
            N_("No quarterly statement yet."),
        )
        self.ratio_chart.update(
            pse_charts.chart_ratio_history(history, f"{pse.code} {self.name(pse.code, pse.name)}")
            if has_history
            else None,
            N_("No quarterly statement yet."),
        )
        ratings = pse.ratings.copy()
        ratings["label"] = _words(ratings["label"])
        self.rating_table.value = html.render_page_table(
            ratings, RATING_COLUMNS,
            caption=_("Latest statement ({quarter})").format(quarter=isolate(latest["period_code"]))
            if latest is not None else None
        )  # fmt: skip
        self.rating_chart.update(
            pse_charts.chart_rating_history(
                history, _("{code}: risk ratings by quarter").format(code=isolate(pse.code))
            )
            if has_history
            else None
        )
        self.money_chart.update(
            pse_charts.chart_support_and_arrears(
                history, _("{code}: support and arrears").format(code=isolate(pse.code))
            )
            if has_history
            else None
        )

    def _render_pse_oversight(self, pse: PseView) -> None:
        """The PSE's governance and government support for the selected fiscal year."""
        gov, sup = load_pse_oversight(self.context.engine, pse.province, pse.code)
        s = self.selection
        year = isolate(gov.fiscal_year.label)
        code = isolate(pse.code)
        self.governance_lead.value = html.render_lead(oversight.governance_heading(gov))
        self.governance_cards.value = render_cards(oversight.governance_cards(gov))
        self.breach_table.value = (
            self.table_with_download(
                oversight.breach_rows(gov), oversight.BREACH_COLUMNS,
                html.file_stem("governance_breaches", pse.code, s.fiscal_year),
                caption=_("{code}: breaches, {year} return").format(code=code, year=year),
                empty=N_("No breach: every rule that applies is complied with."),
            ) if gov.has_return else ""
        )  # fmt: skip
        self.support_lead.value = html.render_lead(oversight.support_heading(sup))
        self.support_cards.value = render_cards(oversight.support_cards(sup))
        self.reconciliation_table.value = self.table_with_download(
            oversight.reconciliation_rows(sup), oversight.RECONCILIATION_COLUMNS,
            html.file_stem("support", pse.code, s.fiscal_year),
            caption=_("{code}: support by instrument, {year}").format(code=code, year=year),
            empty=_("No support on either side in {year}.").format(year=year),
        )  # fmt: skip
        self.sustainability_table.value = self.table_with_download(
            oversight.sustainability_rows(sup), oversight.SUSTAINABILITY_COLUMNS,
            html.file_stem("self_sustainability", pse.code, s.fiscal_year, s.period),
            caption=_("{code}: self-sustainability to {date}").format(
                code=code, date=isolate(format_date(pse.province.as_of))),
            empty=N_("No quarterly statement yet."),
        )  # fmt: skip
        self.guarantee_table.value = self.table_with_download(
            oversight.guarantee_rows(sup), oversight.GUARANTEE_COLUMNS,
            html.file_stem("guarantees", pse.code, s.fiscal_year),
            caption=_("{code}: guarantees at {date}").format(
                code=code, date=isolate(format_date(sup.fiscal_year.end_date))),
            empty=_("No guarantee of the PSE in the register of {year}.").format(year=year),
        )  # fmt: skip

    def _render_pse_submissions(self, pse: PseView) -> None:
        """The PSE's quarterly returns: on time, late or missing, as a chart and a table."""
        s = self.selection
        submissions = pse.submissions.copy()
        submissions["state_status"] = submissions["state"].map(STATE_STATUS)
        self.submission_chart.update(
            pse_charts.chart_submission_history(
                submissions, _("{code}: returns").format(code=isolate(pse.code))
            )
            if not submissions.empty
            else None,
            N_("No return was due yet."),
        )
        for column in ("state_label", "return_title"):  # the chart translates its own
            submissions[column] = _words(submissions[column])
        self.submission_table.value = self.table_with_download(
            submissions.sort_values(["fiscal_year", "quarter"], ascending=False),
            SUBMISSION_COLUMNS,
            html.file_stem("returns", pse.code, s.fiscal_year, s.period),
            empty=N_("No return was due yet."),
        )

    def describe(self, view: ProvinceView, selection: Selection) -> str:
        period = html.describe_period(view.period)
        if selection.pse:
            name = str(self.choices.pses.set_index("entity_code").loc[selection.pse, "entity_name"])
            name = self.name(selection.pse, name)
            return _("Showing {code} {name}: every quarter to {date}.").format(
                code=isolate(selection.pse),
                name=isolate(name),
                date=isolate(format_date(view.as_of)),
            )
        return _("Showing {category}: {period}.").format(
            category=_(CATEGORY_LABELS[selection.category]).lower(), period=period
        )


def build_pse_monitor(
    context: DashboardContext, query: str | None = None, **defaults: str | None
) -> PseMonitorDashboard:
    """The PSE monitor for a request: ``query`` is the page's URL query string (``category``,
    ``pse``, ``fiscal_year``, ``period``), ``defaults`` the notebook's parameters."""
    return PseMonitorDashboard(context, query, defaults)
