"""Altair chart builders that share one theme, for reports, dashboards and analysts.

Colours are the Okabe–Ito palette (safe for the common forms of colour blindness); RAG colours
always come with a text label elsewhere on the page. Charts take frames already aggregated by
kpilib (a few hundred rows at most), so Altair's 5,000-row limit is never near.

Urdu: a chart made while the language is Urdu (:mod:`kpilib.i18n`) has Urdu titles, axis titles
and legends, and is drawn in Noto Nastaliq Urdu (the theme reads the language when the chart is
rendered; vl-convert is given the font to measure the labels). Axes keep their direction: time
runs left to right (July on the left) and bars grow to the right, as in the English edition and
in Pakistan's Urdu budget documents' charts (docs/glossary-ur.md).
"""

from __future__ import annotations

import functools
from typing import TypeVar, cast

import altair as alt
import pandas as pd

from kpilib.fiscal import MONTH_ABBREVIATIONS
from kpilib.i18n import N_, _, is_right_to_left
from kpilib.present.fonts import URDU_FAMILY, urdu_font_directory

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
RAG_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "grey": "#999999"}
BUDGET_TYPE_COLOURS = {"current": PALETTE[0], "development": PALETTE[1]}
FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"
#: The font of Urdu charts (Nastaliq, embedded in the Urdu pages; vl-convert measures with it).
URDU_FONT = f"{URDU_FAMILY}, DejaVu Sans, sans-serif"
WIDTH = 560
HEIGHT = 220
#: The budget types as a chart's legend shows them (the English edition shows the codes).
BUDGET_TYPE_WORDS = {"current": N_("current"), "development": N_("development"),
                     "total": N_("total")}  # fmt: skip


@functools.cache
def register_urdu_font() -> None:
    """Give vl-convert the Urdu font (once per process), so Urdu labels are measured in it."""
    import vl_convert

    vl_convert.register_font_directory(str(urdu_font_directory()))


def _quiet() -> dict:
    """A title's ARIA setting: none in Urdu (Vega would describe it in English)."""
    return {"aria": False} if is_right_to_left() else {}


@alt.theme.register("kpi", enable=True)
def kpi_theme() -> alt.theme.ThemeConfig:
    """The suite's chart theme: quiet axes, the palette, a readable system font. In Urdu:
    Nastaliq, titles at the right (where Urdu text starts), and no English descriptions
    generated for screen readers ("X-axis titled …"): the page's Urdu title and note say what
    the chart shows."""
    config: dict = {
        "font": FONT,
        "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
        "range": {"category": list(PALETTE)},
        "axis": {
            "labelFontSize": 11,
            "titleFontSize": 11,
            "titleFontWeight": "normal",
            "gridColor": "#e6e6e6",
            "domainColor": "#888888",
            "tickColor": "#888888",
        },
        "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
        "title": {"fontSize": 13, "anchor": "start", "fontWeight": 600},
    }
    if is_right_to_left():
        register_urdu_font()
        config["font"] = URDU_FONT
        config["aria"] = False
        for part in ("axis", "legend", "title"):
            config[part]["aria"] = False
        config["title"]["anchor"] = "end"
    return alt.theme.ThemeConfig({"config": config})  # type: ignore[typeddict-item]


def _row() -> int:
    """The height of one department's row in a chart with a row per department: Nastaliq's
    letters stand taller than Latin ones, so Urdu rows are higher (their names do not touch)."""
    return 22 if is_right_to_left() else 14


def _month_labels(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["month_label"] = [MONTH_ABBREVIATIONS[m - 1] for m in frame["month"]]
    return frame


def chart_spending_curve(curve: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """Cumulative spending against the straight-line plan, as % of the revised budget.

    ``curve`` is :func:`kpilib.kpis.budget_execution.compute_monthly_curve` for one department (keys
    ``budget_type``) or the province. Solid lines: actual; dashed: the plan.
    """
    frame = _month_labels(curve)
    if "budget_type" not in frame:
        frame["budget_type"] = "total"
    frame["budget_type"] = [_(BUDGET_TYPE_WORDS.get(t, t)) for t in frame["budget_type"]]
    domain = [_(BUDGET_TYPE_WORDS[t]) for t in BUDGET_TYPE_COLOURS]
    frame["Spent (% of revised budget)"] = frame["cumulative_utilisation"].astype("float64")
    frame["Plan (% of revised budget)"] = frame["plan_utilisation"].astype("float64")
    order = list(MONTH_ABBREVIATIONS)
    x = alt.X("month_label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    colour = alt.Color(
        "budget_type:N",
        title=_("Budget"),
        scale=alt.Scale(domain=domain, range=list(BUDGET_TYPE_COLOURS.values())),
    )
    y_scale = alt.Scale(domain=[0, 110])
    actual = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("Spent (% of revised budget):Q", title=_("% of revised budget"),
                    scale=y_scale),
            color=colour,
            tooltip=["budget_type", "month_label", alt.Tooltip("Spent (% of revised budget):Q",
                                                                 format=".1f")],
        )
    )  # fmt: skip
    plan = (
        alt.Chart(frame)
        .mark_line(strokeDash=[5, 4], strokeWidth=1.5, color="#666666")
        .encode(x=x, y=alt.Y("Plan (% of revised budget):Q", scale=y_scale))
    )
    return alt.LayerChart(layer=[plan, actual]).properties(
        title=alt.TitleParams(title, subtitle=_("Dashed line: straight-line plan"), **_quiet()),
        width=WIDTH,
        height=HEIGHT,
    )


def chart_execution_by_class(execution: pd.DataFrame, title: str = "") -> alt.Chart:
    """Utilisation (% of revised budget) by economic head, one bar per head and budget type.

    ``execution`` is :func:`kpilib.kpis.budget_execution.compute_execution` with keys including
    ``budget_type`` and ``economic_class_code``, optionally joined with ``economic_class_name``.
    """
    frame = execution.copy()
    frame["head"] = frame["economic_class_code"]
    if "economic_class_name" in frame:
        frame["head"] = frame["head"] + " " + frame["economic_class_name"]
    frame["Utilisation (%)"] = frame["utilisation"].astype("float64")
    # the budget types in the reader's words (the English edition shows the codes)
    frame["budget_type"] = [_(BUDGET_TYPE_WORDS.get(t, t)) for t in frame["budget_type"]]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("head:N", title=None, sort="ascending"),
            x=alt.X("Utilisation (%):Q", title=_("Utilisation (%)"), scale=alt.Scale(domainMin=0)),
            color=alt.Color(
                "budget_type:N",
                title=_("Budget"),
                scale=alt.Scale(
                    domain=[_(BUDGET_TYPE_WORDS[t]) for t in BUDGET_TYPE_COLOURS],
                    range=list(BUDGET_TYPE_COLOURS.values()),
                ),
            ),
            yOffset="budget_type:N",
            tooltip=["budget_type", "head", alt.Tooltip("Utilisation (%):Q", format=".1f")],
        )
        .properties(title=title, width=WIDTH - 140)
    )


def chart_indicator_trend(
    series: pd.DataFrame, title: str = "", unit: str = "", width: int = WIDTH - 220
) -> alt.LayerChart:
    """Actual (solid, points) against target (dashed) over an indicator's periods.

    ``series`` holds ``period_code``, ``target`` and ``actual`` rows in time order (missing actuals
    leave a gap, never a zero).
    """
    frame = series[["period_code", "target", "actual"]].copy()
    frame["target"] = frame["target"].astype("float64")
    frame["actual"] = frame["actual"].astype("float64")
    order = list(frame["period_code"])
    x = alt.X("period_code:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40))
    y_title = unit or _("value")
    target = (
        alt.Chart(frame)
        .mark_line(strokeDash=[5, 4], color="#666666")
        .encode(x=x, y=alt.Y("target:Q", title=y_title), tooltip=["period_code", "target"])
    )
    actual = (
        alt.Chart(frame)
        .mark_line(point=True, color=PALETTE[0], strokeWidth=2.5)
        .encode(x=x, y=alt.Y("actual:Q", title=y_title), tooltip=["period_code", "actual"])
    )
    return alt.LayerChart(layer=[target, actual]).properties(
        title=alt.TitleParams(title, subtitle=_("Solid: actual; dashed: target"), **_quiet()),
        width=width,
        height=150,
    )


def chart_indicator_grid(
    panels: list[tuple[pd.DataFrame, str, str]], columns: int = 2
) -> alt.ConcatChart:
    """Small multiples: one trend panel (series, title, unit) per indicator, ``columns`` a row."""
    width = (WIDTH - 40 * columns) // columns
    charts = [chart_indicator_trend(series, title, unit, width) for series, title, unit in panels]
    return alt.concat(*charts, columns=columns).resolve_scale(y="independent")


def chart_department_scores(scores: pd.DataFrame, names: pd.DataFrame | None = None,
                            title: str = "") -> alt.Chart:  # fmt: skip
    """Departments' composite service-delivery scores as ranked horizontal bars."""
    frame = scores.dropna(subset=["score"]).copy()
    if names is not None:
        frame = frame.merge(names[["department_code", "department_name"]], how="left")
    else:
        frame["department_name"] = frame["department_code"]
    frame["Score"] = frame["score"].astype("float64")
    return (
        alt.Chart(frame)
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y("department_name:N", sort="-x", title=None),
            x=alt.X("Score:Q", scale=alt.Scale(domain=[0, 100]), title=_("Score (0–100)")),
            tooltip=["department_name", alt.Tooltip("Score:Q", format=".1f"), "rank"],
        )
        .properties(title=alt.TitleParams(title, **_quiet()), width=WIDTH - 180)
    )


# --- dashboards (issue 6): rankings, PEFA grades, compliance league -------------------------

RAG_TEXT_COLOURS = {
    "On track": RAG_COLOURS["green"],
    "At risk": RAG_COLOURS["amber"],
    "Off track": RAG_COLOURS["red"],
    "No data": RAG_COLOURS["grey"],
}
#: PEFA grades from best to worst, shaded on one blue scale (grades are not RAG statuses).
PEFA_GRADES = ("A", "B+", "B", "C+", "C", "D+", "D", "D*", "NA", "NR")
PEFA_SHADES = ("#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef",
               "#c6dbef", "#eeeeee", "#eeeeee")  # fmt: skip
SUBMISSION_COLOURS = {"On time": RAG_COLOURS["green"], "Late": RAG_COLOURS["amber"],
                      "Missing": RAG_COLOURS["red"]}  # fmt: skip
#: One shape per RAG text, as the stylesheet's symbols (● ▲ ■ ○), so colour is never alone.
RAG_TEXT_SHAPES = {"On track": "circle", "At risk": "triangle-up", "Off track": "square",
                   "No data": "diamond"}  # fmt: skip


def chart_department_ranking(
    ranking: pd.DataFrame, value_title: str, title: str = "", plan: float | None = None
) -> alt.LayerChart:
    """Departments as horizontal bars in rank order (rank 1 at the top).

    ``ranking`` is :func:`kpilib.views.ranking.rank_departments`: ``department_name``,
    ``rank`` and ``value`` (departments without a value are left out); bars are coloured by
    ``rag_label`` when present (the legend carries the text), else in the palette's first
    colour. ``plan`` draws a dashed rule at that value (the straight-line plan, %).
    """
    frame = ranking.dropna(subset=["value"]).copy()
    frame["value"] = frame["value"].astype("float64")
    if "rag_label" in frame:  # the status in the reader's words, its colour kept
        frame["rag_label"] = [_(str(label)) if label else label for label in frame["rag_label"]]
    frame["rank"] = frame["rank"].astype("float64")
    order = list(frame.sort_values("rank", kind="stable")["department_name"])
    y = alt.Y("department_name:N", sort=order, title=None)
    tooltip = ["rank:Q", "department_name:N", alt.Tooltip("value:Q", format=".1f",
                                                           title=value_title)]  # fmt: skip
    if "rag_label" in frame:
        colour = alt.Color(
            "rag_label:N",
            title=_("Spending against plan"),
            scale=alt.Scale(
                domain=[_(label) for label in RAG_TEXT_COLOURS],
                range=list(RAG_TEXT_COLOURS.values()),
            ),
        )
        tooltip.append("rag_label:N")
        bars = alt.Chart(frame).mark_bar().encode(y=y, color=colour)
    else:
        bars = alt.Chart(frame).mark_bar(color=PALETTE[0]).encode(y=y)
    bars = bars.encode(x=alt.X("value:Q", title=value_title, scale=alt.Scale(domainMin=0)),
                       tooltip=tooltip)  # fmt: skip
    layers = [bars]
    if plan is not None:
        rule = pd.DataFrame({"plan": [float(plan)]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(strokeDash=[5, 4], color="#333333")
            .encode(x="plan:Q", tooltip=[alt.Tooltip("plan:Q", title=_("Plan (%)"), format=".0f")])
        )
    subtitle = _("Dashed line: the straight-line plan to date") if plan is not None else ""
    return alt.LayerChart(layer=layers).properties(
        title=alt.TitleParams(title, subtitle=subtitle),
        width=WIDTH - 120,
        height=max(_row() * len(frame), 60),
    )


def chart_pefa_scores(ranking: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """PEFA PI-1, PI-2 and PI-3 of each department as a grid of lettered cells (rank order).

    ``ranking`` is :func:`kpilib.views.ranking.rank_departments` with ``metric="pefa"``
    (``department_name``, ``rank``, ``pi1``, ``pi2``, ``pi3``). The letter is always printed
    in the cell; the shade only repeats it.
    """
    order = list(ranking.sort_values("rank", kind="stable", na_position="last")["department_name"])
    long = ranking.melt(
        id_vars=["department_name"], value_vars=["pi1", "pi2", "pi3"], var_name="indicator",
        value_name="score",
    )  # fmt: skip
    long["indicator"] = long["indicator"].map({"pi1": "PI-1", "pi2": "PI-2", "pi3": "PI-3"})
    long["score"] = long["score"].fillna("NR").astype(str)
    long["ink"] = long["score"].isin(["A", "B+", "B", "C+"]).map({True: "white", False: "black"})
    base = alt.Chart(long).encode(
        x=alt.X("indicator:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("department_name:N", sort=order, title=None),
        tooltip=["department_name:N", "indicator:N", "score:N"],
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "score:N",
            title="PEFA score",
            scale=alt.Scale(domain=list(PEFA_GRADES), range=list(PEFA_SHADES)),
            legend=None,
        )
    )
    letters = base.mark_text(fontSize=11, fontWeight="bold").encode(
        text="score:N", color=alt.Color("ink:N", scale=None)
    )
    return alt.LayerChart(layer=[cells, letters]).properties(
        title=alt.TitleParams(title, subtitle=_("A best, D worst; D* = insufficient information")),
        width=210,
        height=max(_row() * ranking["department_name"].nunique(), 60),
    )


def chart_compliance_league(rates: pd.DataFrame, title: str = "") -> alt.Chart:
    """Returns received on time, late and missing as shares of those expected, per department,
    best timeliness at the top.

    ``rates`` holds ``department_name``, ``expected``, ``on_time``, ``late``, ``outstanding`` and
    ``compliance_rank`` (the province view's compliance by department with the summary's rank).
    """
    frame = rates[rates["expected"] > 0].copy()
    order = list(frame.sort_values(["compliance_rank", "department_name"])["department_name"])
    long = frame.melt(
        id_vars=["department_name", "expected"], value_vars=["on_time", "late", "outstanding"],
        var_name="state", value_name="returns",
    )  # fmt: skip
    long["state"] = long["state"].map(
        {"on_time": "On time", "late": "Late", "outstanding": "Missing"}
    )
    long["share"] = long["returns"] / long["expected"] * 100
    long["order"] = long["state"].map({"On time": 0, "Late": 1, "Missing": 2})
    long["state"] = [_(state) for state in long["state"]]  # in the reader's words
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("department_name:N", sort=order, title=None),
            x=alt.X("share:Q", stack="zero", title=_("% of returns expected"),
                    scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "state:N", title=_("Returns"),
                scale=alt.Scale(domain=[_(state) for state in SUBMISSION_COLOURS],
                                range=list(SUBMISSION_COLOURS.values())),
            ),
            order=alt.Order("order:Q"),
            tooltip=["department_name:N", "state:N", "returns:Q", "expected:Q",
                     alt.Tooltip("share:Q", format=".0f", title="%")],
        )
        .properties(title=title, width=WIDTH - 160, height=max(_row() * len(order), 60))
    )  # fmt: skip


#: A chart of any kind (one chart, layered, concatenated, faceted).
Chart = TypeVar("Chart", bound=alt.SchemaBase)
#: The parts of a chart that hold charts of their own (each may have its title).
_SUBCHARTS = ("layer", "hconcat", "vconcat", "concat", "spec")


def _title_lines(title: object) -> list[str]:
    if isinstance(title, str):
        return [title] if title else []
    if isinstance(title, list | tuple):
        return [str(line) for line in title if line]
    if isinstance(title, alt.TitleParams):
        return _title_lines(title.text) + _title_lines(title._get("subtitle"))
    return []


def _quiet_titles(chart: alt.SchemaBase, lines: list[str]) -> alt.SchemaBase:
    """A copy of ``chart`` whose titles, its subcharts' too, are kept from Vega's English
    description (each title's group hidden from screen readers); the titles' words are added
    to ``lines``, outermost first. ``chart`` itself is left as it is."""
    chart = chart.copy(deep=False)
    title = chart._get("title")
    lines += _title_lines(title)
    if isinstance(title, str | list | tuple) and title:
        chart.title = alt.TitleParams(text=title, aria=False)
    elif isinstance(title, alt.TitleParams):
        chart.title = title.copy(deep=False)
        chart.title.aria = False
    for part in _SUBCHARTS:
        inner = chart._get(part)
        if isinstance(inner, list):
            setattr(chart, part, [_quiet_titles(sub, lines) if isinstance(sub, alt.SchemaBase)
                                  else sub for sub in inner])  # fmt: skip
        elif isinstance(inner, alt.SchemaBase):
            setattr(chart, part, _quiet_titles(inner, lines))
    return chart


def for_screen_readers(chart: Chart) -> Chart:
    """``chart`` named for screen readers in the current language. In Urdu, Vega would name
    it "Vega visualization" and read each title as "Title text '…'": there a copy is returned
    whose ``description`` (the accessible name of the drawn chart) is its Urdu titles, and whose
    titles' own English descriptions are hidden. English charts are returned as they are."""
    if not is_right_to_left():
        return chart
    lines: list[str] = []
    quiet = _quiet_titles(chart, lines)
    described = quiet._get("description")
    if lines and not (isinstance(described, str) and described):
        quiet.description = _("; ").join(dict.fromkeys(lines))
    return cast(Chart, quiet)


def enable_notebook_charts(interactive: bool = False) -> None:
    """Draw charts in a notebook with nothing loaded from the internet.

    Altair's default renderer asks a CDN for Vega, and JupyterLab's own Vega renderer does not
    know the Vega-Lite version Altair 6 writes. ``interactive=False`` (the default) draws each
    chart as an inline SVG made in the kernel by vl-convert, as the printed reports do: it shows
    in JupyterLab, in a committed notebook's preview and in exports. ``interactive=True`` uses
    Altair's offline ``JupyterChart`` widget (tooltips, zoom), as the dashboards do.
    """
    if interactive:
        alt.JupyterChart.enable_offline()
        alt.renderers.enable("jupyter", offline=True)
    else:
        alt.renderers.enable("svg")
