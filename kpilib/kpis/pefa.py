"""PEFA 2016 Pillar I, budget reliability: PI-1, PI-2 and PI-3 with their scoring methods.

Source: PEFA Secretariat, *Framework for assessing public financial management* (2016, revised
2019), indicators PI-1 "Aggregate expenditure outturn", PI-2 "Expenditure composition outturn",
PI-3 "Revenue outturn", and section 2.2 "Scoring of indicators with multiple dimensions" (M1 weakest
link, M2 averaging). Every measure compares the *original approved* budget with the outturn of the
last three completed fiscal years.

Scores are strings: ``"A"``, ``"B"``, ``"C"``, ``"D"``; ``"D*"`` when the information is
insufficient to establish a score (PEFA's asterisk); ``"NA"`` when the dimension does not apply
(e.g. no contingency vote); ``"NR"`` when it was not rated. Indicator scores add ``"+"``; an
indicator is scored on its rated dimensions (:func:`combine`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpilib.i18n import N_

GRADES = ("D", "C", "B", "A")  # zero-based points: D = 0 … A = 3
#: Dimension scores that are not grades: left out when dimensions are combined.
UNSCORED = ("NA", "NR")
YEARS_ASSESSED = 3
MAX_COMPOSITION_HEADS = 20
COMPOSITION_BUDGET_SHARE = 0.75
OTHER_HEADS = "(other heads)"


@dataclass(frozen=True)
class DimensionRule:
    """How one dimension turns yearly values (percent) into a grade."""

    title: str
    kind: str  # "band": value within [low, high]; "below": value < limit; "average": mean banded
    bands: tuple[tuple[str, float, float], ...]  # (grade, low, high), best grade first


#: PEFA 2016 calibration of the Pillar I dimensions (values in percent).
DIMENSIONS: dict[str, DimensionRule] = {
    "1": DimensionRule(
        N_("PI-1 Aggregate expenditure outturn"),
        "band",
        (("A", 95.0, 105.0), ("B", 90.0, 110.0), ("C", 85.0, 115.0)),
    ),
    "2.1": DimensionRule(
        N_("PI-2.1 Expenditure composition outturn by administrative head"),
        "below",
        (("A", -math.inf, 5.0), ("B", -math.inf, 10.0), ("C", -math.inf, 15.0)),
    ),
    "2.2": DimensionRule(
        N_("PI-2.2 Expenditure composition outturn by economic type"),
        "below",
        (("A", -math.inf, 5.0), ("B", -math.inf, 10.0), ("C", -math.inf, 15.0)),
    ),
    "2.3": DimensionRule(
        N_("PI-2.3 Expenditure from contingency reserves"),
        "average",
        (("A", -math.inf, 3.0), ("B", 3.0, 6.0), ("C", 6.0, 10.0)),
    ),
    "3.1": DimensionRule(
        N_("PI-3.1 Aggregate revenue outturn"),
        "band",
        (("A", 97.0, 106.0), ("B", 94.0, 112.0), ("C", 92.0, 116.0)),
    ),
    "3.2": DimensionRule(
        N_("PI-3.2 Revenue composition outturn"),
        "below",
        (("A", -math.inf, 5.0), ("B", -math.inf, 10.0), ("C", -math.inf, 15.0)),
    ),
}
#: The scoring method of each indicator (PEFA 2016 Table 2).
INDICATOR_METHODS = {"PI-1": "M1", "PI-2": "M1", "PI-3": "M2"}


def aggregate_outturn(original: float, actual: float) -> float:
    """Aggregate outturn in percent: ``actual ÷ original × 100`` (PEFA PI-1.1 and PI-3.1).

    PI-1 counts all budget expenditure, including interest, contingency and externally financed
    spending reported in the budget; PI-3 all revenue. An original budget of zero or less gives
    NaN (no outturn can be measured), which :func:`score_dimension` treats as a missing year.

    >>> aggregate_outturn(1000.0, 950.0)
    95.0
    """
    original, actual = float(original), float(actual)
    if not original > 0 or math.isnan(actual):
        return math.nan
    return actual / original * 100.0


def _largest_heads(original: Mapping[str, float]) -> set[str]:
    """Heads kept apart when there are more than 20: the largest making 75 % of the budget, ≥ 20."""
    ranked = sorted(original, key=lambda head: (-original[head], head))
    total = sum(original.values())
    kept: list[str] = []
    running = 0.0
    for head in ranked:
        if len(kept) >= MAX_COMPOSITION_HEADS and running >= COMPOSITION_BUDGET_SHARE * total:
            break
        kept.append(head)
        running += original[head]
    return set(kept)


def composition_variance(original: Mapping[str, float], actual: Mapping[str, float]) -> float:
    """Composition variance in percent (PEFA PI-2.1, PI-2.2 and PI-3.2).

    Each head's original budget is scaled to the total outturn, ``adjusted = original ×
    (Σ actual ÷ Σ original)``; the variance is ``Σ |actual − adjusted| ÷ Σ adjusted × 100``. A head
    present in only one mapping counts as zero in the other. With more than 20 heads, the largest
    heads that together make up 75 % of the original budget (at least 20 of them) are kept and the
    rest aggregated into one line, as PEFA prescribes. The caller leaves out what the dimension
    excludes (contingency; interest for PI-2.1). Totals of zero give NaN.

    >>> composition_variance({"a": 100, "b": 100}, {"a": 120, "b": 80})
    20.0
    """
    heads = sorted(set(original) | set(actual))
    budget = {h: float(original.get(h, 0.0)) for h in heads}
    outturn = {h: float(actual.get(h, 0.0)) for h in heads}
    if len(heads) > MAX_COMPOSITION_HEADS:
        kept = _largest_heads(budget)
        for mapping in (budget, outturn):
            rest = math.fsum(v for h, v in mapping.items() if h not in kept)
            for head in [h for h in mapping if h not in kept]:
                del mapping[head]
            mapping[OTHER_HEADS] = rest
    # fsum: exactly rounded, so the result never depends on the order of the heads
    total_budget, total_outturn = math.fsum(budget.values()), math.fsum(outturn.values())
    if not total_budget > 0 or not total_outturn > 0:
        return math.nan
    scale = total_outturn / total_budget
    deviation = math.fsum(abs(outturn[h] - budget[h] * scale) for h in budget)
    return deviation / (total_budget * scale) * 100.0


def _meets(rule: DimensionRule, grade_band: tuple[str, float, float], value: float) -> bool:
    _grade, low, high = grade_band
    if rule.kind == "band":
        return low <= value <= high
    if rule.kind == "below":
        return value < high
    raise AssertionError(rule.kind)


def score_dimension(dimension: str, yearly_values: Sequence[float]) -> str:
    """Grade one Pillar I dimension from the last three completed years' values (percent).

    PI-1, PI-2.1, PI-2.2, PI-3.1 and PI-3.2: the best grade whose condition holds in at least two
    of the last three years (PI-1: outturn between 95 % and 105 % for A, 90–110 % B, 85–115 % C;
    PI-3.1: 97–106 % A, 94–112 % B, 92–116 % C; bounds inclusive. PI-2.1/2.2/3.2: variance below
    5 % A, 10 % B, 15 % C, strictly). PI-2.3: the three-year average of contingency spending as a
    share of the original budget: below 3 % A, 3–6 % inclusive B, above 6 % and below 10 % C.
    Otherwise ``"D"``. Missing years (NaN or None) are never a pass: when the available years cannot
    establish any grade and fewer than three years are available the result is ``"D*"``
    (insufficient information); no value at all gives ``"NR"``.

    >>> score_dimension("1", [96.0, 104.9, 80.0])
    'A'
    """
    if dimension not in DIMENSIONS:
        raise ValueError(
            f"unknown PEFA dimension {dimension!r}; expected one of {list(DIMENSIONS)}"
        )
    values = list(yearly_values)
    if len(values) > YEARS_ASSESSED:
        raise ValueError(
            f"PEFA scores the last {YEARS_ASSESSED} completed years; got {len(values)} values"
        )
    known = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if not known:
        return "NR"
    rule = DIMENSIONS[dimension]
    if rule.kind == "average":
        return _score_average(rule, known)
    for band in rule.bands:
        if sum(_meets(rule, band, v) for v in known) >= 2:
            return band[0]
    return "D*" if len(known) < YEARS_ASSESSED else "D"


def _score_average(rule: DimensionRule, known: list[float]) -> str:
    """PI-2.3: the grade of the three-year average (``D*`` with fewer than three years)."""
    if len(known) < YEARS_ASSESSED:
        return "D*"
    average = sum(known) / len(known)
    (_, _, a_limit), (_, b_low, b_high), (_, _, c_high) = rule.bands
    if average < a_limit:
        return "A"
    if b_low <= average <= b_high:
        return "B"
    if b_high < average < c_high:
        return "C"
    return "D"


def _points(score: str) -> int:
    letter = score.rstrip("*+")
    if letter not in GRADES:
        raise ValueError(f"{score!r} is not a PEFA dimension score (A, B, C, D or D*)")
    return GRADES.index(letter)


#: PEFA's M2 conversion tables, expressed by the sum of zero-based dimension points (D=0 … A=3):
#: e.g. with two dimensions D+C (sum 1) gives D+, and with three C+B+A (sum 6) gives B.
M2_BY_POINTS: dict[int, tuple[str, ...]] = {
    2: ("D", "D+", "C", "C+", "B", "B+", "A"),
    3: ("D", "D+", "D+", "C", "C+", "B", "B", "B+", "A", "A"),
    4: ("D", "D", "D+", "D+", "C", "C+", "C+", "B", "B", "B+", "B+", "A", "A"),
}


def combine(method: str, scores: Sequence[str]) -> str:
    """Indicator score from its dimension scores by PEFA's M1 or M2 method.

    M1 (weakest link): the lowest dimension score, with ``"+"`` when any other dimension scores
    higher. M2 (averaging): PEFA's conversion table for two, three or four dimensions.

    The indicator is scored on the dimensions that were **rated**: a dimension ``"NR"`` (not
    rated) or ``"NA"`` (not applicable) is left out of the aggregation, and M2 uses the table of
    the number of dimensions rated (one rated dimension gives its own grade). Only an indicator
    with no rated dimension stays unscored: ``"NA"`` when every dimension is ``"NA"``, otherwise
    ``"NR"`` (also for no scores at all). ``"D*"`` counts as ``"D"``: the asterisk stays at
    dimension level. Source: PEFA 2016 Framework, section 2.1 (D*, NA and NR) and section 2.2
    (M1, M2), as applied in the PEFA Field Guide and published assessments.

    >>> combine("M1", ["C", "A", "B"])
    'C+'
    >>> combine("M2", ["C", "A"])
    'B'
    >>> combine("M1", ["B", "NR", "C"])
    'C+'
    """
    method = method.upper()
    if method not in ("M1", "M2"):
        raise ValueError(f"PEFA scoring method must be 'M1' or 'M2', not {method!r}")
    rated = [s for s in scores if s not in UNSCORED]
    if not rated:
        return "NA" if scores and all(s == "NA" for s in scores) else "NR"
    points = [_points(s) for s in rated]
    if len(points) == 1:
        return GRADES[points[0]]
    if method == "M1":
        lowest = min(points)
        return GRADES[lowest] + ("+" if max(points) > lowest else "")
    if len(points) not in M2_BY_POINTS:
        raise ValueError(f"M2 converts two to four dimensions, not {len(points)}")
    return M2_BY_POINTS[len(points)][sum(points)]
