"""Altair charts of PSE financial health over time, for the PSE monitor (same theme as
:mod:`kpilib.present.charts`).

Inputs are the province view's frames cut by :mod:`kpilib.views.pse` (one PSE's quarters, or one
category's PSEs): a few dozen rows, never near Altair's row limit. Every colour comes with text:
zone bands are labelled, ratings and submission states are named in the legend and carry a shape
of their own.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from kpilib.i18n import N_, _
from kpilib.kpis.pse_finance import RATINGS, Z2_DISTRESS_BELOW, Z2_SAFE_ABOVE
from kpilib.present.charts import PALETTE, RAG_COLOURS, SUBMISSION_COLOURS, WIDTH
from kpilib.present.formatting import money_divisor, money_unit_label

HEIGHT_TALL = 240
#: Zone bands of Altman's Z'' (light tints of the RAG colours; the band's name is printed).
ZONE_TINTS = {"safe": "#d9f0e7", "grey": "#fbecc8", "distress": "#f9dccb"}
RATING_COLOURS = {"low": RAG_COLOURS["green"], "moderate": "#56B4E9",
                  "high": RAG_COLOURS["amber"], "very high": RAG_COLOURS["red"]}  # fmt: skip
RATING_SHAPES = {"low": "circle", "moderate": "diamond", "high": "triangle-up",
                 "very high": "square"}  # fmt: skip
RATING_ABBREVIATIONS = {"low": "L", "moderate": "M", "high": "H", "very high": "VH"}
SUBMISSION_SHAPES = {"On time": "circle", "Late": "triangle-up", "Missing": "cross"}
#: Ratios drawn by :func:`chart_ratio_history`, with the label and the number format shown.
RATIO_LABELS = {
    "operating_margin": (N_("Operating margin"), "%"),
    "roa": (N_("Return on assets"), "%"),
    "current_ratio": (N_("Current ratio (times)"), "x"),
    "debt_to_assets": (N_("Debt to assets"), "%"),
    "government_dependence": (N_("Government dependence"), "%"),
    "arrears_ratio": (N_("Arrears (% of a year's spending)"), "%"),
}
#: Ratings and submission states as a chart's legend names them (translated when drawn).
RATING_WORDS = {"low": N_("low"), "moderate": N_("moderate"), "high": N_("high"),
                "very high": N_("very high"), "not rated": N_("not rated")}  # fmt: skip
ZONE_BAND_LABELS = (N_("Distress zone (below 1.10)"), N_("Grey zone (1.10–2.60)"),
                    N_("Safe zone (above 2.60)"))  # fmt: skip


def _rating_word(rating: str) -> str:
    return _(RATING_WORDS.get(rating, rating))


def _rating_words(ratings: pd.Series) -> pd.Series:
    return ratings.astype(str).map(_rating_word)


def _rating_domain() -> list[str]:
    return [_(RATING_WORDS[r]) for r in [*RATINGS, "not rated"]]


#: The Z'' axis never goes beyond these (a PSE with almost no liabilities can score in the
#: hundreds); scores past them are drawn on the edge, their value in the tooltip.
Z2_AXIS_LIMITS = (-10.0, 15.0)


def _z2_domain(values: pd.Series) -> tuple[float, float]:
    finite = values.astype("float64").replace([np.inf, -np.inf], np.nan).dropna()
    low = min(float(finite.min()) if not finite.empty else 0.0, 0.0)
    high = max(float(finite.max()) if not finite.empty else 0.0, Z2_SAFE_ABOVE + 1.0)
    return max(low, Z2_AXIS_LIMITS[0]) - 0.5, min(high, Z2_AXIS_LIMITS[1]) + 0.5


def _clip_z2(frame: pd.DataFrame, low: float, high: float) -> tuple[pd.DataFrame, bool]:
    """``z2_shown``: the score kept inside the axis; True when any had to be moved."""
    frame = frame.copy()
    frame["z2_shown"] = frame["z2"].clip(lower=low + 0.25, upper=high - 0.25)
    moved = bool((frame["z2_shown"] != frame["z2"]).fillna(False).any())
    return frame, moved


def _zone_bands(low: float, high: float) -> alt.LayerChart:
    bands = pd.DataFrame(
        {
            "zone": ["distress", "grey", "safe"],
            "label": [_(label) for label in ZONE_BAND_LABELS],
            "y": [low, Z2_DISTRESS_BELOW, Z2_SAFE_ABOVE],
            "y2": [Z2_DISTRESS_BELOW, Z2_SAFE_ABOVE, high],
        }
    )  # fmt: skip
    scale = alt.Scale(domain=[low, high], nice=False)
    rects = (
        alt.Chart(bands)
        .mark_rect(opacity=1)
        .encode(
            y=alt.Y("y:Q", scale=scale, title=_("Altman Z''")),
            y2="y2:Q",
            color=alt.Color(
                "zone:N",
                scale=alt.Scale(domain=list(ZONE_TINTS), range=list(ZONE_TINTS.values())),
                legend=None,
            ),
        )
    )
    labels = (
        alt.Chart(bands)
        .transform_calculate(middle="(datum.y + datum.y2) / 2")
        .mark_text(align="left", dx=4, fontSize=10, color="#555555")
        .encode(y=alt.Y("middle:Q", scale=scale), x=alt.value(0), text="label:N")
    )
    return alt.LayerChart(layer=[rects, labels])


def chart_z2_history(history: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """One PSE's Z''-score quarter by quarter over the zone bands (distress below 1.10, grey
    1.10–2.60, safe above 2.60). ``history`` holds ``period_code``, ``z2`` and ``z2_zone`` in
    time order (:attr:`kpilib.views.pse.PseView.history`); quarters without a score leave a gap.
    """
    frame = history[["period_code", "z2", "z2_zone"]].copy()
    frame["z2"] = frame["z2"].astype("float64")
    frame["z2_zone"] = frame["z2_zone"].astype(str)
    low, high = _z2_domain(frame["z2"])
    frame, moved = _clip_z2(frame, low, high)
    order = list(frame["period_code"])
    x = alt.X("period_code:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40))
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color=PALETTE[0], strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("z2_shown:Q", scale=alt.Scale(domain=[low, high], nice=False)),
            tooltip=["period_code:N", alt.Tooltip("z2:Q", format=".2f", title="Z''"),
                     alt.Tooltip("z2_zone:N", title=_("Zone"))],
        )
    )  # fmt: skip
    subtitle = _("Altman Z'' (non-manufacturing) by quarter")
    if moved:
        subtitle = _("{subtitle}; scores beyond the axis are drawn at its edge").format(
            subtitle=subtitle
        )
    return alt.LayerChart(layer=[_zone_bands(low, high), line]).properties(
        title=alt.TitleParams(title, subtitle=subtitle),
        width=WIDTH,
        height=HEIGHT_TALL,
    )


def chart_z2_by_pse(pses: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """The latest Z'' of each PSE of a group over the zone bands, lowest first.

    ``pses`` holds ``entity_code``, ``entity_name``, ``period_code``, ``z2`` and ``z2_zone``
    (:attr:`kpilib.views.pse.CategoryView.pses`); PSEs without a score are left out.
    """
    frame = pses.dropna(subset=["z2"])[
        ["entity_code", "entity_name", "period_code", "z2", "z2_zone"]
    ].copy()
    frame["z2"] = frame["z2"].astype("float64")
    frame["z2_zone"] = frame["z2_zone"].astype(str)
    low, high = _z2_domain(frame["z2"])
    frame, moved = _clip_z2(frame, low, high)
    order = list(frame.sort_values(["z2", "entity_code"])["entity_code"])
    many = len(order) > 40
    axis = alt.Axis(labels=not many, ticks=not many, labelAngle=-60, title=None)
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=45, color=PALETTE[0])
        .encode(
            x=alt.X("entity_code:N", sort=order, axis=axis),
            y=alt.Y("z2_shown:Q", scale=alt.Scale(domain=[low, high], nice=False)),
            tooltip=["entity_code:N", "entity_name:N", "period_code:N",
                     alt.Tooltip("z2:Q", format=".2f", title="Z''"),
                     alt.Tooltip("z2_zone:N", title=_("Zone"))],
        )
    )  # fmt: skip
    subtitle = _("Each PSE's latest statement, lowest Z'' on the left")
    if many:
        subtitle = _("{subtitle} (hover for names)").format(subtitle=subtitle)
    if moved:
        subtitle = _("{subtitle}; scores beyond the axis at its edge").format(subtitle=subtitle)
    return alt.LayerChart(layer=[_zone_bands(low, high), points]).properties(
        title=alt.TitleParams(title, subtitle=subtitle), width=WIDTH + 240, height=HEIGHT_TALL
    )


def chart_ratio_history(history: pd.DataFrame, title: str = "") -> alt.ConcatChart:
    """Six key ratios of one PSE over time, one small chart each (own scale), each point shaped
    and coloured by its risk rating (low / moderate / high / very high, named in the legend).
    Values are rounded as shown (percentages to 0.1, times to 0.01), so a flat line is flat.

    ``history`` is :attr:`kpilib.views.pse.PseView.history` (ratios as fractions or times and
    ``<ratio>_rating``); percentages are shown × 100.
    """
    pieces = []
    for ratio, (label, unit) in RATIO_LABELS.items():
        scale, digits = (100.0, 1) if unit == "%" else (1.0, 2)
        pieces.append(
            pd.DataFrame(
                {
                    "period_code": history["period_code"].to_numpy(),
                    "ratio": _(label),
                    "value": (history[ratio].astype("float64") * scale).round(digits).to_numpy(),
                    "rating": history[f"{ratio}_rating"].astype(object).to_numpy(),
                }
            )
        )
    long = pd.concat(pieces, ignore_index=True)
    long["rating"] = long["rating"].where(long["rating"].notna(), "not rated").astype(str)
    long["rating"] = _rating_words(long["rating"])
    order = list(dict.fromkeys(history["period_code"]))
    domain = _rating_domain()
    base = alt.Chart(long).encode(
        x=alt.X("period_code:N", sort=order, title=None, axis=alt.Axis(labelAngle=-50,
                                                                        labelFontSize=9)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
    )  # fmt: skip
    line = base.mark_line(color="#8c8c8c", strokeWidth=1.5)
    points = base.mark_point(filled=True, size=55).encode(
        color=alt.Color("rating:N", title=_("Risk rating"), scale=alt.Scale(
            domain=domain, range=[*RATING_COLOURS.values(), "#bbbbbb"])),
        shape=alt.Shape("rating:N", title=_("Risk rating"), scale=alt.Scale(
            domain=domain, range=[*RATING_SHAPES.values(), "cross"])),
        tooltip=["ratio:N", "period_code:N", alt.Tooltip("value:Q", format=".2f"), "rating:N"],
    )  # fmt: skip
    # One small chart per ratio, titled by it (a title, unlike a facet's header, can be kept
    # from Vega's English screen-reader words: see kpilib.present.charts.for_screen_readers).
    panels = [
        alt.layer(line, points)
        .transform_filter(alt.datum.ratio == _(label))
        .properties(
            width=250,
            height=110,
            title=alt.TitleParams(_(label), fontSize=11, fontWeight="normal", anchor="middle"),
        )
        for label, _unit in RATIO_LABELS.values()
    ]
    return (
        alt.concat(*panels, columns=3, data=long)
        .resolve_scale(color="shared", shape="shared")
        .properties(title=alt.TitleParams(title, subtitle=_("% unless marked (times)"),
                                          offset=10))
    )  # fmt: skip


def chart_rating_history(history: pd.DataFrame, title: str = "") -> alt.LayerChart:
    """Risk rating of each dimension (and overall) quarter by quarter: one cell per quarter,
    coloured by rating and lettered L / M / H / VH (the legend names them in full)."""
    dimensions = {
        "profitability_rating": _("Profitability"),
        "liquidity_rating": _("Liquidity"),
        "solvency_rating": _("Solvency"),
        "government_dependence_rating": _("Government dependence"),
        "arrears_rating": _("Arrears"),
        "overall_rating": _("Overall"),
    }
    pieces = [
        pd.DataFrame(
            {
                "period_code": history["period_code"].to_numpy(),
                "dimension": label,
                "rating": history[column].astype(object).to_numpy(),
            }
        )
        for column, label in dimensions.items()
        if column in history
    ]
    long = pd.concat(pieces, ignore_index=True)
    long["rating"] = long["rating"].where(long["rating"].notna(), "not rated").astype(str)
    long["letters"] = long["rating"].map(RATING_ABBREVIATIONS).fillna("–")
    long["ink"] = np.where(long["rating"].isin(["very high", "low"]), "white", "black")
    long["rating"] = _rating_words(long["rating"])
    order = list(dict.fromkeys(history["period_code"]))
    base = alt.Chart(long).encode(
        x=alt.X("period_code:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("dimension:N", sort=list(dimensions.values()), title=None),
        tooltip=["dimension:N", "period_code:N", "rating:N"],
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "rating:N",
            title=_("Risk rating"),
            scale=alt.Scale(domain=_rating_domain(), range=[*RATING_COLOURS.values(), "#eeeeee"]),
        )
    )
    letters = base.mark_text(fontSize=10, fontWeight="bold").encode(
        text="letters:N", color=alt.Color("ink:N", scale=None)
    )
    return alt.LayerChart(layer=[cells, letters]).properties(
        title=alt.TitleParams(title, subtitle=_("L low · M moderate · H high · VH very high")),
        width=WIDTH,
        height=6 * 22,
    )


def chart_support_and_arrears(history: pd.DataFrame, title: str = "") -> alt.Chart:
    """Government grants and subsidies received in each quarter and overdue payables at each
    quarter's end, in the money unit (``grants_subsidies`` and ``overdue_payables`` of the
    history)."""
    frame = pd.DataFrame(
        {
            "period_code": list(history["period_code"]) * 2,
            "series": [_("Grants and subsidies (quarter)")] * len(history)
            + [_("Overdue payables (quarter end)")] * len(history),
            "amount": np.concatenate(
                [
                    history["grants_subsidies"].astype("float64").to_numpy(),
                    history["overdue_payables"].astype("float64").to_numpy(),
                ]
            )
            / money_divisor(),
        }
    )
    order = list(dict.fromkeys(history["period_code"]))
    return (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("period_code:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("amount:Q", title=money_unit_label()),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(range=[PALETTE[0], PALETTE[5]]),
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=["series:N", "period_code:N", alt.Tooltip("amount:Q", format=",.1f")],
        )
        .properties(title=title, width=WIDTH, height=180)
    )


def chart_submission_history(submissions: pd.DataFrame, title: str = "") -> alt.Chart:
    """Each expected return as a mark per quarter and return type: on time (green circle), late
    (amber triangle), missing (red cross); the legend names them.

    ``submissions`` is :func:`kpilib.views.pse.compute_submission_history` (``period_code``,
    ``return_title``, ``state_label``, ``due_date``, ``received_date``, ``days_late``,
    ``days_overdue``).
    """
    frame = submissions[
        ["period_code", "return_title", "state_label", "due_date", "days_late", "days_overdue"]
    ].copy()
    frame["due_date"] = frame["due_date"].astype(str)
    for column in ("state_label", "return_title"):  # the view's words, in the page's language
        frame[column] = frame[column].map(lambda v: _(v) if isinstance(v, str) else v)
    for column in ("days_late", "days_overdue"):
        frame[column] = frame[column].astype("float64")
    order = list(dict.fromkeys(submissions.sort_values(["fiscal_year", "quarter"])["period_code"]))
    return (
        alt.Chart(frame)
        .mark_point(filled=True, size=140)
        .encode(
            x=alt.X("period_code:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("return_title:N", title=None),
            color=alt.Color("state_label:N", title=_("Return"), scale=alt.Scale(
                domain=[_(s) for s in SUBMISSION_COLOURS],
                range=list(SUBMISSION_COLOURS.values()))),
            shape=alt.Shape("state_label:N", title=_("Return"), scale=alt.Scale(
                domain=[_(s) for s in SUBMISSION_SHAPES],
                range=list(SUBMISSION_SHAPES.values()))),
            tooltip=["period_code:N", "return_title:N", "state_label:N", "due_date:N",
                     "days_late:Q", "days_overdue:Q"],
        )
        .properties(title=title, width=WIDTH, height=max(30 * frame["return_title"].nunique(), 40))
    )  # fmt: skip
