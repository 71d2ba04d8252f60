"""Monthly revenue estimates and receipts of the demo province."""

from __future__ import annotations

import numpy as np

from kpilib.demo.phasing import EVEN_PROFILE, spread
from kpilib.demo.reference import BUDGET_GROWTH, REVENUE_HEADS

REVENUE_LINE_COLUMNS = (
    "fiscal_year", "month", "revenue_head_id", "department_id", "estimate",
    "revised_estimate", "receipts", "submission_id",
)  # fmt: skip
#: Receipts come in slightly back-loaded (federal transfers in fortnightly shares, taxes at
#: year end).
RECEIPT_PROFILE = np.array([0.9, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.2])


def generate_revenue_year(
    rng: np.random.Generator,
    start_year: int,
    head_ids: dict[str, int],
    department_ids: dict[str, int],
    submission_ids: dict[int, int],
    reported_months: int = 12,
) -> list[tuple]:
    """Revenue lines (tuples in :data:`REVENUE_LINE_COLUMNS` order) for one fiscal year."""
    growth = BUDGET_GROWTH[start_year]
    rows: list[tuple] = []
    for code, _name, _kind, department, estimate_bn, outturn in REVENUE_HEADS:
        estimate = int(round(estimate_bn * 1e9 * growth * rng.lognormal(0, 0.03), -3))
        revised = int(round(estimate * rng.uniform(0.88, 1.04), -3))
        receipts = int(round(estimate * outturn * rng.lognormal(0, 0.06), -3))
        monthly_estimate = spread(np.array([estimate]), EVEN_PROFILE)[0]
        monthly_revised = spread(np.array([revised]), EVEN_PROFILE)[0]
        profile = RECEIPT_PROFILE * rng.lognormal(0, 0.05, 12)
        monthly_receipts = spread(np.array([receipts]), profile)[0]
        department_id = department_ids[department]
        for month in range(1, 13):
            reported = month <= reported_months
            rows.append(
                (
                    start_year,
                    month,
                    head_ids[code],
                    department_id,
                    int(monthly_estimate[month - 1]),
                    int(monthly_revised[month - 1]),
                    int(monthly_receipts[month - 1]) if reported else None,
                    submission_ids[department_id],
                )
            )
    return rows
