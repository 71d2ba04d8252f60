"""The headline figures of the province and of each department: one list, every surface.

The report's cards, the dashboards' cards, the analysts' API (:func:`headline_frame`), the
exports and the e-mail all show these figures, so a number, its status and its words never
differ between them. Each figure names its population and date (``43 of 131 PSEs with a
2024-25Q4 statement``), marks stale inputs, and carries the status rule it was rated with
(:class:`kpilib.views.status.StatusRules`). Definitions: ``docs/methodology.md`` ("Headline
figures").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, cast

import pandas as pd

from kpilib.i18n import N_, _, current_language, isolate
from kpilib.kpis.compliance import compute_reporting_rates
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present.formatting import (
    format_date,
    format_money,
    format_percent,
    format_report_period,
    pefa_rag,
)
from kpilib.views.province import ProvinceView
from kpilib.views.selection import describe_report_period
from kpilib.views.status import SHORT_NAMES, StatusRules

#: Every headline figure: its key, and the label the cards show.
HEADLINE_FIGURES = {
    "budget_used": N_("Budget used (all)"),
    "development_used": N_("Development budget (ADP) used"),
    "pefa": N_("PEFA PI-1 · PI-2 · PI-3"),
    "service_score": N_("Service delivery score"),
    "indicators_on_track": N_("Indicators on track"),
    "pses_high_risk": N_("PSEs at high or very high risk"),
    "returns_received": N_("PSE returns received"),
    "red_flags": N_("Red flags"),
}
#: The status KPIs' short names (:data:`kpilib.views.status.SHORT_NAMES`) in words to translate.
RULE_NAMES = {
    "budget_execution": N_("Spending against plan"),
    "indicator_achievement": N_("Indicators"),
    "service_score": N_("Service-delivery score"),
    "returns_received": N_("Returns received"),
}


#: Where a status rule comes from when no file sets it (:data:`kpilib.views.status.BUILT_IN`).
BUILT_IN_WORDS = N_("built-in defaults")


def _label(key: str) -> str:
    return _(HEADLINE_FIGURES[key])


def describe_rule(rules: StatusRules, kpi: str, department: str | None = None) -> str:
    """A status rule in words with where it was set (:meth:`StatusRules.describe`), in the
    current language."""
    if current_language() == "en" or kpi not in SHORT_NAMES:
        return rules.describe(kpi, department)
    rule = rules.rule(kpi, department)
    green, amber = rule.thresholds.green, rule.thresholds.amber
    if kpi == "budget_execution":
        bands = _("green within {green} % of plan, amber within {amber} %, red outside").format(
            green=isolate(f"{green:g}–{200 - green:g}"), amber=isolate(f"{amber:g}–{200 - amber:g}")
        )
    else:
        bands = _("green ≥ {green} %, amber ≥ {amber} %, red below").format(
            green=isolate(f"{green:g}"), amber=isolate(f"{amber:g}")
        )
    where = ", ".join(isolate(source) for source in rule.sources[1:]) or _(BUILT_IN_WORDS)
    return f"{_(RULE_NAMES[kpi])}: {bands} ({where})"


def describe_rules(rules: StatusRules, department: str | None = None) -> list[str]:
    """:func:`describe_rule` of every status KPI."""
    if current_language() == "en":
        return rules.describe_all(department)
    return [describe_rule(rules, kpi, department) for kpi in RULE_NAMES]


@dataclass(frozen=True)
class HeadlineFigure:
    """One headline figure: its number and how every surface writes it.

    ``value`` is the number (percent, count or ``None``); ``text`` the figure as shown;
    ``status`` green/amber/red/grey or ``None`` (no status); ``note`` the line under it;
    ``population`` who and when it counts; ``rule`` the status rule used; ``stale`` a warning
    when an input is older than the view's period.
    """

    key: str
    label: str
    value: float | None
    text: str
    status: str | None
    note: str
    population: str
    rule: str | None = None
    stale: str | None = None


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(cast(float, value))
    return None if pd.isna(number) else number


def _budget_figure(
    view: ProvinceView, key: str, row: pd.Series | None, status: object, department: str | None
) -> HeadlineFigure:
    label = _label(key)
    development = key == "development_used"
    if row is None or pd.isna(row.get("utilisation")):
        empty = (
            _("no development budget of this type") if development else _("no budget of this type")
        )
        return HeadlineFigure(key, label, None, "–", "grey", empty, "")
    note = _("{spent} of {revised} revised; {share} of plan").format(
        spent=isolate(format_money(row["expended"], 0)),
        revised=isolate(format_money(row["revised_budget"], 0)),
        share=isolate(format_percent(row["burn_vs_plan"], 0)),
    )
    population = (
        _("spent of the revised development budget, {period}")
        if development
        else _("spent of the revised budget, {period}")
    ).format(period=_period(view))
    return HeadlineFigure(
        key, label, _number(row["utilisation"]), format_percent(row["utilisation"]),
        str(status), note, population, describe_rule(view.rules, "budget_execution", department),
    )  # fmt: skip


def _report_period(view: ProvinceView) -> str:
    if current_language() == "en":
        return describe_report_period(view.period)
    return format_report_period(view.period)


def _period(view: ProvinceView) -> str:
    return _("{period} (data to {date})").format(
        period=_report_period(view), date=isolate(format_date(view.as_of))
    )


def weakest_pefa(scores: Iterable[str]) -> str | None:
    """The weakest of the PEFA indicator scores that carry a grade (``D`` < ``D+`` < … < ``A``),
    for a card's colour; None when none is scored (every one ``NA`` or ``NR``)."""
    graded = [s for s in scores if s and s[0] in "ABCD"]
    if not graded:
        return None
    return min(graded, key=lambda s: ("DCBA".index(s[0]), s.endswith("+")))


def _pefa_figure(scores: dict[str, str], years: list[int], scope: str) -> HeadlineFigure:
    shown = [scores.get(pi, "NR") for pi in ("PI-1", "PI-2", "PI-3")]
    worst = weakest_pefa(shown[:2])
    labels = ", ".join(f"{y}-{(y + 1) % 100:02d}" for y in years)
    labels = isolate(labels) if labels else _("no completed year")
    return HeadlineFigure(
        "pefa", _label("pefa"), None, " · ".join(shown), pefa_rag(worst),
        _("budget reliability, last three completed years"),
        _("{scope}, fiscal years {years}").format(scope=scope, years=labels),
        _("colour of the weaker graded of PI-1 and PI-2: A/B green, C amber, D red"),
    )  # fmt: skip


def pse_risk_figure(
    view: ProvinceView, pses: pd.DataFrame, entities: int, scope: str
) -> HeadlineFigure:
    """``43 of 131``: PSEs at high or very high risk of those with a statement for the view's
    reference quarter (``pses``: latest statements with their ``current`` flag; ``entities``:
    how many PSEs there are); older statements are named as stale and not counted."""
    is_current = pses["current"].astype("boolean").fillna(False).astype(bool)
    current = pses[is_current]
    stale = int((pses["period_code"].notna() & ~is_current).sum())
    high = int(current["overall_rating"].isin(["high", "very high"]).sum())
    quarter = view.reference_quarter.code
    distress = int((current["z2_zone"] == "distress").sum())
    losses = int(current["loss_maker"].fillna(False).astype(bool).sum())
    return HeadlineFigure(
        "pses_high_risk", _label("pses_high_risk"), float(high),
        _("{count} of {total}").format(count=high, total=len(current)),
        "grey" if current.empty else None,
        _("{distress} in Z'' distress; {losses} loss-makers").format(
            distress=distress, losses=losses
        ),
        _("{scope}: PSEs with a {quarter} statement ({count} of {total} PSEs)").format(
            scope=scope, quarter=isolate(quarter), count=len(current), total=entities
        ),
        None,
        _("{count} PSE(s) whose latest statement is older than {quarter} are not counted").format(
            count=stale, quarter=isolate(quarter)
        )
        if stale else None,
    )  # fmt: skip


def _returns_figure(
    view: ProvinceView, status: pd.DataFrame, rag: object, department: str | None, scope: str
) -> HeadlineFigure:
    rates = compute_reporting_rates(status, by=())
    expected = int(rates["expected"].iloc[0]) if len(rates) else 0
    if not expected:
        return HeadlineFigure(
            "returns_received", _label("returns_received"), None, "–", "grey",
            _("no return expected yet"),
            _("{scope}: no PSE return was due in the period").format(scope=scope),
        )  # fmt: skip
    completeness = float(rates["completeness"].iloc[0]) * 100
    timeliness = float(rates["timeliness"].iloc[0]) * 100
    return HeadlineFigure(
        "returns_received", _label("returns_received"), completeness,
        format_percent(completeness, 0), str(rag),
        _("{share} on time, of {expected} expected").format(
            share=isolate(format_percent(timeliness, 0)), expected=f"{expected:,}"
        ),
        _("{scope}: quarterly returns due in {period}, as of {date}").format(
            scope=scope, period=_report_period(view),
            date=isolate(format_date(view.compliance_as_of)),
        ),
        describe_rule(view.rules, "returns_received", department),
    )  # fmt: skip


def _flags_figure(count: int, where: str, scope: str) -> HeadlineFigure:
    return HeadlineFigure(
        "red_flags", _label("red_flags"), float(count), str(count), None, where,
        _("{scope}: every red flag of the period (rules in the methodology)").format(scope=scope),
    )  # fmt: skip


def department_headline(view: ProvinceView, code: str, flags_where: str) -> list[HeadlineFigure]:
    """The headline figures of department ``code`` (``flags_where``: where the red flags are
    listed, e.g. "listed at the end of this report")."""
    summary = cast(pd.Series, view.department_summary.set_index("department_code").loc[code])
    name = _("{name} Department").format(name=summary["department_name"])
    by_type = view.execution[view.execution["department_code"] == code].set_index("budget_type")
    development = (
        cast(pd.Series, by_type.loc["development"]) if "development" in by_type.index else None
    )
    total = cast(pd.Series, view.execution_total.set_index("department_code").loc[code])
    entities = int((view.entities["department_code"] == code).sum())
    pses = view.pse_latest[view.pse_latest["department_code"] == code]
    status = view.return_status[view.return_status["department_code"] == code]
    exceptions = view.exceptions[view.exceptions["department_code"] == code]
    return [
        _budget_figure(view, "budget_used", total, summary["utilisation_rag"], code),
        _budget_figure(view, "development_used", development, summary["development_rag"], code),
        _pefa_figure(
            dict(view.pefa_departments[code].indicator_scores),
            list(view.pefa_departments[code].fiscal_years), name,
        ),
        _service_figure(view, summary, code),
        pse_risk_figure(view, pses, entities, name),
        _returns_figure(view, status, summary["returns_rag"], code, name),
        _flags_figure(len(exceptions), flags_where, name),
    ]  # fmt: skip


def _service_figure(view: ProvinceView, summary: pd.Series, code: str) -> HeadlineFigure:
    label = _label("service_score")
    scope = _("{name} Department").format(name=summary["department_name"])
    ranked = int(view.service_scores["rank"].notna().sum())
    as_of = isolate(format_date(view.as_of))
    if pd.isna(summary["service_score"]):
        return HeadlineFigure(
            "service_score", label, None, "–", "grey", _("no indicator data"),
            _("{scope}: no indicator reported by {date}").format(scope=scope, date=as_of),
        )  # fmt: skip
    return HeadlineFigure(
        "service_score", label, _number(summary["service_score"]),
        f"{summary['service_score']:.0f} / 100", str(summary["service_rag"]),
        _("rank {rank} of {ranked}; {share} % of indicators reported").format(
            rank=summary["service_rank"], ranked=ranked,
            share=f"{summary['service_completeness']:.0f}",
        ),
        _("{scope}: its indicators' latest values by {date}").format(scope=scope, date=as_of),
        describe_rule(view.rules, "service_score", code),
    )  # fmt: skip


def province_headline(view: ProvinceView, flags_where: str) -> list[HeadlineFigure]:
    """The province's headline figures (``flags_where``: where the red flags are listed)."""
    totals = view.province_execution.set_index("budget_type")
    development = (
        cast(pd.Series, totals.loc["development"]) if "development" in totals.index else None
    )
    total = cast(pd.Series, totals.loc["total"]) if "total" in totals.index else None
    scope = _("Province")
    return [
        _budget_figure(view, "budget_used", total, _status_of(total), None),
        _budget_figure(view, "development_used", development, _status_of(development), None),
        _pefa_figure(
            dict(view.pefa_province.indicator_scores),
            list(view.pefa_province.fiscal_years), scope,
        ),
        _indicators_figure(view),
        pse_risk_figure(view, view.pse_latest, len(view.entities), scope),
        _returns_figure(
            view, view.return_status,
            view.rules.rate("returns_received", _completeness(view)), None, scope,
        ),
        _flags_figure(len(view.exceptions), flags_where, scope),
    ]  # fmt: skip


def _status_of(row: pd.Series | None) -> str:
    return "grey" if row is None else str(row["rag"])


def _completeness(view: ProvinceView) -> float | None:
    rates = compute_reporting_rates(view.return_status, by=())
    if not len(rates) or not rates["expected"].iloc[0]:
        return None
    return float(rates["completeness"].iloc[0]) * 100


def _indicators_figure(view: ProvinceView) -> HeadlineFigure:
    indicators = view.indicators
    on_track = int((indicators["rag"] == "green").sum())
    off_track = int((indicators["rag"] == "red").sum())
    return HeadlineFigure(
        "indicators_on_track", _label("indicators_on_track"), float(on_track),
        _("{count} of {total}").format(count=on_track, total=len(indicators)), None,
        _("{count} off track").format(count=off_track),
        _("Province: province-level indicators, latest value by {date}").format(
            date=isolate(format_date(view.as_of))
        ),
        _("each indicator by its department's thresholds (see the department reports)"),
    )  # fmt: skip


def headline_frame(figures: list[HeadlineFigure]) -> pd.DataFrame:
    """The figures as a table (the analysts' API and the consistency checks)."""
    return pd.DataFrame([asdict(figure) for figure in figures])


def headline(view: ProvinceView, department: str | None = None) -> pd.DataFrame:
    """The headline figures of the province (or of ``department``) as a table: the numbers,
    statuses and words the reports' and dashboards' cards show (the analysts' API)."""
    if department is None:
        return headline_frame(province_headline(view, "listed in the exceptions"))
    return headline_frame(department_headline(view, department, "listed in the exceptions"))


#: The media type under which a report notebook publishes its headline figures: kept in the
#: executed notebook (never in the HTML, which shows only static outputs) and read back by the
#: batch into the manifest, from which the e-mail writes them.
HEADLINE_MEDIA_TYPE = "application/vnd.kpi-suite.headline+json"


def publish_headline(figures: list[HeadlineFigure]) -> None:
    """Put the figures in the notebook's outputs (see :data:`HEADLINE_MEDIA_TYPE`)."""
    from IPython.display import display

    display({HEADLINE_MEDIA_TYPE: [asdict(figure) for figure in figures]}, raw=True)


def read_published_headline(notebook: Any) -> list[dict[str, Any]]:
    """The figures an executed report notebook published (empty when it published none)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if HEADLINE_MEDIA_TYPE in data:
                return list(data[HEADLINE_MEDIA_TYPE])
    return []


def describe_headline(figures: list[dict[str, Any]]) -> list[str]:
    """One plain line per figure, as the e-mail writes them: ``Budget used (all): 95.6 % —
    At risk (Rs 233,389 m of Rs 244,151 m revised; 96 % of plan)``."""
    lines = []
    for figure in figures:
        status = f" — {RAG_LABELS.get(figure['status'], '')}" if figure.get("status") else ""
        note = f" ({figure['note']})" if figure.get("note") else ""
        lines.append(f"{figure['label']}: {figure['text']}{status}{note}")
    return lines
