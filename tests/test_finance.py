"""PSE financial health: Altman Z'', ratios, ratings, degenerate cases and portfolio views."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpilib.errors import InputFrameError, ParameterError
from kpilib.kpis.portfolio import rank_highest_risk, summarise_portfolio, tabulate_ratios
from kpilib.kpis.pse_finance import (
    DEFAULT_RULES,
    DIMENSIONS,
    RATINGS,
    RATIO_NAMES,
    HealthParams,
    altman_z2,
    compute_financial_health,
    rate_ratio,
    rate_score,
    z2_zone,
)
from kpilib.store.database import connect
from kpilib.store.models import PSE_FINANCIAL_LINES
from kpilib.store.queries import load_entities, load_pse_financials

# A healthy quarter (rupees). EBIT = 800 + 200 − 900 = 100; net income = 100 − 20 = 80.
BASE = {
    "revenue": 800,
    "grants_subsidies": 200,
    "operating_expenses": 900,
    "ebit": 100,
    "interest_expense": 20,
    "net_income": 80,
    "cash": 300,
    "inventories": 100,
    "current_assets": 600,
    "current_liabilities": 300,
    "total_assets": 2000,
    "total_liabilities": 800,
    "equity": 1200,
    "retained_earnings": 400,
    "borrowings": 200,
    "overdue_payables": 10,
}
ENTITIES = pd.DataFrame(
    {
        "entity_code": ["PSE-A", "PSE-B", "PSE-C"],
        "entity_name": ["Alpha", "Beta", "Gamma"],
        "category": ["university", "university", "public_company"],
        "department_code": ["HED", "HED", "ENR"],
    }
)


def statements(*rows):
    """A financials frame from (entity, period code, overrides) tuples."""
    records = []
    for entity, period, overrides in rows:
        year, quarter = int(period[:4]), int(period[-1])
        records.append(
            {"entity_code": entity, "period_code": period, "fiscal_year": year,
             "quarter": quarter, **BASE, **overrides}
        )  # fmt: skip
    frame = pd.DataFrame(records)
    for line in PSE_FINANCIAL_LINES:
        frame[line] = frame[line].astype("Int64")
    return frame


def one(overrides=None, entity="PSE-A", period="2024-25Q1"):
    return compute_financial_health(statements((entity, period, overrides or {}))).iloc[0]


# --------------------------------------------------------------------------- Altman Z''


def test_altman_z2_hand_computed():
    # X1 = 10/100, X2 = 20/100, X3 = 5/100, X4 = 40/60:
    # 6.56·0.1 + 3.26·0.2 + 6.72·0.05 + 1.05·0.6667 = 0.656 + 0.652 + 0.336 + 0.7 = 2.344
    assert altman_z2(10, 20, 5, 40, 100, 60) == pytest.approx(2.344)
    # Each coefficient alone: X1 = 1 → 6.56; X2 = 1 → 3.26; X3 = 1 → 6.72; X4 = 1 → 1.05.
    assert altman_z2(100, 0, 0, 0, 100, 7) == pytest.approx(6.56)
    assert altman_z2(0, 100, 0, 0, 100, 7) == pytest.approx(3.26)
    assert altman_z2(0, 0, 100, 0, 100, 7) == pytest.approx(6.72)
    assert altman_z2(0, 0, 0, 7, 100, 7) == pytest.approx(1.05)


def test_altman_z2_accepts_negative_equity_and_losses():
    # X1 = −0.2, X2 = −0.5, X3 = −0.1, X4 = −20/120: −1.312 − 1.63 − 0.672 − 0.175 = −3.789
    assert altman_z2(-20, -50, -10, -20, 100, 120) == pytest.approx(-3.789)
    assert z2_zone(altman_z2(-20, -50, -10, -20, 100, 120)) == "distress"


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ((10, 20, 5, 40, 0, 60), "no assets"),
        ((10, 20, 5, 40, -100, 60), "negative assets"),
        ((10, 20, 5, 40, 100, 0), "no liabilities: X4 undefined"),
        ((10, 20, 5, 40, 100, -5), "negative liabilities"),
        ((math.inf, 20, 5, 40, 100, 60), "infinite input"),
        ((math.nan, 20, 5, 40, 100, 60), "missing input"),
        ((1e308, 1e308, 1e308, 1e308, 1e-300, 1e-300), "overflow"),
    ],
)
def test_altman_z2_degenerate_inputs_give_nan_never_inf(args, why):
    assert math.isnan(altman_z2(*args)), why


def test_altman_z2_takes_any_real_number_type():
    # PostgreSQL sums arrive as Decimal, NumPy columns as numpy numbers.
    expected = altman_z2(10, 20, 5, 40, 100, 60)
    assert altman_z2(Decimal(10), 20.0, np.int64(5), Fraction(40), np.float64(100), 60) == expected


def test_altman_z2_refuses_non_numbers():
    with pytest.raises(TypeError, match="total_assets"):
        altman_z2(1, 2, 3, 4, "100", 5)
    with pytest.raises(TypeError, match="working_capital"):
        altman_z2(None, 2, 3, 4, 100, 5)
    with pytest.raises(TypeError, match="ebit"):
        altman_z2(1, 2, True, 4, 100, 5)


@pytest.mark.parametrize(
    ("z", "zone"),
    [
        (2.60, "grey"),  # the safe boundary belongs to the grey zone
        (1.10, "grey"),  # and so does the distress boundary
        (2.6000001, "safe"),
        (1.0999999, "distress"),
        (1.85, "grey"),
        (12.0, "safe"),
        (-3.0, "distress"),
        (math.inf, "safe"),
        (-math.inf, "distress"),
        (0, "distress"),
        (3, "safe"),
    ],
)
def test_z2_zone_boundaries(z, zone):
    assert z2_zone(z) == zone


def test_z2_zone_of_a_hand_computed_boundary_score():
    # Only X4: 1.05 × 52/21 = 2.60 and 1.05 × 22/21 = 1.10 exactly (in decimal arithmetic).
    assert z2_zone(altman_z2(0, 0, 0, 52, 100, 21)) == "grey"
    assert z2_zone(altman_z2(0, 0, 0, 22, 100, 21)) == "grey"
    # X1 only: 6.56 × 260/656 = 2.60.
    assert z2_zone(altman_z2(260, 0, 0, 0, 656, 1)) == "grey"


@pytest.mark.parametrize("missing", [math.nan, None, pd.NA, np.float64("nan")])
def test_z2_zone_of_a_missing_score_is_not_rated(missing):
    assert z2_zone(missing) == "not rated"


def test_z2_zone_refuses_text():
    with pytest.raises(TypeError):
        z2_zone("2.5")


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-(10**9), 10**9), min_size=4, max_size=4),
    assets=st.integers(1, 10**9),
    liabilities=st.integers(1, 10**9),
    factor=st.integers(1, 10**4),
)
def test_altman_z2_and_zone_ignore_the_currency_unit(values, assets, liabilities, factor):
    z = altman_z2(*values, assets, liabilities)
    scaled = altman_z2(*(v * factor for v in values), assets * factor, liabilities * factor)
    assert math.isfinite(z)
    assert scaled == pytest.approx(z, rel=1e-12, abs=1e-12)
    assert z2_zone(scaled) == z2_zone(z)


# --------------------------------------------------------------------------- ratios


def test_healthy_quarter_hand_computed():
    row = one()
    # One quarter reported: annual flows = 4 × the quarter.
    assert row["flow_quarters"] == 1
    assert row["annual_net_income"] == 320 and row["annual_ebit"] == 400
    assert row["roa"] == pytest.approx(320 / 2000)  # 0.16
    assert row["roe"] == pytest.approx(320 / 1200)  # 0.267
    assert row["operating_margin"] == pytest.approx(100 / 1000)  # EBIT ÷ (revenue + grants)
    assert row["current_ratio"] == 2.0  # 600 / 300
    assert row["quick_ratio"] == pytest.approx(500 / 300)  # (600 − 100) / 300
    assert row["cash_ratio"] == 1.0  # 300 / 300
    assert row["debt_to_equity"] == pytest.approx(800 / 1200)
    assert row["debt_to_assets"] == 0.4  # 800 / 2000
    assert row["interest_cover"] == 5.0  # 100 / 20
    assert row["government_dependence"] == 0.2  # 200 / 1000
    assert row["arrears_ratio"] == pytest.approx(10 / 3680)  # 10 ÷ 4 × (900 + 20)
    # Z'': X1 = 300/2000, X2 = 400/2000, X3 = 400/2000, X4 = 1200/800:
    # 0.984 + 0.652 + 1.344 + 1.575 = 4.555
    assert row["z2"] == pytest.approx(4.555)
    assert row["z2_zone"] == "safe"
    for name in RATIO_NAMES:
        assert row[f"{name}_rating"] == "low", name
    for dimension in DIMENSIONS:
        assert row[f"{dimension}_score"] == 1.0
    assert row["overall_rating"] == "low" and row["overall_score"] == 1.0
    assert not row["loss_maker"] and not row["negative_equity"] and row["notes"] == ""


def test_flows_are_annualised_over_the_trailing_four_quarters():
    health = compute_financial_health(
        statements(
            ("PSE-A", "2023-24Q3", {"net_income": 1000}),  # five quarters back from 2024-25Q3
            ("PSE-A", "2023-24Q4", {"net_income": 10}),
            ("PSE-A", "2024-25Q1", {"net_income": 20}),
            ("PSE-A", "2024-25Q2", {"net_income": 30}),
            ("PSE-A", "2024-25Q3", {"net_income": -100}),
        )
    ).set_index("period_code")
    # 2024-25Q3: 10 + 20 + 30 − 100 = −40 over four quarters (2023-24Q3 is out of the window).
    assert health.loc["2024-25Q3", "flow_quarters"] == 4
    assert health.loc["2024-25Q3", "annual_net_income"] == -40
    assert health.loc["2024-25Q3", "roa"] == pytest.approx(-40 / 2000)
    assert bool(health.loc["2024-25Q3", "loss_maker"])
    # 2024-25Q2: 1000 + 10 + 20 + 30 = 1060 (the window crosses the fiscal year).
    assert health.loc["2024-25Q2", "annual_net_income"] == 1060
    # 2023-24Q3 alone: 4 × 1000.
    assert health.loc["2023-24Q3", "annual_net_income"] == 4000


def test_missing_quarters_are_annualised_from_those_present():
    health = compute_financial_health(
        statements(
            ("PSE-A", "2024-25Q1", {"net_income": 30, "total_assets": 2400}),
            ("PSE-A", "2024-25Q2", {"net_income": 30, "total_assets": 2400}),
            ("PSE-A", "2024-25Q4", {"net_income": 30, "total_assets": 2400}),  # Q3 missing
        )
    ).set_index("period_code")
    row = health.loc["2024-25Q4"]
    # Three quarters present: annual = (30 + 30 + 30) × 4 ÷ 3 = 120; ROA = 120 / 2400 = 0.05,
    # exactly the low-risk cut, so "low".
    assert row["flow_quarters"] == 3
    assert row["annual_net_income"] == 120
    assert row["roa"] == 0.05
    assert row["roa_rating"] == "low"


# --------------------------------------------------------------------------- thresholds


def edges():
    for rule in DEFAULT_RULES:
        step = 1e-6 if rule.higher_is_better else -1e-6
        for cut, at, beyond in zip(rule.cuts, RATINGS[:3], RATINGS[1:], strict=True):
            yield pytest.param(rule.name, cut, at, cut - step, beyond, id=f"{rule.name}@{cut}")


@pytest.mark.parametrize(("name", "cut", "at", "past", "beyond"), list(edges()))
def test_every_threshold_edge(name, cut, at, past, beyond):
    # Exactly on a cut takes the better rating; a hair past it the worse one.
    assert rate_ratio(name, cut) == at
    assert rate_ratio(name, past) == beyond


@pytest.mark.parametrize(
    ("name", "value", "rating"),
    [
        # IMF SOE Health Check cuts (category 1–2 = low, 3 moderate, 4 high, 5 very high).
        ("roa", 0.05, "low"), ("roa", 0.0, "moderate"), ("roa", -0.10, "high"),
        ("roa", -0.11, "very high"),
        ("roe", 0.10, "low"), ("roe", 0.0, "moderate"), ("roe", -0.10, "high"),
        ("current_ratio", 1.5, "low"), ("current_ratio", 1.3, "moderate"),
        ("current_ratio", 1.0, "high"), ("current_ratio", 0.99, "very high"),
        ("quick_ratio", 1.0, "low"), ("quick_ratio", 0.8, "moderate"), ("quick_ratio", 0.7, "high"),
        ("debt_to_equity", 1.0, "low"), ("debt_to_equity", 1.5, "moderate"),
        ("debt_to_equity", 2.0, "high"), ("debt_to_equity", 2.01, "very high"),
        ("debt_to_assets", 0.5, "low"), ("debt_to_assets", 0.8, "moderate"),
        ("debt_to_assets", 1.0, "high"), ("debt_to_assets", 1.01, "very high"),
        ("interest_cover", 1.5, "low"), ("interest_cover", 1.2, "moderate"),
        ("interest_cover", 1.0, "high"), ("interest_cover", -2.0, "very high"),
        ("government_dependence", 0.4, "low"), ("government_dependence", 0.5, "moderate"),
        ("government_dependence", 0.6, "high"), ("government_dependence", 0.61, "very high"),
        # PEFA PI-22.1: A ≤ 2 %, B ≤ 6 %, C ≤ 10 %, D above.
        ("arrears_ratio", 0.02, "low"), ("arrears_ratio", 0.06, "moderate"),
        ("arrears_ratio", 0.10, "high"), ("arrears_ratio", 0.1001, "very high"),
        # kpi-suite's own cuts.
        ("operating_margin", 0.05, "low"), ("operating_margin", -0.10, "high"),
        ("cash_ratio", 0.5, "low"), ("cash_ratio", 0.2, "moderate"), ("cash_ratio", 0.1, "high"),
        ("cash_ratio", 0.09, "very high"),
    ],
)  # fmt: skip
def test_documented_cuts(name, value, rating):
    assert rate_ratio(name, value) == rating


def test_rate_ratio_of_nan_is_not_rated_and_unknown_ratios_are_refused():
    assert rate_ratio("roa", math.nan) is None
    with pytest.raises(ParameterError, match="unknown ratio"):
        rate_ratio("ebitda_margin", 1.0)


@pytest.mark.parametrize(
    ("score", "rating"),
    [(1.0, "low"), (1.49, "low"), (1.5, "moderate"), (2.49, "moderate"), (2.5, "high"),
     (3.49, "high"), (3.5, "very high"), (4.0, "very high")],
)  # fmt: skip
def test_score_edges(score, rating):
    # A score exactly on a cut takes the worse rating (1.5 → moderate, as in the Health Check).
    assert rate_score(score) == rating


def test_boundaries_hold_through_the_whole_computation():
    # Current ratio exactly 1.5 (450 / 300) is low risk; 449 / 300 = 1.4967 is moderate.
    assert one({"current_assets": 450})["current_ratio_rating"] == "low"
    assert one({"current_assets": 449})["current_ratio_rating"] == "moderate"
    # Debt to assets exactly 1.0 (liabilities = assets) is high; 2001 / 2000 very high.
    assert one({"total_liabilities": 2000, "equity": 0})["debt_to_assets_rating"] == "high"
    assert one({"total_liabilities": 2001, "equity": -1})["debt_to_assets_rating"] == "very high"
    # Arrears exactly 2 % of expenditure: 4 × 920 = 3680 a year, 2 % = 73.6 → use 92 / 4600.
    exact = one({"operating_expenses": 1130, "interest_expense": 20, "overdue_payables": 92,
                 "ebit": -130, "net_income": -150})  # fmt: skip
    assert exact["arrears_ratio"] == 0.02  # 92 ÷ (4 × 1150)
    assert exact["arrears_ratio_rating"] == "low"


def test_dimension_and_overall_scores_are_means_of_levels():
    # Liquidity: current 250/300 = 0.83 (very high, 4), quick 150/300 = 0.5 (very high, 4),
    # cash 300/300 (low, 1) → score 3.0 → high.
    row = one({"current_assets": 250, "inventories": 100, "cash": 300})
    assert row["liquidity_score"] == 3.0 and row["liquidity_rating"] == "high"
    # Overall: profitability 1, liquidity 3, solvency 1, arrears 1 (government dependence has
    # weight 0) → (1 + 3 + 1 + 1) / 4 = 1.5 → moderate (on the cut, the worse rating).
    assert row["overall_score"] == 1.5 and row["overall_rating"] == "moderate"


def test_government_dependence_weight_can_be_switched_on():
    # Grants 800 of income 1000 → 0.8 → very high (4). With weight 1 for every dimension:
    # (1 + 1 + 1 + 4 + 1) / 5 = 1.6 → moderate; with the default weight 0 → 1.0 → low.
    overrides = {"revenue": 200, "grants_subsidies": 800}
    frame = statements(("PSE-A", "2024-25Q1", overrides))
    default = compute_financial_health(frame).iloc[0]
    weights = dict.fromkeys(DIMENSIONS, 1.0)
    counted = compute_financial_health(frame, HealthParams(dimension_weights=weights)).iloc[0]
    assert default["government_dependence_rating"] == "very high"
    assert default["overall_score"] == 1.0
    assert counted["overall_score"] == 1.6 and counted["overall_rating"] == "moderate"


# --------------------------------------------------------------------------- degenerate cases


def test_negative_equity_rates_roe_and_gearing_very_high_without_inf():
    row = one({"total_liabilities": 2500, "equity": -500})
    assert math.isnan(row["roe"]) and math.isnan(row["debt_to_equity"])
    assert row["roe_rating"] == "very high" and row["debt_to_equity_rating"] == "very high"
    assert row["negative_equity"]
    assert "roe: equity ≤ 0" in row["notes"] and "debt_to_equity: equity ≤ 0" in row["notes"]
    # Z'' stays defined: X4 = −500 / 2500.
    assert row["z2"] == pytest.approx(0.984 + 0.652 + 1.344 - 0.21)


def test_zero_equity_is_degenerate_too():
    row = one({"total_liabilities": 2000, "equity": 0})
    assert math.isnan(row["roe"]) and row["roe_rating"] == "very high"
    assert not row["negative_equity"]


def test_no_current_liabilities_rates_liquidity_low():
    row = one({"current_liabilities": 0})
    for name in ("current_ratio", "quick_ratio", "cash_ratio"):
        assert math.isnan(row[name]) and row[f"{name}_rating"] == "low"
    assert row["liquidity_rating"] == "low"
    assert "current_ratio: no current liabilities" in row["notes"]


def test_no_interest_rates_interest_cover_low():
    row = one({"interest_expense": 0, "net_income": 100})
    assert math.isnan(row["interest_cover"]) and row["interest_cover_rating"] == "low"


def test_no_assets_makes_asset_ratios_very_high_and_z2_not_rated():
    row = one({"total_assets": 0, "total_liabilities": 800, "equity": -800})
    assert math.isnan(row["roa"]) and row["roa_rating"] == "very high"
    assert math.isnan(row["debt_to_assets"]) and row["debt_to_assets_rating"] == "very high"
    assert math.isnan(row["z2"]) and row["z2_zone"] == "not rated"
    assert "z2: total assets ≤ 0" in row["notes"]


def test_no_liabilities_leaves_z2_not_rated():
    row = one({"total_liabilities": 0, "current_liabilities": 0, "equity": 2000})
    assert math.isnan(row["z2"]) and row["z2_zone"] == "not rated"
    assert "z2: total liabilities ≤ 0" in row["notes"]


def test_no_income_and_no_spending():
    row = one({"revenue": 0, "grants_subsidies": 0, "operating_expenses": 0, "ebit": 0,
               "interest_expense": 0, "net_income": 0})  # fmt: skip
    assert math.isnan(row["operating_margin"]) and row["operating_margin_rating"] == "very high"
    # Dependence and arrears cannot be judged without income or spending: not rated.
    assert pd.isna(row["government_dependence_rating"]) and pd.isna(row["arrears_rating"])
    assert pd.isna(row["government_dependence_score"])
    # The overall score leaves unrated dimensions out. Profitability: ROA 0 and ROE 0 are
    # moderate (2), the margin very high (4) → 8/3; liquidity 1; solvency 1 (no interest: low)
    # → (8/3 + 1 + 1) / 3 = 1.556 → moderate.
    assert row["profitability_score"] == pytest.approx(8 / 3)
    assert row["overall_score"] == pytest.approx(14 / 9) and row["overall_rating"] == "moderate"


def test_no_float_column_is_ever_infinite():
    frame = statements(
        ("PSE-A", "2024-25Q1", {"total_assets": 0, "equity": -800}),
        ("PSE-B", "2024-25Q1", {"current_liabilities": 0, "interest_expense": 0}),
        ("PSE-C", "2024-25Q1", {"total_liabilities": 0, "equity": 2000, "revenue": 0,
                                "grants_subsidies": 0, "operating_expenses": 0}),
    )  # fmt: skip
    health = compute_financial_health(frame)
    floats = health.select_dtypes("float64")
    assert not np.isinf(floats.to_numpy()).any()


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_named():
    frame = statements(("PSE-A", "2024-25Q1", {}))
    with pytest.raises(InputFrameError, match=r"missing column.*overdue_payables"):
        compute_financial_health(frame.drop(columns="overdue_payables"))
    with pytest.raises(InputFrameError, match="PSE-A/2024-25Q1: more than one row"):
        compute_financial_health(pd.concat([frame, frame]))
    gap = frame.copy()
    gap.loc[0, "cash"] = pd.NA
    with pytest.raises(InputFrameError, match="column 'cash', rows PSE-A/2024-25Q1: missing value"):
        compute_financial_health(gap)
    wrong = frame.assign(quarter=5)
    with pytest.raises(InputFrameError, match="quarter must be 1–4"):
        compute_financial_health(wrong)


def test_params_are_checked():
    with pytest.raises(ParameterError, match="dimension"):
        HealthParams(dimension_weights={"profitability": 1.0, "liquidty": 1.0})
    with pytest.raises(ParameterError):
        HealthParams(dimension_weights=dict.fromkeys(DIMENSIONS, 0.0))
    with pytest.raises(ParameterError, match="cuts"):
        HealthParams(score_cuts=(2.5, 1.5, 3.5))


# --------------------------------------------------------------------------- invariants

amount = st.integers(-(10**9), 10**9)


@st.composite
def statement_frames(draw):
    quarters = draw(st.lists(st.sampled_from(range(1, 5)), min_size=1, max_size=4, unique=True))
    rows = []
    for quarter in sorted(quarters):
        rows.append(("PSE-A", f"2024-25Q{quarter}", {line: draw(amount) for line in BASE}))
    return statements(*rows)


@settings(max_examples=25, deadline=None)
@given(frame=statement_frames(), factor=st.integers(2, 10**4))
def test_scaling_every_amount_changes_no_ratio_zone_or_rating(frame, factor):
    scaled = frame.copy()
    for line in PSE_FINANCIAL_LINES:
        scaled[line] = scaled[line] * factor
    before = compute_financial_health(frame)
    after = compute_financial_health(scaled)
    for name in (*RATIO_NAMES, "z2", "overall_score", *(f"{d}_score" for d in DIMENSIONS)):
        np.testing.assert_allclose(after[name], before[name], rtol=1e-12, equal_nan=True)
    labels = [f"{n}_rating" for n in RATIO_NAMES] + [f"{d}_rating" for d in DIMENSIONS]
    for name in (*labels, "overall_rating", "z2_zone", "loss_maker", "negative_equity", "notes"):
        pd.testing.assert_series_equal(after[name], before[name])
    floats = after.select_dtypes("float64").to_numpy()
    assert not np.isinf(floats).any()


# --------------------------------------------------------------------------- portfolio


@pytest.fixture
def portfolio():
    frame = statements(
        ("PSE-A", "2024-25Q1", {"net_income": -5, "grants_subsidies": 300, "overdue_payables": 40}),
        ("PSE-B", "2024-25Q1", {"grants_subsidies": 100, "overdue_payables": 0}),
        ("PSE-C", "2024-25Q1", {"net_income": -50, "total_liabilities": 2500, "equity": -500,
                                "grants_subsidies": 0, "overdue_payables": 500}),
        ("PSE-B", "2024-25Q2", {}),
    )  # fmt: skip
    return compute_financial_health(frame)


def test_portfolio_summary_hand_computed(portfolio):
    summary = summarise_portfolio(portfolio, ENTITIES).set_index("period_code")
    q1 = summary.loc["2024-25Q1"]
    # Three PSEs reported; A and C lost money → 2 of 3; subsidies 300 + 100 + 0; arrears
    # 40 + 0 + 500.
    assert (q1["pses"], q1["reporting"], q1["loss_makers"]) == (3, 3, 2)
    assert q1["loss_maker_share"] == pytest.approx(2 / 3)
    assert q1["subsidies_total"] == 400 and q1["arrears_total"] == 540
    assert q1["negative_equity"] == 1
    q2 = summary.loc["2024-25Q2"]
    assert (q2["reporting"], q2["loss_makers"], q2["subsidies_total"]) == (1, 0, 200)


def test_portfolio_summary_by_department(portfolio):
    summary = summarise_portfolio(portfolio, ENTITIES, by="department_code")
    q1 = summary.loc[summary["period_code"] == "2024-25Q1"].set_index("department_code")
    assert q1.loc["HED", "pses"] == 2 and q1.loc["HED", "loss_makers"] == 1
    assert q1.loc["ENR", "arrears_total"] == 500 and q1.loc["ENR", "loss_maker_share"] == 1.0


def test_highest_risk_per_group(portfolio):
    ranked = rank_highest_risk(portfolio, ENTITIES, by="department_code", top=1)
    best = ranked.set_index("department_code")
    assert list(ranked["rank"]) == [1, 1]
    # HED: A (loss, arrears 40 / 3600 ≈ 1.1 %) is riskier than B; B's latest is Q2.
    assert best.loc["HED", "entity_code"] == "PSE-A"
    assert best.loc["ENR", "entity_code"] == "PSE-C"
    by_category = rank_highest_risk(portfolio, ENTITIES, by="category", top=5)
    universities = by_category.loc[by_category["category"] == "university"]
    assert list(universities["entity_code"]) == ["PSE-A", "PSE-B"]
    # As of Q1, PSE-B is judged on its Q1 statement; by default on its latest (Q2).
    as_of_q1 = rank_highest_risk(portfolio, ENTITIES, by="category", period_code="2024-25Q1")
    assert set(as_of_q1["period_code"]) == {"2024-25Q1"}
    latest = by_category.set_index("entity_code")
    assert latest.loc["PSE-B", "period_code"] == "2024-25Q2"


def test_portfolio_views_refuse_bad_arguments(portfolio):
    with pytest.raises(ParameterError, match="by must be"):
        summarise_portfolio(portfolio, ENTITIES, by="district_code")
    with pytest.raises(ParameterError, match="top"):
        rank_highest_risk(portfolio, ENTITIES, top=0)
    with pytest.raises(ParameterError, match="2030-31Q1"):
        rank_highest_risk(portfolio, ENTITIES, period_code="2030-31Q1")
    with pytest.raises(InputFrameError, match="PSE-C"):
        summarise_portfolio(portfolio, ENTITIES.iloc[:2])


def test_ratio_table_is_long_and_keeps_the_cuts(portfolio):
    table = tabulate_ratios(portfolio)
    assert len(table) == len(portfolio) * len(RATIO_NAMES)
    roe = table.loc[(table["entity_code"] == "PSE-C") & (table["ratio"] == "roe")].iloc[0]
    assert roe["rating"] == "very high" and math.isnan(roe["value"])
    assert (roe["cut_low"], roe["cut_moderate"], roe["cut_high"]) == (0.10, 0.0, -0.10)


# --------------------------------------------------------------------------- the demo province


def test_the_whole_demo_province_computes(demo_url):
    with connect(demo_url, read_only=True).connect() as connection:
        financials = load_pse_financials(connection)
        entities = load_entities(connection)
    health = compute_financial_health(financials)
    assert len(health) == len(financials)
    assert not np.isinf(health.select_dtypes("float64").to_numpy()).any()
    assert set(health["overall_rating"].dropna()) <= set(RATINGS)
    assert health["overall_rating"].notna().all()
    assert set(health["z2_zone"]) <= {"safe", "grey", "distress", "not rated"}
    # The demo has loss makers and PSEs drifting into negative equity.
    assert health["loss_maker"].any() and health["negative_equity"].any()
    assert (health.loc[health["negative_equity"], "roe_rating"] == "very high").all()
    summary = summarise_portfolio(health, entities)
    assert summary["pses"].eq(183).all()
    assert summary["reporting"].sum() == len(financials)
    ranked = rank_highest_risk(health, entities, by="department_code", top=3)
    assert ranked.groupby("department_code").size().max() <= 3


def test_no_statements_give_empty_views():
    empty = statements(("PSE-A", "2024-25Q1", {})).iloc[:0]
    health = compute_financial_health(empty)
    assert health.empty and "overall_rating" in health.columns
    assert summarise_portfolio(health, ENTITIES).empty
    assert tabulate_ratios(health).empty


# --------------------------------------------- what equity, which balances, which interest


def test_equity_is_the_equity_line_and_an_accumulated_deficit_is_never_an_asset():
    # A PSE with capital 500 and accumulated losses of 700: its assets are 1000, its
    # liabilities 1200. The return carries the deficit in equity (negative), never as an asset:
    # total assets 1000, equity = 1000 − 1200 = −200, retained earnings −700.
    row = one({"total_assets": 1000, "total_liabilities": 1200, "equity": -200,
               "retained_earnings": -700})  # fmt: skip
    assert row["roa"] == pytest.approx(320 / 1000)  # on the assets as reported
    assert math.isnan(row["roe"]) and row["roe_rating"] == "very high"  # equity ≤ 0
    assert math.isnan(row["debt_to_equity"]) and row["debt_to_equity_rating"] == "very high"
    assert row["debt_to_assets"] == pytest.approx(1.2) and row["debt_to_assets_rating"] == (
        "very high"
    )
    assert row["negative_equity"]
    # Z'': X1 = 300/1000, X2 = −700/1000, X3 = 400/1000, X4 = −200/1200:
    # 1.968 − 2.282 + 2.688 − 0.175 = 2.199
    assert row["z2"] == pytest.approx(1.968 - 2.282 + 2.688 - 0.175)
    # The equity line is used as reported (not recomputed from assets and liabilities): one
    # rupee short of 2000 − 800, within what ingestion accepts.
    reported = one({"equity": 1199})
    assert reported["roe"] == pytest.approx(320 / 1199)
    assert reported["debt_to_equity"] == pytest.approx(800 / 1199)


def test_a_deficit_added_to_assets_does_not_balance_against_negative_equity(sqlite_url, tmp_path):
    from ingest_helpers import FINANCIAL_VALUES, build_reference, financial_file, ingest

    engine = build_reference(sqlite_url)
    # Assets 5,000,000,000 plus a deficit of 700,000,000 shown as an asset, liabilities
    # 2,000,000,000, equity 3,000,000,000 − 700,000,000: off by the deficit, refused.
    values = FINANCIAL_VALUES.replace("5000000000,2000000000,3000000000",
                                      "5700000000,2000000000,2300000000")  # fmt: skip
    outcome = ingest(engine, financial_file(tmp_path, values=values))
    assert outcome.status == "rejected"
    assert [e.code for e in outcome.errors] == ["ingest.unbalanced"]


def test_roa_and_roe_use_the_closing_balance_sheet_not_an_average():
    health = compute_financial_health(
        statements(
            ("PSE-A", "2024-25Q1", {}),  # assets 2000, equity 1200
            ("PSE-A", "2024-25Q2", {"total_assets": 4000, "equity": 3200}),
        )
    ).set_index("period_code")
    row = health.loc["2024-25Q2"]
    # Annual net income (80 + 80) × 4 ÷ 2 = 320, over the 2024-25Q2 closing balances only
    # (averages of opening and closing would give 320 / 3000 and 320 / 2200).
    assert row["annual_net_income"] == 320
    assert row["roa"] == pytest.approx(320 / 4000)  # 0.08
    assert row["roe"] == pytest.approx(320 / 3200)  # 0.10


def test_interest_cover_uses_the_gross_interest_expense(sqlite_url, tmp_path):
    # EBIT 100 (before interest and tax), gross interest expense 40: 100 / 40 = 2.5.
    row = one({"interest_expense": 40, "net_income": 60})
    assert row["interest_cover"] == 2.5 and row["interest_cover_rating"] == "low"
    assert row["arrears_ratio"] == pytest.approx(10 / (4 * (900 + 40)))
    # The return has no interest income line and refuses a negative interest expense, so
    # nothing nets interest income against the expense.
    from ingest_helpers import FINANCIAL_VALUES, build_reference, financial_file, ingest

    engine = build_reference(sqlite_url)
    values = FINANCIAL_VALUES.replace(",5000000,", ",-5000000,", 1)
    outcome = ingest(engine, financial_file(tmp_path, values=values))
    assert outcome.status == "rejected"
    assert [e.where.column for e in outcome.errors] == ["interest_expense"]


def test_the_return_template_tells_pses_these_definitions():
    from kpilib.ingest.schemas import spec_for

    meaning = {c.name: c.description for c in spec_for("pse_financial").columns}
    assert "accumulated deficit is never an asset" in meaning["total_assets"]
    assert "equity = total assets − total liabilities" in meaning["equity"]
    assert "deficit negative" in meaning["retained_earnings"]
    assert "gross (not net of interest income)" in meaning["interest_expense"]
    assert "interest income stays in" in meaning["ebit"]
