"""Data-quality checks: validation rules and outlier detection, as one tidy findings table.

Every check returns rows with the columns of :data:`FINDING_COLUMNS`: the ``rule``, its
``severity`` ("error": the data break an accounting or budget rule and are wrong; "warning":
the data are implausible and need a look), what was checked (``subject_type`` entity /
budget_line / indicator and ``subject_code``), the ``period_code``, the ``item`` (line or field),
the measured ``value``, the ``threshold`` it broke and a ``message`` a submitter can act on.
:func:`run_quality_checks` runs them all on a database. Thresholds are in
:class:`QualityParams`; definitions and sources in ``docs/methodology.md`` ("Data quality").

Subject codes: a PSE's code (``UNI-001``); a budget line ``cost centre/budget type/head``
(``HLT00003/current/A03``); an indicator's code, followed by ``/district`` or ``/PSE`` for a
district or PSE value (``HLT-SHC``, ``HLT-SHC/PSH``, ``MTI-BOR/MTI-011``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from kpilib.errors import InputFrameError, ParameterError
from kpilib.fiscal import FiscalYear
from kpilib.i18n import N_
from kpilib.kpis.frames import require_columns, require_unique, require_values
from kpilib.problems import Problem, Where
from kpilib.store.queries import (
    load_budget_line_exceptions,
    load_indicator_values,
    load_indicators,
    load_pse_financials,
)
from kpilib.units import format_money

FINDING_COLUMNS = (
    "rule",
    "severity",
    "subject_type",
    "subject_code",
    "period_code",
    "item",
    "value",
    "threshold",
    "message",
)
SEVERITIES = ("error", "warning")
#: Each rule and its severity.
RULE_SEVERITIES = {
    "balance_sheet_balances": "error",
    "expenditure_within_releases": "error",
    "no_negative_budget": "error",
    "achievement_plausible": "warning",
    "achievement_computable": "warning",
    "revenue_jump": "warning",
    "outlier": "warning",
}
#: A finding's message is ``<subject> <period>: `` and one of these (English, as stored; shown
#: in the reader's language by :func:`finding_words`, the values read back from the message).
UNBALANCED = N_("assets {assets} differ from liabilities + equity by {gap} (more than "
                "{tolerance} of assets)")  # fmt: skip
REVENUE_JUMP = N_("revenue {revenue} is {ratio} × the {quarter} revenue of {previous}")
LINE_OUTLIER = N_("{line} {value} is far from the PSE's median of {median} (modified z-score "
                  "{score})")  # fmt: skip
ACTUAL_OUTLIER = N_("actual {value} is far from the series median of {median} (modified "
                    "z-score {score})")  # fmt: skip
IMPLAUSIBLE = N_("achievement {achievement} % (actual {actual}, target {target}) is outside "
                 "{low}–{high} %; check the actual for a misplaced decimal point")  # fmt: skip
NOT_COMPUTABLE = N_("achievement cannot be computed from actual {actual} and target {target}")
OVERSPENT = N_("expenditure {expenditure} exceeds releases {releases} by more than {tolerance}")
NEGATIVE_BUDGET = N_("{months} month(s) with a negative original or revised budget")
FINDING_MESSAGES = (UNBALANCED, REVENUE_JUMP, LINE_OUTLIER, ACTUAL_OUTLIER, IMPLAUSIBLE,
                    NOT_COMPUTABLE, OVERSPENT, NEGATIVE_BUDGET)  # fmt: skip
#: Each rule in words (the portal's and the reports' findings tables).
RULE_LABELS = {
    "balance_sheet_balances": N_("Balance sheet balances"),
    "expenditure_within_releases": N_("Expenditure within releases"),
    "no_negative_budget": N_("No negative budget"),
    "achievement_plausible": N_("Achievement plausible"),
    "achievement_computable": N_("Achievement computable"),
    "revenue_jump": N_("Revenue jump"),
    "outlier": N_("Outlier"),
}
#: Iglewicz & Hoaglin (1993): M = 0.6745 (x − median) ÷ MAD; |M| > 3.5 is a potential outlier.
#: What a finding checked, in words, where it is not a statement line.
ITEM_LABELS = {"actual": N_("Actual"), "target": N_("Target"), "expended": N_("Expenditure"),
               "budget": N_("Budget")}  # fmt: skip
MODIFIED_Z_CONSTANT = 0.6745
#: When MAD = 0: M = (x − median) ÷ (1.253314 × mean absolute deviation from the median).
MEAN_AD_CONSTANT = 1.253314
TOLERANCE = 1e-9


@dataclass(frozen=True)
class QualityParams:
    """Tolerances and thresholds of the data-quality checks.

    balance_tolerance
        Largest accepted |assets − (liabilities + equity)| as a share of total assets.
    release_tolerance
        Largest accepted excess of a budget line's expenditure over its releases in a fiscal
        year, as a share of releases (up to four decimals).
    achievement_range
        Plausible achievement in percent (actual ÷ target × 100, or target ÷ actual × 100 for
        lower-is-better), both ends included.
    revenue_jump_factor
        A PSE's quarterly revenue more than this many times, or less than one over this many
        times, its previous reported quarter is a jump.
    outlier_threshold, outlier_min_observations
        |M| above the threshold is an outlier; series with fewer values are not tested.
    outlier_min_change
        ...and only if the value is further from the series median than this share of the
        median (0.5: more than 50 % above or below it). On smooth series, the common case for
        PSE statements, |M| alone flags ordinary growth of 15–25 %.
    outlier_lines
        PSE statement lines whose quarterly series are tested for outliers.
    """

    balance_tolerance: float = 0.001
    release_tolerance: float = 0.01
    achievement_range: tuple[float, float] = (25.0, 400.0)
    revenue_jump_factor: float = 4.0
    outlier_threshold: float = 3.5
    outlier_min_observations: int = 5
    outlier_min_change: float = 0.5
    outlier_lines: tuple[str, ...] = ("revenue", "grants_subsidies", "operating_expenses")

    def __post_init__(self) -> None:
        low, high = self.achievement_range
        checks = {
            "balance_tolerance must be ≥ 0": self.balance_tolerance >= 0,
            "release_tolerance must be in [0, 10)": 0 <= self.release_tolerance < 10,
            "achievement_range must be two numbers 0 ≤ low < high": 0 <= low < high,
            "revenue_jump_factor must be > 1": self.revenue_jump_factor > 1,
            "outlier_threshold must be > 0": self.outlier_threshold > 0,
            "outlier_min_observations must be ≥ 3": self.outlier_min_observations >= 3,
            "outlier_min_change must be ≥ 0": self.outlier_min_change >= 0,
        }
        for message, ok in checks.items():
            if not ok:
                raise ParameterError(message)


def _findings(rule: str, **columns: object) -> pd.DataFrame:
    frame = pd.DataFrame({"rule": rule, "severity": RULE_SEVERITIES[rule], **columns})
    frame["value"] = frame["value"].astype("float64")
    frame["threshold"] = frame["threshold"].astype("float64")
    return frame[list(FINDING_COLUMNS)]


def _empty_findings() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in FINDING_COLUMNS})
    return frame.astype({"value": "float64", "threshold": "float64"})


def _rupees(value: float) -> str:
    return format_money(value)


def _said_of(subject: object, period: object, template: str, **values: object) -> str:
    """A finding's message: ``UNI-001 2024-25Q1: `` and ``template`` filled in (English)."""
    return f"{subject} {period}: " + template.format(**values)


# --------------------------------------------------------------------------- PSE statements

_STATEMENT_KEYS = ("entity_code", "period_code", "fiscal_year", "quarter")


def _statements(financials: pd.DataFrame, lines: Sequence[str]) -> pd.DataFrame:
    name = "PSE financial statements"
    require_columns(financials, name, [*_STATEMENT_KEYS, *lines])
    require_unique(financials, name, ["entity_code", "period_code"])
    require_values(financials, name, [*_STATEMENT_KEYS, *lines], ["entity_code", "period_code"])
    return financials.sort_values(["entity_code", "fiscal_year", "quarter"]).reset_index(drop=True)


def check_balance_sheets(
    financials: pd.DataFrame, params: QualityParams | None = None
) -> pd.DataFrame:
    """Rule ``balance_sheet_balances`` (error): |total assets − (total liabilities + equity)|
    must not exceed ``balance_tolerance`` × |total assets| (with zero assets, any imbalance
    fails). ``value`` is the imbalance ÷ |total assets| (NaN for zero assets)."""
    params = params or QualityParams()
    data = _statements(financials, ["total_assets", "total_liabilities", "equity"])
    assets = data["total_assets"].astype("int64").to_numpy()
    gap = np.abs(
        assets
        - data["total_liabilities"].astype("int64").to_numpy()
        - data["equity"].astype("int64").to_numpy()
    )
    allowed = params.balance_tolerance * np.abs(assets)
    bad = gap > allowed * (1 + TOLERANCE)
    if not bad.any():
        return _empty_findings()
    rows = data.loc[bad]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(assets[bad] != 0, gap[bad] / np.abs(assets[bad]).astype(float), np.nan)
    messages = [
        _said_of(
            e,
            p,
            UNBALANCED,
            assets=_rupees(a),
            gap=_rupees(g),
            tolerance=f"{params.balance_tolerance:.2%}",
        )
        for e, p, a, g in zip(
            rows["entity_code"], rows["period_code"], assets[bad], gap[bad], strict=True
        )
    ]
    return _findings(
        "balance_sheet_balances",
        subject_type="entity",
        subject_code=rows["entity_code"].to_numpy(),
        period_code=rows["period_code"].to_numpy(),
        item="total_assets",
        value=share,
        threshold=params.balance_tolerance,
        message=messages,
    )


def check_revenue_jumps(
    financials: pd.DataFrame, params: QualityParams | None = None
) -> pd.DataFrame:
    """Rule ``revenue_jump`` (warning): a PSE's quarterly revenue above ``revenue_jump_factor``
    times, or below 1 ÷ ``revenue_jump_factor`` times, its previous reported quarter (a
    misplaced digit looks like this). ``value`` is revenue ÷ previous revenue; quarters whose
    previous revenue is zero or negative, or whose own revenue is negative, have no ratio."""
    params = params or QualityParams()
    data = _statements(financials, ["revenue"])
    revenue = data["revenue"].astype("int64").astype("float64")
    previous = revenue.groupby(data["entity_code"]).shift()
    previous_period = data["period_code"].groupby(data["entity_code"]).shift()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (revenue / previous.where(previous > 0)).where(revenue >= 0)
    factor = params.revenue_jump_factor
    up = ratio > factor * (1 + TOLERANCE)
    down = ratio < (1 / factor) * (1 - TOLERANCE)
    bad = (up | down).to_numpy()
    if not bad.any():
        return _empty_findings()
    rows = data.loc[bad]
    messages = [
        _said_of(
            e, p, REVENUE_JUMP, revenue=_rupees(r), ratio=f"{x:.2f}", quarter=q, previous=_rupees(v)
        )
        for e, p, r, x, q, v in zip(
            rows["entity_code"],
            rows["period_code"],
            revenue[bad],
            ratio[bad],
            previous_period[bad],
            previous[bad],
            strict=True,
        )
    ]
    return _findings(
        "revenue_jump",
        subject_type="entity",
        subject_code=rows["entity_code"].to_numpy(),
        period_code=rows["period_code"].to_numpy(),
        item="revenue",
        value=ratio[bad].to_numpy(),
        threshold=np.where(up[bad], factor, 1 / factor),
        message=messages,
    )


# --------------------------------------------------------------------------- outliers


def compute_modified_z(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Modified z-scores of one series (Iglewicz & Hoaglin 1993).

    ``M = 0.6745 (x − median) ÷ MAD`` with MAD the median absolute deviation from the median.
    When MAD = 0 (more than half the values equal), ``M = (x − median) ÷ (1.253314 ×
    MeanAD)`` with MeanAD the mean absolute deviation from the median; when that is 0 too
    (all values equal), every M is 0. Missing values give NaN and are left out of the median.

    Examples
    --------
    >>> compute_modified_z([1, 2, 3, 4, 100]).round(4).tolist()  # median 3, MAD 1
    [-1.349, -0.6745, 0.0, 0.6745, 65.4265]
    """
    x = np.asarray(values, dtype="float64")
    present = x[~np.isnan(x)]
    if present.size == 0:
        return np.full(x.shape, np.nan)
    median = np.median(present)
    deviation = np.abs(present - median)
    mad = np.median(deviation)
    if mad > 0:
        return MODIFIED_Z_CONSTANT * (x - median) / mad
    mean_ad = deviation.mean()
    if mean_ad > 0:
        return (x - median) / (MEAN_AD_CONSTANT * mean_ad)
    return np.where(np.isnan(x), np.nan, 0.0)


def _modified_z_by_series(values: pd.Series, keys: list[pd.Series]) -> tuple[pd.Series, pd.Series]:
    """Vectorised modified z-score within each series; also the series' number of values."""
    groups = values.groupby(keys, dropna=False)
    median = groups.transform("median")
    deviation = (values - median).abs()
    by_series = deviation.groupby(keys, dropna=False)
    mad = by_series.transform("median")
    mean_ad = by_series.transform("mean")
    count = groups.transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            mad > 0,
            MODIFIED_Z_CONSTANT * (values - median) / mad,
            np.where(mean_ad > 0, (values - median) / (MEAN_AD_CONSTANT * mean_ad), 0.0),
        )
    return pd.Series(z, index=values.index).where(values.notna()), count


def _outliers(
    values: pd.Series, keys: list[pd.Series], params: QualityParams
) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Which values are outliers (|M| > threshold in a long enough series, and further from the
    series median than ``outlier_min_change`` × |median|), with M and the medians."""
    z, count = _modified_z_by_series(values, keys)
    median = values.groupby(keys, dropna=False).transform("median")
    material = (values - median).abs() > params.outlier_min_change * median.abs()
    bad = (z.abs() > params.outlier_threshold) & (count >= params.outlier_min_observations)
    return (bad & material).to_numpy(), z, median


def find_pse_outliers(
    financials: pd.DataFrame, params: QualityParams | None = None
) -> pd.DataFrame:
    """Rule ``outlier`` (warning) on PSE statements: for each PSE and each of
    ``outlier_lines``, the quarterly values whose modified z-score (:func:`compute_modified_z`)
    exceeds ``outlier_threshold`` in absolute value and that differ from the PSE's median by
    more than ``outlier_min_change`` of it; series with fewer than
    ``outlier_min_observations`` quarters are not tested."""
    params = params or QualityParams()
    data = _statements(financials, list(params.outlier_lines))
    pieces = []
    for line in params.outlier_lines:
        values = data[line].astype("int64").astype("float64")
        bad, z, median = _outliers(values, [data["entity_code"]], params)
        if not bad.any():
            continue
        rows = data.loc[bad]
        messages = [
            _said_of(
                e, p, LINE_OUTLIER, line=line, value=_rupees(v), median=_rupees(m), score=f"{s:.1f}"
            )
            for e, p, v, m, s in zip(
                rows["entity_code"],
                rows["period_code"],
                values[bad],
                median[bad],
                z[bad],
                strict=True,
            )
        ]
        pieces.append(
            _findings(
                "outlier",
                subject_type="entity",
                subject_code=rows["entity_code"].to_numpy(),
                period_code=rows["period_code"].to_numpy(),
                item=line,
                value=z[bad].to_numpy(),
                threshold=params.outlier_threshold,
                message=messages,
            )
        )
    return pd.concat(pieces, ignore_index=True) if pieces else _empty_findings()


_VALUE_KEYS = ("indicator_code", "period_code", "period_kind", "district_code", "entity_code")


def _indicator_subjects(values: pd.DataFrame) -> pd.Series:
    scope = values["district_code"].where(values["district_code"].notna(), values["entity_code"])
    return values["indicator_code"].where(
        scope.isna(), values["indicator_code"] + "/" + scope.astype(str)
    )


def find_indicator_outliers(
    values: pd.DataFrame, params: QualityParams | None = None
) -> pd.DataFrame:
    """Rule ``outlier`` (warning) on indicator actuals: within each series (one indicator, one
    scope — province, a district or a PSE — and one period kind), the reported actuals whose
    modified z-score exceeds ``outlier_threshold`` and that differ from the series median by
    more than ``outlier_min_change`` of it; series with fewer than
    ``outlier_min_observations`` reported actuals are not tested."""
    params = params or QualityParams()
    require_columns(values, "indicator values", [*_VALUE_KEYS, "actual"])
    data = values.reset_index(drop=True)
    actual = data["actual"].astype("float64")
    keys = [data["indicator_code"], data["district_code"], data["entity_code"], data["period_kind"]]
    bad, z, median = _outliers(actual, keys, params)
    if not bad.any():
        return _empty_findings()
    rows = data.loc[bad]
    subjects = _indicator_subjects(rows)
    messages = [
        _said_of(s, p, ACTUAL_OUTLIER, value=f"{v:g}", median=f"{m:g}", score=f"{x:.1f}")
        for s, p, v, m, x in zip(
            subjects, rows["period_code"], actual[bad], median[bad], z[bad], strict=True
        )
    ]
    return _findings(
        "outlier",
        subject_type="indicator",
        subject_code=subjects.to_numpy(),
        period_code=rows["period_code"].to_numpy(),
        item="actual",
        value=z[bad].to_numpy(),
        threshold=params.outlier_threshold,
        message=messages,
    )


# --------------------------------------------------------------------------- indicators


def _achievement(
    actual: np.ndarray, target: np.ndarray, higher_is_better: np.ndarray
) -> np.ndarray:
    """Achievement in percent: actual ÷ target × 100 (higher is better) or target ÷ actual × 100
    (lower is better); NaN when the divisor is missing or ≤ 0. The same rule as
    :func:`kpilib.kpis.service_delivery.compute_achievement`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(target > 0, actual / np.where(target > 0, target, 1.0) * 100.0, np.nan)
        down = np.where(actual > 0, target / np.where(actual > 0, actual, 1.0) * 100.0, np.nan)
    return np.where(higher_is_better, up, down)


def check_achievement(
    values: pd.DataFrame, indicators: pd.DataFrame, params: QualityParams | None = None
) -> pd.DataFrame:
    """Rules ``achievement_plausible`` and ``achievement_computable`` (warnings) on reported
    actuals.

    Achievement = actual ÷ target × 100 for higher-is-better indicators, target ÷ actual × 100
    for lower-is-better ones (percent); outside ``achievement_range`` (25–400 % by default, ends
    included) it is implausible: a lost decimal point gives about 1,000 % or 10 %. When it
    cannot be computed — target missing or ≤ 0, or a negative actual of a lower-is-better
    indicator — the value is reported as not computable. A lower-is-better actual of exactly 0
    (the best outcome) and a missing actual (not reported) are not findings.
    """
    params = params or QualityParams()
    directions = _check_indicator_codes(values, indicators)
    data = values.loc[values["actual"].notna()].reset_index(drop=True)
    data["direction"] = data["indicator_code"].map(directions)
    actual = data["actual"].to_numpy(dtype="float64")
    target = data["target"].to_numpy(dtype="float64")
    higher = (data["direction"] == "higher_is_better").to_numpy()
    achievement = _achievement(actual, target, higher)
    subjects = _indicator_subjects(data).to_numpy()
    low, high = params.achievement_range
    implausible = (achievement < low - TOLERANCE) | (achievement > high + TOLERANCE)
    lower_zero = ~higher & (actual == 0) & (target > 0)
    not_computable = np.isnan(achievement) & ~lower_zero
    pieces = []
    if implausible.any():
        pieces.append(
            _find_implausible_achievement(
                data.loc[implausible], subjects[implausible], achievement[implausible],
                actual[implausible], target[implausible], (low, high),
            )
        )  # fmt: skip
    if not_computable.any():
        pieces.append(
            _find_uncomputable_achievement(
                data.loc[not_computable], subjects[not_computable], actual[not_computable],
                target[not_computable],
            )
        )  # fmt: skip
    return pd.concat(pieces, ignore_index=True) if pieces else _empty_findings()


def _check_indicator_codes(values: pd.DataFrame, indicators: pd.DataFrame) -> dict[str, str]:
    """Check the frames and that every value's indicator is known; each indicator's direction."""
    require_columns(values, "indicator values", [*_VALUE_KEYS, "target", "actual"])
    require_columns(indicators, "indicators", ["indicator_code", "direction"])
    unknown = sorted(set(values["indicator_code"]) - set(indicators["indicator_code"]))
    if unknown:
        raise InputFrameError(
            "indicator values", "unknown indicator code(s)", column="indicator_code", rows=unknown
        )
    return dict(zip(indicators["indicator_code"], indicators["direction"], strict=True))


def _find_implausible_achievement(
    rows: pd.DataFrame,
    subjects: np.ndarray,
    achievement: np.ndarray,
    actual: np.ndarray,
    target: np.ndarray,
    achievement_range: tuple[float, float],
) -> pd.DataFrame:
    """Findings ``achievement_plausible`` for the given rows (achievement outside the range)."""
    low, high = achievement_range
    messages = [
        _said_of(
            s,
            p,
            IMPLAUSIBLE,
            achievement=f"{a:.0f}",
            actual=f"{v:g}",
            target=f"{t:g}",
            low=f"{low:g}",
            high=f"{high:g}",
        )
        for s, p, a, v, t in zip(
            subjects, rows["period_code"], achievement, actual, target, strict=True
        )
    ]
    return _findings(
        "achievement_plausible",
        subject_type="indicator",
        subject_code=subjects,
        period_code=rows["period_code"].to_numpy(),
        item="actual",
        value=achievement,
        threshold=np.where(achievement > high, high, low),
        message=messages,
    )


def _find_uncomputable_achievement(
    rows: pd.DataFrame, subjects: np.ndarray, actual: np.ndarray, target: np.ndarray
) -> pd.DataFrame:
    """Findings ``achievement_computable`` for the given rows (no achievement can be computed)."""
    messages = [
        _said_of(s, p, NOT_COMPUTABLE, actual=f"{v:g}", target=f"{t:g}")
        for s, p, v, t in zip(subjects, rows["period_code"], actual, target, strict=True)
    ]
    return _findings(
        "achievement_computable",
        subject_type="indicator",
        subject_code=subjects,
        period_code=rows["period_code"].to_numpy(),
        item="target",
        value=np.nan,
        threshold=np.nan,
        message=messages,
    )


# --------------------------------------------------------------------------- budget lines


def check_budget_lines(
    connection: Connection,
    params: QualityParams | None = None,
    fiscal_years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Rules ``expenditure_within_releases`` and ``no_negative_budget`` (errors) on every
    budget line (cost centre × budget type × head × fiscal year), aggregated in SQL by
    :func:`kpilib.store.queries.load_budget_line_exceptions`.

    A line fails the first when its year's expenditure exceeds its releases by more than
    ``release_tolerance`` of releases (``value`` = expenditure ÷ releases, NaN if nothing was
    released; ``threshold`` = 1 + tolerance); the second when any month carries a negative
    original or revised budget (``value`` = number of such months).
    """
    params = params or QualityParams()
    lines = load_budget_line_exceptions(connection, params.release_tolerance, fiscal_years)
    if lines.empty:
        return _empty_findings()
    subject = (
        lines["cost_centre_code"] + "/" + lines["budget_type"] + "/" + lines["economic_class_code"]
    ).to_numpy()
    year = np.array([FiscalYear(int(y)).label for y in lines["fiscal_year"]])
    released = lines["released"].astype("float64").to_numpy()
    expended = lines["expended"].astype("float64").to_numpy()
    pieces = []
    over = lines["overspent"].to_numpy()
    if over.any():
        pieces.append(
            _find_overspent_lines(
                subject[over], year[over], expended[over], released[over], params.release_tolerance
            )
        )
    negative = (lines["negative_budget_months"] > 0).to_numpy()
    if negative.any():
        months = lines["negative_budget_months"].to_numpy()[negative]
        pieces.append(_find_negative_budget_lines(subject[negative], year[negative], months))
    return pd.concat(pieces, ignore_index=True)


def _find_overspent_lines(
    subject: np.ndarray,
    year: np.ndarray,
    expended: np.ndarray,
    released: np.ndarray,
    release_tolerance: float,
) -> pd.DataFrame:
    """Findings ``expenditure_within_releases`` for the given budget lines."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(released > 0, expended / released, np.nan)
    messages = [
        _said_of(
            s,
            y,
            OVERSPENT,
            expenditure=_rupees(e),
            releases=_rupees(r),
            tolerance=f"{release_tolerance:.2%}",
        )
        for s, y, e, r in zip(subject, year, expended, released, strict=True)
    ]
    return _findings(
        "expenditure_within_releases",
        subject_type="budget_line",
        subject_code=subject,
        period_code=year,
        item="expended",
        value=ratio,
        threshold=1 + release_tolerance,
        message=messages,
    )


def _find_negative_budget_lines(
    subject: np.ndarray, year: np.ndarray, months: np.ndarray
) -> pd.DataFrame:
    """Findings ``no_negative_budget`` for the given budget lines (``months``: how many months
    carry a negative budget)."""
    messages = [
        _said_of(s, y, NEGATIVE_BUDGET, months=m)
        for s, y, m in zip(subject, year, months, strict=True)
    ]
    return _findings(
        "no_negative_budget",
        subject_type="budget_line",
        subject_code=subject,
        period_code=year,
        item="budget",
        value=months,
        threshold=0.0,
        message=messages,
    )


# --------------------------------------------------------------------------- all checks


def _combine(pieces: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The findings of several checks as one table: errors first, then by rule, subject and
    period."""
    found = [p for p in pieces if not p.empty]
    findings = pd.concat(found, ignore_index=True) if found else _empty_findings()
    order = findings["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    return (
        findings.assign(_order=order)
        .sort_values(["_order", "rule", "subject_code", "period_code", "item"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def check_pse_returns(
    connection: Connection,
    entity_codes: Sequence[str],
    params: QualityParams | None = None,
) -> pd.DataFrame:
    """The checks that concern PSEs' own returns, on the PSEs ``entity_codes`` (every year):
    balance sheets, revenue jumps and outliers of their statements, plausible achievement and
    outliers of their indicator values. Each check looks at one PSE's series only, so the
    findings are those :func:`run_quality_checks` gives for these PSEs. What a reviewer reads
    beside a return before approving it (:mod:`kpilib.portal.workbench`)."""
    params = params or QualityParams()
    codes = set(entity_codes)
    financials = load_pse_financials(connection)
    financials = financials[financials["entity_code"].isin(codes)]
    values = load_indicator_values(connection, None, "entity")
    values = values[values["entity_code"].isin(codes)]
    pieces = []
    if not financials.empty:
        pieces += [
            check_balance_sheets(financials, params),
            check_revenue_jumps(financials, params),
            find_pse_outliers(financials, params),
        ]
    if not values.empty:
        indicators = load_indicators(connection)
        pieces += [
            check_achievement(values, indicators, params),
            find_indicator_outliers(values, params),
        ]
    return _combine(pieces)


def run_quality_checks(
    connection: Connection,
    params: QualityParams | None = None,
    fiscal_years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Every data-quality check on the database, as one findings table (errors first, then by
    rule, subject and period).

    Runs :func:`check_balance_sheets`, :func:`check_revenue_jumps` and
    :func:`find_pse_outliers` on the PSE statements, :func:`check_budget_lines` on the budget,
    :func:`check_achievement` and :func:`find_indicator_outliers` on the indicator values of
    every scope (province, district, PSE).
    """
    params = params or QualityParams()
    financials = load_pse_financials(connection, fiscal_years)
    values = pd.concat(
        [
            load_indicator_values(connection, fiscal_years, scope)
            for scope in ("province", "district", "entity")
        ],
        ignore_index=True,
    )
    indicators = load_indicators(connection)
    pieces = [
        check_balance_sheets(financials, params),
        check_budget_lines(connection, params, fiscal_years),
        check_revenue_jumps(financials, params),
        find_pse_outliers(financials, params),
        check_achievement(values, indicators, params),
        find_indicator_outliers(values, params),
    ]
    return _combine(pieces)


def describe_findings(findings: pd.DataFrame) -> list[Problem]:
    """The findings as :class:`~kpilib.problems.Problem` (code ``quality.<rule>``), the shape
    every other problem of kpi-suite has: for a person, a log or a test."""
    require_columns(findings, "quality findings", list(FINDING_COLUMNS))
    return [
        Problem(
            code=f"quality.{row['rule']}",
            severity=row["severity"],
            message=str(row["message"]),
            where=Where(subject=f"{row['subject_code']} ({row['period_code']})"),
        )
        for row in findings.to_dict("records")
    ]
