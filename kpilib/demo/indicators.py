"""Targets and actuals of the demo service-delivery indicators (province and district level)."""

from __future__ import annotations

import numpy as np

from kpilib.demo.reference import DEPARTMENT_PERFORMANCE, IndicatorProfile
from kpilib.fiscal import FiscalYear, Period

INDICATOR_VALUE_COLUMNS = (
    "indicator_id", "period_id", "district_id", "entity_id", "target", "actual", "submission_id",
)  # fmt: skip
MISSING_ACTUAL_RATE = 0.04
IMPLAUSIBLE_VALUES = 3  # actuals recorded ten times too high


def indicator_periods(profile: IndicatorProfile, year: FiscalYear) -> list[Period]:
    if profile.frequency == "annual":
        return [Period(year)]
    return [Period(year, "quarter", q) for q in range(1, 5)]


def target_for(profile: IndicatorProfile, year: FiscalYear) -> float:
    return profile.baseline + profile.yearly_step * (year.start_year - 2021)


def actual_for(profile: IndicatorProfile, target: float, performance: float) -> float:
    """Actual from target and a performance factor (>1 better), honouring the direction."""
    value = (
        target * performance if profile.direction == "higher_is_better" else target / performance
    )
    if profile.unit == "%":
        value = min(value, 100.0)
    return value


def round_value(value: float) -> float:
    return float(round(value, 2))


def generate_province_values(
    rng: np.random.Generator,
    profiles: list[IndicatorProfile],
    indicator_ids: dict[str, int],
    period_ids: dict[str, int],
    district_ids: dict[str, int],
    years: list[FiscalYear],
    reported_until: Period,
    submission_ids: dict[tuple[str, int], int],
) -> list[tuple]:
    """Province-wide values of every province-level indicator, plus district values where kept.

    Periods after ``reported_until`` get a target but no actual. ``submission_ids`` maps
    (department code, fiscal year start) to the department's indicator return.
    """
    rows: list[tuple] = []
    district_effect = {code: rng.lognormal(0, 0.1) for code in sorted(district_ids)}
    for profile in profiles:
        performance = DEPARTMENT_PERFORMANCE.get(profile.department, 1.0) * rng.lognormal(0, 0.04)
        for year in years:
            submission = submission_ids[(profile.department, year.start_year)]
            target = target_for(profile, year)
            for period in indicator_periods(profile, year):
                reported = period.end_date <= reported_until.end_date
                factor = performance * (1 + 0.01 * (year.start_year - 2021))
                actual = None
                if reported and rng.random() >= MISSING_ACTUAL_RATE:
                    actual = round_value(
                        actual_for(profile, target, factor * rng.lognormal(0, 0.03))
                    )
                rows.append((indicator_ids[profile.code], period_ids[period.code], None, None,
                             round_value(target), actual, submission))  # fmt: skip
                if not profile.by_district:
                    continue
                for code, effect in district_effect.items():
                    district_actual = None
                    if reported and rng.random() >= MISSING_ACTUAL_RATE * 1.5:
                        district_actual = round_value(
                            actual_for(profile, target, factor * effect * rng.lognormal(0, 0.05))
                        )
                    rows.append((indicator_ids[profile.code], period_ids[period.code],
                                 district_ids[code], None, round_value(target), district_actual,
                                 submission))  # fmt: skip
    # A few implausible actuals (a decimal point lost) for the data-quality checks.
    reported_rows = [i for i, row in enumerate(rows) if row[5] is not None and row[2] is None]
    for index in rng.choice(reported_rows, size=IMPLAUSIBLE_VALUES, replace=False):
        row = list(rows[index])
        row[5] = round_value(row[5] * 10)
        rows[index] = tuple(row)
    return rows
