"""Governance of the PSEs (issue 17): the statement of compliance, the governance score, the
breaches and the roll-ups, from the governance returns and the rulebook
(:mod:`kpilib.kpis.governance_rules`).

* **Verdict** of a rule for a PSE and fiscal year: ``complied``, ``not complied`` or ``not
  applicable`` (the category's rulebook marks it so), with a ``detail`` saying what was found
  against the threshold, and the ``reason`` and ``line_of_action`` the PSE gave (its
  ``pse_governance_notes`` return).
* **Governance score** of a PSE = 100 × Σ weight of the rules complied ÷ Σ weight of the rules
  that apply (complied or not); no score without a return. Weights default to 1. An explained
  breach is still a breach.
* **Roll-ups** by category and province: PSEs, PSEs reporting, mean and median score, PSEs with
  a breach, breaches, and the share of applicable rules complied with.

Every check reads one fiscal year's return; the audited accounts and the AGM are judged against
the year before the return's (their deadlines fall in the return's year).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from kpilib.fiscal import FiscalYear
from kpilib.kpis.governance_rules import GovernanceRule, Rulebook, load_rulebook
from kpilib.store.governance import load_pse_governance, load_pse_governance_notes
from kpilib.store.queries import load_entities

COMPLIED, NOT_COMPLIED, NOT_APPLICABLE = "complied", "not complied", "not applicable"
#: Tolerance of a share compared with its threshold (1/3 written 0.3333 still lets 3 of 9 pass).
SHARE_TOLERANCE = 1e-4
Facts = Mapping[str, Any]
Finding = tuple[str, str]
STATEMENT_COLUMNS = [
    "entity_code", "entity_name", "category", "department_code", "fiscal_year", "rule_id",
    "family", "title", "verdict", "detail", "threshold", "weight", "source", "assumption",
    "reason", "line_of_action",
]  # fmt: skip


def _verdict(ok: bool, detail: str) -> Finding:
    return (COMPLIED if ok else NOT_COMPLIED), detail


def _count(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _members(facts: Facts) -> int:
    return int(sum(facts[k] for k in ("independent_members", "non_executive_members",
                                      "executive_members", "ex_officio_members")))  # fmt: skip


def _independence(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
    members, independent = _members(facts), int(facts["independent_members"])
    if members == 0:
        return NOT_COMPLIED, "no members in office"
    share, least = independent / members, float(rule.threshold or 0)
    return _verdict(share + SHARE_TOLERANCE >= least,
                    f"{independent} of {members} members in office independent ({share:.1%}); "
                    f"at least {least:.1%} required")  # fmt: skip


def _at_most(column: str, what: str) -> Callable[[GovernanceRule, Facts, FiscalYear], Finding]:
    def check(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
        value = facts[column]
        return _verdict(value <= (rule.threshold or 0),
                        f"{_count(value)} {what}; at most {_count(rule.threshold)}")  # fmt: skip

    return check


def _at_least(column: str, what: str) -> Callable[[GovernanceRule, Facts, FiscalYear], Finding]:
    def check(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
        value = facts[column]
        if value is None or pd.isna(value):
            return NOT_COMPLIED, f"{what}: not reported"
        return _verdict(value >= (rule.threshold or 0),
                        f"{_count(value)} {what}; at least {_count(rule.threshold)}")  # fmt: skip

    return check


def _attendance(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
    if not facts["board_meetings"]:
        return NOT_APPLICABLE, "no board meetings held (see the meetings rule)"
    return _at_least("board_attendance_pct", "% average attendance")(rule, facts, year)


def _yes(column: str, yes: str, no: str) -> Callable[[GovernanceRule, Facts, FiscalYear], Finding]:
    def check(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
        return _verdict(facts[column] is True, yes if facts[column] is True else no)

    return check


def _post(status: str, since: str, post: str) -> Callable[[GovernanceRule, Facts, FiscalYear],
                                                          Finding]:  # fmt: skip
    def check(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
        if facts[status] == "regular":
            return COMPLIED, f"regular {post} since {facts[since]}"
        if facts[status] == "vacant":
            return NOT_COMPLIED, f"the {post}'s post is vacant"
        days = (facts["as_at"] - facts[since]).days
        return _verdict(days <= (rule.threshold or 0),
                        f"acting {post} since {facts[since]} ({days} days on {facts['as_at']}); "
                        f"at most {_count(rule.threshold)} days")  # fmt: skip

    return check


def _committee(inner: Callable[[GovernanceRule, Facts, FiscalYear], Finding]
               ) -> Callable[[GovernanceRule, Facts, FiscalYear], Finding]:  # fmt: skip
    def check(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
        if not facts["audit_committee_members"]:
            return NOT_COMPLIED, "no audit committee"
        return inner(rule, facts, year)

    return check


def _accounts_timely(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
    expected = year.previous()
    audited = facts["audited_accounts_year"]
    if audited is None or pd.isna(audited):
        return NOT_COMPLIED, f"no audited accounts reported (those of {expected} were due)"
    audited = FiscalYear(int(audited))
    if audited < expected:
        behind = expected.start_year - audited.start_year
        return NOT_COMPLIED, (f"latest audited accounts are of {audited}: {behind} year"
                              f"{'s' if behind > 1 else ''} in arrears")  # fmt: skip
    deadline = audited.end_date + timedelta(days=int(rule.threshold or 0))
    report: date = facts["auditor_report_date"]
    return _verdict(report <= deadline,
                    f"auditor's report on {audited} dated {report}; due by {deadline} "
                    f"({_count(rule.threshold)} days after the year-end)")  # fmt: skip


def _opinion(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
    opinion = facts["audit_opinion"]
    if opinion is None or pd.isna(opinion):
        return NOT_COMPLIED, "no audited accounts reported, so no audit opinion"
    accepted = rule.accepted_opinions or ()
    return _verdict(opinion in accepted, f"{opinion} opinion on the accounts of "
                    f"{FiscalYear(int(facts['audited_accounts_year']))}; accepted: "
                    f"{', '.join(accepted)}")  # fmt: skip


def _agm(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
    deadline = year.previous().end_date + timedelta(days=int(rule.threshold or 0))
    held = facts["agm_date"]
    if held is None or pd.isna(held):
        return NOT_COMPLIED, f"no annual general meeting held (due by {deadline})"
    return _verdict(year.start_date <= held <= deadline,
                    f"annual general meeting on {held}; due between {year.start_date} and "
                    f"{deadline}")  # fmt: skip


#: The code of every check of :data:`kpilib.kpis.governance_rules.CHECKS`.
CHECK_FUNCTIONS: dict[str, Callable[[GovernanceRule, Facts, FiscalYear], Finding]] = {
    "board_independence": _independence,
    "board_vacancies": _at_most("vacancies", "seats vacant"),
    "board_meetings": _at_least("board_meetings", "board meetings"),
    "board_attendance": _attendance,
    "women_on_board": _at_least("women_members", "women members"),
    "chair_independent": _yes("chair_independent", "the chair is independent",
                              "the chair is not independent"),
    "chair_separate": _yes("chair_separate_from_ceo", "chair and CEO are separate",
                           "the chair is also the CEO"),
    "ceo_in_post": _post("ceo_status", "ceo_since", "CEO"),
    "cfo_in_post": _post("cfo_status", "cfo_since", "CFO"),
    "audit_committee": _at_least("audit_committee_members", "audit committee members"),
    "audit_committee_chair": _committee(_yes("audit_committee_chair_independent",
                                             "the committee's chair is independent",
                                             "the committee's chair is not independent")),
    "audit_committee_meetings": _committee(_at_least("audit_committee_meetings",
                                                     "audit committee meetings")),
    "internal_audit": _yes("internal_audit_function", "internal audit function in place",
                           "no internal audit function"),
    "risk_policy": _yes("risk_management_policy", "risk-management policy approved",
                        "no risk-management policy"),
    "audited_accounts_timely": _accounts_timely,
    "audit_opinion": _opinion,
    "annual_report": _yes("annual_report_published", "annual report published",
                          "no annual report published"),
    "agm_held": _agm,
}  # fmt: skip


def evaluate_rule(rule: GovernanceRule, facts: Facts, year: FiscalYear) -> Finding:
    """The verdict and its detail of one rule on one PSE's facts for fiscal ``year``."""
    if not rule.applies:
        return NOT_APPLICABLE, rule.note or ""
    return CHECK_FUNCTIONS[rule.check](rule, facts, year)


@dataclass(frozen=True)
class Note:
    """What the PSE said about a rule: the reason and its line of action."""

    reason: str
    line_of_action: str | None = None


def statement_of_compliance(
    facts: Facts,
    rules: Sequence[GovernanceRule],
    year: FiscalYear,
    notes: Mapping[str, Note] | None = None,
) -> list[dict[str, Any]]:
    """One PSE's statement: a row per rule of its category (``rule_id``, ``family``,
    ``title``, ``verdict``, ``detail``, ``threshold``, ``weight``, ``source``, ``assumption``,
    ``reason``, ``line_of_action``)."""  # fmt: skip
    notes = notes or {}
    rows = []
    for rule in rules:
        verdict, detail = evaluate_rule(rule, facts, year)
        note = notes.get(rule.id)
        rows.append({
            "rule_id": rule.id, "family": rule.family, "title": rule.title, "verdict": verdict,
            "detail": detail, "threshold": rule.threshold, "weight": rule.weight,
            "source": rule.source, "assumption": rule.assumption,
            "reason": note.reason if note else None,
            "line_of_action": note.line_of_action if note else None,
        })  # fmt: skip
    return rows


def compute_statements(governance: pd.DataFrame, notes: pd.DataFrame, rulebook: Rulebook
                       ) -> pd.DataFrame:  # fmt: skip
    """Every PSE's statement of compliance: :data:`STATEMENT_COLUMNS`, one row per PSE × rule.

    ``governance`` and ``notes`` are :func:`kpilib.store.governance.load_pse_governance`'s and
    :func:`~kpilib.store.governance.load_pse_governance_notes`'s frames (or the same columns).
    """
    said: dict[tuple[str, int], dict[str, Note]] = {}
    for n in notes.to_dict("records"):
        key = (str(n["entity_code"]), int(n["fiscal_year"]))
        action = None if _missing(n["line_of_action"]) else str(n["line_of_action"])
        said.setdefault(key, {})[str(n["rule_id"])] = Note(str(n["reason"]), action)
    rows = []
    for facts in governance.to_dict("records"):
        year = FiscalYear(int(facts["fiscal_year"]))
        scope = {k: facts[k] for k in ("entity_code", "entity_name", "category",
                                        "department_code")}  # fmt: skip
        scope["fiscal_year"] = year.label
        rules = rulebook.rules_for(str(facts["category"]))
        clean = {str(k): (None if _missing(v) else v) for k, v in facts.items()}
        for row in statement_of_compliance(
            clean, rules, year, said.get((facts["entity_code"], year.start_year))
        ):
            rows.append(scope | row)  # fmt: skip
    return pd.DataFrame(rows, columns=STATEMENT_COLUMNS)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | date) and bool(pd.isna(value)))


def compute_scores(statement: pd.DataFrame) -> pd.DataFrame:
    """Per PSE: ``applicable``, ``complied``, ``breaches``, ``explained`` (breaches with a reason
    given) and ``score`` = 100 × Σ weight complied ÷ Σ weight applicable (NaN: none applies)."""
    keys = ["entity_code", "entity_name", "category", "department_code", "fiscal_year"]
    frame = statement.assign(
        applicable=statement["verdict"] != NOT_APPLICABLE,
        complied=statement["verdict"] == COMPLIED,
        breach=statement["verdict"] == NOT_COMPLIED,
    )
    frame["explained"] = frame["breach"] & frame["reason"].notna()
    frame["w_applicable"] = frame["weight"] * frame["applicable"]
    frame["w_complied"] = frame["weight"] * frame["complied"]
    scores = frame.groupby(keys, sort=True, dropna=False).agg(
        applicable=("applicable", "sum"), complied=("complied", "sum"),
        breaches=("breach", "sum"), explained=("explained", "sum"),
        w_applicable=("w_applicable", "sum"), w_complied=("w_complied", "sum"),
    ).reset_index()  # fmt: skip
    total = scores["w_applicable"].where(scores["w_applicable"] > 0)
    scores["score"] = 100 * scores["w_complied"] / total
    return scores.drop(columns=["w_applicable", "w_complied"])


def list_breaches(statement: pd.DataFrame) -> pd.DataFrame:
    """The rules not complied with, explained or not (statement rows, by PSE and rule)."""
    breaches = statement.loc[statement["verdict"] == NOT_COMPLIED]
    return breaches.sort_values(["entity_code", "rule_id"]).reset_index(drop=True)


def compute_rollup(scores: pd.DataFrame, entities: pd.DataFrame, by: Sequence[str] = ("category",)
                   ) -> pd.DataFrame:  # fmt: skip
    """Roll-up by ``by`` (``category``, ``department_code``; empty: the province): ``pses`` (in
    the register), ``reporting`` (a return for the year), ``mean_score``, ``median_score``,
    ``pses_with_breaches``, ``breaches`` and ``complied_share`` (rules complied ÷ rules that
    apply, over the PSEs reporting)."""
    keys = list(by)
    register = entities.assign(_all="province")
    group = keys or ["_all"]
    counted = register.groupby(group).size().rename("pses").reset_index()
    data = scores.assign(_all="province", with_breach=scores["breaches"] > 0)
    stats = data.groupby(group).agg(
        reporting=("entity_code", "nunique"), mean_score=("score", "mean"),
        median_score=("score", "median"), pses_with_breaches=("with_breach", "sum"),
        breaches=("breaches", "sum"), complied=("complied", "sum"),
        applicable=("applicable", "sum"),
    ).reset_index()  # fmt: skip
    rollup = counted.merge(stats, on=group, how="left")
    for column in ("reporting", "pses_with_breaches", "breaches", "complied", "applicable"):
        rollup[column] = rollup[column].fillna(0).astype("int64")
    rollup["complied_share"] = rollup["complied"] / rollup["applicable"].where(
        rollup["applicable"] > 0
    )
    rollup = rollup.drop(columns=["complied", "applicable"])
    return rollup.drop(columns=["_all"]) if not keys else rollup


def breaches_by_rule(statement: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """How many PSEs breach each rule (``breaches``), of those it applies to (``applies``)."""
    keys = [*by, "rule_id", "title"]
    frame = statement.assign(
        applies=statement["verdict"] != NOT_APPLICABLE,
        breaches=statement["verdict"] == NOT_COMPLIED,
    )
    out = frame.groupby(keys).agg(applies=("applies", "sum"), breaches=("breaches", "sum"))
    out = out.reset_index().sort_values([*by, "breaches", "rule_id"],
                                        ascending=[True] * len(by) + [False, True])  # fmt: skip
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class GovernanceView:
    """The governance of the PSEs for one fiscal year: statements, scores and the register."""

    statement: pd.DataFrame
    scores: pd.DataFrame
    entities: pd.DataFrame


def load_governance(
    connection: Connection, fiscal_year: int | str, rulebook: Rulebook | None = None
) -> GovernanceView:
    """Statements and scores of every PSE's current governance return for ``fiscal_year``
    (``2024`` or ``"2024-25"``), judged by ``rulebook`` (default: the parameters folder's)."""
    year = fiscal_year if isinstance(fiscal_year, int) else FiscalYear.parse(fiscal_year).start_year
    rulebook = rulebook or load_rulebook()
    statement = compute_statements(
        load_pse_governance(connection, year), load_pse_governance_notes(connection, year),
        rulebook,
    )  # fmt: skip
    return GovernanceView(statement, compute_scores(statement), load_entities(connection))
