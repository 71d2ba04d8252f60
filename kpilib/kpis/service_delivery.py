"""Service delivery performance: achievement against target, RAG, trends, department scores.

Achievement honours the indicator's direction: for higher-is-better indicators it is
``actual ÷ target × 100``; for lower-is-better ones (infant mortality, water-quality failures) the
ratio is inverted, ``target ÷ actual × 100``, so that 100 % always means "on target" and more is
always better. A missing actual is *missing*: it has no achievement, no RAG colour ("grey"), and
lowers the department's data completeness, never its score. Sources: results-based monitoring
practice of the provincial Output-Based Budget and the Service Delivery Performance Monitoring
Report; RAG banding as in the UK Government's delivery ratings (green/amber/red).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpilib.i18n import N_

if TYPE_CHECKING:
    import numpy.typing as npt

#: Words of each status, in English (``N_``: translated where shown, ``kpilib.i18n.gettext``).
RAG_LABELS = {
    "green": N_("On track"), "amber": N_("At risk"), "red": N_("Off track"), "grey": N_("No data"),
}  # fmt: skip


@dataclass(frozen=True)
class RagThresholds:
    """Achievement (percent) ≥ ``green`` is green, ≥ ``amber`` amber, else red."""

    green: float = 95.0
    amber: float = 80.0

    def __post_init__(self) -> None:
        if not 0 <= self.amber <= self.green:
            raise ValueError(
                f"RAG thresholds need 0 ≤ amber ≤ green; got amber={self.amber}, green={self.green}"
            )


#: Achievement above this is capped in the department score, so over-achievement on one
#: indicator cannot hide failure on another.
SCORE_CAP = 100.0


def compute_achievement(target: float, actual: float, direction: str) -> float:
    """Achievement in percent: ``actual ÷ target × 100`` (higher is better) or ``target ÷ actual ×
    100`` (lower is better). NaN when the actual or target is missing, or the denominator is not
    positive (a zero infant-mortality rate has no finite inverse ratio: reported as NaN).

    >>> compute_achievement(80.0, 76.0, "higher_is_better")
    95.0
    >>> compute_achievement(60.0, 75.0, "lower_is_better")
    80.0
    """
    if direction not in ("higher_is_better", "lower_is_better"):
        raise ValueError(
            f"direction must be higher_is_better or lower_is_better, not {direction!r}"
        )
    target, actual = float(target), float(actual)
    if math.isnan(target) or math.isnan(actual):
        return math.nan
    numerator, denominator = (
        (actual, target) if direction == "higher_is_better" else (target, actual)
    )
    return numerator / denominator * 100.0 if denominator > 0 else math.nan


def compute_achievements(frame: pd.DataFrame) -> pd.Series:
    """Vectorised :func:`compute_achievement` over ``target``, ``actual``, ``direction`` columns."""
    target = frame["target"].astype("float64")
    actual = frame["actual"].astype("float64")
    higher = frame["direction"] == "higher_is_better"
    numerator = np.where(higher, actual, target)
    denominator = np.where(higher, target, actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denominator > 0, numerator / denominator * 100.0, np.nan)
    return pd.Series(ratio, index=frame.index, dtype="float64")


def rate_rag(achievement: float, thresholds: RagThresholds = RagThresholds()) -> str:
    """``"green"``, ``"amber"``, ``"red"``, or ``"grey"`` when there is no achievement.

    >>> rate_rag(95.0), rate_rag(94.99), rate_rag(79.99), rate_rag(float("nan"))
    ('green', 'amber', 'red', 'grey')
    """
    if achievement is None or math.isnan(achievement):
        return "grey"
    if achievement >= thresholds.green:
        return "green"
    if achievement >= thresholds.amber:
        return "amber"
    return "red"


def _latest_periods(values: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per indicator, the row of the latest period that ended on or before ``as_of``."""
    ended = values[pd.to_datetime(values["period_end"]) <= pd.Timestamp(as_of)]
    ended = ended.sort_values(["indicator_code", "period_end"])
    return ended.groupby("indicator_code", sort=True).tail(1)


def compute_indicator_performance(
    values: pd.DataFrame,
    indicators: pd.DataFrame,
    as_of: date,
    thresholds: RagThresholds = RagThresholds(),
) -> pd.DataFrame:
    """One row per indicator: its latest period ended by ``as_of``, with comparisons.

    ``values`` is :func:`kpilib.store.queries.load_indicator_values` (province scope),
    ``indicators`` :func:`kpilib.store.queries.load_indicators`. Columns: the indicator's
    definition, ``period_code``, ``target``, ``actual``, ``achievement``, ``rag`` and ``rag_label``;
    ``previous_period_code`` / ``previous_actual`` (the period before: previous quarter or year) and
    ``last_year_period_code`` / ``last_year_actual`` (same period a year earlier);
    ``change_vs_previous`` and ``change_vs_last_year`` (actual minus the earlier actual, in the
    indicator's unit) and ``improved_vs_last_year`` (True when the change goes in the indicator's
    good direction). Indicators with no period ended by ``as_of`` appear with NaN values.
    """
    if "level" in indicators:
        indicators = indicators[indicators["level"] == "province"]
    ordered = values.sort_values(["indicator_code", "period_end"]).copy()
    ordered["previous_period_code"] = ordered.groupby("indicator_code")["period_code"].shift(1)
    ordered["previous_actual"] = ordered.groupby("indicator_code")["actual"].shift(1)
    last_year = ordered[["indicator_code", "period_kind", "period_number", "fiscal_year",
                         "period_code", "actual"]].copy()  # fmt: skip
    last_year["fiscal_year"] = last_year["fiscal_year"] + 1
    last_year = last_year.rename(
        columns={"period_code": "last_year_period_code", "actual": "last_year_actual"}
    )
    ordered = ordered.merge(
        last_year, on=["indicator_code", "period_kind", "period_number", "fiscal_year"], how="left"
    )
    latest = _latest_periods(ordered, as_of)
    table = indicators.merge(latest, on="indicator_code", how="left")
    table["achievement"] = compute_achievements(table)
    table["rag"] = [rate_rag(a, thresholds) for a in table["achievement"]]
    table["rag_label"] = table["rag"].map(RAG_LABELS)
    table["change_vs_previous"] = table["actual"] - table["previous_actual"]
    table["change_vs_last_year"] = table["actual"] - table["last_year_actual"]
    sign: npt.NDArray[np.float64] = np.where(table["direction"] == "higher_is_better", 1.0, -1.0)
    change = table["change_vs_last_year"].astype("float64") * sign
    table["improved_vs_last_year"] = pd.array(
        [None if math.isnan(c) else bool(c > 0) for c in change], dtype="boolean"
    )
    return table.drop(columns=["period_kind", "period_number", "district_code", "entity_code"])


def compute_department_scores(
    performance: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    cap: float = SCORE_CAP,
) -> pd.DataFrame:
    """Composite service-delivery score and rank of each department with indicators.

    ``score = Σ wᵢ · min(achievementᵢ, cap) ÷ Σ wᵢ`` over the department's indicators that have an
    achievement (weights default to 1; ``weights`` maps indicator code → weight). Indicators
    without data do not enter the score; they lower ``completeness`` = indicators with data ÷
    indicators. Departments are ranked by score, highest first (rank 1); a department with no data
    has no score and no rank. Columns: ``department_code, indicators, reported, completeness,
    score, rank``.
    """
    frame = performance[["department_code", "indicator_code", "achievement"]].copy()
    frame["weight"] = [float((weights or {}).get(code, 1.0)) for code in frame["indicator_code"]]
    if (frame["weight"] < 0).any():
        raise ValueError("indicator weights must not be negative")
    frame["capped"] = frame["achievement"].clip(upper=cap)
    has_data = frame["achievement"].notna()
    frame["weighted"] = np.where(has_data, frame["capped"] * frame["weight"], 0.0)
    frame["weight_with_data"] = np.where(has_data, frame["weight"], 0.0)
    grouped = frame.groupby("department_code", sort=True)
    scores = pd.DataFrame(
        {
            "indicators": grouped["indicator_code"].count(),
            "reported": grouped["achievement"].count(),
            "weighted": grouped["weighted"].sum(),
            "weight_with_data": grouped["weight_with_data"].sum(),
        }
    )
    scores["completeness"] = scores["reported"] / scores["indicators"] * 100.0
    scores["score"] = scores["weighted"] / scores["weight_with_data"].where(
        scores["weight_with_data"] > 0
    )
    scores["rank"] = scores["score"].rank(ascending=False, method="min").astype("Int64")
    return scores.drop(columns=["weighted", "weight_with_data"]).reset_index()
