"""The PSE monitor's governance and government support panels (issue 17): the view cut for one PSE
on hand-made data (the figures are the kpis functions', nothing recomputed), the cards and rows
built from it, and the panels of the dashboard on the demo province."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from conftest import REPO

from kpilib.dashboards import pse_oversight as panels
from kpilib.dashboards.html import render_page_table
from kpilib.dashboards.page import start_dashboard
from kpilib.dashboards.pse_monitor import build_pse_monitor
from kpilib.fiscal import FiscalYear, Period
from kpilib.kpis.governance import GovernanceView, compute_scores, compute_statements
from kpilib.kpis.governance_rules import load_rulebook
from kpilib.kpis.guarantees import contingent_register
from kpilib.kpis.support import (
    SupportView,
    budget_side,
    grants_without_utilisation,
    reconcile,
    support_by_instrument,
)
from kpilib.kpis.support_params import SupportParams
from kpilib.kpis.sustainability import self_sustainability
from kpilib.present.html import render_cards
from kpilib.store.support import GUARANTEE_COLUMNS
from kpilib.views.pse_oversight import YearOversight, pse_governance, pse_support

YEAR = FiscalYear(2024)
M = 1_000_000
PARAMS = SupportParams(tolerance_rupees=M, tolerance_share=0.02, expiring_within_months=12,
                       trend_tolerance_pp=2.0)  # fmt: skip
ENTITIES = pd.DataFrame(
    [("PCO-001", "Demo <Power> Co", "public_company", "ENR"),
     ("PCO-002", "Demo Water Co", "public_company", "ENR")],
    columns=["entity_code", "entity_name", "category", "department_code"],
)  # fmt: skip


def facts(**changes) -> dict:
    """PCO-001's return: 9 seats, 2 vacant (a breach of at most 0), an acting CFO since
    1 Jan 2024 (more than the 90 days allowed), a qualified opinion on 2023-24."""
    base = {
        "entity_code": "PCO-001", "entity_name": "Demo <Power> Co", "category": "public_company",
        "department_code": "ENR", "fiscal_year": 2024, "submission_id": 1,
        "as_at": date(2025, 6, 30), "board_size": 9, "independent_members": 3,
        "non_executive_members": 2, "executive_members": 1, "ex_officio_members": 1,
        "women_members": 1, "vacancies": 2, "board_meetings": 4, "board_attendance_pct": 80.0,
        "chair_independent": True, "chair_separate_from_ceo": True, "ceo_status": "regular",
        "ceo_since": date(2022, 1, 1), "cfo_status": "acting", "cfo_since": date(2024, 1, 1),
        "audit_committee_members": 3, "audit_committee_chair_independent": True,
        "audit_committee_meetings": 4, "internal_audit_function": True,
        "risk_management_policy": True, "audited_accounts_year": 2023,
        "auditor_report_date": date(2024, 10, 28), "auditor": "A & Co.",
        "audit_opinion": "qualified", "annual_report_published": True,
        "agm_date": date(2024, 10, 28),
    }  # fmt: skip
    return base | changes


def year_oversight() -> YearOversight:
    rulebook = load_rulebook()
    returns = pd.DataFrame([facts()])  # PCO-002 sent no governance return
    notes = pd.DataFrame(
        [("PCO-001", 2024, "BOARD-VACANCIES", "<b>awaiting</b> the notification", "fill by Sep")],
        columns=["entity_code", "fiscal_year", "rule_id", "reason", "line_of_action"],
    )
    statement = compute_statements(returns, notes, rulebook)
    releases = pd.DataFrame(
        [("PCO-001", "FIN", 2024, "grant_in_aid", 500 * M),
         ("PCO-001", "FIN", 2024, "subsidy", 100 * M),
         ("PCO-002", "FIN", 2024, "grant_in_aid", 40 * M)],
        columns=["entity_code", "sender_code", "fiscal_year", "instrument", "amount"],
    )  # fmt: skip
    reported = pd.DataFrame(
        [("PCO-001", 2024, "grant_in_aid", 500 * M, None),  # no utilisation report
         ("PCO-001", 2024, "subsidy", 80 * M, None),  # 20 m short: beyond tolerance
         ("PCO-001", 2024, "guarantee_issued", 200 * M, None),
         ("PCO-001", 2024, "guarantee_outstanding", 200 * M, None),
         ("PCO-001", 2024, "guarantee_called", 150 * M, None)],
        columns=["entity_code", "fiscal_year", "instrument", "amount", "utilisation_report_date"],
    )  # fmt: skip
    guarantees = pd.DataFrame(
        [(2024, "G-1", "PCO-001", "Bank A", date(2020, 7, 1), date(2030, 6, 30), 400 * M, 0,
          date(2025, 1, 15), 150 * M),  # called mid-year
         (2024, "G-2", "PCO-001", "Bank B", date(2024, 9, 1), date(2026, 6, 30), 200 * M,
          200 * M, None, None)],  # expiring within 12 months of 30 June 2025
        columns=GUARANTEE_COLUMNS,
    )  # fmt: skip
    budget = budget_side(releases, guarantees, YEAR)
    financials = pd.DataFrame(
        [("PCO-001", fy, q, rev, 50 * M, 100 * M, 0)
         for fy, rev in ((2023, 60 * M), (2024, 80 * M)) for q in (1, 2, 3, 4)],
        columns=["entity_code", "fiscal_year", "quarter", "revenue", "grants_subsidies",
                 "operating_expenses", "interest_expense"],
    )  # fmt: skip
    support = SupportView(
        YEAR, support_by_instrument(budget), reconcile(budget, reported, YEAR, PARAMS),
        grants_without_utilisation(budget, reported, YEAR),
        contingent_register(guarantees, YEAR, PARAMS), self_sustainability(financials, PARAMS),
        ENTITIES,
    )  # fmt: skip
    checks = {r.id: r.check for c in rulebook.categories.values() for r in c.rules}
    return YearOversight(
        YEAR, GovernanceView(statement, compute_scores(statement), ENTITIES), returns, support,
        reported, financials, checks, PARAMS,
    )  # fmt: skip


@pytest.fixture(scope="module")
def year() -> YearOversight:
    return year_oversight()


def test_governance_of_one_pse_is_the_statement_and_score(year):
    gov = pse_governance(year, "PCO-001")
    scores = year.governance.scores.set_index("entity_code").loc["PCO-001"]
    assert gov.has_return and gov.as_at == date(2025, 6, 30)
    assert gov.score is not None and gov.score["score"] == scores["score"]
    assert set(gov.breaches["rule_id"]) == set(
        gov.statement.loc[gov.statement["verdict"] == "not complied", "rule_id"]
    )
    assert gov.verdict("board_vacancies") == "not complied"  # 2 vacant, at most 0
    assert gov.verdict("cfo_in_post") == "not complied"  # acting since 1 Jan 2024
    assert gov.verdict("ceo_in_post") == "complied"
    cards = render_cards(panels.governance_cards(gov))
    assert f"{scores['score']:.0f} / 100" in cards
    assert (
        "Qualified" in cards and "auditor&#x27;s report dated 28 Oct 2024 by A &amp; Co." in cards
    )
    assert "acting CFO since 1 Jan 2024" in cards
    rows = panels.breach_rows(gov).set_index("rule_id")
    assert rows.loc["BOARD-VACANCIES", "action_text"] == "fill by Sep"
    assert rows.loc["CFO-IN-POST", "reason_text"] == "no reason given"
    table = render_page_table(rows.reset_index(), panels.BREACH_COLUMNS)
    assert "&lt;b&gt;awaiting&lt;/b&gt; the notification" in table and "<b>" not in table
    assert "Demo &lt;Power&gt; Co" not in table  # the PSE's name is the page's heading


def test_a_missing_governance_return_is_said_plainly(year):
    gov = pse_governance(year, "PCO-002")
    assert not gov.has_return and gov.breaches.empty
    assert panels.governance_heading(gov) == (
        "No governance return for 2024-25: the PSE has not sent it."
    )
    cards = panels.governance_cards(gov)
    assert [(c.label, c.value, c.rag) for c in cards] == [("Governance return", "none", "grey")]


def test_support_of_one_pse_reconciles_flags_and_registers(year):
    sup = pse_support(year, Period.parse("2024-25Q4"), "PCO-001")
    assert sup.reported and sup.direct_support == 600 * M
    rec = sup.reconciliation.set_index("instrument")
    assert (
        rec.loc["subsidy", "difference"] == -20 * M and rec.loc["subsidy", "status"] == "mismatch"
    )
    assert rec.loc["grant_in_aid", "status"] == "matched"
    assert list(sup.flags["instrument_label"]) == ["Subsidies"]
    assert sup.grant is not None and bool(sup.grant["flagged"])  # no utilisation report
    assert sup.guarantees is not None
    assert sup.guarantees["outstanding"] == 200 * M and sup.guarantees["called_in_year"] == 150 * M
    assert sup.guarantees["expiring_outstanding"] == 200 * M
    latest = sup.latest_sustainability
    assert latest is not None and latest["fiscal_year"] == 2024
    assert latest["own_source_ratio"] == pytest.approx(0.8)  # 320 ÷ 400
    assert latest["own_source_trend"] == "improved"  # from 0.6: +20 pp
    assert latest["support_share"] == pytest.approx(200 / 520)
    cards = render_cards(panels.support_cards(sup))
    assert "1 of 5 differ" in cards and "No utilisation report" in cards
    assert "80 %" in cards and "Improved" in cards and "1 called" in cards


def test_a_quarters_view_reads_the_year_to_date_and_marks_stale_ratios(year):
    sup = pse_support(year, Period.parse("2024-25Q2"), "PCO-001")
    latest = sup.latest_sustainability
    assert latest is not None and latest["quarters"] == 2  # Q3 and Q4 left out
    other = pse_support(year, Period.parse("2024-25Q4"), "PCO-002")
    assert not other.reported and other.latest_sustainability is None
    assert other.flags["status"].tolist() == ["not reported"]
    card = {c.label: c for c in panels.support_cards(other)}["Reconciliation"]
    assert (card.value, card.rag) == ("not reported", "red")
    next_year = replace(year, fiscal_year=FiscalYear(2025))  # no statement of 2025-26 yet
    stale = pse_support(next_year, Period.parse("2025-26Q1"), "PCO-001")
    note = panels._sustainability_note(stale, stale.latest_sustainability)
    assert note.startswith("stale: latest statements are of 2024-25")


@pytest.fixture(scope="module")
def context(demo_sqlite_url):
    return start_dashboard(url=demo_sqlite_url)


def test_the_pse_monitor_shows_governance_and_support_of_the_pse(context):
    page = build_pse_monitor(context, "pse=PCO-001")
    assert "Governance score" in page.governance_cards.value
    assert "Governance return for 2024-25, as at" in page.governance_lead.value
    assert "PCO-001: breaches, 2024-25 return" in page.breach_table.value
    assert "Direct support" in page.support_cards.value
    assert "Grants-in-aid" in page.reconciliation_table.value
    assert "Own-source revenue" in page.sustainability_table.value
    assert "PCO-001: guarantees at 30 Jun 2025" in page.guarantee_table.value
    page.select(pse="PCO-002")  # no support return, a grant without a utilisation report
    assert "the PSE sent no support return" in page.support_cards.value
    assert "No utilisation report" in page.support_cards.value
    assert "No guarantee of the PSE" in page.guarantee_table.value


def test_a_pse_without_a_governance_return_is_told_so(context):
    page = build_pse_monitor(context, "pse=ABD-006")  # no governance return for 2024-25
    assert "No governance return for 2024-25: the PSE has not sent it." in (
        page.governance_lead.value
    )
    assert "Missing" in page.governance_cards.value and page.breach_table.value == ""
    page.select(period="Q2")  # a quarter's view: the year's return still
    assert "No governance return for 2024-25" in page.governance_lead.value


def test_an_edited_rulebook_is_read_by_a_running_dashboard(context, tmp_path, monkeypatch):
    """The year's inputs are memoised per rulebook: a threshold edited in the YAML changes the
    verdict on the next redraw, with no restart."""
    page = build_pse_monitor(context, "pse=PCO-001")
    assert "2 vacant" in page.governance_cards.value
    assert "BOARD-VACANCIES" in page.breach_table.value  # at most 0 seats vacant
    parameters = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", parameters)
    rulebook = parameters / "governance" / "public_company.yaml"
    text = rulebook.read_text()
    start = text.index("- id: BOARD-VACANCIES")
    rule = text[start : text.index("- id:", start + 1)]
    rulebook.write_text(text.replace(rule, rule.replace("threshold: 0", "threshold: 2")))
    monkeypatch.setenv("KPI_PARAMETERS_DIR", str(parameters))
    page.select(pse="PCO-002")
    page.select(pse="PCO-001")
    assert "BOARD-VACANCIES" not in page.breach_table.value
