"""Report content from the views: headline cards and formatted tables, for notebooks to show.

Each function turns a :class:`~kpilib.views.DepartmentView` or :class:`~kpilib.views.ProvinceView`
into something displayable: a list of :class:`~kpilib.present.html.KpiCard` or a
:class:`Table` (rows, column formats, caption). Nothing here computes a KPI: the numbers come
from the views, which come from the KPI modules; this module only selects, orders, labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.engine import Engine

from kpilib.kpis.actions import STATUS_LABELS, match_actions
from kpilib.kpis.pefa import DIMENSIONS
from kpilib.kpis.pefa_assessment import PefaAssessment
from kpilib.present.explain import Explanation, explain_figures
from kpilib.present.formatting import (
    MISSING,
    format_date,
    format_number,
    format_percent,
    money_unit_label,
)
from kpilib.present.headline import HeadlineFigure, department_headline, province_headline
from kpilib.present.html import KpiCard
from kpilib.present.messages import (
    AREA_LABELS,
    FigureChange,
    KeyMessage,
    compare_headline,
    key_messages,
    label_severity,
    plan_gaps,
)
from kpilib.present.methodology import Term, methodology_blocks
from kpilib.present.tables import Column, render_table
from kpilib.report.naming import department_report_link
from kpilib.views import DepartmentView, ProvinceView
from kpilib.views.followup import department_actions, last_period_actions
from kpilib.views.province import load_previous_year
from kpilib.views.pse import statement_labels

if TYPE_CHECKING:
    from pandas.api.typing import NAType

BUDGET_TYPE_LABELS = {"current": "Current", "development": "Development (ADP)", "total": "Total"}
CATEGORY_LABELS = {
    "autonomous_body": "Autonomous bodies",
    "university": "Universities",
    "teaching_hospital": "Teaching hospitals (MTIs)",
    "water_sanitation_company": "Water & sanitation companies",
    "public_company": "Public companies",
    "other": "Other",
}
RETURN_LABELS = {"pse_financial": "Financial return", "pse_kpi": "Operational KPI return"}


@dataclass(frozen=True)
class Table:
    """Rows to show, how to show each column, and a caption."""

    frame: pd.DataFrame
    columns: tuple[Column, ...]
    caption: str = ""

    def render(self) -> str:
        """The table as escaped HTML (``.kpi-table``)."""
        return render_table(self.frame, self.columns, self.caption or None)

    @property
    def empty(self) -> bool:
        return self.frame.empty


def period_phrase(view: ProvinceView) -> str:
    """``"FY 2024-25"`` or ``"year to date through Q2 2024-25 (Jul–Dec 2024)"``."""
    if view.period.kind == "year":
        return f"FY {view.fiscal_year.label}"
    return f"year to date through {view.period.label}"


def period_title(view: ProvinceView) -> str:
    """The period as a cover line: ``"FY 2024-25"`` or ``"Year to date through Q2 2024-25 …"``."""
    phrase = period_phrase(view)
    return phrase[0].upper() + phrase[1:]


def cover_details(view: ProvinceView, department: DepartmentView | None = None) -> list:
    """The facts printed on a report's cover."""
    details = []
    if department is not None:
        details.append(("Department", f"{department.name} ({department.code})"))
    rule = view.rules.rule("budget_execution", department.code if department else None)
    details += [
        ("Period", period_phrase(view)),
        ("Data as of", format_date(view.data_as_of) if view.data_as_of else "not recorded"),
        ("PEFA years", ", ".join(_label(y) for y in view.pefa_province.fiscal_years) or "none"),
        ("Status thresholds", ", ".join(rule.sources)),
    ]
    return details


def _label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _card(figure: HeadlineFigure) -> KpiCard:
    note = figure.note if not figure.stale else f"{figure.note}; {figure.stale}"
    return KpiCard(figure.label, figure.text, figure.status, note)


def department_figures(department: DepartmentView) -> list[HeadlineFigure]:
    """The department's headline figures (:mod:`kpilib.present.headline`), the same as its
    dashboard's."""
    return department_headline(
        department.province, department.code, "listed at the end of this report"
    )


def department_explanations(engine: Engine, department: DepartmentView) -> list[Explanation]:
    """Each headline figure's formula, inputs and returns (the report's appendix)."""
    return explain_figures(engine, department.province, department.code)


def province_explanations(engine: Engine, view: ProvinceView) -> list[Explanation]:
    """Each of the province's headline figures explained (the summary's appendix)."""
    return explain_figures(engine, view)


def department_cards(department: DepartmentView) -> list[KpiCard]:
    """:func:`department_figures` as plain cards."""
    return [_card(figure) for figure in department_figures(department)]


def status_footnote(view: ProvinceView, department: DepartmentView | None = None) -> str:
    """How each status of the report was set: the thresholds used and the files that set
    them (the same rules the dashboards use)."""
    code = department.code if department is not None else None
    return "Statuses: " + "; ".join(view.rules.describe_all(code)) + "."


# ---------------------------------------------------------------------------- executive summary


@dataclass(frozen=True)
class ExecutiveSummary:
    """What opens a report: the key messages, the headline figures and each one's change on
    the same period of last year (``compared_with``: ``FY 2023-24``)."""

    messages: list[KeyMessage]
    figures: list[HeadlineFigure]
    changes: dict[str, FigureChange]
    compared_with: str


def previous_label(view: ProvinceView) -> str:
    """The same period of the previous fiscal year, short: ``FY 2023-24``, or ``2023-24
    through Q2`` (the year to date)."""
    year = _label(view.fiscal_year.start_year - 1)
    return f"FY {year}" if view.period.kind == "year" else f"{year} through Q{view.period.number}"


def _worst_indicator(indicators: pd.DataFrame) -> pd.Series | None:
    measured = indicators[indicators["achievement"].notna()]
    if measured.empty:
        return None
    return measured.sort_values(["achievement", "indicator_code"]).iloc[0]


def _previous_department(engine: Engine, department: DepartmentView) -> list[HeadlineFigure]:
    previous = load_previous_year(engine, department.province)
    if previous is None or department.code not in set(previous.execution_total["department_code"]):
        return []
    return department_headline(previous, department.code, "")


def department_summary(engine: Engine, department: DepartmentView) -> ExecutiveSummary:
    """The department report's executive summary (:mod:`kpilib.present.messages`): its
    headline figures, each against the same period of last year, and its key messages; the
    largest gaps are its economic heads by budget type."""
    figures = department_figures(department)
    label = previous_label(department.province)
    changes = compare_headline(figures, _previous_department(engine, department) or None, label)
    lines = department.execution_by_class
    subjects = [
        f"{code} {name} ({budget_type})"
        for code, name, budget_type in zip(
            lines["economic_class_code"], lines["economic_class_name"], lines["budget_type"],
            strict=True,
        )
    ]  # fmt: skip
    messages = key_messages(
        figures, changes, plan_gaps(lines, subjects), department.exceptions,
        _worst_indicator(department.indicators), f"The {department.name} Department",
    )  # fmt: skip
    return ExecutiveSummary(messages, figures, changes, label)


def province_summary(engine: Engine, view: ProvinceView) -> ExecutiveSummary:
    """The provincial summary's executive summary: the province's headline figures against
    the same period of last year, and its key messages; the largest gaps are departments."""
    figures = province_figures(view)
    label = previous_label(view)
    previous = load_previous_year(engine, view)
    earlier = province_headline(previous, "") if previous is not None else None
    changes = compare_headline(figures, earlier, label)
    totals = view.execution_total
    messages = key_messages(
        figures, changes, plan_gaps(totals, list(totals["department_name"])), view.exceptions,
        _worst_indicator(view.indicators), "The province",
    )  # fmt: skip
    return ExecutiveSummary(messages, figures, changes, label)


def department_methodology(
    department: DepartmentView, sections: Sequence[str]
) -> list[tuple[str, list[Term]]]:
    """The department report's methodology appendix: the summary's rules, its statuses, the
    red flags and severity rule applied, and the KPIs of the ``sections`` shown."""
    view = department.province
    return methodology_blocks(view, previous_label(view), sections, department.code)


def province_methodology(view: ProvinceView) -> list[tuple[str, list[Term]]]:
    """The provincial summary's methodology appendix (every section, and the rankings)."""
    return methodology_blocks(view, previous_label(view), ["budget", "indicators", "pses"])


#: The severities the provincial summary lists in full (the others: in the departments' reports).
SUMMARY_SEVERITIES = ("high",)


def summary_flags(flags: pd.DataFrame) -> pd.DataFrame:
    """The red flags the provincial summary lists: those of :data:`SUMMARY_SEVERITIES`."""
    return flags[flags["severity"].isin(SUMMARY_SEVERITIES)]


def summary_flags_note(flags: pd.DataFrame) -> str:
    """Where the flags not listed in the summary are: ``12 medium and 40 low …``."""
    counts = flags["severity"].value_counts()
    rest = [f"{int(counts.get(s, 0))} {s}" for s in ("medium", "low") if counts.get(s, 0)]
    if not rest:
        return "Every red flag of the province is listed above."
    return (
        f"Listed above: the {int(counts.get('high', 0))} red flags of high severity. The other "
        f"{' and '.join(rest)}-severity flags are in each department's report (ranked the same "
        "way) and in this summary's Excel workbook."
    )


EXECUTION_AMOUNTS = (
    Column("budget_label", "Budget"),
    Column("original_budget", "Original budget", "money", 0),
    Column("revised_budget", "Revised budget", "money", 0),
    Column("released", "Released", "money", 0),
    Column("expended", "Spent", "money", 0),
    Column("unspent_releases", "Released, not spent", "money", 0),
)
EXECUTION_RATES = (
    Column("budget_label", "Budget"),
    Column("release_rate", "Released % of revised", "percent"),
    Column("utilisation", "Spent % of revised", "percent"),
    Column("utilisation_of_releases", "Spent % of released", "percent"),
    Column("burn_rag", "Spent % of plan", "rag", label_key="burn_label"),
    Column("q4_share", "Apr–Jun share of the year", "percent"),
    Column("june_share", "June share of the year", "percent"),
)


def _with_burn(frame: pd.DataFrame) -> pd.DataFrame:
    """The status of spending against plan (rated by the view) with the percent as its words."""
    frame = frame.copy()
    frame["burn_rag"] = frame["rag"]
    frame["burn_label"] = [format_percent(v, 0) for v in frame["burn_vs_plan"]]
    return frame


def execution_tables(department: DepartmentView) -> tuple[Table, Table]:
    """Budget execution by budget type and in total: amounts (in the money unit), then rates."""
    rows = department.execution.copy()
    total = department.execution_total.to_frame().T.assign(budget_type="total")
    frame = _with_burn(pd.concat([rows, total], ignore_index=True))
    frame["budget_label"] = frame["budget_type"].map(BUDGET_TYPE_LABELS)
    phrase = period_phrase(department.province)
    return (
        Table(frame, EXECUTION_AMOUNTS, f"Budget and spending, {money_unit_label()}, {phrase}"),
        Table(frame, EXECUTION_RATES, "Execution rates"),
    )


def class_table(department: DepartmentView) -> Table:
    """Budget execution by economic classification (object head) and budget type."""
    frame = _with_burn(department.execution_by_class)
    frame["budget_label"] = frame["budget_type"].map(BUDGET_TYPE_LABELS)
    frame["head"] = frame["economic_class_code"] + " " + frame["economic_class_name"]
    frame = frame.sort_values(["budget_type", "economic_class_code"])
    columns = (
        Column("budget_label", "Budget"),
        Column("head", "Economic head"),
        Column("revised_budget", "Revised", "money", 0),
        Column("expended", "Spent", "money", 0),
        Column("utilisation", "Spent % of revised", "percent"),
        Column("burn_rag", "Against plan", "rag", label_key="burn_label"),
    )
    return Table(frame, columns, "By economic classification")


def pefa_table(assessment: PefaAssessment) -> Table:
    """PEFA Pillar I: each dimension's yearly measure and its score."""
    yearly = assessment.yearly.set_index("fiscal_year")
    rows = []
    for dimension, rule in DIMENSIONS.items():
        score = assessment.dimension_scores[dimension]
        row: dict[str, object] = {"dimension": rule.title, "score": score}
        for year in assessment.fiscal_years:
            row[str(year)] = None if score == "NA" else yearly.loc[year, dimension]
        rows.append(row)
    frame = pd.DataFrame(rows)
    year_columns = tuple(
        Column(str(y), f"{_label(y)} (%)", "number", 1) for y in assessment.fiscal_years
    )
    columns = (Column("dimension", "Dimension"), *year_columns, Column("score", "Score", "pefa"))
    scores = ", ".join(f"{k} {v}" for k, v in assessment.indicator_scores.items())
    return Table(frame, columns, f"PEFA budget reliability (indicator scores: {scores})")


def shown_indicators(department: DepartmentView, codes: Sequence[str] = ()) -> pd.DataFrame:
    """The department's indicators to show: all of them, or those in ``codes`` (in that order)."""
    frame = department.indicators
    if not codes:
        return frame
    order = {code: i for i, code in enumerate(codes)}
    chosen = frame[frame["indicator_code"].isin(list(codes))]
    return chosen.sort_values("indicator_code", key=lambda s: s.map(order))


TREND_YEARS = 3


def indicator_series(department: DepartmentView, code: str) -> pd.DataFrame:
    """One indicator's province-level values over the last three fiscal years up to the report's
    date, oldest first (for a trend chart; missing actuals stay missing)."""
    values = department.indicator_values
    first_year = department.province.fiscal_year.start_year - (TREND_YEARS - 1)
    series = values[
        (values["indicator_code"] == code)
        & (values["fiscal_year"] >= first_year)
        & (pd.to_datetime(values["period_end"]) <= pd.Timestamp(department.province.as_of))
    ]
    return series.sort_values("period_end")


def indicator_panels(department: DepartmentView, codes: Sequence[str] = ()) -> list:
    """(series, title, unit) of each indicator shown, for ``charts.chart_indicator_grid``."""
    return [
        (indicator_series(department, str(row.indicator_code)), row.indicator_name, row.unit)
        for row in shown_indicators(department, codes).itertuples()
    ]


def indicator_table(department: DepartmentView, codes: Sequence[str] = ()) -> Table:
    """Each indicator's latest period: target, actual, achievement, RAG, change on last year."""
    frame = shown_indicators(department, codes).copy()
    frame["indicator"] = frame["indicator_code"] + " " + frame["indicator_name"]
    frame["unit_label"] = frame["unit"]
    frame["trend"] = [
        MISSING if pd.isna(change) else f"{change:+,.1f} ({'better' if better else 'worse'})"
        for change, better in zip(
            frame["change_vs_last_year"], frame["improved_vs_last_year"], strict=True
        )
    ]
    columns = (
        Column("indicator", "Indicator"),
        Column("unit_label", "Unit"),
        Column("period_code", "Period"),
        Column("target", "Target", "number", 1),
        Column("actual", "Actual", "number", 1),
        Column("achievement", "Achieved", "percent", 0),
        Column("rag", "Status", "rag", label_key="rag_label"),
        Column("trend", "On a year earlier"),
    )
    return Table(frame, columns, "Service delivery indicators (latest period of each)")


def pse_table(department: DepartmentView) -> Table:
    """The department's PSEs: latest statement's ratings, Z'', dependence, arrears, returns."""
    frame = department.pses.merge(
        department.compliance[["entity_code", "completeness", "timeliness"]],
        on="entity_code",
        how="left",
    )
    # A statement whose return the department has not approved is marked (issue 9).
    frame["pse"] = [
        f"{code} {name} ({statement})"
        for code, name, statement in zip(
            frame["entity_code"], frame["entity_name"], statement_labels(frame), strict=True
        )
    ]
    frame["z2_text"] = [format_number(z, 2) for z in frame["z2"]]
    frame = frame.sort_values(["overall_score", "entity_code"], ascending=[False, True])
    columns = (
        Column("pse", "PSE (latest statement)"),
        Column("overall_rating", "Overall risk", "rating"),
        Column("z2_zone", "Z'' zone", "zone"),
        Column("z2", "Z''", "number", 2),
        Column("government_dependence", "Grant share of income", "share"),
        Column("arrears_ratio", "Arrears ÷ spending", "share"),
        Column("timeliness", "Returns on time", "share"),
    )
    return Table(frame, columns, "Public sector entities of the department")


def outstanding_table(frame: pd.DataFrame, caption: str = "Returns due and not received") -> Table:
    """Outstanding returns, longest overdue first."""
    frame = frame.copy()
    frame["return_label"] = frame["return_type"].map(RETURN_LABELS).fillna(frame["return_type"])
    columns = (
        Column("entity_code", "PSE"),
        Column("return_label", "Return"),
        Column("period_code", "Quarter"),
        Column("due_date", "Due"),
        Column("days_overdue", "Days overdue", "count"),
    )
    return Table(frame, columns, caption)


def findings_table(frame: pd.DataFrame, caption: str = "Data-quality findings") -> Table:
    """Data-quality findings, errors first."""
    columns = (
        Column("severity", "Severity"),
        Column("rule", "Check"),
        Column("subject_code", "Subject"),
        Column("period_code", "Period"),
        Column("message", "Finding"),
    )
    return Table(frame, columns, caption)


def exceptions_table(
    frame: pd.DataFrame, link: bool = False, actions: pd.DataFrame | None = None
) -> Table:
    """Red flags, most severe first (their ``rank``), each with its severity and owner (the
    PSE or cost centre, else the department); with ``link`` each department links to its
    report of the same batch; with ``actions`` (:func:`flag_actions`, when any), the due date
    of the answer and where the follow-up stands."""
    frame = label_severity(frame.sort_values("rank") if "rank" in frame else frame)
    follow_up = _follow_up_columns(frame, actions)
    frame["department"] = frame["department_name"]
    entities = [e if isinstance(e, str) else "" for e in frame["entity"]]
    frame["owner"] = [
        entity or ("Department" if link else f"{name} Department")
        for entity, name in zip(entities, frame["department_name"], strict=True)
    ]
    areas = frame["area"].map(AREA_LABELS).fillna(frame["area"])
    frame["issue"] = [
        area if subject in (entity, area) else f"{area}: {subject}"
        for area, subject, entity in zip(areas, frame["subject"], entities, strict=True)
    ]
    department: tuple[Column, ...] = ()
    if link:
        frame["href"] = [department_report_link(code) for code in frame["department_code"]]
        department = (Column("department", "Department", "link", href_key="href"),)
    columns = (
        Column("rank", "Rank", "count"),
        Column("severity_rag", "Severity", "rag", label_key="severity_label"),
        *department,
        Column("owner", "Owner"),
        Column("issue", "Flag"),
        Column("message", "Why it is flagged"),
        *follow_up,
    )
    return Table(frame, columns, "Red flags, most severe first")


def flag_actions(engine: Engine, department: DepartmentView) -> pd.DataFrame:
    """The actions on the department's flags of the report's fiscal year (for
    :func:`exceptions_table` and :func:`department_tables`)."""
    return department_actions(engine, department.code, department.province.fiscal_year.start_year)


def province_flag_actions(engine: Engine, view: ProvinceView) -> pd.DataFrame:
    """The actions on every flag of the summary's fiscal year (for :func:`exceptions_table`
    and :func:`province_tables`)."""
    return department_actions(engine, None, view.fiscal_year.start_year)


def _follow_up_columns(frame: pd.DataFrame, actions: pd.DataFrame | None) -> tuple[Column, ...]:
    """Add ``answer_due`` and ``follow_up`` to ``frame`` (in place) when any of its flags has
    an action; the columns to show them (none otherwise)."""
    if actions is None or actions.empty:
        return ()
    year = int(actions["fiscal_year"].iloc[0])
    matched = match_actions(frame, actions, year)
    if matched["action_id"].isna().all():
        return ()
    overdue = dict(zip(actions["action_id"], actions["days_overdue"], strict=True))
    frame["answer_due"] = [format_date(d) if d is not None else "" for d in matched["due_on"]]
    frame["follow_up"] = [
        ""
        if status is None
        else STATUS_LABELS[status] + (f", {overdue[i]} days overdue" if overdue.get(i) else "")
        for i, status in zip(matched["action_id"], matched["action_status"], strict=True)
    ]
    return (Column("answer_due", "Answer due"), Column("follow_up", "Follow-up"))


def last_period_actions_summary(engine: Engine, department: DepartmentView) -> tuple[str, Table]:
    """ "Actions on last period's flags": a sentence with the counts (open, overdue, closed,
    resolution rate, median days to close) and the overdue actions, most overdue first."""
    found = last_period_actions(engine, department)
    k = found.kpis
    if not k["actions"]:
        text = f"No action was opened on the department's flags of {found.fiscal_year.label}."
    else:
        median = k["median_days_to_close"]
        text = (
            f"{int(k['actions'])} action(s) on the flags of {found.fiscal_year.label}, as of "
            f"{format_date(found.as_of)}: {int(k['closed'])} closed "
            f"({format_percent(k['resolution_rate'], 0)} resolved"
            + ("" if pd.isna(median) else f", median {median:.0f} days to close")
            + f"), {int(k['open'])} still open, of which {int(k['overdue'])} overdue and "
            f"{int(k['escalated'])} escalated."
        )
    overdue = found.overdue.assign(
        owner=[e or d for e, d in zip(found.overdue["entity_name"],
                                      found.overdue["department_name"], strict=True)],
        due=[format_date(d) for d in found.overdue["due_on"]],
    )  # fmt: skip
    columns = (
        Column("owner", "Owner"), Column("subject", "Flag"), Column("message", "Why it is flagged"),
        Column("due", "Answer due"), Column("days_overdue", "Days overdue", "count"),
    )  # fmt: skip
    return text, Table(overdue, columns, "Overdue actions on last period's flags")


# ---------------------------------------------------------------------------- the province


def _with_rank(text: str, rank: int | NAType) -> str:
    return text if pd.isna(rank) or text == MISSING else f"{text} (#{int(rank)})"


def province_figures(view: ProvinceView) -> list[HeadlineFigure]:
    """The province's headline figures, the same as the province dashboard's."""
    return province_headline(view, "listed at the end of the summary")


def province_cards(view: ProvinceView) -> list[KpiCard]:
    """:func:`province_figures` as plain cards."""
    return [_card(figure) for figure in province_figures(view)]


def league_table(view: ProvinceView, link: bool = True) -> Table:
    """Every department on the same KPIs, with its ranks (linking to its report), in order of
    budget-execution rank (ties by service rank, then name; unranked last)."""
    frame = view.department_summary.copy()
    flags = view.exceptions.groupby("department_code").size()
    frame["red_flags"] = frame["department_code"].map(flags).fillna(0).astype(int)
    frame["department"] = frame["department_name"]
    if link:
        frame["href"] = [department_report_link(code) for code in frame["department_code"]]
    frame = frame.sort_values(
        ["execution_rank", "service_rank", "department_name"], na_position="last", kind="stable"
    )
    frame["budget_text"] = [
        _with_rank(format_percent(u, 0), r)
        for u, r in zip(frame["utilisation"], frame["execution_rank"], strict=True)
    ]
    frame["service_text"] = [
        _with_rank(format_number(s, 0), r)
        for s, r in zip(frame["service_score"], frame["service_rank"], strict=True)
    ]
    frame["returns_text"] = [
        _with_rank(format_percent(t, 0), r)
        for t, r in zip(frame["returns_timeliness"], frame["compliance_rank"], strict=True)
    ]
    columns = (
        Column("department", "Department", "link" if link else "text", href_key="href"),
        Column("budget_text", "Budget spent (rank)", "number"),
        Column("development_utilisation", "ADP spent", "percent", 0),
        Column("pi1", "PI-1", "pefa"),
        Column("pi2", "PI-2", "pefa"),
        Column("service_text", "Service score (rank)", "number"),
        Column("returns_text", "Returns on time (rank)", "number"),
        Column("red_flags", "Red flags", "count"),
    )
    return Table(frame, columns, "Departments on the same KPIs, best budget execution first")


def province_execution_tables(view: ProvinceView) -> tuple[Table, Table]:
    """Province totals by budget type: amounts (in the money unit), then rates."""
    frame = _with_burn(view.province_execution)
    frame["budget_label"] = frame["budget_type"].map(BUDGET_TYPE_LABELS)
    return (
        Table(
            frame,
            EXECUTION_AMOUNTS,
            f"Province budget and spending, {money_unit_label()}, {period_phrase(view)}",
        ),
        Table(frame, EXECUTION_RATES, "Province execution rates"),
    )


def portfolio_table(view: ProvinceView) -> Table:
    """The PSE portfolio by category in the latest quarter: loss-makers, subsidies, arrears."""
    frame = view.portfolio_by_category.copy()
    frame["category_label"] = frame["category"].map(CATEGORY_LABELS)
    quarter = frame["period_code"].iloc[0] if len(frame) else ""
    columns = (
        Column("category_label", "Category"),
        Column("pses", "PSEs", "count"),
        Column("reporting", "Reporting", "count"),
        Column("loss_makers", "Loss-makers", "count"),
        Column("loss_maker_share", "Share of reporting", "share"),
        Column("subsidies_total", "Grants & subsidies in the quarter", "money", 0),
        Column("arrears_total", "Overdue payables", "money", 0),
        Column("high_risk", "High or very high risk", "count"),
        Column("distress", "Z'' distress", "count"),
    )
    return Table(frame, columns, f"PSE portfolio by category, {quarter}")


def highest_risk_table(view: ProvinceView, top: int = 10) -> Table:
    """The province's PSEs at highest overall risk (latest statement)."""
    frame = view.pse_latest.sort_values(["overall_score", "z2"], ascending=[False, True]).head(top)
    frame = frame.assign(
        pse=frame["entity_code"] + " " + frame["entity_name"] + " (" + frame["period_code"] + ")"
    )
    columns = (
        Column("pse", "PSE (latest statement)"),
        Column("department_code", "Dept."),
        Column("overall_rating", "Overall risk", "rating"),
        Column("z2_zone", "Z'' zone", "zone"),
        Column("government_dependence", "Grant share of income", "share", 0),
        Column("arrears_ratio", "Arrears ÷ spending", "share", 0),
    )
    return Table(frame, columns, f"The {top} PSEs at highest risk")


def compliance_league(view: ProvinceView) -> Table:
    """Departments by timeliness of their PSEs' returns (DHIS2-style reporting rates), in the
    order of their compliance rank (the same rank as the departments' table: ties share it)."""
    ranks = view.department_summary[["department_code", "department_name", "compliance_rank"]]
    frame = view.compliance_by_department.merge(ranks, how="left").rename(
        columns={"compliance_rank": "rank"}
    )
    # The departments' own compliance rank (ties share it, as in the departments' table), in
    # rank order; within a tie the more complete first.
    frame = frame.sort_values(
        ["rank", "completeness", "department_name"],
        ascending=[True, False, True],
        na_position="last",
        kind="stable",
    )
    columns = (
        Column("rank", "Rank", "count"),
        Column("department_name", "Department"),
        Column("expected", "Returns expected", "count"),
        Column("received", "Received", "count"),
        Column("completeness", "Received", "share", 0),
        Column("timeliness", "On time", "share", 0),
        Column("outstanding", "Outstanding", "count"),
        Column("mean_days_late", "Mean days late", "number", 0),
    )
    caption = f"Compliance league table (returns as of {format_date(view.compliance_as_of)})"
    return Table(frame, columns, caption)


# ---------------------------------------------------------------------------- the workbooks


def _section_tables(
    department: DepartmentView,
    section: str,
    codes: Sequence[str],
    actions: pd.DataFrame | None = None,
) -> list[Table]:
    if section == "budget":
        return [*execution_tables(department), class_table(department), pefa_table(department.pefa)]
    if section == "indicators" and not shown_indicators(department, codes).empty:
        return [indicator_table(department, codes)]
    tables: list[Table] = []
    if section == "pses" and not department.pses.empty:
        tables.append(pse_table(department))
        if not department.outstanding_returns.empty:
            tables.append(outstanding_table(department.outstanding_returns))
    if section == "quality":
        if not department.findings.empty:
            tables.append(findings_table(department.findings))
        if not department.exceptions.empty:
            tables.append(exceptions_table(department.exceptions, actions=actions))
    return tables


def department_tables(
    department: DepartmentView,
    sections: Sequence[str],
    codes: Sequence[str] = (),
    actions: pd.DataFrame | None = None,
) -> list[Table]:
    """Every table the department report shows, in the order of its ``sections`` (its Excel
    workbook, ``<CODE>.xlsx``); ``actions``: :func:`flag_actions`, for the flags table."""
    return [table for s in sections for table in _section_tables(department, s, codes, actions)]


def province_tables(view: ProvinceView, actions: pd.DataFrame | None = None) -> list[Table]:
    """Every table the provincial summary shows, in order (its Excel workbook); ``actions``:
    :func:`province_flag_actions`, for the flags table."""
    return [
        league_table(view),
        *province_execution_tables(view),
        pefa_table(view.pefa_province),
        portfolio_table(view),
        highest_risk_table(view),
        compliance_league(view),
        exceptions_table(view.exceptions, link=True, actions=actions),
    ]


def workbook_as_of(view: ProvinceView) -> str:
    """The as-of line of a report's workbook: ``fiscal year 2024-25 · figures to 30 Jun 2025 ·
    data as of 15 Feb 2026``."""
    data = format_date(view.data_as_of) if view.data_as_of else "not recorded"
    return f"{period_phrase(view)} · figures to {format_date(view.as_of)} · data as of {data}"
