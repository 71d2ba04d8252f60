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

from kpilib.i18n import N_, _, is_right_to_left, isolate
from kpilib.kpis.actions import STATUS_LABELS, match_actions
from kpilib.kpis.pefa import DIMENSIONS
from kpilib.kpis.pefa_assessment import PefaAssessment
from kpilib.present.explain import Explanation, explain_figures
from kpilib.present.findings import finding_words, rule_words
from kpilib.present.formatting import (
    MISSING,
    format_date,
    format_number,
    format_percent,
    money_unit_label,
)
from kpilib.present.headline import (
    HeadlineFigure,
    department_headline,
    describe_rules,
    province_headline,
)
from kpilib.present.html import KpiCard
from kpilib.present.messages import (
    AREA_LABELS,
    FigureChange,
    KeyMessage,
    compare_headline,
    key_messages,
    label_severity,
    plan_gaps,
    translate_flags,
)
from kpilib.present.methodology import Term, methodology_blocks
from kpilib.present.pse_words import statement_words
from kpilib.present.tables import Column, render_table
from kpilib.report.naming import department_report_link
from kpilib.views import DepartmentView, ProvinceView
from kpilib.views.followup import department_actions, last_period_actions
from kpilib.views.province import load_previous_year

if TYPE_CHECKING:
    from pandas.api.typing import NAType

BUDGET_TYPE_LABELS = {
    "current": N_("Current"), "development": N_("Development (ADP)"), "total": N_("Total"),
}  # fmt: skip
CATEGORY_LABELS = {
    "autonomous_body": N_("Autonomous bodies"),
    "university": N_("Universities"),
    "teaching_hospital": N_("Teaching hospitals (MTIs)"),
    "water_sanitation_company": N_("Water & sanitation companies"),
    "public_company": N_("Public companies"),
    "other": N_("Other"),
}
RETURN_LABELS = {"pse_financial": N_("Financial return"), "pse_kpi": N_("Operational KPI return")}


def _labels(labels: dict[str, str]) -> dict[str, str]:
    """A module's labels (marked ``N_``) in the current language."""
    return {key: _(label) for key, label in labels.items()}


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


def shown_department_names(frame: pd.DataFrame, view: ProvinceView) -> pd.Series:
    """``frame``'s department names in the current language: the Urdu name of the reference
    data when writing Urdu and there is one, else the English ``department_name``."""
    departments = view.departments
    if not is_right_to_left() or "department_name_ur" not in departments:
        return frame["department_name"]
    urdu = departments.set_index("department_code")["department_name_ur"].dropna()
    return frame["department_code"].map(urdu).fillna(frame["department_name"])


def period_phrase(view: ProvinceView) -> str:
    """``"FY 2024-25"`` or ``"year to date through Q2 2024-25 (Jul–Dec 2024)"``."""
    if view.period.kind == "year":
        return _("FY {year}").format(year=isolate(view.fiscal_year.label))
    return _("year to date through {period}").format(period=isolate(view.period.label))


def period_title(view: ProvinceView) -> str:
    """The period as a cover line: ``"FY 2024-25"`` or ``"Year to date through Q2 2024-25 …"``."""
    phrase = period_phrase(view)
    return phrase[0].upper() + phrase[1:] if phrase[:1].isascii() else phrase


def cover_details(view: ProvinceView, department: DepartmentView | None = None) -> list:
    """The facts printed on a report's cover."""
    details = []
    if department is not None:
        details.append((_("Department"), f"{department.shown_name} ({department.code})"))
    rule = view.rules.rule("budget_execution", department.code if department else None)
    years = ", ".join(_label(y) for y in view.pefa_province.fiscal_years)
    details += [
        (_("Period"), period_phrase(view)),
        (
            _("Data as of"),
            isolate(format_date(view.data_as_of)) if view.data_as_of else _("not recorded"),
        ),
        (_("PEFA years"), isolate(years) if years else _("none")),
        (_("Status thresholds"), ", ".join(_(source) for source in rule.sources)),
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
        department.province, department.code, _("listed at the end of this report")
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
    return _("Statuses: {rules}.").format(rules=_("; ").join(describe_rules(view.rules, code)))


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
    year = isolate(_label(view.fiscal_year.start_year - 1))
    if view.period.kind == "year":
        return _("FY {year}").format(year=year)
    return _("{year} through Q{number}").format(year=year, number=view.period.number)


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
        f"{code} {name} ({_(budget_type)})"
        for code, name, budget_type in zip(
            lines["economic_class_code"], lines["economic_class_name"], lines["budget_type"],
            strict=True,
        )
    ]  # fmt: skip
    messages = key_messages(
        figures, changes, plan_gaps(lines, subjects), department.exceptions,
        _worst_indicator(department.indicators),
        department.name_ur
        if department.name_ur and is_right_to_left()
        else _("The {name} Department").format(name=department.name),
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
        _worst_indicator(view.indicators), _("The province"),
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
    words = {"medium": _("medium"), "low": _("low")}
    rest = [f"{int(counts.get(s, 0))} {words[s]}" for s in ("medium", "low") if counts.get(s, 0)]
    if not rest:
        return _("Every red flag of the province is listed above.")
    return _(
        "Listed above: the {high} red flags of high severity. The other {rest}-severity flags "
        "are in each department's report (ranked the same way) and in this summary's Excel "
        "workbook."
    ).format(high=int(counts.get("high", 0)), rest=_(" and ").join(rest))


EXECUTION_AMOUNTS = (
    Column("budget_label", N_("Budget")),
    Column("original_budget", N_("Original budget"), "money", 0),
    Column("revised_budget", N_("Revised budget"), "money", 0),
    Column("released", N_("Released"), "money", 0),
    Column("expended", N_("Spent"), "money", 0),
    Column("unspent_releases", N_("Released, not spent"), "money", 0),
)
EXECUTION_RATES = (
    Column("budget_label", N_("Budget")),
    Column("release_rate", N_("Released % of revised"), "percent"),
    Column("utilisation", N_("Spent % of revised"), "percent"),
    Column("utilisation_of_releases", N_("Spent % of released"), "percent"),
    Column("burn_rag", N_("Spent % of plan"), "rag", label_key="burn_label"),
    Column("q4_share", N_("Apr–Jun share of the year"), "percent"),
    Column("june_share", N_("June share of the year"), "percent"),
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
    frame["budget_label"] = frame["budget_type"].map(_labels(BUDGET_TYPE_LABELS))
    phrase = period_phrase(department.province)
    caption = _("Budget and spending, {unit}, {period}").format(
        unit=_(money_unit_label()), period=phrase
    )
    return (
        Table(frame, EXECUTION_AMOUNTS, caption),
        Table(frame, EXECUTION_RATES, _("Execution rates")),
    )


def class_table(department: DepartmentView) -> Table:
    """Budget execution by economic classification (object head) and budget type."""
    frame = _with_burn(department.execution_by_class)
    frame["budget_label"] = frame["budget_type"].map(_labels(BUDGET_TYPE_LABELS))
    frame["head"] = frame["economic_class_code"] + " " + frame["economic_class_name"]
    frame = frame.sort_values(["budget_type", "economic_class_code"])
    columns = (
        Column("budget_label", N_("Budget")),
        Column("head", N_("Economic head")),
        Column("revised_budget", N_("Revised"), "money", 0),
        Column("expended", N_("Spent"), "money", 0),
        Column("utilisation", N_("Spent % of revised"), "percent"),
        Column("burn_rag", N_("Against plan"), "rag", label_key="burn_label"),
    )
    return Table(frame, columns, _("By economic classification"))


def pefa_table(assessment: PefaAssessment) -> Table:
    """PEFA Pillar I: each dimension's yearly measure and its score."""
    yearly = assessment.yearly.set_index("fiscal_year")
    rows = []
    for dimension, rule in DIMENSIONS.items():
        score = assessment.dimension_scores[dimension]
        row: dict[str, object] = {"dimension": _(rule.title), "score": score}
        for year in assessment.fiscal_years:
            row[str(year)] = None if score == "NA" else yearly.loc[year, dimension]
        rows.append(row)
    frame = pd.DataFrame(rows)
    year_columns = tuple(
        Column(str(y), _label(y) + " (%)", "number", 1) for y in assessment.fiscal_years
    )
    columns = (
        Column("dimension", N_("Dimension")),
        *year_columns,
        Column("score", N_("Score"), "pefa"),
    )
    scores = ", ".join(f"{k} {v}" for k, v in assessment.indicator_scores.items())
    return Table(
        frame,
        columns,
        _("PEFA budget reliability (indicator scores: {scores})").format(scores=isolate(scores)),
    )


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
    better_word, worse_word = _("better"), _("worse")
    frame["trend"] = [
        MISSING if pd.isna(change) else f"{change:+,.1f} ({better_word if better else worse_word})"
        for change, better in zip(
            frame["change_vs_last_year"], frame["improved_vs_last_year"], strict=True
        )
    ]
    columns = (
        Column("indicator", N_("Indicator")),
        Column("unit_label", N_("Unit")),
        Column("period_code", N_("Period")),
        Column("target", N_("Target"), "number", 1),
        Column("actual", N_("Actual"), "number", 1),
        Column("achievement", N_("Achieved"), "percent", 0),
        Column("rag", N_("Status"), "rag", label_key="rag_label"),
        Column("trend", N_("On a year earlier")),
    )
    return Table(frame, columns, _("Service delivery indicators (latest period of each)"))


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
            frame["entity_code"], frame["entity_name"], statement_words(frame), strict=True
        )
    ]
    frame["z2_text"] = [format_number(z, 2) for z in frame["z2"]]
    frame = frame.sort_values(["overall_score", "entity_code"], ascending=[False, True])
    columns = (
        Column("pse", N_("PSE (latest statement)")),
        Column("overall_rating", N_("Overall risk"), "rating"),
        Column("z2_zone", N_("Z'' zone"), "zone"),
        Column("z2", N_("Z''"), "number", 2),
        Column("government_dependence", N_("Grant share of income"), "share"),
        Column("arrears_ratio", N_("Arrears ÷ spending"), "share"),
        Column("timeliness", N_("Returns on time"), "share"),
    )
    return Table(frame, columns, _("Public sector entities of the department"))


def outstanding_table(frame: pd.DataFrame, caption: str | None = None) -> Table:
    """Outstanding returns, longest overdue first."""
    caption = caption or _("Returns due and not received")
    frame = frame.copy()
    frame["return_label"] = (
        frame["return_type"].map(_labels(RETURN_LABELS)).fillna(frame["return_type"])
    )
    columns = (
        Column("entity_code", N_("PSE")),
        Column("return_label", N_("Return")),
        Column("period_code", N_("Quarter")),
        Column("due_date", N_("Due")),
        Column("days_overdue", N_("Days overdue"), "count"),
    )
    return Table(frame, columns, caption)


def findings_table(frame: pd.DataFrame, caption: str | None = None) -> Table:
    """Data-quality findings, errors first."""
    caption = caption or _("Data-quality findings")
    frame = frame.assign(
        rule=[rule_words(v) for v in frame["rule"]],
        message=[finding_words(str(v)) for v in frame["message"]],
    )
    columns = (
        Column("severity", N_("Severity")),
        Column("rule", N_("Check")),
        Column("subject_code", N_("Subject")),
        Column("period_code", N_("Period")),
        Column("message", N_("Finding")),
    )
    return Table(frame, columns, caption)


def exceptions_table(
    frame: pd.DataFrame,
    link: bool = False,
    actions: pd.DataFrame | None = None,
    view: ProvinceView | None = None,
) -> Table:
    """Red flags, most severe first (their ``rank``), each with its severity and owner (the
    PSE or cost centre, else the department); with ``link`` each department links to its
    report of the same batch; with ``actions`` (:func:`flag_actions`, when any), the due date
    of the answer and where the follow-up stands; with ``view``, departments by their Urdu
    names in Urdu where the reference data has them (:func:`shown_department_names`)."""
    frame = label_severity(frame.sort_values("rank") if "rank" in frame else frame)
    frame = translate_flags(frame)
    data = frame["area"].eq("data")  # a data-quality finding's words (kpilib.kpis.quality)
    frame.loc[data, "message"] = [finding_words(str(m)) for m in frame.loc[data, "message"]]
    follow_up = _follow_up_columns(frame, actions)
    english = frame["department_name"]
    frame["department"] = shown_department_names(frame, view) if view is not None else english
    entities = [e if isinstance(e, str) else "" for e in frame["entity"]]
    frame["owner"] = [
        entity or (_("Department") if link else _department_words(name, shown))
        for entity, name, shown in zip(entities, english, frame["department"], strict=True)
    ]
    areas = frame["area"].map({k: _(v) for k, v in AREA_LABELS.items()}).fillna(frame["area"])
    frame["issue"] = [
        area if subject in (entity, area) else f"{area}: {subject}"
        for area, subject, entity in zip(areas, frame["subject"], entities, strict=True)
    ]
    department: tuple[Column, ...] = ()
    if link:
        frame["href"] = [department_report_link(code) for code in frame["department_code"]]
        department = (Column("department", N_("Department"), "link", href_key="href"),)
    columns = (
        Column("rank", N_("Rank"), "count"),
        Column("severity_rag", N_("Severity"), "rag", label_key="severity_label"),
        *department,
        Column("owner", N_("Owner")),
        Column("issue", N_("Flag")),
        Column("message", N_("Why it is flagged")),
        *follow_up,
    )
    return Table(frame, columns, _("Red flags, most severe first"))


def _department_words(english: str, shown: str) -> str:
    """``Health Department``; in Urdu the department's Urdu name whole where there is one (it
    already says محکمہ), else the English name in the Urdu phrase."""
    return shown if shown != english else _("{name} Department").format(name=english)


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
    frame["answer_due"] = [
        isolate(format_date(d)) if d is not None else "" for d in matched["due_on"]
    ]
    frame["follow_up"] = [
        ""
        if status is None
        else _(STATUS_LABELS[status])
        + (_(", {days} days overdue").format(days=overdue[i]) if overdue.get(i) else "")
        for i, status in zip(matched["action_id"], matched["action_status"], strict=True)
    ]
    return (Column("answer_due", N_("Answer due")), Column("follow_up", N_("Follow-up")))


def last_period_actions_summary(engine: Engine, department: DepartmentView) -> tuple[str, Table]:
    """ "Actions on last period's flags": a sentence with the counts (open, overdue, closed,
    resolution rate, median days to close) and the overdue actions, most overdue first."""
    found = last_period_actions(engine, department)
    k = found.kpis
    year = isolate(found.fiscal_year.label)
    if not k["actions"]:
        text = _("No action was opened on the department's flags of {year}.").format(year=year)
    else:
        median = k["median_days_to_close"]
        closing = _(", median {days} days to close").format(days=f"{median:.0f}")
        closing = "" if pd.isna(median) else closing
        text = _(
            "{actions} action(s) on the flags of {year}, as of {date}: {closed} closed "
            "({resolved} resolved{closing}), {open} still open, of which {overdue} overdue and "
            "{escalated} escalated."
        ).format(
            actions=int(k["actions"]), year=year, date=isolate(format_date(found.as_of)),
            closed=int(k["closed"]), resolved=format_percent(k["resolution_rate"], 0),
            closing=closing, open=int(k["open"]), overdue=int(k["overdue"]),
            escalated=int(k["escalated"]),
        )  # fmt: skip
    overdue = translate_flags(found.overdue).assign(
        owner=[e or d for e, d in zip(found.overdue["entity_name"],
                                      found.overdue["department_name"], strict=True)],
        due=[isolate(format_date(d)) for d in found.overdue["due_on"]],
    )  # fmt: skip
    columns = (
        Column("owner", N_("Owner")), Column("subject", N_("Flag")),
        Column("message", N_("Why it is flagged")), Column("due", N_("Answer due")),
        Column("days_overdue", N_("Days overdue"), "count"),
    )  # fmt: skip
    return text, Table(overdue, columns, _("Overdue actions on last period's flags"))


# ---------------------------------------------------------------------------- the province


def _with_rank(text: str, rank: int | NAType) -> str:
    return text if pd.isna(rank) or text == MISSING else f"{text} (#{int(rank)})"


def province_figures(view: ProvinceView) -> list[HeadlineFigure]:
    """The province's headline figures, the same as the province dashboard's."""
    return province_headline(view, _("listed at the end of the summary"))


def province_cards(view: ProvinceView) -> list[KpiCard]:
    """:func:`province_figures` as plain cards."""
    return [_card(figure) for figure in province_figures(view)]


def league_table(view: ProvinceView, link: bool = True) -> Table:
    """Every department on the same KPIs, with its ranks (linking to its report), in order of
    budget-execution rank (ties by service rank, then name; unranked last)."""
    frame = view.department_summary.copy()
    flags = view.exceptions.groupby("department_code").size()
    frame["red_flags"] = frame["department_code"].map(flags).fillna(0).astype(int)
    frame["department"] = shown_department_names(frame, view)
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
        Column("department", N_("Department"), "link" if link else "text", href_key="href"),
        Column("budget_text", N_("Budget spent (rank)"), "number"),
        Column("development_utilisation", N_("ADP spent"), "percent", 0),
        Column("pi1", N_("PI-1"), "pefa"),
        Column("pi2", N_("PI-2"), "pefa"),
        Column("service_text", N_("Service score (rank)"), "number"),
        Column("returns_text", N_("Returns on time (rank)"), "number"),
        Column("red_flags", N_("Red flags"), "count"),
    )
    return Table(frame, columns, _("Departments on the same KPIs, best budget execution first"))


def province_execution_tables(view: ProvinceView) -> tuple[Table, Table]:
    """Province totals by budget type: amounts (in the money unit), then rates."""
    frame = _with_burn(view.province_execution)
    frame["budget_label"] = frame["budget_type"].map(_labels(BUDGET_TYPE_LABELS))
    caption = _("Province budget and spending, {unit}, {period}").format(
        unit=_(money_unit_label()), period=period_phrase(view)
    )
    return (
        Table(frame, EXECUTION_AMOUNTS, caption),
        Table(frame, EXECUTION_RATES, _("Province execution rates")),
    )


def portfolio_table(view: ProvinceView) -> Table:
    """The PSE portfolio by category in the latest quarter: loss-makers, subsidies, arrears."""
    frame = view.portfolio_by_category.copy()
    frame["category_label"] = frame["category"].map(_labels(CATEGORY_LABELS))
    quarter = frame["period_code"].iloc[0] if len(frame) else ""
    columns = (
        Column("category_label", N_("Category")),
        Column("pses", N_("PSEs"), "count"),
        Column("reporting", N_("Reporting"), "count"),
        Column("loss_makers", N_("Loss-makers"), "count"),
        Column("loss_maker_share", N_("Share of reporting"), "share"),
        Column("subsidies_total", N_("Grants & subsidies in the quarter"), "money", 0),
        Column("arrears_total", N_("Overdue payables"), "money", 0),
        Column("high_risk", N_("High or very high risk"), "count"),
        Column("distress", N_("Z'' distress"), "count"),
    )
    return Table(
        frame, columns, _("PSE portfolio by category, {quarter}").format(quarter=isolate(quarter))
    )


def highest_risk_table(view: ProvinceView, top: int = 10) -> Table:
    """The province's PSEs at highest overall risk (latest statement)."""
    frame = view.pse_latest.sort_values(["overall_score", "z2"], ascending=[False, True]).head(top)
    frame = frame.assign(
        pse=frame["entity_code"] + " " + frame["entity_name"] + " (" + frame["period_code"] + ")"
    )
    columns = (
        Column("pse", N_("PSE (latest statement)")),
        Column("department_code", N_("Dept.")),
        Column("overall_rating", N_("Overall risk"), "rating"),
        Column("z2_zone", N_("Z'' zone"), "zone"),
        Column("government_dependence", N_("Grant share of income"), "share", 0),
        Column("arrears_ratio", N_("Arrears ÷ spending"), "share", 0),
    )
    return Table(frame, columns, _("The {top} PSEs at highest risk").format(top=top))


def compliance_league(view: ProvinceView) -> Table:
    """Departments by timeliness of their PSEs' returns (DHIS2-style reporting rates), in the
    order of their compliance rank (the same rank as the departments' table: ties share it)."""
    ranks = view.department_summary[["department_code", "department_name", "compliance_rank"]]
    frame = view.compliance_by_department.merge(ranks, how="left").rename(
        columns={"compliance_rank": "rank"}
    )
    frame["department_name"] = shown_department_names(frame, view)
    # The departments' own compliance rank (ties share it, as in the departments' table), in
    # rank order; within a tie the more complete first.
    frame = frame.sort_values(
        ["rank", "completeness", "department_name"],
        ascending=[True, False, True],
        na_position="last",
        kind="stable",
    )
    columns = (
        Column("rank", N_("Rank"), "count"),
        Column("department_name", N_("Department")),
        Column("expected", N_("Returns expected"), "count"),
        Column("received", N_("Received"), "count"),
        Column("completeness", N_("Received"), "share", 0),
        Column("timeliness", N_("On time"), "share", 0),
        Column("outstanding", N_("Outstanding"), "count"),
        Column("mean_days_late", N_("Mean days late"), "number", 0),
    )
    caption = _("Compliance league table (returns as of {date})").format(
        date=isolate(format_date(view.compliance_as_of))
    )
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
            tables.append(
                exceptions_table(department.exceptions, actions=actions, view=department.province)
            )
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
        exceptions_table(view.exceptions, link=True, actions=actions, view=view),
    ]


def workbook_as_of(view: ProvinceView) -> str:
    """The as-of line of a report's workbook: ``fiscal year 2024-25 · figures to 30 Jun 2025 ·
    data as of 15 Feb 2026``."""
    data = isolate(format_date(view.data_as_of)) if view.data_as_of else _("not recorded")
    return _("{period} · figures to {date} · data as of {data}").format(
        period=period_phrase(view), date=isolate(format_date(view.as_of)), data=data
    )
