"""The fiscal-risk heat map: PSE category × stress scenario (same theme as
:mod:`kpilib.present.charts`).

Input is :class:`kpilib.views.stress.StressView`'s ``heatmap`` (a few dozen rows). The colour is
the share of rated PSEs at high or very high risk after the shock; every cell also prints that
share and the extra support, so the colour is never the only carrier. Labels are data: Vega writes
them into the SVG as text, escaped. Sized to stay readable on a 390 px phone screen.

Urdu: the tooltips and the legend are in the current language and the chart in Nastaliq (the
theme of :mod:`kpilib.present.charts`); the caller passes the labels already in the reader's
words (the views keep English, shared between the languages).
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from kpilib.i18n import _, is_right_to_left
from kpilib.present.charts import RAG_COLOURS
from kpilib.units import MISSING, format_money

CELL_WIDTH = 60
CELL_HEIGHT = 40
#: Axis labels are wrapped at these many characters (on a phone a cut label would hide words).
WRAP_SCENARIO = 11
WRAP_CATEGORY = 16
#: The line break in a wrapped label (textwrap never keeps one from the label itself).
LINE_BREAK = "\n"
#: Colour of a cell from 0 % to 100 % of PSEs at high risk; grey when none is rated.
HEAT_RANGE = ("#f4f1ea", RAG_COLOURS["amber"], RAG_COLOURS["red"])
NOT_RATED_COLOUR = "#d9d9d9"
#: Line height of wrapped axis labels: Nastaliq's tall letters need more than Vega's default.
URDU_LINE_HEIGHT = 17


def _wrap(text: object, width: int) -> str:
    return LINE_BREAK.join(textwrap.wrap(str(text), width) or [""])


def _cells(heatmap: pd.DataFrame) -> pd.DataFrame:
    cells = heatmap.copy()
    cells["scenario_axis"] = [_wrap(t, WRAP_SCENARIO) for t in cells["scenario_label"]]
    cells["category_axis"] = [_wrap(t, WRAP_CATEGORY) for t in cells["category_label"]]
    share = cells["high_risk_share_after"]
    cells["share_text"] = [MISSING if pd.isna(v) else f"{v:.0%}" for v in share]
    cells["support_text"] = [format_money(v) for v in cells["extra_support"]]
    return cells


def chart_stress_heatmap(heatmap: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """Heat map of ``heatmap`` (columns ``scenario_label``, ``category_label``,
    ``high_risk_share_after``, ``high_risk_after``, ``rated``, ``extra_support``): one row per
    category, one column per scenario (in the frame's order), each cell the share of PSEs rated
    high risk after the shock and the extra support it needs."""
    cells = _cells(heatmap)
    scenarios = list(dict.fromkeys(cells["scenario_axis"]))
    split = "split(datum.label, '\\n')"
    lines = URDU_LINE_HEIGHT if is_right_to_left() else alt.Undefined
    x = alt.X("scenario_axis:N", sort=scenarios, title=None,
              axis=alt.Axis(orient="bottom", labelAngle=0, labelExpr=split, labelFontSize=10,
                            domain=False, ticks=False, labelLimit=CELL_WIDTH,
                            labelLineHeight=lines))  # fmt: skip
    y = alt.Y(
        "category_axis:N",
        title=None,
        axis=alt.Axis(
            labelExpr=split, labelLimit=120, domain=False, ticks=False, labelLineHeight=lines
        ),
    )
    tooltip = [
        alt.Tooltip("category_label:N", title=_("Category")),
        alt.Tooltip("scenario_label:N", title=_("Scenario")),
        alt.Tooltip("share_text:N", title=_("High risk after the shock")),
        alt.Tooltip("high_risk_after:Q", title=_("PSEs at high risk")),
        alt.Tooltip("rated:Q", title=_("PSEs rated")),
        alt.Tooltip("support_text:N", title=_("Extra support")),
    ]
    base = alt.Chart(cells).encode(x=x, y=y)
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition(
            "isValid(datum.high_risk_share_after)",
            alt.Color("high_risk_share_after:Q", title=_("PSEs at high risk after the shock"),
                      scale=alt.Scale(domain=[0, 0.5, 1], range=list(HEAT_RANGE)),
                      legend=alt.Legend(format="%", orient="bottom", gradientLength=180,
                                        values=[0, 0.5, 1], titleLimit=300)),
            alt.value(NOT_RATED_COLOUR),
        ),
        tooltip=tooltip,
    )  # fmt: skip
    colour = alt.value("black")  # black on every colour of HEAT_RANGE: contrast at least 5:1
    share = base.mark_text(dy=-7, fontSize=12, fontWeight=600).encode(
        text="share_text:N", color=colour, tooltip=tooltip
    )
    support = base.mark_text(dy=8, fontSize=9).encode(
        text="support_text:N", color=colour, tooltip=tooltip
    )
    rows = max(cells["category_label"].nunique(), 1)
    # In Urdu no English description for screen readers (the page's Urdu title says it).
    heading = alt.TitleParams(title, aria=False) if is_right_to_left() and title else title
    return (rect + share + support).properties(
        width=CELL_WIDTH * max(len(scenarios), 1), height=CELL_HEIGHT * rows, title=heading
    )
