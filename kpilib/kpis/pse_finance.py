"""PSE financial health: ratios, Altman's Z''-score and risk ratings (IMF SOE Health Check).

One call, :func:`compute_financial_health`, turns the quarterly statements of every PSE
(:func:`kpilib.store.queries.load_pse_financials`) into one row per PSE × quarter: annualised flows,
eleven ratios in five dimensions, the Z''-score and its zone, a risk rating per ratio, per
dimension and overall; :mod:`kpilib.kpis.portfolio` gives the portfolio views. Definitions,
thresholds and sources are in ``docs/methodology.md`` ("PSE financial health"); the defaults
live in :class:`HealthParams`, which reports may override.

Conventions
-----------
* Income-statement lines are the quarter's flows and are annualised over the trailing four
  quarters (the quarter and the three before it). When only ``n < 4`` of those quarters were
  reported, the flow is the sum of the ``n`` present quarters × 4 ÷ ``n`` (column
  ``flow_quarters`` says ``n``). Balance-sheet lines are the quarter-end position: ROA and ROE
  divide by the quarter's **closing** total assets and equity, never an average of opening and
  closing balances (one statement a quarter; comparable from a PSE's first return).
* Equity is the return's ``equity`` line as reported (= total assets − total liabilities, which
  ingestion checks); an accumulated deficit is never an asset, it is negative equity. Interest is
  the **gross** ``interest_expense`` (nothing nets interest income against it); EBIT is the
  reported ``ebit``, before that interest and tax.
* A ratio whose denominator is zero or negative is NaN (never ``inf``) and gets the documented
  *degenerate* rating of its rule (e.g. negative equity rates ROE and debt to equity "very
  high"; no current liabilities rates the liquidity ratios "low"); ``notes`` says why.
* A value exactly at a threshold takes the better rating (the Health Check convention
  ``value ≥ cut`` for higher-is-better, ``value ≤ cut`` for lower-is-better), within
  :data:`BOUNDARY_TOLERANCE` so that float rounding cannot move a hand-computed boundary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real
from types import MappingProxyType

import numpy as np
import pandas as pd

from kpilib.errors import InputFrameError, ParameterError
from kpilib.kpis.frames import require_columns, require_unique, require_values
from kpilib.store.models import PSE_FINANCIAL_LINES, PSE_FLOW_LINES

#: Risk ratings from best to worst; levels 1–4 in scores.
RATINGS = ("low", "moderate", "high", "very high")
DIMENSIONS = ("profitability", "liquidity", "solvency", "government_dependence", "arrears")
#: Altman Z'' zones: above 2.60 safe, 1.10–2.60 grey (both ends included), below 1.10 distress.
Z2_SAFE_ABOVE = 2.60
Z2_DISTRESS_BELOW = 1.10
Z2_ZONES = ("safe", "grey", "distress")
#: What :func:`z2_zone` answers for a missing score (NaN, None): the score could not be computed.
Z2_NOT_RATED = "not rated"
#: Coefficients of X1 … X4 in Altman's Z'' (2000, non-manufacturing / emerging-market model).
Z2_COEFFICIENTS = (6.56, 3.26, 6.72, 1.05)
#: Values within this distance of a threshold count as on it (float rounding, not judgement).
BOUNDARY_TOLERANCE = 1e-9

FLOW_LINES = PSE_FLOW_LINES
KEY_COLUMNS = ("entity_code", "period_code", "fiscal_year", "quarter")


@dataclass(frozen=True)
class RatioRule:
    """How one ratio is rated.

    ``cuts`` are the boundaries of "low", "moderate" and "high" risk: for a higher-is-better
    ratio a value ≥ ``cuts[0]`` is low risk, ≥ ``cuts[1]`` moderate, ≥ ``cuts[2]`` high, below
    it very high (≤ and above for lower-is-better). ``degenerate_rating`` applies when the
    ratio's denominator is zero or negative (``None``: not rated).
    """

    name: str
    dimension: str
    higher_is_better: bool
    cuts: tuple[float, float, float]
    degenerate_rating: str | None
    degenerate_reason: str
    source: str

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ParameterError(f"ratio {self.name}: unknown dimension {self.dimension!r}")
        if self.degenerate_rating is not None and self.degenerate_rating not in RATINGS:
            raise ParameterError(
                f"ratio {self.name}: degenerate rating must be one of {RATINGS} or None"
            )
        ordered = sorted(self.cuts, reverse=self.higher_is_better)
        if len(self.cuts) != 3 or list(self.cuts) != ordered:
            direction = "decreasing" if self.higher_is_better else "increasing"
            raise ParameterError(f"ratio {self.name}: three {direction} cuts expected")


_HCT = "IMF SOE Health Check Tool"
_OURS = "kpi-suite (no published threshold)"
DEFAULT_RULES: tuple[RatioRule, ...] = (
    RatioRule("roa", "profitability", True, (0.05, 0.0, -0.10), "very high",
              "total assets ≤ 0", _HCT),
    RatioRule("roe", "profitability", True, (0.10, 0.0, -0.10), "very high",
              "equity ≤ 0", _HCT),
    RatioRule("operating_margin", "profitability", True, (0.05, 0.0, -0.10), "very high",
              "no income (revenue + grants ≤ 0)", _OURS),
    RatioRule("current_ratio", "liquidity", True, (1.5, 1.3, 1.0), "low",
              "no current liabilities", _HCT),
    RatioRule("quick_ratio", "liquidity", True, (1.0, 0.8, 0.7), "low",
              "no current liabilities", _HCT),
    RatioRule("cash_ratio", "liquidity", True, (0.5, 0.2, 0.1), "low",
              "no current liabilities", _OURS),
    RatioRule("debt_to_equity", "solvency", False, (1.0, 1.5, 2.0), "very high",
              "equity ≤ 0", _HCT),
    RatioRule("debt_to_assets", "solvency", False, (0.5, 0.8, 1.0), "very high",
              "total assets ≤ 0", _HCT),
    RatioRule("interest_cover", "solvency", True, (1.5, 1.2, 1.0), "low",
              "no interest expense", _HCT),
    RatioRule("government_dependence", "government_dependence", False, (0.4, 0.5, 0.6), None,
              "no income (revenue + grants ≤ 0)", _HCT),
    RatioRule("arrears_ratio", "arrears", False, (0.02, 0.06, 0.10), None,
              "no expenditure (operating expenses + interest ≤ 0)", "PEFA 2016 PI-22.1"),
)  # fmt: skip
RATIO_NAMES = tuple(rule.name for rule in DEFAULT_RULES)

#: Government dependence is reported and rated but, as in the Health Check Tool's default
#: overall rating, left out of the overall score (PSEs here are publicly funded by design).
DEFAULT_DIMENSION_WEIGHTS = MappingProxyType(
    {
        "profitability": 1.0,
        "liquidity": 1.0,
        "solvency": 1.0,
        "government_dependence": 0.0,
        "arrears": 1.0,
    }
)


@dataclass(frozen=True)
class HealthParams:
    """Thresholds and weights of the financial-health ratings (defaults documented in
    ``docs/methodology.md``).

    ``rules``: one :class:`RatioRule` per ratio (replace one with :func:`dataclasses.replace`).
    ``dimension_weights``: weight of each dimension in the overall score (a dimension left out
    weighs 0). ``score_cuts``: a dimension or overall score (mean risk level, 1 = low … 4 = very
    high) below ``score_cuts[0]`` is low, below ``[1]`` moderate, below ``[2]`` high, else very
    high.
    """

    rules: tuple[RatioRule, ...] = DEFAULT_RULES
    dimension_weights: Mapping[str, float] = field(
        default_factory=lambda: DEFAULT_DIMENSION_WEIGHTS
    )
    score_cuts: tuple[float, float, float] = (1.5, 2.5, 3.5)

    def __post_init__(self) -> None:
        names = [rule.name for rule in self.rules]
        if sorted(names) != sorted(RATIO_NAMES):
            raise ParameterError(f"rules must cover exactly the ratios {', '.join(RATIO_NAMES)}")
        unknown = set(self.dimension_weights) - set(DIMENSIONS)
        if unknown:
            raise ParameterError(f"unknown dimension(s) in weights: {', '.join(sorted(unknown))}")
        weights = list(self.dimension_weights.values())
        if any(not math.isfinite(w) or w < 0 for w in weights) or not any(w > 0 for w in weights):
            raise ParameterError("dimension weights must be finite, ≥ 0, and one of them > 0")
        if list(self.score_cuts) != sorted(self.score_cuts) or len(self.score_cuts) != 3:
            raise ParameterError("score_cuts must be three increasing numbers")

    def rule(self, name: str) -> RatioRule:
        """The rule of ratio ``name``."""
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise ParameterError(f"unknown ratio {name!r}; known: {', '.join(RATIO_NAMES)}")


# --------------------------------------------------------------------------- Altman Z''


def _z2_array(
    working_capital: np.ndarray,
    retained_earnings: np.ndarray,
    ebit: np.ndarray,
    book_equity: np.ndarray,
    total_assets: np.ndarray,
    total_liabilities: np.ndarray,
) -> np.ndarray:
    """Vectorised Z''; NaN where total assets ≤ 0, total liabilities ≤ 0 or an input is not
    finite."""
    inputs = [
        np.asarray(a, dtype="float64")
        for a in (
            working_capital,
            retained_earnings,
            ebit,
            book_equity,
            total_assets,
            total_liabilities,
        )
    ]
    wc, re, eb, eq, ta, tl = inputs
    valid = np.logical_and.reduce([np.isfinite(a) for a in inputs]) & (ta > 0) & (tl > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe_ta = np.where(valid, ta, 1.0)
        safe_tl = np.where(valid, tl, 1.0)
        a1, a2, a3, a4 = Z2_COEFFICIENTS
        z = a1 * (wc / safe_ta) + a2 * (re / safe_ta) + a3 * (eb / safe_ta) + a4 * (eq / safe_tl)
    return np.where(valid & np.isfinite(z), z, np.nan)


def _check_real(name: str, value: object) -> float:
    """``value`` as a float; ints, floats, NumPy numbers, Fractions and Decimals (PostgreSQL
    sums) are accepted, booleans, text and None are not."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__}")
    return float(value)


def altman_z2(
    working_capital: float,
    retained_earnings: float,
    ebit: float,
    book_equity: float,
    total_assets: float,
    total_liabilities: float,
) -> float:
    """Altman's Z''-score for non-manufacturing firms (Altman 2000; Altman & Hotchkiss 2005).

    ``Z'' = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4`` with X1 = working capital ÷ total assets,
    X2 = retained earnings ÷ total assets, X3 = EBIT ÷ total assets, X4 = book equity ÷ total
    liabilities. Amounts in any one currency unit (the score has no unit); EBIT is a year's.

    Returns NaN — never ``inf``, never an exception for real numbers — when the score is
    undefined: total assets ≤ 0 (X1–X3 undefined), total liabilities ≤ 0 (X4 undefined: a PSE
    without liabilities has no Z''), or any input not finite. Negative equity is valid (X4 < 0).

    Raises
    ------
    TypeError
        An argument is not a real number (e.g. a string or None).

    Examples
    --------
    >>> round(altman_z2(10, 20, 5, 40, 100, 60), 4)  # 0.656 + 0.652 + 0.336 + 0.7
    2.344
    """
    values = [
        _check_real(name, value)
        for name, value in (
            ("working_capital", working_capital),
            ("retained_earnings", retained_earnings),
            ("ebit", ebit),
            ("book_equity", book_equity),
            ("total_assets", total_assets),
            ("total_liabilities", total_liabilities),
        )
    ]
    return float(_z2_array(*(np.array([v]) for v in values))[0])


def z2_zone(z: float | None) -> str:
    """Zone of a Z''-score: ``"safe"`` above 2.60, ``"grey"`` from 1.10 to 2.60 (both ends
    included, so ``z2_zone(2.60)`` and ``z2_zone(1.10)`` are grey), ``"distress"`` below 1.10.

    A missing score (NaN, None, ``pd.NA``) gives :data:`Z2_NOT_RATED` (``"not rated"``).
    Values within :data:`BOUNDARY_TOLERANCE` of a cut count as on it.

    Raises
    ------
    TypeError
        ``z`` is neither a real number nor missing.
    """
    if z is None or z is pd.NA:
        return Z2_NOT_RATED
    value = _check_real("z", z)
    if math.isnan(value):
        return Z2_NOT_RATED
    if value > Z2_SAFE_ABOVE + BOUNDARY_TOLERANCE:
        return "safe"
    if value < Z2_DISTRESS_BELOW - BOUNDARY_TOLERANCE:
        return "distress"
    return "grey"


def _z2_zones(z: np.ndarray) -> pd.Categorical:
    zones = np.select(
        [
            np.isnan(z),
            z > Z2_SAFE_ABOVE + BOUNDARY_TOLERANCE,
            z < Z2_DISTRESS_BELOW - BOUNDARY_TOLERANCE,
        ],
        [Z2_NOT_RATED, "safe", "distress"],
        "grey",
    )
    return pd.Categorical(zones, categories=(*Z2_ZONES, Z2_NOT_RATED))


# --------------------------------------------------------------------------- ratings


def _levels(values: np.ndarray, degenerate: np.ndarray, rule: RatioRule) -> np.ndarray:
    """Risk level 1–4 of each value (NaN = not rated)."""
    c0, c1, c2 = rule.cuts
    if rule.higher_is_better:
        conditions = [values >= c - BOUNDARY_TOLERANCE for c in (c0, c1, c2)]
    else:
        conditions = [values <= c + BOUNDARY_TOLERANCE for c in (c0, c1, c2)]
    with np.errstate(invalid="ignore"):
        levels = np.select(conditions, [1.0, 2.0, 3.0], 4.0)
    levels = np.where(np.isnan(values), np.nan, levels)
    fallback = (
        np.nan if rule.degenerate_rating is None else RATINGS.index(rule.degenerate_rating) + 1
    )
    return np.where(degenerate, fallback, levels)


def _ratings_of_levels(levels: np.ndarray) -> pd.Categorical[str]:
    codes = np.where(np.isnan(levels), -1, np.nan_to_num(levels, nan=1.0) - 1).astype(int)
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(RATINGS)), ordered=True)


def _score_levels(scores: np.ndarray, cuts: tuple[float, float, float]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        levels = np.select(
            [scores < cuts[0], scores < cuts[1], scores < cuts[2]], [1.0, 2.0, 3.0], 4.0
        )
    return np.where(np.isnan(scores), np.nan, levels)


def rate_ratio(name: str, value: float, params: HealthParams | None = None) -> str | None:
    """Risk rating of one ratio value by the rule of ratio ``name`` (see :class:`RatioRule`).

    A value exactly at a cut takes the better rating. NaN gives None (not rated); the
    degenerate cases (denominator ≤ 0) are rated by :func:`compute_financial_health`, which
    sees the denominators.

    Examples
    --------
    >>> rate_ratio("current_ratio", 1.0), rate_ratio("current_ratio", 0.99)
    ('high', 'very high')
    """
    rule = (params or HealthParams()).rule(name)
    level = _levels(np.array([_check_real("value", value)]), np.array([False]), rule)[0]
    return None if np.isnan(level) else RATINGS[int(level) - 1]


def rate_score(score: float, params: HealthParams | None = None) -> str | None:
    """Rating of a dimension or overall score (mean risk level, 1 = low … 4 = very high):
    below 1.5 low, below 2.5 moderate, below 3.5 high, else very high (a score exactly on a cut
    takes the worse rating). NaN gives None (not rated)."""
    cuts = (params or HealthParams()).score_cuts
    level = _score_levels(np.array([_check_real("score", score)]), cuts)[0]
    return None if np.isnan(level) else RATINGS[int(level) - 1]


# --------------------------------------------------------------------------- the frame


def _trailing_sums(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sum of each flow over the quarter and the three before it that are present, and how many
    quarters were present (1–4)."""
    index = frame["fiscal_year"].to_numpy() * 4 + frame["quarter"].to_numpy() - 1
    entity = frame["entity_code"].to_numpy()
    flows = pd.DataFrame(
        frame[list(FLOW_LINES)].astype("int64").to_numpy(),
        index=pd.MultiIndex.from_arrays([entity, index]),
        columns=list(FLOW_LINES),
    )
    sums = np.zeros((len(frame), len(FLOW_LINES)))
    count = np.zeros(len(frame), dtype="int64")
    for lag in range(4):
        got = flows.reindex(pd.MultiIndex.from_arrays([entity, index - lag]))
        present = got.notna().all(axis=1).to_numpy()
        sums += np.where(present[:, None], got.fillna(0).to_numpy(dtype="float64"), 0.0)
        count += present
    return sums, count


def _validate_financials(financials: pd.DataFrame) -> None:
    name = "PSE financial statements"
    require_columns(financials, name, [*KEY_COLUMNS, *PSE_FINANCIAL_LINES])
    require_unique(financials, name, ["entity_code", "period_code"])
    require_values(
        financials, name, [*KEY_COLUMNS, *PSE_FINANCIAL_LINES], ["entity_code", "period_code"]
    )
    bad = ~financials["quarter"].isin([1, 2, 3, 4])
    if bad.any():
        raise InputFrameError(
            name,
            "quarter must be 1–4",
            column="quarter",
            rows=[
                f"{e}/{p}" for e, p in financials.loc[bad, ["entity_code", "period_code"]].values
            ],
        )


def compute_financial_health(
    financials: pd.DataFrame, params: HealthParams | None = None
) -> pd.DataFrame:
    """Ratios, Z''-score and risk ratings of every PSE × quarter, in one vectorised pass.

    Parameters
    ----------
    financials
        :func:`kpilib.store.queries.load_pse_financials`'s frame (one row per PSE and quarter; every
        amount present).
    params
        Thresholds and weights; :class:`HealthParams` defaults when None.

    Returns
    -------
    DataFrame
        One row per input row, ordered by entity and quarter: the keys (``entity_code,
        period_code, fiscal_year, quarter`` and ``period_end`` when given), ``flow_quarters``,
        the annualised flows ``annual_<line>`` (rupees a year, float), the quarter's
        ``grants_subsidies`` and ``overdue_payables`` (``Int64`` rupees), the ratios
        ``roa, roe, operating_margin, current_ratio, quick_ratio, cash_ratio, debt_to_equity,
        debt_to_assets, interest_cover, government_dependence, arrears_ratio`` (fractions or
        times; NaN when undefined), ``<ratio>_rating``, ``z2``, ``z2_zone``, ``loss_maker``
        (annualised net income < 0), ``negative_equity`` (equity < 0), ``<dimension>_score`` and
        ``<dimension>_rating`` for the five dimensions, ``overall_score``, ``overall_rating``
        and ``notes`` (why a ratio is undefined). Ratings are ordered categoricals of
        :data:`RATINGS`; ``<NA>`` means not rated.

    Formulas (annual flows: trailing four quarters, see the module docstring):
    ROA = net income ÷ total assets; ROE = net income ÷ equity; operating margin = EBIT ÷
    (revenue + grants and subsidies); current ratio = current assets ÷ current liabilities;
    quick ratio = (current assets − inventories) ÷ current liabilities; cash ratio = cash ÷
    current liabilities; debt to equity = total liabilities ÷ equity; debt to assets = total
    liabilities ÷ total assets; interest cover = EBIT ÷ interest expense; government dependence
    = grants and subsidies ÷ (revenue + grants and subsidies); arrears ratio = overdue payables
    ÷ (operating expenses + interest expense); Z'' by :func:`altman_z2` with working capital =
    current assets − current liabilities and the annual EBIT. Source: IMF SOE Health Check
    Tool (ratio definitions and thresholds), Altman (2000), PEFA 2016 PI-22.1 (arrears).
    """
    params = params or HealthParams()
    _validate_financials(financials)
    frame = financials.sort_values(["entity_code", "fiscal_year", "quarter"]).reset_index(drop=True)
    sums, n = _trailing_sums(frame)
    s = {line: sums[:, i] for i, line in enumerate(FLOW_LINES)}
    stock = {
        line: frame[line].astype("int64").to_numpy(dtype="float64") for line in PSE_FINANCIAL_LINES
    }
    out = _annualise_flows(frame, s, n)
    notes: list[list[str]] = [[] for _ in range(len(frame))]
    levels = _add_ratios(out, _compute_ratio_parts(s, stock, n), params, notes)
    _add_z2(out, s, stock, n, notes)
    out["loss_maker"] = s["net_income"] < 0
    out["negative_equity"] = stock["equity"] < 0
    _add_scores(out, levels, params)
    out["notes"] = ["; ".join(items) for items in notes]
    return out


def _annualise_flows(frame: pd.DataFrame, s: dict[str, np.ndarray], n: np.ndarray) -> pd.DataFrame:
    """The result's first columns: the keys, the quarters counted, the annualised flows and the
    quarter's grants and subsidies and overdue payables."""
    out = frame[[c for c in (*KEY_COLUMNS, "period_end") if c in frame.columns]].copy()
    out["flow_quarters"] = n
    for line in FLOW_LINES:
        out[f"annual_{line}"] = s[line] * 4 / n
    out["grants_subsidies"] = frame["grants_subsidies"].astype("Int64")
    out["overdue_payables"] = frame["overdue_payables"].astype("Int64")
    return out


def _compute_ratio_parts(
    s: dict[str, np.ndarray], stock: dict[str, np.ndarray], n: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Numerator and denominator of each ratio from the trailing sums and the positions."""
    income = s["revenue"] + s["grants_subsidies"]
    spending = s["operating_expenses"] + s["interest_expense"]
    ta, tl, eq, cl = (
        stock[k] for k in ("total_assets", "total_liabilities", "equity", "current_liabilities")
    )
    # Each ratio is one division of exact numbers (n × stock keeps annualisation exact).
    return {
        "roa": (4 * s["net_income"], n * ta),
        "roe": (4 * s["net_income"], n * eq),
        "operating_margin": (s["ebit"], income),
        "current_ratio": (stock["current_assets"], cl),
        "quick_ratio": (stock["current_assets"] - stock["inventories"], cl),
        "cash_ratio": (stock["cash"], cl),
        "debt_to_equity": (tl, eq),
        "debt_to_assets": (tl, ta),
        "interest_cover": (s["ebit"], s["interest_expense"]),
        "government_dependence": (s["grants_subsidies"], income),
        "arrears_ratio": (n * stock["overdue_payables"], 4 * spending),
    }


def _add_ratios(
    out: pd.DataFrame,
    parts: dict[str, tuple[np.ndarray, np.ndarray]],
    params: HealthParams,
    notes: list[list[str]],
) -> dict[str, np.ndarray]:
    """Add each ratio, then each ratio's rating, to ``out``; the risk levels by ratio."""
    levels: dict[str, np.ndarray] = {}
    for rule in params.rules:
        numerator, denominator = parts[rule.name]
        degenerate = denominator <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(degenerate, np.nan, numerator / np.where(degenerate, 1.0, denominator))
        out[rule.name] = value
        levels[rule.name] = _levels(value, degenerate, rule)
        for i in np.flatnonzero(degenerate):
            notes[i].append(f"{rule.name}: {rule.degenerate_reason}")
    for rule in params.rules:
        out[f"{rule.name}_rating"] = _ratings_of_levels(levels[rule.name])
    return levels


def _add_z2(
    out: pd.DataFrame,
    s: dict[str, np.ndarray],
    stock: dict[str, np.ndarray],
    n: np.ndarray,
    notes: list[list[str]],
) -> None:
    """Add Altman's Z'' and its zone to ``out``, noting why a score is missing."""
    ta, tl, eq, cl = (
        stock[k] for k in ("total_assets", "total_liabilities", "equity", "current_liabilities")
    )
    z2 = _z2_array(
        stock["current_assets"] - cl, stock["retained_earnings"], s["ebit"] * 4 / n, eq, ta, tl
    )
    out["z2"] = z2
    out["z2_zone"] = _z2_zones(z2)
    for i in np.flatnonzero(np.isnan(z2)):
        reason = "total assets ≤ 0" if ta[i] <= 0 else "total liabilities ≤ 0"
        notes[i].append(f"z2: {reason}")


def _add_scores(out: pd.DataFrame, levels: dict[str, np.ndarray], params: HealthParams) -> None:
    """Add each dimension's score and rating, then the weighted overall score and rating."""
    weighted = np.zeros(len(out))
    weight_sum = np.zeros(len(out))
    for dimension in DIMENSIONS:
        members = [levels[r.name] for r in params.rules if r.dimension == dimension]
        stacked = np.vstack(members) if members else np.full((1, len(out)), np.nan)
        rated = (~np.isnan(stacked)).sum(axis=0)
        score = np.where(rated > 0, np.nansum(stacked, axis=0) / np.maximum(rated, 1), np.nan)
        out[f"{dimension}_score"] = score
        out[f"{dimension}_rating"] = _ratings_of_levels(_score_levels(score, params.score_cuts))
        weight = params.dimension_weights.get(dimension, 0.0)
        if weight > 0:
            present = ~np.isnan(score)
            weighted += np.where(present, weight * np.nan_to_num(score), 0.0)
            weight_sum += np.where(present, weight, 0.0)
    overall = np.where(weight_sum > 0, weighted / np.where(weight_sum > 0, weight_sum, 1.0), np.nan)
    out["overall_score"] = overall
    out["overall_rating"] = _ratings_of_levels(_score_levels(overall, params.score_cuts))
