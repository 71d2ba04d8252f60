"""The governance rulebook, statement of compliance and score (issue 17), on hand-computed data."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear
from kpilib.kpis.governance import (
    COMPLIED,
    NOT_APPLICABLE,
    NOT_COMPLIED,
    breaches_by_rule,
    compute_rollup,
    compute_scores,
    compute_statements,
    evaluate_rule,
    list_breaches,
)
from kpilib.kpis.governance_rules import GovernanceRule, load_rulebook

RULEBOOK = Path(__file__).resolve().parents[1] / "parameters" / "governance"
YEAR = FiscalYear(2024)  # 2024-25: the accounts of 2023-24 are judged


def facts(**changes) -> dict:
    """A PSE that complies with every company rule (9 seats, 3 of 9 independent)."""
    base = {
        "as_at": date(2025, 6, 30), "board_size": 9, "independent_members": 3,
        "non_executive_members": 3, "executive_members": 1, "ex_officio_members": 2,
        "women_members": 1, "vacancies": 0, "board_meetings": 4, "board_attendance_pct": 75.0,
        "chair_independent": True, "chair_separate_from_ceo": True, "ceo_status": "regular",
        "ceo_since": date(2022, 1, 1), "cfo_status": "regular", "cfo_since": date(2021, 1, 1),
        "audit_committee_members": 3, "audit_committee_chair_independent": True,
        "audit_committee_meetings": 4, "internal_audit_function": True,
        "risk_management_policy": True, "audited_accounts_year": 2023,
        "auditor_report_date": date(2024, 10, 28), "auditor": "A & Co.",
        "audit_opinion": "unmodified", "annual_report_published": True,
        "agm_date": date(2024, 10, 28),
    }  # fmt: skip
    return base | changes


def rule(check: str, threshold: float | None = None, **extra) -> GovernanceRule:
    return GovernanceRule(id="R", family="board", title="t", check=check, threshold=threshold,
                          source="s", assumption=False, **extra)  # fmt: skip


def verdict(check, threshold=None, **changes):
    return evaluate_rule(rule(check, threshold), facts(**changes), YEAR)[0]


def test_the_complying_pse_complies_with_every_company_rule():
    rules = load_rulebook(RULEBOOK).rules_for("public_company")
    for r in rules:
        assert evaluate_rule(r, facts(), YEAR)[0] == COMPLIED, r.id


@pytest.mark.parametrize(("independent", "non_executive", "expected"), [
    (3, 3, COMPLIED),  # 3 of 9 = exactly one third
    (2, 4, NOT_COMPLIED),  # 2 of 9
])  # fmt: skip
def test_independence_at_the_threshold(independent, non_executive, expected):
    got = verdict("board_independence", 0.3333, independent_members=independent,
                  non_executive_members=non_executive)  # fmt: skip
    assert got == expected


def test_counted_thresholds_are_inclusive():
    assert verdict("board_meetings", 4, board_meetings=4) == COMPLIED
    assert verdict("board_meetings", 4, board_meetings=3) == NOT_COMPLIED
    assert verdict("board_vacancies", 0, vacancies=1) == NOT_COMPLIED
    assert verdict("board_vacancies", 1, vacancies=1) == COMPLIED
    assert verdict("board_attendance", 75, board_attendance_pct=74.9) == NOT_COMPLIED
    assert verdict("women_on_board", 1, women_members=0) == NOT_COMPLIED


def test_attendance_without_meetings_is_not_applicable():
    assert verdict("board_attendance", 75, board_meetings=0,
                   board_attendance_pct=None) == NOT_APPLICABLE  # fmt: skip


def test_chair_rules():
    assert verdict("chair_independent", chair_independent=False) == NOT_COMPLIED
    assert verdict("chair_separate", chair_separate_from_ceo=False) == NOT_COMPLIED


def test_acting_ceo_up_to_the_threshold_complies():
    # acting since 1 April 2025: 90 days on 30 June 2025
    assert verdict("ceo_in_post", 90, ceo_status="acting", ceo_since=date(2025, 4, 1)) == COMPLIED
    assert verdict("ceo_in_post", 90, ceo_status="acting",
                   ceo_since=date(2025, 3, 31)) == NOT_COMPLIED  # fmt: skip
    assert verdict("cfo_in_post", 90, cfo_status="vacant", cfo_since=None) == NOT_COMPLIED


def test_no_audit_committee_breaches_its_three_rules():
    none = {"audit_committee_members": 0, "audit_committee_chair_independent": None,
            "audit_committee_meetings": None}  # fmt: skip
    assert verdict("audit_committee", 3, **none) == NOT_COMPLIED
    assert verdict("audit_committee_chair", **none) == NOT_COMPLIED
    assert verdict("audit_committee_meetings", 4, **none) == NOT_COMPLIED
    assert verdict("audit_committee_meetings", 4, audit_committee_meetings=3) == NOT_COMPLIED


def test_controls_and_disclosure():
    assert verdict("internal_audit", internal_audit_function=False) == NOT_COMPLIED
    assert verdict("risk_policy", risk_management_policy=None) == NOT_COMPLIED
    assert verdict("annual_report", annual_report_published=False) == NOT_COMPLIED


def test_audited_accounts_on_the_deadline_day_are_on_time():
    # 2023-24 ends 30 June 2024; 120 days later is 28 October 2024
    assert verdict("audited_accounts_timely", 120) == COMPLIED
    late = evaluate_rule(rule("audited_accounts_timely", 120),
                         facts(auditor_report_date=date(2024, 10, 29)), YEAR)  # fmt: skip
    assert late == (NOT_COMPLIED, "auditor's report on 2023-24 dated 2024-10-29; due by "
                    "2024-10-28 (120 days after the year-end)")  # fmt: skip


def test_accounts_in_arrears_and_missing():
    arrears = evaluate_rule(rule("audited_accounts_timely", 120),
                            facts(audited_accounts_year=2021), YEAR)  # fmt: skip
    assert arrears == (NOT_COMPLIED, "latest audited accounts are of 2021-22: 2 years in arrears")
    none = {"audited_accounts_year": None, "auditor_report_date": None, "audit_opinion": None}
    assert verdict("audited_accounts_timely", 120, **none) == NOT_COMPLIED
    assert evaluate_rule(rule("audit_opinion", accepted_opinions=("unmodified",)), facts(**none),
                         YEAR)[0] == NOT_COMPLIED  # fmt: skip


@pytest.mark.parametrize(("opinion", "expected"), [
    ("unmodified", COMPLIED), ("qualified", NOT_COMPLIED), ("adverse", NOT_COMPLIED),
    ("disclaimer", NOT_COMPLIED),
])  # fmt: skip
def test_audit_opinions(opinion, expected):
    r = rule("audit_opinion", accepted_opinions=("unmodified",))
    assert evaluate_rule(r, facts(audit_opinion=opinion), YEAR)[0] == expected


def test_agm_within_120_days_of_the_previous_year_end():
    assert verdict("agm_held", 120, agm_date=date(2024, 10, 28)) == COMPLIED
    assert verdict("agm_held", 120, agm_date=date(2024, 10, 29)) == NOT_COMPLIED
    assert verdict("agm_held", 120, agm_date=None) == NOT_COMPLIED


def test_a_rule_that_does_not_apply():
    r = GovernanceRule(id="AGM", family="disclosure", title="t", check="agm_held", applies=False,
                       source="s", assumption=False, note="not a company")  # fmt: skip
    assert evaluate_rule(r, facts(agm_date=None), YEAR) == (NOT_APPLICABLE, "not a company")


def frame(*rows: dict) -> pd.DataFrame:
    scope = {"entity_name": "n", "department_code": "HED", "fiscal_year": 2024}
    return pd.DataFrame([scope | r for r in rows])


NOTES = pd.DataFrame(
    [{"entity_code": "UNI-001", "fiscal_year": 2024, "rule_id": "BOARD-VACANCIES",
      "reason": "seats await nominations", "line_of_action": "summary sent"}]
)  # fmt: skip


def test_score_statement_breaches_and_rollups():
    rulebook = load_rulebook(RULEBOOK)
    governance = frame(
        {"entity_code": "UNI-001", "category": "university"} | facts(vacancies=1,
                                                                    non_executive_members=2),
        {"entity_code": "PCO-001", "category": "public_company"} | facts(),
    )  # fmt: skip
    statement = compute_statements(governance, NOTES, rulebook)
    uni = statement[statement["entity_code"] == "UNI-001"].set_index("rule_id")
    assert uni.loc["AGM", "verdict"] == NOT_APPLICABLE
    assert uni.loc["BOARD-VACANCIES", "reason"] == "seats await nominations"
    scores = compute_scores(statement).set_index("entity_code")
    # the university: 18 rules, 2 not applicable (chair independent, AGM), 1 breach of 16
    assert scores.loc["UNI-001", ["applicable", "complied", "breaches", "explained"]].tolist() == [
        16, 15, 1, 1]  # fmt: skip
    assert scores.loc["UNI-001", "score"] == pytest.approx(100 * 15 / 16)
    assert scores.loc["PCO-001", "score"] == 100
    assert list_breaches(statement)["rule_id"].tolist() == ["BOARD-VACANCIES"]
    entities = pd.DataFrame(
        {
            "entity_code": ["UNI-001", "PCO-001", "UNI-002"],
            "category": ["university", "public_company", "university"],
        }
    )
    by_category = compute_rollup(scores.reset_index(), entities).set_index("category")
    assert by_category.loc["university", ["pses", "reporting", "pses_with_breaches",
                                          "breaches"]].tolist() == [2, 1, 1, 1]  # fmt: skip
    province = compute_rollup(scores.reset_index(), entities, by=())
    assert province.loc[0, "mean_score"] == pytest.approx((100 * 15 / 16 + 100) / 2)
    assert province.loc[0, "complied_share"] == pytest.approx(
        (15 + 18) / (16 + 18)
    )  # the company: 18 of 18
    per_rule = breaches_by_rule(statement).set_index("rule_id")
    assert per_rule.loc["BOARD-VACANCIES", ["applies", "breaches"]].tolist() == [2, 1]


def test_weights_enter_the_score():
    heavy = [rule("board_meetings", 4).model_copy(update={"id": "A", "weight": 3.0}),
             rule("women_on_board", 1).model_copy(update={"id": "B"})]  # fmt: skip
    from kpilib.kpis.governance import statement_of_compliance

    rows = statement_of_compliance(facts(women_members=0), heavy, YEAR)
    statement = pd.DataFrame([{"entity_code": "X", "entity_name": "n", "category": "other",
                               "department_code": "D", "fiscal_year": "2024-25"} | r
                              for r in rows])  # fmt: skip
    assert compute_scores(statement).loc[0, "score"] == pytest.approx(75.0)


def test_editing_a_threshold_in_the_yaml_changes_the_verdict(tmp_path):
    folder = tmp_path / "governance"
    shutil.copytree(RULEBOOK, folder)
    governance = frame({"entity_code": "PCO-001", "category": "public_company"}
                       | facts(board_meetings=4))  # fmt: skip
    empty = NOTES.iloc[0:0]

    def meetings_verdict() -> str:
        statement = compute_statements(governance, empty, load_rulebook(folder))
        return statement.set_index("rule_id").loc["BOARD-MEETINGS", "verdict"]

    assert meetings_verdict() == COMPLIED
    path = folder / "public_company.yaml"
    text = path.read_text()
    start = text.index("id: BOARD-MEETINGS")
    edited = text[:start] + text[start:].replace("threshold: 4", "threshold: 6", 1)
    path.write_text(edited)
    assert meetings_verdict() == NOT_COMPLIED


def test_a_bad_rulebook_is_refused_with_file_key_and_reason(tmp_path):
    folder = tmp_path / "governance"
    shutil.copytree(RULEBOOK, folder)
    path = folder / "university.yaml"
    path.write_text(path.read_text().replace("threshold: 0.3333", "treshold: 0.3333", 1))
    with pytest.raises(ParameterFileError) as error:
        load_rulebook(folder)
    text = str(error.value)
    assert "university.yaml" in text and "treshold" in text
    (folder / "other.yaml").unlink()
    with pytest.raises(ParameterFileError, match="no rulebook file for PSE category other"):
        load_rulebook(folder)


def test_an_assumption_needs_a_note():
    with pytest.raises(ValueError, match="needs a note"):
        GovernanceRule(id="R", family="board", title="t", check="chair_independent",
                       source="s", assumption=True)  # fmt: skip
