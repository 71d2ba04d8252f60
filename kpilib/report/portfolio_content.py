"""Content of the PSE Portfolio Report and of PEFA PI-10: headline figures and tables.

Selects, orders and labels what :class:`kpilib.views.portfolio.PortfolioView` and
:class:`kpilib.kpis.pefa_pi10.Pi10Assessment` computed; nothing here computes a KPI. Every
headline figure names its population and date; a figure resting on stale statements says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from kpilib.i18n import N_, _, is_right_to_left, isolate
from kpilib.i18n.names import display_name
from kpilib.kpis.guarantees import register_rollup
from kpilib.kpis.pefa_pi10 import Pi10Assessment
from kpilib.kpis.portfolio_report import NO_OPINION, OPINION_ORDER
from kpilib.kpis.support import SupportView, support_by_category
from kpilib.parameter_files import ENV_PARAMETERS_DIR, read_yaml_mapping
from kpilib.present.formatting import format_date, format_money, format_number, format_percent
from kpilib.present.governance_words import rule_title_words
from kpilib.present.headline import HeadlineFigure
from kpilib.present.messages import flag_subject_words
from kpilib.present.tables import Column
from kpilib.report.content import CATEGORY_LABELS, Table, period_phrase
from kpilib.report.pi10_words import pi10_words
from kpilib.views.followup import PortfolioActions
from kpilib.views.portfolio import PortfolioView
from kpilib.views.stress import StressView

REPORT_TITLE = N_("PSE Portfolio Report")
#: Sections of the portfolio report in their order; those of :data:`LATER_SECTIONS` (none now)
#: would show a "not available yet" note when listed in the notebook's ``sections``.
SECTIONS = ("composition", "finances", "loss_makers", "governance", "audit",
            "support", "guarantees", "stress", "actions")  # fmt: skip
DEFAULT_SECTIONS = SECTIONS
LATER_SECTIONS = tuple(s for s in SECTIONS if s not in DEFAULT_SECTIONS)

#: The province's line of a table by category.
ALL_PSES = N_("All PSEs")
#: Audit opinions as the opinions table heads them (the others: the opinion, capitalised).
OPINION_LABELS = {
    "unmodified": N_("Unmodified"), "qualified": N_("Qualified"), "adverse": N_("Adverse"),
    "disclaimer": N_("Disclaimer"), NO_OPINION: N_("No audited accounts"),
    "no_return": N_("No return"),
}  # fmt: skip
#: The sources of the PSEs' flags (:data:`kpilib.kpis.actions.PSE_FLAG_SOURCES`) in words.
SOURCE_LABELS = {
    "finance": N_("Finance"), "compliance": N_("Compliance"), "governance": N_("Governance"),
    "support mismatch": N_("Support mismatch"), "utilisation": N_("Utilisation"),
}  # fmt: skip
#: The yearly returns in the missing-returns table.
YEARLY_RETURN_WORDS = {"pse_governance": N_("governance"), "pse_support": N_("support")}
#: The yearly returns' titles (:data:`kpilib.kpis.returns.YEARLY_RETURN_SCHEDULES`).
YEARLY_RETURN_TITLES = (N_("Yearly governance return"), N_("Yearly support return"))
#: The categories as the stress view labels them (:data:`kpilib.views.pse.CATEGORY_LABELS`, the
#: heat map's rows).
HEATMAP_CATEGORIES = (
    N_("All categories"), N_("Autonomous bodies"), N_("Universities"),
    N_("Medical teaching institutions"), N_("Water and sanitation companies"),
    N_("Public companies"), N_("Other PSEs"),
)  # fmt: skip
#: The stress scenarios of the shipped ``parameters/stress.yaml``, for the Urdu edition; a
#: scenario added or renamed there is shown as written until its label is added here.
SCENARIO_LABELS = (
    N_("Own revenue falls 20 %"), N_("Operating costs rise 15 %"),
    N_("Interest rates rise 5 points"), N_("Half of guaranteed debt called"),
    N_("Combined downturn"),
)  # fmt: skip


def words(text: object) -> str:
    """A label of the data the suite writes in English (a category, scenario, rule, subject) in
    the current language; anything else (a name) as written."""
    if not isinstance(text, str):
        return "" if text is None or pd.isna(text) else str(text)  # type: ignore[call-overload]
    if not text:
        return text
    shown = flag_subject_words(text)  # the actions' subjects (kpilib.present.messages)
    return shown if shown != text else _(text)


def _categories(frame: pd.DataFrame) -> pd.Series:
    labels = frame["category"].map(CATEGORY_LABELS).fillna(ALL_PSES)
    return labels.map(_)


def _names(view: PortfolioView, kind: str) -> dict[str, str]:
    """``kind``'s (``entity`` or ``department``) names by code in the current language: the Urdu
    name of the register where there is one when writing Urdu (:func:`display_name`)."""
    entities = view.province.entities
    urdu = f"{kind}_name_ur"
    frame = entities.drop_duplicates(f"{kind}_code")
    return {code: display_name(english, frame_urdu)
            for code, english, frame_urdu in zip(
                frame[f"{kind}_code"], frame[f"{kind}_name"],
                frame[urdu] if urdu in frame else [None] * len(frame), strict=True)}  # fmt: skip


def _date(value: Any) -> str:
    """A date as the tables write it (``15 Feb 2026``), kept left to right in Urdu."""
    return isolate(format_date(value))


def _period_code(code: str) -> str:
    """A quarter's code (``2024-25Q2``), kept whole and left to right in Urdu (the narrower
    Urdu columns would break it at its hyphen)."""
    return isolate(code.replace("-", "\u2060-\u2060")) if is_right_to_left() else code


def report_title() -> str:
    """The portfolio report's title in the current language."""
    return _(REPORT_TITLE)


def report_subtitle(view: PortfolioView) -> str:
    """``Yearly report, FY 2024-25`` or ``Half-yearly report (H1), year to date through Q2 …``."""
    if view.province.period.kind == "year":
        return _("Yearly report, {period}").format(period=period_phrase(view.province))
    return _("Half-yearly report (H1), {period}").format(period=_half_year(view))


def _half_year(view: PortfolioView) -> str:
    """``FY 2024-25, 1 Jul 2024 to 31 Dec 2024`` (the Q2 batch: the year to date through Q2)."""
    year = view.province.fiscal_year
    start, end = format_date(year.start_date), format_date(view.province.period.end_date)
    return _("FY {year}, {start} to {end}").format(
        year=isolate(year.label), start=isolate(start), end=isolate(end)
    )


def _stale_note(view: PortfolioView) -> str | None:
    stale = view.stale_statements
    if not stale:
        return None
    return _("{count} PSE(s)' latest statement is older than {period}: their figures are stale"
             ).format(count=stale, period=isolate(view.reference_period))  # fmt: skip


def portfolio_figures(view: PortfolioView) -> list[HeadlineFigure]:
    """The report's headline figures, each with its population and date."""
    total = view.by_category.iloc[-1]
    to = _date(view.as_of)
    on = _("latest statement of each reporting PSE to {date}, trailing four quarters").format(
        date=to
    )
    stale = _stale_note(view)
    rollup = view.governance_province.iloc[0]
    year = isolate(view.province.fiscal_year.label)
    return [
        HeadlineFigure("pses", _("PSEs in the portfolio"), float(total["pses"]),
                       f"{int(total['pses'])}", None,
                       _("{reporting} with a statement, {stale} of them stale").format(
                           reporting=int(total["reporting"]), stale=int(total["stale"])),
                       _("PSEs in the register on {date}").format(date=to)),
        HeadlineFigure("net_income", _("Net profit or loss"), float(total["net_income"]),
                       format_money(total["net_income"], 0), None,
                       _("losses of the loss-makers {amount}").format(
                           amount=isolate(format_money(total["losses"], 0))), on,
                       stale=stale),
        HeadlineFigure("loss_makers", _("Loss-makers"), float(total["loss_makers"]),
                       _("{count} of {total}").format(count=int(total["loss_makers"]),
                                                      total=int(total["reporting"])), None,
                       _("annualised net income below zero"), on, stale=stale),
        HeadlineFigure("net_equity", _("Net equity"), float(total["equity"]),
                       format_money(total["equity"], 0), None,
                       _("{count} PSE(s) with negative equity").format(
                           count=int(total["negative_equity"])),
                       _("closing balance of each reporting PSE's latest statement to {date}"
                         ).format(date=to),
                       stale=stale),
        HeadlineFigure("governance", _("Governance score"), _float(rollup["mean_score"]),
                       format_number(rollup["mean_score"], 0) + " / 100", None,
                       _("{reporting} of {pses} PSEs returned; {breached} with a breach").format(
                           reporting=int(rollup["reporting"]), pses=int(rollup["pses"]),
                           breached=int(rollup["pses_with_breaches"])),
                       _("mean score of the governance returns for {year}").format(year=year)),
    ]  # fmt: skip


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def composition_table(view: PortfolioView) -> Table:
    """PSEs by category (share of the portfolio)."""
    frame = view.composition_category.assign(category_label=_categories)
    columns = (Column("category_label", N_("Category")), Column("pses", N_("PSEs"), "count"),
               Column("share", N_("Share of PSEs"), "share"))  # fmt: skip
    return Table(
        frame, columns, _("PSEs by category, register on {date}").format(date=_date(view.as_of))
    )


def department_table(view: PortfolioView) -> Table:
    """PSEs by administrative department."""
    columns = (Column("department_name", N_("Department")), Column("pses", N_("PSEs"), "count"),
               Column("share", N_("Share of PSEs"), "share"))  # fmt: skip
    frame = view.composition_department
    departments = _names(view, "department")
    frame = frame.assign(department_name=[departments.get(c, n) for c, n in zip(
        frame["department_code"], frame["department_name"], strict=True)])  # fmt: skip
    return Table(
        frame,
        columns,
        _("PSEs by administrative department, register on {date}").format(date=_date(view.as_of)),
    )


def finances_table(view: PortfolioView) -> Table:
    """Revenue, profit or loss and net equity by category, with a total line."""
    frame = view.by_category.assign(category_label=_categories)
    columns = (
        Column("category_label", N_("Category")), Column("reporting", N_("Reporting"), "count"),
        Column("stale", N_("Stale"), "count"), Column("revenue", N_("Revenue"), "money", 0),
        Column("net_income", N_("Profit or loss"), "money", 0),
        Column("loss_makers", N_("Loss-makers"), "count"),
        Column("equity", N_("Net equity"), "money", 0),
        Column("negative_equity", N_("Negative equity"), "count"),
    )  # fmt: skip
    caption = _(
        "Revenue, profit or loss and net equity by category: latest statement to "
        "{date}, flows over four quarters"
    ).format(date=_date(view.as_of))
    return Table(frame, columns, caption)


def loss_makers_table(view: PortfolioView, top: int = 10) -> Table:
    """The ``top`` largest loss-makers; a stale statement is marked."""
    frame = view.finances[view.finances["annual_net_income"] < 0]
    frame = frame.sort_values(["annual_net_income", "entity_code"]).head(top)
    frame = frame.assign(
        pse=frame["entity_code"] + " " + frame["entity_code"].map(_names(view, "entity")),
        category_label=_categories(frame),
        statement=[
            _period_code(code) + (_(" (stale)") if stale else "")
            for code, stale in zip(frame["period_code"], frame["stale"], strict=True)
        ],
    )
    columns = (
        Column("pse", N_("PSE")), Column("category_label", N_("Category")),
        Column("department_code", N_("Dept.")),
        Column("annual_net_income", N_("Net loss"), "money", 0),
        Column("annual_revenue", N_("Revenue"), "money", 0),
        Column("equity", N_("Net equity"), "money", 0),
        Column("statement", N_("Statement")),
    )  # fmt: skip
    return Table(
        frame,
        columns,
        _("The {top} largest loss-makers, {period}").format(
            top=top, period=period_phrase(view.province)
        ),
    )


def governance_table(view: PortfolioView) -> Table:
    """Governance scores and breaches by category, with the province line."""
    frame = pd.concat([view.governance_by_category, view.governance_province],
                      ignore_index=True)  # fmt: skip
    frame = frame.assign(category_label=_categories)
    columns = (
        Column("category_label", N_("Category")), Column("pses", N_("PSEs"), "count"),
        Column("reporting", N_("Returns"), "count"),
        Column("mean_score", N_("Mean score"), "number", 0),
        Column("median_score", N_("Median score"), "number", 0),
        Column("pses_with_breaches", N_("PSEs with a breach"), "count"),
        Column("breaches", N_("Breaches"), "count"),
        Column("complied_share", N_("Rules complied with"), "share"),
    )  # fmt: skip
    year = isolate(view.province.fiscal_year.label)
    return Table(
        frame, columns, _("Governance compliance by category, returns for {year}").format(year=year)
    )


def yearly_returns_table(view: PortfolioView) -> Table:
    """The yearly governance and support returns received ÷ expected (completeness) and on time
    (timeliness), on the data's date."""
    columns = (
        Column("title", N_("Return")), Column("expected", N_("Expected"), "count"),
        Column("received", N_("Received"), "count"), Column("on_time", N_("On time"), "count"),
        Column("outstanding", N_("Missing"), "count"),
        Column("completeness", N_("Share received"), "share", 0),
        Column("timeliness", N_("Share on time"), "share", 0),
    )  # fmt: skip
    caption = _("Yearly returns for {year} received (due 120 days after the year), all "
                "{count} PSEs, as at {date}").format(
        year=isolate(view.yearly_returns_year.label), count=int(view.province.entities.shape[0]),
        date=_date(view.yearly_returns_as_of))  # fmt: skip
    frame = view.yearly_returns.assign(title=lambda f: f["title"].map(words))
    return Table(frame, columns, caption)


def missing_returns_table(view: PortfolioView) -> Table:
    """The PSEs whose yearly governance or support return is missing, one row per PSE, longest
    overdue first."""
    missing, entities = view.yearly_missing, _names(view, "entity")
    rows = [
        {"pse": f"{code} {entities.get(str(code), group['entity_name'].iloc[0])}",
         "department_code": group["department_code"].iloc[0],
         "missing": ", ".join(_(YEARLY_RETURN_WORDS.get(t, t))
                              for t in sorted(group["return_type"])),
         "due": _date(group["due_date"].min()),
         "days_overdue": int(group["days_overdue"].max())}
        for code, group in missing.groupby("entity_code", sort=True)
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["pse", "department_code", "missing", "due",
                                        "days_overdue"])  # fmt: skip
    frame = frame.sort_values(["days_overdue", "pse"], ascending=[False, True], kind="stable")
    columns = (Column("pse", N_("PSE")), Column("department_code", N_("Dept.")),
               Column("missing", N_("Return(s) missing")), Column("due", N_("Due")),
               Column("days_overdue", N_("Days overdue"), "count"))  # fmt: skip
    return Table(frame.reset_index(drop=True), columns,
                 _("The {count} PSEs whose yearly return for {year} is missing, as at {date}"
                   ).format(count=len(frame), year=isolate(view.yearly_returns_year.label),
                            date=_date(view.yearly_returns_as_of)))  # fmt: skip


def breaches_table(view: PortfolioView, top: int = 10) -> Table:
    """The rules breached most often."""
    frame = view.breaches[view.breaches["breaches"] > 0].head(top)
    frame = frame.assign(
        share=frame["breaches"] / frame["applies"].where(frame["applies"] > 0),
        title=frame["title"].map(rule_title_words),
    )
    columns = (Column("rule_id", N_("Rule")), Column("title", N_("What it asks")),
               Column("breaches", N_("PSEs in breach"), "count"),
               Column("applies", N_("PSEs it applies to"), "count"),
               Column("share", N_("Share in breach"), "share"))  # fmt: skip
    year = isolate(view.province.fiscal_year.label)
    return Table(
        frame, columns, _("The breaches most often found, returns for {year}").format(year=year)
    )


def opinions_table(view: PortfolioView) -> Table:
    """Audit opinions on the latest audited accounts, by category."""
    numbers = [c for c in view.opinions.columns if c != "category"]
    total = view.opinions[numbers].sum().to_frame().T.assign(category="total")
    frame = pd.concat([view.opinions, total], ignore_index=True)
    frame = frame.assign(category_label=_categories)
    columns = (
        Column("category_label", N_("Category")),
        *(Column(o, OPINION_LABELS.get(o, o.capitalize()), "count") for o in OPINION_ORDER),
        Column("no_return", N_("No return"), "count"), Column("pses", N_("PSEs"), "count"),
    )  # fmt: skip
    year = isolate(view.province.fiscal_year.label)
    return Table(frame, columns,
                 _("Audit opinions on the latest audited accounts, returns for {year}").format(
                     year=year))  # fmt: skip


def support_table(support: SupportView) -> Table:
    """Direct support by instrument and PSE category, from the budget side (releases)."""
    frame = support_by_category(support.by_instrument, support.entities)
    columns = (
        Column("category_label", N_("Category")), Column("pses", N_("PSEs supported"), "count"),
        Column("grant_in_aid", N_("Grants-in-aid"), "money", 0),
        Column("subsidy", N_("Subsidies"), "money", 0),
        Column("equity_injection", N_("Equity injections"), "money", 0),
        Column("loan_disbursed", N_("Loans disbursed"), "money", 0),
        Column("other_relief", N_("Other relief"), "money", 0),
        Column("direct_support", N_("Direct support"), "money", 0),
    )  # fmt: skip
    caption = _("Direct support by instrument, {year}: releases to the PSEs").format(
        year=isolate(support.fiscal_year.label)
    )
    return Table(frame.assign(category_label=_categories), columns, caption)


def guarantees_table(support: SupportView) -> Table:
    """The contingent-liabilities register by PSE category, with the province's total."""
    register, entities = support.register, support.entities
    frame = pd.concat(
        [register_rollup(register, entities, ["category"]),
         register_rollup(register, entities, ()).drop(columns="scope")],
        ignore_index=True,
    )  # fmt: skip
    columns = (
        Column("category_label", N_("Category")), Column("guarantees", N_("Guarantees"), "count"),
        Column("called", N_("Called"), "count"),
        Column("amount_guaranteed", N_("Guaranteed"), "money", 0),
        Column("outstanding", N_("Outstanding"), "money", 0),
        Column("called_in_year", N_("Called in the year"), "money", 0),
        Column("expiring_outstanding", N_("Expiring"), "money", 0),
    )  # fmt: skip
    caption = _(
        "Contingent-liabilities register at the end of {year}: guarantees given by "
        "the province for the PSEs"
    ).format(year=isolate(support.fiscal_year.label))
    return Table(frame.assign(category_label=_categories), columns, caption)


def stress_period(view: PortfolioView) -> str:
    """The quarter whose statements the stress scenarios shock: the period's last quarter."""
    return view.province.reference_quarter.code


def stress_table(stress: StressView) -> Table:
    """The portfolio under each stress scenario of ``parameters/stress.yaml``: PSEs rated, at
    high risk before and after the shock, downgraded, and the extra support needed."""
    frame = stress.portfolio.assign(scenario_label=stress.portfolio["scenario_label"].map(words))
    columns = (
        Column("scenario_label", N_("Scenario")), Column("rated", N_("PSEs rated"), "count"),
        Column("high_risk_before", N_("High risk before"), "count"),
        Column("high_risk_after", N_("High risk after"), "count"),
        Column("downgraded", N_("Downgraded"), "count"),
        Column("guarantee_called", N_("Guarantees called"), "money", 0),
        Column("extra_support", N_("Extra support"), "money", 0),
    )  # fmt: skip
    return Table(frame, columns, _("Stress scenarios: the portfolio before and after each shock"))


def stress_note(stress: StressView) -> str:
    """Where the guarantees a scenario may call come from."""
    if stress.guarantees_year is None:
        return _("No contingent-liabilities register yet: no scenario calls a guarantee.")
    year = f"{stress.guarantees_year}-{(stress.guarantees_year + 1) % 100:02d}"
    return _("Guarantees outstanding from the contingent-liabilities register of {year}.").format(
        year=isolate(year)
    )


def stress_heatmap(stress: StressView) -> pd.DataFrame:
    """The heat map's cells with their category and scenario in the current language."""
    heatmap = stress.heatmap
    return heatmap.assign(category_label=heatmap["category_label"].map(words),
                          scenario_label=heatmap["scenario_label"].map(words))  # fmt: skip


def portfolio_tables(view: PortfolioView, sections: tuple[str, ...] | list[str],
                     top: int = 10, stress: StressView | None = None,
                     support: SupportView | None = None,
                     actions: PortfolioActions | None = None) -> list[Table]:  # fmt: skip
    """Every table the report shows for its ``sections`` (its Excel workbook)."""
    by_section = {
        "actions": actions_tables(actions) if actions is not None else [],
        "support": [support_table(support)] if support is not None else [],
        "guarantees": [guarantees_table(support)] if support is not None else [],
        "stress": [stress_table(stress)] if stress is not None else [],
        "composition": [composition_table(view), department_table(view)],
        "finances": [finances_table(view)],
        "loss_makers": [loss_makers_table(view, top)],
        "governance": [
            governance_table(view),
            breaches_table(view),
            yearly_returns_table(view),
            missing_returns_table(view),
        ],
        "audit": [opinions_table(view)],
    }
    return [t for s in sections for t in by_section.get(s, [])]


# ---------------------------------------------------------------------------- open actions


def _years(actions: PortfolioActions) -> str:
    before, year = actions.fiscal_years
    return _("{before} and {year}").format(before=isolate(before.label), year=isolate(year.label))


def actions_summary(actions: PortfolioActions) -> str:
    """A sentence with the follow-up KPIs of the actions on the PSEs' flags, its population
    (the flags of the report's year and the year before) and its date."""
    k, on = actions.total, _date(actions.as_of)
    if not k["actions"]:
        return _("No action was opened on the PSEs' flags of {years} by {date}.").format(
            years=_years(actions), date=on
        )
    median = k["median_days_to_close"]
    resolved = isolate(format_percent(k["resolution_rate"], 0))
    closing = (_("{share} resolved") if pd.isna(median)
               else _("{share} resolved, median {days} days to close")).format(
        share=resolved, days=f"{median:.0f}")  # fmt: skip
    return _(
        "{actions} action(s) on the PSEs' flags of {years}, as of {date}: {open} open, of which "
        "{overdue} overdue (no answer by the due date) and {escalated} escalated; {closed} "
        "closed ({closing})."
    ).format(
        actions=int(k["actions"]), years=_years(actions), date=on, open=int(k["open"]),
        overdue=int(k["overdue"]), escalated=int(k["escalated"]), closed=int(k["closed"]),
        closing=closing,
    )  # fmt: skip


_KPI_COLUMNS = (
    Column("actions", N_("Actions"), "count"), Column("open", N_("Open"), "count"),
    Column("overdue", N_("Overdue"), "count"), Column("escalated", N_("Escalated"), "count"),
    Column("closed", N_("Closed"), "count"),
    Column("resolution_rate", N_("Resolved"), "percent", 0),
    Column("median_days_to_close", N_("Median days to close"), "number", 0),
)  # fmt: skip


def _with_total(frame: pd.DataFrame, key: str, actions: PortfolioActions) -> pd.DataFrame:
    if not len(frame):
        return frame
    total = actions.total.to_frame().T.assign(**{key: _("All PSEs' flags")})
    out = pd.concat([frame, total], ignore_index=True)
    counts = ["actions", "open", "overdue", "escalated", "closed"]
    out[counts] = out[counts].astype(int)
    rates = ["resolution_rate", "median_days_to_close"]
    out[rates] = out[rates].astype(float)
    return out


def actions_by_department_table(actions: PortfolioActions) -> Table:
    """The follow-up KPIs by administrative department, with the total line."""
    frame = _with_total(actions.by_department, "department_name", actions)
    return Table(frame, (Column("department_name", N_("Department")), *_KPI_COLUMNS),
                 _("Actions by department, on the PSEs' flags of {years}, as of {date}").format(
                     years=_years(actions), date=_date(actions.as_of)))  # fmt: skip


def actions_by_source_table(actions: PortfolioActions) -> Table:
    """The follow-up KPIs by the source of the flag (finance, compliance, governance, support
    mismatch, utilisation), with the total line."""
    by_source = actions.by_source
    sources = [_(SOURCE_LABELS.get(s, s.capitalize())) for s in by_source["source"]]
    frame = _with_total(by_source.assign(source=sources), "source", actions)
    return Table(frame, (Column("source", N_("Flag from")), *_KPI_COLUMNS),
                 _("Actions by source, on the PSEs' flags of {years}, as of {date}").format(
                     years=_years(actions), date=_date(actions.as_of)))  # fmt: skip


def overdue_actions_table(actions: PortfolioActions) -> Table:
    """The oldest overdue actions: PSE, flag, owner, due date, days overdue."""
    frame = actions.oldest_overdue
    frame = frame.assign(
        pse=[f"{c} {n}" if c else _("The department's PSEs") for c, n in
             zip(frame["entity_code"], frame["entity_name"], strict=True)],
        subject=[words(s) for s in frame["subject"]],
        due=[_date(d) for d in frame["due_on"]],
    )  # fmt: skip
    columns = (
        Column("pse", N_("PSE")), Column("subject", N_("Flag")),
        Column("department_name", N_("Owner")),
        Column("due", N_("Answer due")), Column("days_overdue", N_("Days overdue"), "count"),
    )  # fmt: skip
    return Table(frame, columns, _("The {count} oldest overdue actions, as of {date}").format(
        count=len(frame), date=_date(actions.as_of)))  # fmt: skip


def actions_tables(actions: PortfolioActions) -> list[Table]:
    """The open-actions section's tables that have rows (none when no action was opened)."""
    if not actions.total["actions"]:
        return []
    tables = [actions_by_department_table(actions), actions_by_source_table(actions),
              overdue_actions_table(actions)]  # fmt: skip
    return [t for t in tables if not t.empty]


# ---------------------------------------------------------------------------- PEFA PI-10


def consolidated_report_evidence(fiscal_year: str, parameters_dir: Path | None = None
                                 ) -> str | None:  # fmt: skip
    """How the consolidated report on the PSE sector is published for ``fiscal_year``: the
    report batch makes the PSE Portfolio Report with every yearly (FY) batch when
    ``portfolio.periods`` in ``defaults.yaml`` lists ``FY``; None when it does not."""
    folder = parameters_dir or Path(os.environ.get(ENV_PARAMETERS_DIR, "parameters"))
    path = folder / "defaults.yaml"
    if not path.is_file():
        return None
    periods = (read_yaml_mapping(path).get("portfolio") or {}).get("periods", ["FY"])
    if "FY" not in periods:
        return None
    return (f"the {REPORT_TITLE} for FY {fiscal_year} (pse_portfolio_report.html), made by the "
            "yearly report batch (defaults.yaml, portfolio.periods)")  # fmt: skip


def pi10_table(assessment: Pi10Assessment) -> Table:
    """PI-10's dimensions: score, why, missing evidence, the criterion met."""
    rows = []
    for d in assessment.dimensions:
        texts = assessment.criteria.criteria[d.dimension]
        met = getattr(texts, d.score) if d.score in "ABCD" and d.score else "not rated"
        missing = ", ".join(pi10_words(m) for m in d.missing) or "–"
        rows.append({"dimension": f"{isolate(d.dimension)} {pi10_words(d.title)}",
                     "score": d.score, "rationale": pi10_words(d.rationale), "missing": missing,
                     "criterion": pi10_words(met)})  # fmt: skip
    columns = (Column("dimension", N_("Dimension")), Column("score", N_("Score"), "pefa"),
               Column("rationale", N_("Found in the data")),
               Column("missing", N_("Evidence missing")),
               Column("criterion", N_("PEFA 2016 criterion for the score")))  # fmt: skip
    caption = _("PEFA PI-10 fiscal risk reporting, FY {year} (source: {source}). Consolidated "
                "report on the sector: {report}").format(
        year=isolate(assessment.fiscal_year.label), source=pi10_words(assessment.criteria.source),
        report=pi10_words(assessment.consolidated_report))  # fmt: skip
    return Table(pd.DataFrame(rows), columns, caption)


def pi10_evidence_table(assessment: Pi10Assessment) -> Table:
    """10.1's evidence: every public corporation, its audited accounts and how late."""
    evidence = assessment.evidence
    frame = evidence.assign(
        pse=evidence["entity_code"] + " " + evidence["entity_name"],
        audited_accounts_of=[v if not isinstance(v, str) else isolate(v)
                             for v in evidence["audited_accounts_of"]],
        finding=[pi10_words(str(f)) for f in evidence["finding"]],
    )  # fmt: skip
    columns = (
        Column("pse", N_("Public corporation")),
        Column("audited_accounts_of", N_("Audited accounts of")),
        Column("auditor_report_date", N_("Auditor's report")),
        Column("days_after_year_end", N_("Days after year-end"), "count"),
        Column("finding", N_("Finding")),
    )  # fmt: skip
    accounts = assessment.fiscal_year.previous().label
    months = assessment.criteria.published_within_months
    caption = _("PI-10.1 evidence: public corporations' accounts of {accounts} (published within "
                "{months} months of the year-end for an A or B), from the governance returns for "
                "{year}").format(accounts=isolate(accounts), months=months,
                                 year=isolate(assessment.fiscal_year.label))  # fmt: skip
    return Table(frame, columns, caption)


def cover_details(view: PortfolioView) -> list[tuple[str, str]]:
    """The facts on the portfolio report's cover."""
    province = view.province
    data = _date(province.data_as_of) if province.data_as_of else _("not recorded")
    returns = _date(view.governance_as_of) if view.governance_as_of else _("none received")
    return [
        (_("Period"), period_phrase(province) if province.period.kind == "year"
                      else _("first half (H1) of {period}").format(period=_half_year(view))),
        (_("Data as of"), data),
        (_("Statements"), _("latest of each PSE to {date} (current: {period})").format(
            date=_date(view.as_of), period=isolate(view.reference_period))),
        (_("Governance returns"), _("fiscal year {year}, as at {date}").format(
            year=isolate(province.fiscal_year.label), date=returns)),
    ]  # fmt: skip


#: What each later section needs before it can show figures (none left: every section of
#: issue 17 shows its figures).
LATER_SECTION_TEXT: dict[str, tuple[str, str]] = {}


def later_section(section: str) -> tuple[str, str]:
    """The heading of a later section and what it will show, for a section listed before its
    data exist (the notebook says the figures are not available yet)."""
    title, what = LATER_SECTION_TEXT[section]
    return title, f"Not available in this report yet: {what}."


def pi10_tables(assessment: Pi10Assessment) -> list[Table]:
    """PI-10's scores and 10.1's evidence, as the provincial summary shows them."""
    return [pi10_table(assessment), pi10_evidence_table(assessment)]
