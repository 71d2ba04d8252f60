"""Quarterly financial statements of the demo PSEs, simulated quarter by quarter.

Each category has its own shape (universities run deficits, water companies live on subsidies
and owe their electricity bills, some public companies are profitable, others need large
subsidies); balance sheets always balance (assets = liabilities + equity) and equity absorbs
each quarter's result, so loss-makers drift into negative equity as they do in life.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kpilib.store.models import PSE_FINANCIAL_LINES

Range = tuple[float, float]


@dataclass(frozen=True)
class FinancialShape:
    assets: Range  # total assets at the start, rupees
    income_to_assets: Range  # yearly total income (own revenue + grants) ÷ assets
    grant_share: Range  # grants and subsidies ÷ total income
    cost_ratio: Range  # operating expenses ÷ total income
    liability_ratio: Range  # liabilities ÷ assets at the start
    current_asset_share: Range
    cash_share: Range  # of current assets
    inventory_share: Range  # of current assets
    current_liability_share: Range  # of liabilities
    borrowing_share: Range  # of liabilities
    overdue_share: Range  # of current liabilities


SHAPES: dict[str, FinancialShape] = {
    "university": FinancialShape((2e9, 15e9), (0.15, 0.3), (0.25, 0.5), (1.0, 1.15), (0.4, 1.1),
                                 (0.15, 0.35), (0.3, 0.7), (0.0, 0.05), (0.3, 0.6), (0.0, 0.1),
                                 (0.05, 0.3)),
    "teaching_hospital": FinancialShape((3e9, 15e9), (0.6, 1.0), (0.6, 0.85), (0.96, 1.04),
                                        (0.2, 0.6), (0.2, 0.4), (0.3, 0.6), (0.1, 0.3),
                                        (0.5, 0.8), (0.0, 0.05), (0.05, 0.25)),
    "water_sanitation_company": FinancialShape((1e9, 5e9), (0.2, 0.4), (0.55, 0.8), (1.05, 1.3),
                                               (0.5, 1.3), (0.1, 0.3), (0.1, 0.4), (0.02, 0.08),
                                               (0.6, 0.9), (0.0, 0.1), (0.3, 0.7)),
    "commercial_company": FinancialShape((5e9, 40e9), (0.2, 0.5), (0.0, 0.05), (0.7, 0.95),
                                         (0.3, 0.7), (0.2, 0.5), (0.2, 0.5), (0.05, 0.2),
                                         (0.3, 0.6), (0.2, 0.5), (0.0, 0.05)),
    "subsidised_company": FinancialShape((2e9, 20e9), (0.1, 0.3), (0.3, 0.7), (1.0, 1.4),
                                         (0.6, 1.4), (0.1, 0.3), (0.1, 0.4), (0.02, 0.1),
                                         (0.3, 0.6), (0.3, 0.7), (0.1, 0.4)),
    "autonomous_body": FinancialShape((0.2e9, 3e9), (0.3, 0.8), (0.5, 0.95), (0.95, 1.05),
                                      (0.1, 0.5), (0.3, 0.6), (0.4, 0.8), (0.0, 0.05),
                                      (0.5, 0.8), (0.0, 0.05), (0.0, 0.2)),
    "other": FinancialShape((0.5e9, 5e9), (0.05, 0.15), (0.1, 0.5), (0.6, 1.0), (0.0, 0.2),
                            (0.3, 0.7), (0.3, 0.8), (0.0, 0.02), (0.5, 0.9), (0.0, 0.05),
                            (0.0, 0.1)),
}  # fmt: skip
INTEREST_RATE = 0.12  # a year, on borrowings
JUMP_ANOMALIES = 5  # entity-quarters whose revenue is recorded ~8× too high


def shape_for(category: str, rng: np.random.Generator) -> FinancialShape:
    if category == "public_company":
        return SHAPES["commercial_company" if rng.random() < 0.4 else "subsidised_company"]
    return SHAPES[category]


def _draw(rng: np.random.Generator, bounds: Range) -> float:
    return float(rng.uniform(*bounds))


def simulate_entity(rng: np.random.Generator, category: str, quarters: int) -> list[dict[str, int]]:
    """``quarters`` consecutive quarterly statements of one PSE (rupees, rounded to thousands)."""
    shape = shape_for(category, rng)
    assets = _draw(rng, shape.assets)
    liabilities = assets * _draw(rng, shape.liability_ratio)
    equity = assets - liabilities
    paid_in = max(equity, 0.0) * _draw(rng, (0.5, 1.0)) + assets * 0.05
    income_ratio = _draw(rng, shape.income_to_assets)
    grant_share = _draw(rng, shape.grant_share)
    cost_ratio = _draw(rng, shape.cost_ratio)
    shares = {
        name: _draw(rng, getattr(shape, name))
        for name in (
            "current_asset_share", "cash_share", "inventory_share",
            "current_liability_share", "borrowing_share", "overdue_share",
        )
    }  # fmt: skip
    base_income = assets * income_ratio / 4
    statements = []
    for quarter in range(quarters):
        income = base_income * (1.03 ** (quarter / 4)) * rng.lognormal(0, 0.08)
        revenue = income * (1 - grant_share)
        grants = income * grant_share
        operating_expenses = income * cost_ratio * rng.lognormal(0, 0.04)
        ebit = revenue + grants - operating_expenses
        borrowings = liabilities * shares["borrowing_share"]
        interest = borrowings * INTEREST_RATE / 4
        net_income = ebit - interest
        liabilities *= rng.lognormal(0.004, 0.02)
        equity += net_income
        floor = 0.1 * (liabilities + max(equity, 0)) if equity < 0 else 0
        total_assets = liabilities + equity
        if total_assets < floor:  # losses financed by new payables
            liabilities += floor - total_assets
            total_assets = floor
        current_assets = total_assets * shares["current_asset_share"]
        current_liabilities = liabilities * shares["current_liability_share"]
        overdue_drift = min(1.0, shares["overdue_share"] * rng.lognormal(0, 0.1))
        values = {
            "revenue": revenue,
            "grants_subsidies": grants,
            "operating_expenses": operating_expenses,
            "ebit": ebit,
            "interest_expense": interest,
            "net_income": net_income,
            "cash": current_assets * shares["cash_share"],
            "inventories": current_assets * shares["inventory_share"],
            "current_assets": current_assets,
            "current_liabilities": current_liabilities,
            "total_assets": total_assets,
            "total_liabilities": liabilities,
            "equity": equity,
            "retained_earnings": equity - paid_in,
            "borrowings": liabilities * shares["borrowing_share"],
            "overdue_payables": current_liabilities * overdue_drift,
        }
        statements.append(_round_consistently(values))
    return statements


def _round_consistently(values: dict[str, float]) -> dict[str, int]:
    """Round to thousands of rupees, re-deriving totals so identities hold exactly."""
    out = {name: int(round(values[name], -3)) for name in PSE_FINANCIAL_LINES}
    out["ebit"] = out["revenue"] + out["grants_subsidies"] - out["operating_expenses"]
    out["net_income"] = out["ebit"] - out["interest_expense"]
    out["equity"] = out["total_assets"] - out["total_liabilities"]
    return out


def inject_revenue_jump(statement: dict[str, int], factor: float) -> dict[str, int]:
    """An implausible jump (a misplaced digit): revenue multiplied, results re-derived."""
    jumped = dict(statement)
    jumped["revenue"] = int(round(statement["revenue"] * factor, -3))
    jumped["ebit"] = jumped["revenue"] + jumped["grants_subsidies"] - jumped["operating_expenses"]
    jumped["net_income"] = jumped["ebit"] - jumped["interest_expense"]
    return jumped
