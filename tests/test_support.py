"""Government support KPIs (issue 17) on hand-computed frames: the budget side, reconciliation
at and past its tolerance, grants without a utilisation report, the contingent-liabilities
register (a guarantee called mid-year) and self-sustainability with its trend."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpilib.errors import ParameterFileError
from kpilib.kpis.guarantees import contingent_register, guarantees_outstanding, register_rollup
from kpilib.kpis.support import (
    budget_side,
    grants_without_utilisation,
    reconcile,
    support_by_instrument,
)
from kpilib.kpis.support_params import SupportParams, load_support_params, read_support_params
from kpilib.kpis.sustainability import self_sustainability
from kpilib.store.support import GUARANTEE_COLUMNS

BN = 1_000_000_000
PARAMS = SupportParams(tolerance_rupees=1_000_000, tolerance_share=0.02,
                       expiring_within_months=12, trend_tolerance_pp=2.0)  # fmt: skip


def releases() -> pd.DataFrame:
    return pd.DataFrame(
        [("PCO-001", "FIN", 2024, "grant_in_aid", 10 * BN),
         ("PCO-001", "ENR", 2024, "grant_in_aid", 2 * BN),  # two senders: summed
         ("PCO-001", "FIN", 2024, "loan_disbursed", 3 * BN),
         ("UNI-001", "FIN", 2024, "grant_in_aid", 500_000_000),
         ("UNI-001", "FIN", 2024, "subsidy", 100_000_000),
         ("MTI-001", "FIN", 2024, "grant_in_aid", 40_000_000),
         ("MTI-001", "FIN", 2023, "grant_in_aid", 99 * BN)],  # another year: left out
        columns=["entity_code", "sender_code", "fiscal_year", "instrument", "amount"],
    )  # fmt: skip


def guarantees() -> pd.DataFrame:
    rows = [
        # called mid-year (15 Jan 2025): 1.5 bn paid, 0 outstanding at 30 June 2025
        (2024, "G-1", "PCO-001", "Bank A", date(2020, 7, 1), date(2030, 6, 30), 4 * BN, 0,
         date(2025, 1, 15), 1_500_000_000),
        # issued in the year, expires within 12 months of the year's end
        (2024, "G-2", "PCO-001", "Bank B", date(2024, 9, 1), date(2026, 6, 30), 2 * BN, 2 * BN,
         None, None),
        # expired in the year: nothing outstanding
        (2024, "G-3", "UNI-001", "Bank C", date(2019, 7, 1), date(2025, 3, 31), BN, 0, None, None),
        # outstanding beyond the horizon (expires one day after it)
        (2024, "G-4", "UNI-001", "Bank D", date(2022, 1, 1), date(2026, 7, 1), BN, 800_000_000,
         None, None),
        # the year before: G-1 still outstanding
        (2023, "G-1", "PCO-001", "Bank A", date(2020, 7, 1), date(2030, 6, 30), 4 * BN,
         3 * BN, None, None),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=GUARANTEE_COLUMNS)


def test_the_register_at_the_years_end_with_a_guarantee_called_mid_year():
    register = contingent_register(guarantees(), "2024-25", PARAMS).set_index("guarantee_ref")
    assert register["status"].to_dict() == {
        "G-1": "called", "G-2": "expiring", "G-3": "expired", "G-4": "outstanding"
    }  # fmt: skip
    assert register.loc["G-1", "called_in_year"] == 1_500_000_000
    assert register.loc["G-1", "outstanding"] == 0
    assert register.loc["G-2", "issued_in_year"] == 2 * BN
    assert register.loc["G-2", "expiring_outstanding"] == 2 * BN
    assert register["issued_in_year"].sum() == 2 * BN
    before = contingent_register(guarantees(), 2023, PARAMS).set_index("guarantee_ref")
    assert before.loc["G-1", "status"] == "outstanding"
    assert before.loc["G-1", "outstanding"] == 3 * BN and before.loc["G-1", "called_in_year"] == 0


def test_the_expiry_horizon_comes_from_the_parameters():
    longer = SupportParams(expiring_within_months=13)
    register = contingent_register(guarantees(), 2024, longer).set_index("guarantee_ref")
    assert register.loc["G-4", "status"] == "expiring"  # 1 Jul 2026 is within 13 months


def test_guarantees_outstanding_per_pse():
    out = guarantees_outstanding(guarantees(), 2024)
    assert list(out.columns) == ["pse_code", "outstanding", "called"]
    assert out.set_index("pse_code").to_dict("index") == {
        "PCO-001": {"outstanding": 2 * BN, "called": 1_500_000_000},
        "UNI-001": {"outstanding": 800_000_000, "called": 0},
    }


def test_register_rollup_by_department_and_province():
    entities = pd.DataFrame({"entity_code": ["PCO-001", "UNI-001"],
                             "department_code": ["ENR", "HED"],
                             "category": ["public_company", "university"]})  # fmt: skip
    register = contingent_register(guarantees(), 2024, PARAMS)
    by_dept = register_rollup(register, entities, ("department_code",)).set_index("department_code")
    assert by_dept.loc["ENR", "guarantees"] == 2 and by_dept.loc["ENR", "called"] == 1
    assert by_dept.loc["HED", "outstanding"] == 800_000_000
    province = register_rollup(register, entities, ())
    assert province.loc[0, "outstanding"] == 2_800_000_000
    assert province.loc[0, "called_in_year"] == 1_500_000_000
    assert province.loc[0, "amount_guaranteed"] == 8 * BN


def test_budget_side_and_support_by_instrument():
    budget = budget_side(releases(), guarantees(), 2024)
    got = budget.set_index(["entity_code", "instrument"])["amount"].to_dict()
    assert got[("PCO-001", "grant_in_aid")] == 12 * BN
    assert got[("PCO-001", "guarantee_called")] == 1_500_000_000
    assert got[("PCO-001", "guarantee_issued")] == 2 * BN
    assert got[("PCO-001", "guarantee_outstanding")] == 2 * BN
    assert ("UNI-001", "guarantee_called") not in got  # zero amounts are left out
    assert got[("MTI-001", "grant_in_aid")] == 40_000_000
    wide = support_by_instrument(budget)
    assert list(wide["entity_code"]) == ["PCO-001", "UNI-001", "MTI-001"]
    assert wide.loc[0, "direct_support"] == 15 * BN  # guarantees are not direct support
    assert wide.loc[1, "direct_support"] == 600_000_000


def reported() -> pd.DataFrame:
    return pd.DataFrame(
        [("PCO-001", 2024, "grant_in_aid", 12 * BN - 240_000_000, date(2025, 8, 1)),  # 2 %: in
         ("PCO-001", 2024, "loan_disbursed", 3 * BN - 61_000_000, None),  # past 2 %
         ("PCO-001", 2024, "guarantee_outstanding", 2 * BN, None),
         ("PCO-001", 2024, "guarantee_issued", 2 * BN, None),
         ("PCO-001", 2024, "guarantee_called", 1_500_000_000, None),
         ("UNI-001", 2024, "grant_in_aid", 501_000_000, None),  # Rs 1 m off: within
         ("UNI-001", 2024, "subsidy", 100_000_000, None),
         ("UNI-001", 2024, "other_relief", 5_000_000, None),  # not in the budget
         ("UNI-001", 2024, "guarantee_outstanding", 800_000_000, None)],
        columns=["entity_code", "fiscal_year", "instrument", "amount", "utilisation_report_date"],
    )  # fmt: skip


def test_reconciliation_at_and_past_the_tolerance():
    budget = budget_side(releases(), guarantees(), 2024)
    out = reconcile(budget, reported(), 2024, PARAMS).set_index(["entity_code", "instrument"])
    assert out.loc[("PCO-001", "grant_in_aid"), "status"] == "matched"  # exactly 2 %
    assert out.loc[("PCO-001", "grant_in_aid"), "difference"] == -240_000_000
    assert out.loc[("PCO-001", "loan_disbursed"), "status"] == "mismatch"
    assert out.loc[("UNI-001", "grant_in_aid"), "status"] == "matched"  # Rs 1 m: at the floor
    assert out.loc[("UNI-001", "other_relief"), "status"] == "mismatch"  # 5 m vs 0
    assert out.loc[("UNI-001", "other_relief"), "budget"] == 0
    assert out.loc[("MTI-001", "grant_in_aid"), "status"] == "not reported"
    assert out["flagged"].sum() == 3
    strict = reconcile(budget, reported(), 2024, SupportParams(tolerance_share=0.01))
    assert strict.set_index(["entity_code", "instrument"]).loc[
        ("PCO-001", "grant_in_aid"), "status"] == "mismatch"  # fmt: skip


def test_grants_without_a_utilisation_report_are_flagged():
    budget = budget_side(releases(), guarantees(), 2024)
    out = grants_without_utilisation(budget, reported(), 2024).set_index("entity_code")
    assert out["grant"].to_dict() == {"MTI-001": 40_000_000, "PCO-001": 12 * BN,
                                      "UNI-001": 500_000_000}  # fmt: skip
    assert out["flagged"].to_dict() == {"MTI-001": True, "PCO-001": False, "UNI-001": True}


def quarter(code: str, year: int, q: int, revenue: int, grants: int, opex: int, interest: int):
    return (code, year, q, revenue, grants, opex, interest)


def test_self_sustainability_and_its_trend():
    rows = [quarter("ABD-001", 2023, q, 60, 40, 95, 5) for q in (1, 2, 3, 4)]
    rows += [quarter("ABD-001", 2024, q, 75, 25, 98, 2) for q in (1, 2)]
    rows += [quarter("UNI-001", 2024, 1, 0, 0, 0, 0)]
    frame = pd.DataFrame(rows, columns=["entity_code", "fiscal_year", "quarter", "revenue",
                                        "grants_subsidies", "operating_expenses",
                                        "interest_expense"])  # fmt: skip
    out = self_sustainability(frame, PARAMS).set_index(["entity_code", "fiscal_year"])
    first, second = out.loc[("ABD-001", 2023)], out.loc[("ABD-001", 2024)]
    assert first["own_source_ratio"] == pytest.approx(240 / 400)  # 0.60
    assert first["support_share"] == pytest.approx(160 / 400)  # 0.40
    assert first["own_source_trend"] is None
    assert second["quarters"] == 2
    assert second["own_source_ratio"] == pytest.approx(150 / 200)  # 0.75
    assert second["own_source_change_pp"] == pytest.approx(15.0)
    assert second["own_source_trend"] == "improved"
    assert second["support_share_change_pp"] == pytest.approx(-15.0)
    assert second["support_share_trend"] == "improved"  # a lower share is better
    assert pd.isna(out.loc[("UNI-001", 2024), "own_source_ratio"])  # nothing spent: no ratio


def test_a_change_within_the_trend_tolerance_is_stable():
    rows = [
        quarter("ABD-001", 2023, 1, 50, 50, 100, 0),
        quarter("ABD-001", 2024, 1, 52, 48, 100, 0),
    ]
    frame = pd.DataFrame(rows, columns=["entity_code", "fiscal_year", "quarter", "revenue",
                                        "grants_subsidies", "operating_expenses",
                                        "interest_expense"])  # fmt: skip
    out = self_sustainability(frame, PARAMS)
    assert out.loc[1, "own_source_change_pp"] == pytest.approx(2.0)
    assert out.loc[1, "own_source_trend"] == "stable"  # exactly at 2 pp
    assert self_sustainability(frame, SupportParams(trend_tolerance_pp=1.0)).loc[
        1, "own_source_trend"] == "improved"  # fmt: skip


def test_the_shipped_parameters_and_a_bad_key(tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "parameters"
    assert load_support_params(shipped) == SupportParams()
    bad = tmp_path / "support.yaml"
    bad.write_text((shipped / "support.yaml").read_text() + "extra: 1\n", encoding="utf-8")
    with pytest.raises(ParameterFileError, match="extra"):
        read_support_params(bad)
    assert load_support_params(tmp_path / "none") == SupportParams()
