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

from kpilib.kpis.guarantees import register_rollup
from kpilib.kpis.pefa_pi10 import Pi10Assessment
from kpilib.kpis.portfolio_report import OPINION_ORDER
from kpilib.kpis.support import SupportView, support_by_category
from kpilib.parameter_files import ENV_PARAMETERS_DIR, read_yaml_mapping
from kpilib.present.formatting import format_date, format_money, format_number, format_percent
from kpilib.present.headline import HeadlineFigure
from kpilib.present.tables import Column
from kpilib.report.content import CATEGORY_LABELS, Table, period_phrase
from kpilib.views.followup import PortfolioActions
from kpilib.views.portfolio import PortfolioView
from kpilib.views.stress import StressView

REPORT_TITLE = "PSE Portfolio Report"
#: Sections of the portfolio report in their order; those of :data:`LATER_SECTIONS` (none now)
#: would show a "not available yet" note when listed in the notebook's ``sections``.
SECTIONS = ("composition", "finances", "loss_makers", "governance", "audit",
            "support", "guarantees", "stress", "actions")  # fmt: skip
DEFAULT_SECTIONS = SECTIONS
LATER_SECTIONS = tuple(s for s in SECTIONS if s not in DEFAULT_SECTIONS)


def _categories(frame: pd.DataFrame) -> pd.Series:
    return frame["category"].map(CATEGORY_LABELS).fillna("All PSEs")


def report_subtitle(view: PortfolioView) -> str:
    """``Yearly report, FY 2024-25`` or ``Half-yearly report (H1), year to date through Q2 …``."""
    if view.province.period.kind == "year":
        return f"Yearly report, {period_phrase(view.province)}"
    return f"Half-yearly report (H1), {_half_year(view)}"


def _half_year(view: PortfolioView) -> str:
    """``FY 2024-25, 1 Jul 2024 to 31 Dec 2024`` (the Q2 batch: the year to date through Q2)."""
    year = view.province.fiscal_year
    start, end = format_date(year.start_date), format_date(view.province.period.end_date)
    return f"FY {year.label}, {start} to {end}"


def _stale_note(view: PortfolioView) -> str | None:
    stale = view.stale_statements
    if not stale:
        return None
    return (f"{stale} PSE(s)' latest statement is older than {view.reference_period}: "
            "their figures are stale")  # fmt: skip


def portfolio_figures(view: PortfolioView) -> list[HeadlineFigure]:
    """The report's headline figures, each with its population and date."""
    total = view.by_category.iloc[-1]
    to = format_date(view.as_of)
    on = f"latest statement of each reporting PSE to {to}, trailing four quarters"
    stale = _stale_note(view)
    rollup = view.governance_province.iloc[0]
    year = view.province.fiscal_year.label
    return [
        HeadlineFigure("pses", "PSEs in the portfolio", float(total["pses"]),
                       f"{int(total['pses'])}", None,
                       f"{int(total['reporting'])} with a statement, "
                       f"{int(total['stale'])} of them stale",
                       f"PSEs in the register on {to}"),
        HeadlineFigure("net_income", "Net profit or loss", float(total["net_income"]),
                       format_money(total["net_income"], 0), None,
                       f"losses of the loss-makers {format_money(total['losses'], 0)}", on,
                       stale=stale),
        HeadlineFigure("loss_makers", "Loss-makers", float(total["loss_makers"]),
                       f"{int(total['loss_makers'])} of {int(total['reporting'])}", None,
                       "annualised net income below zero", on, stale=stale),
        HeadlineFigure("net_equity", "Net equity", float(total["equity"]),
                       format_money(total["equity"], 0), None,
                       f"{int(total['negative_equity'])} PSE(s) with negative equity",
                       f"closing balance of each reporting PSE's latest statement to {to}",
                       stale=stale),
        HeadlineFigure("governance", "Governance score", _float(rollup["mean_score"]),
                       format_number(rollup["mean_score"], 0) + " / 100", None,
                       f"{int(rollup['reporting'])} of {int(rollup['pses'])} PSEs returned; "
                       f"{int(rollup['pses_with_breaches'])} with a breach",
                       f"mean score of the governance returns for {year}"),
    ]  # fmt: skip


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def composition_table(view: PortfolioView) -> Table:
    """PSEs by category (share of the portfolio)."""
    frame = view.composition_category.assign(category_label=_categories)
    columns = (Column("category_label", "Category"), Column("pses", "PSEs", "count"),
               Column("share", "Share of PSEs", "share"))  # fmt: skip
    return Table(frame, columns, f"PSEs by category, register on {format_date(view.as_of)}")


def department_table(view: PortfolioView) -> Table:
    """PSEs by administrative department."""
    columns = (Column("department_name", "Department"), Column("pses", "PSEs", "count"),
               Column("share", "Share of PSEs", "share"))  # fmt: skip
    return Table(
        view.composition_department,
        columns,
        f"PSEs by administrative department, register on {format_date(view.as_of)}",
    )


def finances_table(view: PortfolioView) -> Table:
    """Revenue, profit or loss and net equity by category, with a total line."""
    frame = view.by_category.assign(category_label=_categories)
    columns = (
        Column("category_label", "Category"), Column("reporting", "Reporting", "count"),
        Column("stale", "Stale", "count"), Column("revenue", "Revenue", "money", 0),
        Column("net_income", "Profit or loss", "money", 0),
        Column("loss_makers", "Loss-makers", "count"), Column("equity", "Net equity", "money", 0),
        Column("negative_equity", "Negative equity", "count"),
    )  # fmt: skip
    caption = (f"Revenue, profit or loss and net equity by category: latest statement to "
               f"{format_date(view.as_of)}, flows over four quarters")  # fmt: skip
    return Table(frame, columns, caption)


def loss_makers_table(view: PortfolioView, top: int = 10) -> Table:
    """The ``top`` largest loss-makers; a stale statement is marked."""
    frame = view.finances[view.finances["annual_net_income"] < 0]
    frame = frame.sort_values(["annual_net_income", "entity_code"]).head(top)
    frame = frame.assign(
        pse=frame["entity_code"] + " " + frame["entity_name"],
        category_label=_categories(frame),
        statement=frame["period_code"] + frame["stale"].map({True: " (stale)", False: ""}),
    )
    columns = (
        Column("pse", "PSE"), Column("category_label", "Category"),
        Column("department_code", "Dept."), Column("annual_net_income", "Net loss", "money", 0),
        Column("annual_revenue", "Revenue", "money", 0), Column("equity", "Net equity", "money", 0),
        Column("statement", "Statement"),
    )  # fmt: skip
    return Table(frame, columns, f"The {top} largest loss-makers, {period_phrase(view.province)}")


def governance_table(view: PortfolioView) -> Table:
    """Governance scores and breaches by category, with the province line."""
    frame = pd.concat([view.governance_by_category, view.governance_province],
                      ignore_index=True)  # fmt: skip
    frame = frame.assign(category_label=_categories)
    columns = (
        Column("category_label", "Category"), Column("pses", "PSEs", "count"),
        Column("reporting", "Returns", "count"), Column("mean_score", "Mean score", "number", 0),
        Column("median_score", "Median score", "number", 0),
        Column("pses_with_breaches", "PSEs with a breach", "count"),
        Column("breaches", "Breaches", "count"),
        Column("complied_share", "Rules complied with", "share"),
    )  # fmt: skip
    year = view.province.fiscal_year.label
    return Table(frame, columns, f"Governance compliance by category, returns for {year}")


def yearly_returns_table(view: PortfolioView) -> Table:
    """The yearly governance and support returns received ÷ expected (completeness) and on time
    (timeliness), on the data's date."""
    columns = (
        Column("title", "Return"), Column("expected", "Expected", "count"),
        Column("received", "Received", "count"), Column("on_time", "On time", "count"),
        Column("outstanding", "Missing", "count"),
        Column("completeness", "Share received", "share", 0),
        Column("timeliness", "Share on time", "share", 0),
    )  # fmt: skip
    year = view.yearly_returns_year.label
    caption = (f"Yearly returns for {year} received (due 120 days after the year), all "
               f"{int(view.province.entities.shape[0])} PSEs, as at "
               f"{format_date(view.yearly_returns_as_of)}")  # fmt: skip
    return Table(view.yearly_returns, columns, caption)


def missing_returns_table(view: PortfolioView) -> Table:
    """The PSEs whose yearly governance or support return is missing, one row per PSE, longest
    overdue first."""
    missing = view.yearly_missing
    titles = {"pse_governance": "governance", "pse_support": "support"}
    rows = [
        {"pse": f"{code} {group['entity_name'].iloc[0]}",
         "department_code": group["department_code"].iloc[0],
         "missing": ", ".join(titles.get(t, t) for t in sorted(group["return_type"])),
         "due": format_date(group["due_date"].min()),
         "days_overdue": int(group["days_overdue"].max())}
        for code, group in missing.groupby("entity_code", sort=True)
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["pse", "department_code", "missing", "due",
                                        "days_overdue"])  # fmt: skip
    frame = frame.sort_values(["days_overdue", "pse"], ascending=[False, True], kind="stable")
    columns = (Column("pse", "PSE"), Column("department_code", "Dept."),
               Column("missing", "Return(s) missing"), Column("due", "Due"),
               Column("days_overdue", "Days overdue", "count"))  # fmt: skip
    return Table(frame.reset_index(drop=True), columns,
                 f"The {len(frame)} PSEs whose yearly return for "
                 f"{view.yearly_returns_year.label} is missing, as at "
                 f"{format_date(view.yearly_returns_as_of)}")  # fmt: skip


def breaches_table(view: PortfolioView, top: int = 10) -> Table:
    """The rules breached most often."""
    frame = view.breaches[view.breaches["breaches"] > 0].head(top)
    frame = frame.assign(share=frame["breaches"] / frame["applies"].where(frame["applies"] > 0))
    columns = (Column("rule_id", "Rule"), Column("title", "What it asks"),
               Column("breaches", "PSEs in breach", "count"),
               Column("applies", "PSEs it applies to", "count"),
               Column("share", "Share in breach", "share"))  # fmt: skip
    year = view.province.fiscal_year.label
    return Table(frame, columns, f"The breaches most often found, returns for {year}")


def opinions_table(view: PortfolioView) -> Table:
    """Audit opinions on the latest audited accounts, by category."""
    numbers = [c for c in view.opinions.columns if c != "category"]
    total = view.opinions[numbers].sum().to_frame().T.assign(category="total")
    frame = pd.concat([view.opinions, total], ignore_index=True)
    frame = frame.assign(category_label=_categories)
    labels = {"none reported": "No audited accounts", "no_return": "No return"}
    columns = (
        Column("category_label", "Category"),
        *(Column(o, labels.get(o, o.capitalize()), "count") for o in OPINION_ORDER),
        Column("no_return", "No return", "count"), Column("pses", "PSEs", "count"),
    )  # fmt: skip
    year = view.province.fiscal_year.label
    return Table(
        frame, columns, f"Audit opinions on the latest audited accounts, returns for {year}"
    )


def support_table(support: SupportView) -> Table:
    """Direct support by instrument and PSE category, from the budget side (releases)."""
    frame = support_by_category(support.by_instrument, support.entities)
    columns = (
        Column("category_label", "Category"), Column("pses", "PSEs supported", "count"),
        Column("grant_in_aid", "Grants-in-aid", "money", 0),
        Column("subsidy", "Subsidies", "money", 0),
        Column("equity_injection", "Equity injections", "money", 0),
        Column("loan_disbursed", "Loans disbursed", "money", 0),
        Column("other_relief", "Other relief", "money", 0),
        Column("direct_support", "Direct support", "money", 0),
    )  # fmt: skip
    caption = f"Direct support by instrument, {support.fiscal_year.label}: releases to the PSEs"
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
        Column("category_label", "Category"), Column("guarantees", "Guarantees", "count"),
        Column("called", "Called", "count"),
        Column("amount_guaranteed", "Guaranteed", "money", 0),
        Column("outstanding", "Outstanding", "money", 0),
        Column("called_in_year", "Called in the year", "money", 0),
        Column("expiring_outstanding", "Expiring", "money", 0),
    )  # fmt: skip
    caption = (f"Contingent-liabilities register at the end of {support.fiscal_year.label}: "
               "guarantees given by the province for the PSEs")  # fmt: skip
    return Table(frame.assign(category_label=_categories), columns, caption)


def stress_period(view: PortfolioView) -> str:
    """The quarter whose statements the stress scenarios shock: the period's last quarter."""
    return view.province.reference_quarter.code


def stress_table(stress: StressView) -> Table:
    """The portfolio under each stress scenario of ``parameters/stress.yaml``: PSEs rated, at
    high risk before and after the shock, downgraded, and the extra support needed."""
    frame = stress.portfolio.copy()
    columns = (
        Column("scenario_label", "Scenario"), Column("rated", "PSEs rated", "count"),
        Column("high_risk_before", "High risk before", "count"),
        Column("high_risk_after", "High risk after", "count"),
        Column("downgraded", "Downgraded", "count"),
        Column("guarantee_called", "Guarantees called", "money", 0),
        Column("extra_support", "Extra support", "money", 0),
    )  # fmt: skip
    return Table(frame, columns, "Stress scenarios: the portfolio before and after each shock")


def stress_note(stress: StressView) -> str:
    """Where the guarantees a scenario may call come from."""
    if stress.guarantees_year is None:
        return "No contingent-liabilities register yet: no scenario calls a guarantee."
    year = f"{stress.guarantees_year}-{(stress.guarantees_year + 1) % 100:02d}"
    return f"Guarantees outstanding from the contingent-liabilities register of {year}."


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
    return f"{before.label} and {year.label}"


def actions_summary(actions: PortfolioActions) -> str:
    """A sentence with the follow-up KPIs of the actions on the PSEs' flags, its population
    (the flags of the report's year and the year before) and its date."""
    k, on = actions.total, format_date(actions.as_of)
    if not k["actions"]:
        return f"No action was opened on the PSEs' flags of {_years(actions)} by {on}."
    median = k["median_days_to_close"]
    return (
        f"{int(k['actions'])} action(s) on the PSEs' flags of {_years(actions)}, as of {on}: "
        f"{int(k['open'])} open, of which {int(k['overdue'])} overdue (no answer by the due "
        f"date) and {int(k['escalated'])} escalated; {int(k['closed'])} closed "
        f"({format_percent(k['resolution_rate'], 0)} resolved"
        + ("" if pd.isna(median) else f", median {median:.0f} days to close")
        + ")."
    )


_KPI_COLUMNS = (
    Column("actions", "Actions", "count"), Column("open", "Open", "count"),
    Column("overdue", "Overdue", "count"), Column("escalated", "Escalated", "count"),
    Column("closed", "Closed", "count"), Column("resolution_rate", "Resolved", "percent", 0),
    Column("median_days_to_close", "Median days to close", "number", 0),
)  # fmt: skip


def _with_total(frame: pd.DataFrame, key: str, actions: PortfolioActions) -> pd.DataFrame:
    if not len(frame):
        return frame
    total = actions.total.to_frame().T.assign(**{key: "All PSEs' flags"})
    out = pd.concat([frame, total], ignore_index=True)
    counts = ["actions", "open", "overdue", "escalated", "closed"]
    out[counts] = out[counts].astype(int)
    rates = ["resolution_rate", "median_days_to_close"]
    out[rates] = out[rates].astype(float)
    return out


def actions_by_department_table(actions: PortfolioActions) -> Table:
    """The follow-up KPIs by administrative department, with the total line."""
    frame = _with_total(actions.by_department, "department_name", actions)
    return Table(frame, (Column("department_name", "Department"), *_KPI_COLUMNS),
                 f"Actions by department, on the PSEs' flags of {_years(actions)}, as of "
                 f"{format_date(actions.as_of)}")  # fmt: skip


def actions_by_source_table(actions: PortfolioActions) -> Table:
    """The follow-up KPIs by the source of the flag (finance, compliance, governance, support
    mismatch, utilisation), with the total line."""
    by_source = actions.by_source
    frame = _with_total(by_source.assign(source=by_source["source"].str.capitalize()), "source",
                        actions)  # fmt: skip
    return Table(frame, (Column("source", "Flag from"), *_KPI_COLUMNS),
                 f"Actions by source, on the PSEs' flags of {_years(actions)}, as of "
                 f"{format_date(actions.as_of)}")  # fmt: skip


def overdue_actions_table(actions: PortfolioActions) -> Table:
    """The oldest overdue actions: PSE, flag, owner, due date, days overdue."""
    frame = actions.oldest_overdue
    frame = frame.assign(
        pse=[f"{c} {n}" if c else "The department's PSEs" for c, n in
             zip(frame["entity_code"], frame["entity_name"], strict=True)],
        due=[format_date(d) for d in frame["due_on"]],
    )  # fmt: skip
    columns = (
        Column("pse", "PSE"), Column("subject", "Flag"), Column("department_name", "Owner"),
        Column("due", "Answer due"), Column("days_overdue", "Days overdue", "count"),
    )  # fmt: skip
    return Table(frame, columns, f"The {len(frame)} oldest overdue actions, as of "
                                 f"{format_date(actions.as_of)}")  # fmt: skip


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
        rows.append({"dimension": f"{d.dimension} {d.title}", "score": d.score,
                     "rationale": d.rationale, "missing": ", ".join(d.missing) or "–",
                     "criterion": met})  # fmt: skip
    columns = (Column("dimension", "Dimension"), Column("score", "Score", "pefa"),
               Column("rationale", "Found in the data"), Column("missing", "Evidence missing"),
               Column("criterion", "PEFA 2016 criterion for the score"))  # fmt: skip
    caption = (f"PEFA PI-10 fiscal risk reporting, FY {assessment.fiscal_year.label} "
               f"(source: {assessment.criteria.source}). Consolidated report on the sector: "
               f"{assessment.consolidated_report}")  # fmt: skip
    return Table(pd.DataFrame(rows), columns, caption)


def pi10_evidence_table(assessment: Pi10Assessment) -> Table:
    """10.1's evidence: every public corporation, its audited accounts and how late."""
    frame = assessment.evidence.assign(
        pse=assessment.evidence["entity_code"] + " " + assessment.evidence["entity_name"]
    )
    columns = (
        Column("pse", "Public corporation"), Column("audited_accounts_of", "Audited accounts of"),
        Column("auditor_report_date", "Auditor's report"),
        Column("days_after_year_end", "Days after year-end", "count"),
        Column("finding", "Finding"),
    )  # fmt: skip
    accounts = assessment.fiscal_year.previous().label
    months = assessment.criteria.published_within_months
    return Table(frame, columns, f"PI-10.1 evidence: public corporations' accounts of {accounts} "
                                 f"(published within {months} months of the year-end for an A "
                                 f"or B), from the governance returns for "
                                 f"{assessment.fiscal_year.label}")  # fmt: skip


def cover_details(view: PortfolioView) -> list[tuple[str, str]]:
    """The facts on the portfolio report's cover."""
    province = view.province
    data = format_date(province.data_as_of) if province.data_as_of else "not recorded"
    returns = format_date(view.governance_as_of) if view.governance_as_of else "none received"
    return [
        ("Period", period_phrase(province) if province.period.kind == "year"
                   else f"first half (H1) of {_half_year(view)}"),
        ("Data as of", data),
        ("Statements", f"latest of each PSE to {format_date(view.as_of)} "
                       f"(current: {view.reference_period})"),
        ("Governance returns", f"fiscal year {province.fiscal_year.label}, as at {returns}"),
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
