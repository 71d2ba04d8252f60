"""PEFA PI-10 on hand-computed governance returns: 10.1 at exactly six and nine months, a missing
audit date, the "most" edge, the consolidated report; 10.3 without and with a register."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear
from kpilib.kpis.pefa_pi10 import (
    NOT_RATED,
    accounts_evidence,
    assess_pi10,
    load_pi10_criteria,
    month_end_after,
    pi10_register,
    score_pi10_1,
    score_pi10_3,
)

REPO = Path(__file__).resolve().parents[1]
CRITERIA = load_pi10_criteria(REPO / "parameters" / "pefa" / "pi10.yaml")
YEAR = FiscalYear(
    2024
)  # the returns of 2024-25 judge the accounts of 2023-24 (year-end 30 Jun 2024)


def entities(n: int, category: str = "public_company") -> pd.DataFrame:
    return pd.DataFrame({
        "entity_code": [f"PCO-{i:03d}" for i in range(1, n + 1)],
        "entity_name": [f"Company {i}" for i in range(1, n + 1)],
        "category": category, "department_code": "FIN",
    })  # fmt: skip


def returns(reports: list[date | None], published: bool = True, year: int = 2023) -> pd.DataFrame:
    return pd.DataFrame({
        "entity_code": [f"PCO-{i:03d}" for i in range(1, len(reports) + 1)],
        "audited_accounts_year": [year if r is not None else None for r in reports],
        "auditor_report_date": reports,
        "annual_report_published": published,
    })  # fmt: skip


def test_month_end_after_the_year_end():
    assert month_end_after(date(2024, 6, 30), 6) == date(2024, 12, 31)
    assert month_end_after(date(2024, 6, 30), 9) == date(2025, 3, 31)
    assert month_end_after(date(2023, 6, 30), 8) == date(2024, 2, 29)  # leap year


def test_exactly_six_months_is_published_in_time_and_a_day_later_is_not():
    evidence = accounts_evidence(
        returns([date(2024, 12, 31), date(2025, 1, 1)]), entities(2), YEAR, CRITERIA
    )
    on_time, late = evidence.to_dict("records")
    assert on_time["published_in_time"] and on_time["received_in_time"]
    assert on_time["days_after_year_end"] == 184 and on_time["accounts_of"] == "2023-24"
    assert not late["published_in_time"] and late["received_in_time"]


def test_exactly_nine_months_is_received_in_time_and_a_day_later_is_not():
    evidence = accounts_evidence(
        returns([date(2025, 3, 31), date(2025, 4, 1)]), entities(2), YEAR, CRITERIA
    )
    assert evidence["received_in_time"].tolist() == [True, False]
    assert evidence["published_in_time"].tolist() == [False, False]


def test_a_missing_audit_date_a_missing_return_and_accounts_in_arrears_count_against():
    frame = returns([date(2024, 10, 1), None, date(2023, 9, 1)])
    frame.loc[2, "audited_accounts_year"] = 2022  # the accounts of 2022-23: a year in arrears
    evidence = accounts_evidence(frame, entities(4), YEAR, CRITERIA)
    assert evidence["received_in_time"].tolist() == [True, False, False, False]
    findings = evidence["finding"].tolist()
    assert findings[1].startswith("no audited accounts reported")
    assert "in arrears" in findings[2] and findings[3] == "no governance return for the year"


def test_audited_in_time_without_an_annual_report_is_received_not_published():
    evidence = accounts_evidence(
        returns([date(2024, 9, 30)], published=False), entities(1), YEAR, CRITERIA
    )
    assert not evidence.loc[0, "published_in_time"] and evidence.loc[0, "received_in_time"]


@pytest.mark.parametrize(
    ("reports", "consolidated", "score"),
    [
        ([date(2024, 9, 1)] * 4, True, "A"),  # all within six months, consolidated report
        ([date(2024, 9, 1)] * 4, False, "B"),  # all, but no consolidated report
        ([date(2024, 9, 1)] * 3 + [date(2025, 1, 15)], True, "B"),  # 3 of 4 = 75 %: most
        ([date(2024, 9, 1)] * 2 + [date(2025, 1, 15)] * 2, True, "C"),  # 4 of 4 within nine
        ([date(2024, 9, 1)] * 2 + [date(2025, 1, 15), date(2025, 5, 1)], True, "C"),  # 3 of 4
        ([date(2024, 9, 1)] * 2 + [date(2025, 5, 1)] * 2, True, "D"),  # 2 of 4 < 75 %
    ],
)
def test_pi10_1_scores(reports, consolidated, score):
    evidence = accounts_evidence(returns(reports), entities(4), YEAR, CRITERIA)
    assert score_pi10_1(evidence, consolidated, CRITERIA).score == score


def test_most_is_at_least_three_quarters_so_five_of_seven_is_not_most():
    reports = [date(2024, 9, 1)] * 5 + [date(2025, 6, 1)] * 2  # 5 / 7 = 71 %
    evidence = accounts_evidence(returns(reports), entities(7), YEAR, CRITERIA)
    result = score_pi10_1(evidence, True, CRITERIA)
    assert result.score == "D" and result.counts == {
        "corporations": 7, "published_in_time": 5, "received_in_time": 5,
    }  # fmt: skip


def test_only_public_corporations_are_the_population():
    register = pd.concat([entities(1), entities(1, "university").assign(entity_code="UNI-001")])
    evidence = accounts_evidence(returns([date(2024, 9, 1)]), register, YEAR, CRITERIA)
    assert evidence["entity_code"].tolist() == ["PCO-001"]


def test_pi10_3_without_a_register_is_not_rated_and_names_the_missing_evidence():
    result = score_pi10_3(None, True, CRITERIA)
    assert result.score == NOT_RATED
    assert "contingent-liabilities register" in result.missing


@pytest.mark.parametrize(
    ("quantified", "consolidated", "score"),
    [([True] * 4, True, "A"), ([True] * 4, False, "B"), ([True, True, True, False], False, "B"),
     ([True, False, False, False], True, "C"), ([False] * 4, True, "D")],
)  # fmt: skip
def test_pi10_3_with_a_register(quantified, consolidated, score):
    register = pd.DataFrame({"entity_code": [f"P{i}" for i in range(4)], "quantified": quantified})
    assert score_pi10_3(register, consolidated, CRITERIA).score == score


def test_pi10_register_from_the_register_and_the_pses_own_returns():
    guarantees = pd.DataFrame({
        "fiscal_year": [2024, 2024, 2024, 2023],
        "entity_code": ["P1", "P2", "P3", "P4"],
        "outstanding": [100, 50, 0, 70],  # P3: nothing outstanding; P4: another year
    })  # fmt: skip
    support = pd.DataFrame({
        "fiscal_year": [2024, 2024, 2023],
        "entity_code": ["P1", "P2", "P2"],
        "instrument": ["guarantee_outstanding", "subsidy", "guarantee_outstanding"],
        "amount": [100, 10, 50],
    })  # fmt: skip
    register = pi10_register(guarantees, support, YEAR)
    assert register is not None
    assert register.to_dict("list") == {"entity_code": ["P1", "P2"], "quantified": [True, False]}
    assert score_pi10_3(register, False, CRITERIA).score == "C"  # 1 of 2: some, not most
    assert pi10_register(guarantees, support, FiscalYear(2025)) is None


def test_demo_pi10_3_is_rated_from_the_register(demo_url):
    from kpilib.store.database import connect
    from kpilib.views.portfolio import assess_pi10_for

    assessment = assess_pi10_for(connect(demo_url, read_only=True), "2024-25", None)
    pi10_3 = {d.dimension: d for d in assessment.dimensions}["10.3"]
    assert pi10_3.score == "B" and pi10_3.counts == {"pses_with_guarantees": 5, "quantified": 5}
    later = assess_pi10_for(connect(demo_url, read_only=True), "2025-26", None)
    assert {d.dimension: d for d in later.dimensions}["10.3"].score == NOT_RATED


def test_assess_pi10_and_a_threshold_edit_changes_the_score():
    frame = returns([date(2024, 9, 1)] * 2 + [date(2025, 2, 1)] * 2)
    result = assess_pi10(frame, entities(4), YEAR, "the portfolio report", criteria=CRITERIA)
    assert [d.score for d in result.dimensions] == ["C", NOT_RATED]
    looser = CRITERIA.model_copy(update={"most_share": 0.5})
    result = assess_pi10(frame, entities(4), YEAR, None, criteria=looser)
    assert result.dimensions[0].score == "B"


def test_a_bad_criteria_file_is_refused(tmp_path):
    path = tmp_path / "pi10.yaml"
    path.write_text((REPO / "parameters" / "pefa" / "pi10.yaml").read_text() + "extra: 1\n")
    with pytest.raises(ParameterFileError):
        load_pi10_criteria(path)
