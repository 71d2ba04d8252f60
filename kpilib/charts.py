"""Altair chart builders that share one theme, for reports, dashboards and analysts.

Colours are the Okabe–Ito palette (safe for the common forms of colour blindness); RAG colours
always come with a text label elsewhere on the page. Charts take frames already aggregated by
kpilib (a few hundred rows at most), so Altair's 5,000-row limit is never near.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from kpilib.fiscal import MONTH_ABBREVIATIONS

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
RAG_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "grey": "#999999"}
BUDGET_TYPE_COLOURS = {"current": PALETTE[0], "development": PALETTE[1]}
FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"
WIDTH = 560
HEIGHT = 220


@alt.theme.register("kpi", enable=True)
def kpi_theme() -> alt.theme.ThemeConfig:
    """The suite's chart theme: quiet axes, the palette, a readable system font."""
    return alt.theme.ThemeConfig(
        {
            "config": {
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
        }
    )


def _month_labels(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["month_label"] = [MONTH_ABBREVIATIONS[m - 1] for m in frame["month"]]
    return frame


def chart_spending_curve(curve: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """Cumulative spending against the straight-line plan, as % of the revised budget.

    ``curve`` is :func:`kpilib.execution.compute_monthly_curve` for one department (keys
    ``budget_type``) or the province. Solid lines: actual; dashed: the plan.
    """
    frame = _month_labels(curve)
    if "budget_type" not in frame:
        frame["budget_type"] = "total"
    frame["Spent (% of revised budget)"] = frame["cumulative_utilisation"].astype("float64")
    frame["Plan (% of revised budget)"] = frame["plan_utilisation"].astype("float64")
    order = list(MONTH_ABBREVIATIONS)
    x = alt.X("month_label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    colour = alt.Color(
        "budget_type:N",
        title="Budget",
        scale=alt.Scale(domain=list(BUDGET_TYPE_COLOURS), range=list(BUDGET_TYPE_COLOURS.values())),
    )
    y_scale = alt.Scale(domain=[0, 110])
    actual = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("Spent (% of revised budget):Q", title="% of revised budget", scale=y_scale),
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
    return alt.layer(plan, actual).properties(
        title=alt.TitleParams(title, subtitle="Dashed line: straight-line plan"),
        width=WIDTH,
        height=HEIGHT,
    )


def chart_execution_by_class(execution: pd.DataFrame, title: str = "") -> alt.Chart:
    """Utilisation (% of revised budget) by economic head, one bar per head and budget type.

    ``execution`` is :func:`kpilib.execution.compute_execution` with keys including
    ``budget_type`` and ``economic_class_code``, optionally joined with ``economic_class_name``.
    """
    frame = execution.copy()
    frame["head"] = frame["economic_class_code"]
    if "economic_class_name" in frame:
        frame["head"] = frame["head"] + " " + frame["economic_class_name"]
    frame["Utilisation (%)"] = frame["utilisation"].astype("float64")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("head:N", title=None, sort="ascending"),
            x=alt.X("Utilisation (%):Q", scale=alt.Scale(domainMin=0)),
            color=alt.Color(
                "budget_type:N",
                title="Budget",
                scale=alt.Scale(
                    domain=list(BUDGET_TYPE_COLOURS), range=list(BUDGET_TYPE_COLOURS.values())
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
    y_title = unit or "value"
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
    return alt.layer(target, actual).properties(
        title=alt.TitleParams(title, subtitle="Solid: actual; dashed: target"),
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
            x=alt.X("Score:Q", scale=alt.Scale(domain=[0, 100]), title="Score (0–100)"),
            tooltip=["department_name", alt.Tooltip("Score:Q", format=".1f"), "rank"],
        )
        .properties(title=title, width=WIDTH - 180)
    )
