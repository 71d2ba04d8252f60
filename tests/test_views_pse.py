"""PSE monitor views, department rankings and province headline: hand-computed data in, the
documented figures out; and the demo's slices agree with the province view."""

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from kpilib.errors import ParameterError
from kpilib.present.headline import headline_frame, province_headline
from kpilib.store.database import connect
from kpilib.views import clear_view_cache, load_province_view
from kpilib.views.pse import (
    PSE_ALERT_RULES,
    UnknownPseError,
    compute_submission_history,
    list_pse_alerts,
    select_category,
    select_pse,
)
from kpilib.views.ranking import PEFA_POINTS, rank_departments
from kpilib.views.status import StatusRules


@pytest.fixture(scope="module")
def view(demo_sqlite_url):
    clear_view_cache()
    return load_province_view(connect(demo_sqlite_url, read_only=True), "2024-25")


def status_rows(*rows):
    """Return-status rows: (entity, period, received, on_time, days_late, days_overdue)."""
    records = []
    for entity, period, received, on_time, late, overdue in rows:
        year, quarter = int(period[:4]), int(period[-1])
        records.append(
            {
                "entity_code": entity,
                "return_type": "pse_financial",
                "period_code": period,
                "fiscal_year": year,
                "quarter": quarter,
                "due_date": date(2025, 1, 30),
                "received": received,
                "on_time": on_time,
                "received_date": date(2025, 2, 3) if received else None,
                "days_late": late,
                "days_overdue": overdue,
            }
        )
    return pd.DataFrame(records).astype({"days_late": "Int64", "days_overdue": "Int64"})


def test_submission_history_names_each_return_on_time_late_or_missing():
    status = status_rows(
        ("UNI-001", "2024-25Q2", True, False, 4, None),
        ("UNI-001", "2024-25Q1", True, True, 0, None),
        ("UNI-001", "2024-25Q3", False, False, None, 20),
    )
    history = compute_submission_history(status)
    assert list(history["period_code"]) == ["2024-25Q1", "2024-25Q2", "2024-25Q3"]
    assert list(history["state"]) == ["on_time", "late", "missing"]
    assert list(history["state_label"]) == ["On time", "Late", "Missing"]
    assert set(history["return_title"]) == {"Quarterly financial return"}


def latest_row(**values):
    row = {
        "entity_code": "PCO-001",
        "period_code": "2024-25Q4",
        "fiscal_year": 2024,
        "quarter": 4,
        "overall_rating": "low",
        "z2": 3.0,
        "z2_zone": "safe",
        "negative_equity": False,
        "loss_maker": False,
        "annual_net_income": 1e6,
        "government_dependence": 0.2,
        "government_dependence_rating": "low",
        "arrears_ratio": 0.01,
        "arrears_rating": "low",
        "overdue_payables": 1_000_000,
    }
    return {**row, **values}


NO_FINDINGS = pd.DataFrame(columns=["subject_code", "severity", "period_code", "message"])


def test_a_healthy_pse_on_time_has_no_alert():
    latest = pd.DataFrame([latest_row()])
    submissions = compute_submission_history(
        status_rows(("PCO-001", "2024-25Q4", True, True, 0, None))
    )
    assert list_pse_alerts(latest, latest, submissions, NO_FINDINGS).empty


def test_each_alert_rule_fires_on_its_own_condition():
    latest = pd.DataFrame(
        [
            latest_row(
                overall_rating="very high", z2=0.5, z2_zone="distress", negative_equity=True,
                loss_maker=True, annual_net_income=-2_500_000, government_dependence=0.75,
                government_dependence_rating="very high", arrears_ratio=0.08,
                arrears_rating="high", overdue_payables=3_000_000,
            )
        ]
    )  # fmt: skip
    year_before = pd.DataFrame([latest_row(fiscal_year=2023, period_code="2023-24Q4")])
    submissions = compute_submission_history(
        status_rows(
            ("PCO-001", "2023-24Q1", False, False, None, 600),  # older than the last four
            ("PCO-001", "2024-25Q3", False, False, None, 200),
            ("PCO-001", "2024-25Q4", True, False, 12, None),
        )
    )
    findings = pd.DataFrame(
        [
            {"subject_code": "PCO-001", "severity": "error", "period_code": "2024-25Q4",
             "message": "balance sheet does not balance"},
            {"subject_code": "PCO-002", "severity": "error", "period_code": "2024-25Q4",
             "message": "someone else's"},
        ]
    )  # fmt: skip
    history = pd.concat([year_before, latest], ignore_index=True)
    alerts = list_pse_alerts(latest, history, submissions, findings)
    by_rule = dict(zip(alerts["rule"], alerts["severity"], strict=True))
    assert by_rule == {
        "overall_risk": "critical",
        "z2_distress": "critical",
        "negative_equity": "critical",
        "missing_return": "critical",
        "data_quality": "critical",
        "arrears": "warning",
        "z2_worsened": "warning",
        "loss_maker": "warning",
        "subsidy_dependence": "warning",
        "late_return": "warning",
    }
    assert set(by_rule) == set(PSE_ALERT_RULES)
    assert list(alerts["severity"]) == ["critical"] * 5 + ["warning"] * 5  # critical first
    messages = dict(zip(alerts["rule"], alerts["message"], strict=True))
    assert messages["loss_maker"] == "Loss of Rs 2.5 m a year (four quarters to 2024-25Q4)"
    assert messages["subsidy_dependence"] == "Grants and subsidies 75% of income in 2024-25Q4"
    assert "2024-25Q3 not received, 200 days overdue" in messages["missing_return"]
    assert messages["late_return"].endswith("arrived 12 days late")
    assert messages["z2_worsened"] == "Z'' zone distress in 2024-25Q4, safe in 2023-24Q4"


def test_pse_slice_is_the_province_views(view):
    worst = view.pse_latest[view.pse_latest["overall_rating"] == "very high"].iloc[0]
    pse = select_pse(view, worst["entity_code"])
    assert pse.name == worst["entity_name"] and pse.category == worst["category"]
    expected = view.pse_health[view.pse_health["entity_code"] == pse.code]
    assert len(pse.history) == len(expected) >= 1
    assert pse.history["period_code"].is_monotonic_increasing
    assert pse.latest["period_code"] == worst["period_code"]
    assert dict(zip(pse.ratings["dimension"], pse.ratings["rating"], strict=True))[
        "profitability"
    ] == str(worst["profitability_rating"])
    assert ("overall_risk", "critical") in set(
        zip(pse.alerts["rule"], pse.alerts["severity"], strict=False)
    )
    received = view.return_history[view.return_history["entity_code"] == pse.code]
    assert len(pse.submissions) == len(received)
    assert (pse.submissions["state"] == "missing").sum() == (~received["received"]).sum()
    with pytest.raises(UnknownPseError, match="XYZ-999"):
        select_pse(view, "XYZ-999")


def test_return_history_covers_every_year_up_to_the_period(view):
    years = set(view.return_history["fiscal_year"])
    assert min(years) == 2021 and max(years) == 2024
    assert set(view.return_status["fiscal_year"]) == {2024}


def test_category_slice_lists_all_its_pses(view):
    universities = select_category(view, "university")
    expected = set(view.entities.loc[view.entities["category"] == "university", "entity_code"])
    assert set(universities.pses["entity_code"]) == expected
    assert set(universities.portfolio["category"]) == {"university"}
    assert set(universities.alerts["entity_code"]) <= expected
    everything = select_category(view)
    assert len(everything.pses) == len(view.entities) == 183
    assert everything.portfolio["pses"].iloc[-1] == 183
    with pytest.raises(UnknownPseError):
        select_category(view, "ministries")


def with_summary(view, rows):
    """The view with a hand-made department summary (and months covered) for ranking tests."""
    summary = pd.DataFrame(rows)
    summary["department_name"] = summary["department_code"]
    rules = StatusRules()  # rated as the view rates it, with the built-in thresholds
    for rag, burn in (("utilisation_rag", "burn_vs_plan"),
                      ("development_rag", "development_burn_vs_plan")):  # fmt: skip
        summary[rag] = rules.rate_column("budget_execution", summary[burn])
    total = summary[["department_code"]].assign(months_covered=6)
    return replace(view, department_summary=summary, execution_total=total)


SUMMARY = [
    {"department_code": "AAA", "utilisation": 45.0, "burn_vs_plan": 90.0, "execution_rank": 2,
     "development_utilisation": 20.0, "development_burn_vs_plan": 40.0, "pi1": "B", "pi2": "C",
     "pi3": "NA", "service_score": 88.0, "service_completeness": 100.0, "service_rank": 2},
    {"department_code": "BBB", "utilisation": 51.0, "burn_vs_plan": 102.0, "execution_rank": 1,
     "development_utilisation": 60.0, "development_burn_vs_plan": 120.0, "pi1": "B", "pi2": "A",
     "pi3": "C", "service_score": 95.0, "service_completeness": 50.0, "service_rank": 1},
    {"department_code": "CCC", "utilisation": 70.0, "burn_vs_plan": 140.0, "execution_rank": 3,
     "development_utilisation": float("nan"), "development_burn_vs_plan": float("nan"),
     "pi1": "D*", "pi2": "D+", "pi3": "NA", "service_score": float("nan"),
     "service_completeness": float("nan"), "service_rank": pd.NA},
]  # fmt: skip


def test_budget_ranking_follows_the_execution_rank_with_rag(view):
    ranking = rank_departments(with_summary(view, SUMMARY), "budget")
    assert list(ranking["department_code"]) == ["BBB", "AAA", "CCC"]
    assert list(ranking["rag"]) == ["green", "amber", "red"]  # 102, 90, 140 % of plan
    assert list(ranking["plan_utilisation"]) == [50.0, 50.0, 50.0]  # 6 months of 12


def test_development_ranking_is_closeness_to_plan(view):
    ranking = rank_departments(with_summary(view, SUMMARY), "development")
    # |120 − 100| = 20 beats |40 − 100| = 60; no development budget, no rank
    assert list(ranking["department_code"]) == ["BBB", "AAA", "CCC"]
    assert list(ranking["rank"].iloc[:2]) == [1, 2] and pd.isna(ranking["rank"].iloc[2])


def test_pefa_ranking_is_pi1_then_pi2(view):
    ranking = rank_departments(with_summary(view, SUMMARY), "pefa")
    assert list(ranking["department_code"]) == ["BBB", "AAA", "CCC"]  # B/A before B/C
    assert list(ranking["rank"]) == [1, 2, 3]
    assert PEFA_POINTS["D*"] == PEFA_POINTS["D"]


def test_service_ranking_leaves_departments_without_data_last(view):
    ranking = rank_departments(with_summary(view, SUMMARY), "service")
    assert list(ranking["department_code"]) == ["BBB", "AAA", "CCC"]
    assert ranking["rank"].isna().tolist() == [False, False, True]
    with pytest.raises(ParameterError, match="ranking metric"):
        rank_departments(view, "popularity")


def test_province_headline_reads_the_view(view):
    figures = headline_frame(province_headline(view, "below")).set_index("key")
    total = view.province_execution.set_index("budget_type").loc["total"]
    used = figures.loc["budget_used"]
    assert used["value"] == pytest.approx(total["expended"] / total["revised_budget"] * 100)
    assert used["status"] == total["rag"]
    assert figures.loc["indicators_on_track", "text"].endswith(" of 29")
    status = view.return_status
    received = figures.loc["returns_received"]
    assert received["value"] == pytest.approx(status["received"].mean() * 100)
    assert f"of {len(status):,} expected" in received["note"]
    scores = view.pefa_province.indicator_scores
    assert figures.loc["pefa", "text"] == " · ".join(scores[pi] for pi in ("PI-1", "PI-2", "PI-3"))


def test_a_statement_is_marked_unapproved_until_its_department_approves_it():
    import pandas as pd

    from kpilib.views.pse import describe_statement, statement_labels

    assert describe_statement("2024-25Q4", "approved") == "2024-25Q4"
    assert describe_statement("2024-25Q4", "unapproved") == "2024-25Q4, unapproved"
    assert describe_statement(float("nan"), None) is None  # a PSE with no statement
    frame = pd.DataFrame({"period_code": ["2024-25Q3", "2024-25Q4", None],
                          "approval": ["unapproved", "approved", None]})  # fmt: skip
    assert statement_labels(frame) == ["2024-25Q3, unapproved", "2024-25Q4", None]
    assert statement_labels(frame[["period_code"]]) == ["2024-25Q3", "2024-25Q4", None]


def test_a_stale_statement_is_marked_and_not_counted(view):
    """A PSE whose latest statement is older than the view's reference quarter keeps its
    ratings on show, marked "from …, stale", and the risk headline does not count it."""
    from kpilib.present.headline import pse_risk_figure
    from kpilib.views.pse import describe_statement

    assert describe_statement("2023-24Q4", None, current=False) == "from 2023-24Q4, stale"
    assert describe_statement("2023-24Q4", "unapproved", current=False) == (
        "from 2023-24Q4, stale, unapproved"
    )
    latest = view.pse_latest
    stale = latest[~latest["current"].astype(bool)]
    assert not stale.empty and (stale["period_code"] != view.reference_quarter.code).all()
    figure = pse_risk_figure(view, latest, len(view.entities), "Province")
    assert figure.text.endswith(f"of {len(latest) - len(stale)}")
    assert figure.stale.startswith(f"{len(stale)} PSE(s) whose latest statement is older")
