"""Monthly budget and spending lines of the demo province (the IFMIS-extract shape).

Patterns that matter are built in: development budgets cut at revision and under-spent with a
June rush, a few departments spending above their original current budget, contingency partly
used, and a handful of lines where recorded expenditure exceeds releases (for data-quality checks).
``scale`` multiplies the number of cost centres (and so of rows) without changing the totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kpilib.demo.phasing import (
    CURRENT_SPENDING_PROFILE,
    DEVELOPMENT_RELEASE_PROFILE,
    DEVELOPMENT_SPENDING_PROFILE,
    EVEN_PROFILE,
    normalise,
    spread,
)
from kpilib.demo.reference import BUDGET_GROWTH, DEPARTMENTS, DISTRICTS

BUDGET_LINE_COLUMNS = (
    "fiscal_year",
    "month",
    "department_id",
    "cost_centre_id",
    "budget_type",
    "economic_class_id",
    "original_budget",
    "revised_budget",
    "released",
    "expended",
    "submission_id",
)
COST_CENTRES_PER_SQRT_BILLION = 2.2
ANOMALOUS_LINES_PER_YEAR = 6


@dataclass(frozen=True)
class CostCentrePlan:
    """The demo cost centres and, per department, the lines each of them carries."""

    rows: list[dict]  # cost_centres table rows
    line_department: np.ndarray  # department_id per line
    line_cost_centre: np.ndarray
    line_budget_type: np.ndarray  # 0 current, 1 development
    line_economic_class: np.ndarray
    line_share: np.ndarray  # share of the department's (type) budget held by the line


def plan_cost_centres(
    rng: np.random.Generator,
    department_ids: dict[str, int],
    economic_class_ids: dict[str, int],
    district_ids: dict[str, int],
    scale: int,
) -> CostCentrePlan:
    """Cost centres per department (∝ √budget × scale) and the budget lines each one carries."""
    rows: list[dict] = []
    departments, cost_centres, types, classes, shares = [], [], [], [], []
    district_codes = [code for code, _ in DISTRICTS]
    next_id = 1
    for profile in DEPARTMENTS:
        department_id = department_ids[profile.code]
        count = max(3, round(COST_CENTRES_PER_SQRT_BILLION * np.sqrt(profile.budget_2024_25_bn)))
        count *= scale
        first_id = next_id
        for number in range(1, count + 1):
            district = district_codes[int(rng.integers(len(district_codes)))]
            rows.append(
                {
                    "id": next_id,
                    "code": f"{profile.code}{number:05d}",
                    "name": f"{profile.name}: {dict(DISTRICTS)[district]} office {number}",
                    "department_id": department_id,
                    "district_id": district_ids[district],
                }
            )
            next_id += 1
        ids = np.arange(first_id, next_id)
        for budget_type, type_share, mix in (
            (0, 1.0 - profile.development_share, profile.current_mix),
            (1, profile.development_share, profile.development_mix),
        ):
            if type_share <= 0:
                continue
            cc_share = rng.dirichlet(np.full(count, 1.5))
            for code, weight in mix.items():
                departments.append(np.full(count, department_id))
                cost_centres.append(ids)
                types.append(np.full(count, budget_type))
                classes.append(np.full(count, economic_class_ids[code]))
                shares.append(type_share * weight / sum(mix.values()) * cc_share)
    # Order lines by cost centre, then type and head, so rows are written in unique-key order.
    line_cc = np.concatenate(cost_centres)
    line_type = np.concatenate(types)
    line_class = np.concatenate(classes)
    order = np.lexsort((line_class, line_type, line_cc))
    return CostCentrePlan(
        rows=rows,
        line_department=np.concatenate(departments)[order],
        line_cost_centre=line_cc[order],
        line_budget_type=line_type[order],
        line_economic_class=line_class[order],
        line_share=np.concatenate(shares)[order],
    )


def generate_budget_year(
    rng: np.random.Generator,
    plan: CostCentrePlan,
    start_year: int,
    department_ids: dict[str, int],
    contingency_class_id: int,
    submission_ids: dict[int, int],
    reported_months: int = 12,
) -> dict[str, np.ndarray]:
    """All budget lines × 12 months of one fiscal year, as column arrays (month-minor order).

    ``reported_months`` < 12 leaves releases and expenditure of later months unreported
    (``-1`` in the arrays, written as NULL). ``submission_ids`` maps department id to the id of
    the budget-extract submission the lines came from.
    """
    n_lines = plan.line_share.size
    department_budget = {department_ids[p.code]: p.budget_2024_25_bn * 1e9 for p in DEPARTMENTS}
    growth = BUDGET_GROWTH[start_year]

    dept_total = np.array([department_budget[d] for d in plan.line_department]) * growth
    noise = rng.lognormal(0.0, 0.05, n_lines)
    original = np.rint(dept_total * plan.line_share * noise / 1000).astype(np.int64) * 1000
    factors = _draw_line_factors(rng, plan, department_ids, contingency_class_id)
    revised, released, expended = _draw_line_amounts(rng, original, factors, reported_months)

    months = {
        "original_budget": spread(original, EVEN_PROFILE),
        "revised_budget": spread(revised, EVEN_PROFILE),
        "released": spread(released, normalise(factors.release_profile)),
        "expended": spread(expended, normalise(factors.spending_profile)),
    }
    if reported_months < 12:
        months["released"][:, reported_months:] = -1
        months["expended"][:, reported_months:] = -1
    return _build_budget_columns(plan, start_year, months, submission_ids)


@dataclass(frozen=True)
class _LineFactors:
    """Per line: revision, release and spending factors, and the monthly phasing profiles."""

    revision: np.ndarray
    release: np.ndarray
    spending: np.ndarray
    spending_profile: np.ndarray  # lines × 12
    release_profile: np.ndarray  # lines × 12


def _draw_line_factors(
    rng: np.random.Generator,
    plan: CostCentrePlan,
    department_ids: dict[str, int],
    contingency_class_id: int,
) -> _LineFactors:
    """Revision, release and spending factors per department × budget type this year."""
    n_lines = plan.line_share.size
    profiles = {department_ids[p.code]: p for p in DEPARTMENTS}
    revision = np.empty(n_lines)
    release = np.empty(n_lines)
    spending = np.empty(n_lines)
    spending_profile = np.empty((n_lines, 12))
    release_profile = np.empty((n_lines, 12))
    for department_id, profile in profiles.items():
        for budget_type in (0, 1):
            mask = (plan.line_department == department_id) & (plan.line_budget_type == budget_type)
            if not mask.any():
                continue
            if budget_type == 0:
                low, high = (1.06, 1.14) if profile.overspends else (0.94, 1.02)
                revision[mask] = rng.uniform(low, high)
                release[mask] = rng.uniform(0.96, 1.0) if not profile.overspends else 1.0
                spending[mask] = (
                    rng.uniform(0.95, 0.995) if profile.overspends else rng.uniform(0.92, 0.99)
                )
                spending_profile[mask] = CURRENT_SPENDING_PROFILE
                release_profile[mask] = EVEN_PROFILE
            else:
                revision[mask] = rng.uniform(0.72, 0.95)
                release_rate = rng.uniform(0.78, 0.95)
                release[mask] = release_rate
                utilisation = profile.development_utilisation * rng.uniform(0.9, 1.1)
                spending[mask] = min(0.99, utilisation / release_rate)
                spending_profile[mask] = rng.dirichlet(DEVELOPMENT_SPENDING_PROFILE * 300)
                release_profile[mask] = DEVELOPMENT_RELEASE_PROFILE
    is_contingency = plan.line_economic_class == contingency_class_id
    revision[is_contingency] = rng.uniform(0.3, 0.9)
    spending[is_contingency] = rng.uniform(0.6, 1.0)
    return _LineFactors(revision, release, spending, spending_profile, release_profile)


def _draw_line_amounts(
    rng: np.random.Generator, original: np.ndarray, factors: _LineFactors, reported_months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's revised budget, releases and expenditure for the year; in a complete year a
    few lines spend more than was released."""
    n_lines = original.size
    line_noise = rng.lognormal(0.0, 0.03, n_lines)
    revised = np.rint(original * factors.revision * line_noise / 1000).astype(np.int64) * 1000
    released = np.rint(revised * factors.release / 1000).astype(np.int64) * 1000
    expended_factor = np.minimum(factors.spending * rng.lognormal(0.0, 0.02, n_lines), 1.0)
    expended = np.rint(released * expended_factor).astype(np.int64)
    if reported_months == 12:
        anomalous = rng.choice(n_lines, size=min(ANOMALOUS_LINES_PER_YEAR, n_lines), replace=False)
        expended[anomalous] = np.rint(released[anomalous] * rng.uniform(1.3, 1.8)).astype(np.int64)
    return revised, released, expended


def _build_budget_columns(
    plan: CostCentrePlan,
    start_year: int,
    months: dict[str, np.ndarray],
    submission_ids: dict[int, int],
) -> dict[str, np.ndarray]:
    """The year's column arrays: the line keys repeated over the 12 months, then the amounts."""
    n_lines = plan.line_share.size
    return {
        "fiscal_year": np.full(n_lines * 12, start_year),
        "month": np.tile(np.arange(1, 13), n_lines),
        "department_id": np.repeat(plan.line_department, 12),
        "cost_centre_id": np.repeat(plan.line_cost_centre, 12),
        "budget_type": np.repeat(plan.line_budget_type, 12),
        "economic_class_id": np.repeat(plan.line_economic_class, 12),
        **{name: values.reshape(-1) for name, values in months.items()},
        "submission_id": np.repeat(np.array([submission_ids[d] for d in plan.line_department]), 12),
    }


BUDGET_TYPE_NAMES = np.array(["current", "development"], dtype=object)


def budget_rows(columns: dict[str, np.ndarray], chunk: int = 200_000) -> Iterator[list[tuple]]:
    """Rows (tuples in :data:`BUDGET_LINE_COLUMNS` order) in chunks; ``-1`` becomes NULL."""
    total = columns["month"].size
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)
        parts = []
        for name in BUDGET_LINE_COLUMNS:
            values = columns[name][start:stop]
            if name == "budget_type":
                parts.append(BUDGET_TYPE_NAMES[values].tolist())
            elif name in ("released", "expended"):
                parts.append([None if v < 0 else v for v in values.tolist()])
            else:
                parts.append(values.tolist())
        yield list(zip(*parts, strict=True))
