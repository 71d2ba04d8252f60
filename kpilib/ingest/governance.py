"""The database rules of the two governance returns (issue 17) and the rows they load.

``pse_governance`` (one row) is refused when its member counts and vacancies do not add up to
the board's size, women outnumber the members in office, a post held has no "since" date (or
a vacant one has), an audit committee's chair or meetings are missing (or given without a
committee), the audited accounts are half given (year, report date, auditor and opinion go
together), or a date lies in the future. ``pse_governance_notes`` is refused for a rule id the
PSE's category's rulebook does not hold. Both cover one PSE and one fiscal year that has
started (a change during the year is a new version of that year's return).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear, Period, pakistan_today
from kpilib.i18n import N_
from kpilib.ingest.lookups import ReferenceLookup
from kpilib.ingest.rules import PreparedReturn, _records
from kpilib.ingest.scope import Declared, _row, find_code, resolve_code, resolve_fiscal_year
from kpilib.ingest.validation import CheckedTable
from kpilib.kpis.governance_rules import load_rulebook
from kpilib.kpis.returns import yearly_schedule_for
from kpilib.problems import said
from kpilib.store.governance import GOVERNANCE_FACTS

MEMBER_COLUMNS = (
    "independent_members", "non_executive_members", "executive_members", "ex_officio_members",
)  # fmt: skip
YES_NO_COLUMNS = (
    "chair_independent", "chair_separate_from_ceo", "audit_committee_chair_independent",
    "internal_audit_function", "risk_management_policy", "annual_report_published",
)  # fmt: skip
DATE_COLUMNS = ("as_at", "ceo_since", "cfo_since", "auditor_report_date", "agm_date")
ACCOUNTS_COLUMNS = ("auditor_report_date", "auditor", "audit_opinion")


def _year_scope(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                ) -> tuple[int, str, str, FiscalYear] | None:  # fmt: skip
    """The PSE (id, code, category) and fiscal year of a governance return."""
    if declared.department:
        checked.error(
            "ingest.option-mismatch",
            N_(
                "a department was given as the sender of this return, but a PSE return is sent "
                "for a PSE (its code in entity_code)"
            ),
        )
    code, source = resolve_code(checked, "entity_code", declared.entity, "PSE")
    if code is None:
        checked.error(
            "ingest.missing-scope",
            N_(
                "the file does not say which PSE it is sent for: write the PSE's code (e.g. "
                "UNI-001) in an entity_code column"
            ),
        )
    entity = (
        find_code(checked, lookup.entities, code, source, "entity_code", "PSE") if code else None
    )
    for number, value in checked.frame["period"].items():
        if value is not None and Period.parse(value).kind != "year":
            checked.error(
                "ingest.bad-period",
                N_("is not a fiscal year, e.g. 2024-25: a governance return covers a fiscal year"),
                _row(number),
                "period",
                value,
            )
            return None
    year = resolve_fiscal_year(checked, declared)
    if year is not None and year.start_date > pakistan_today():
        checked.error(
            "ingest.year-not-started",
            said(
                N_("fiscal year {year} has not started: its governance return cannot be sent"),
                year=year,
            ),
        )
        return None
    if entity is None or year is None:
        return None
    return entity.id, entity.code, str(entity.extra.get("category", "")), year


def pse_year_return(
    return_type: str,
    scope: tuple[int, str, Any, FiscalYear],
    rows: list[dict[str, Any]],
    schedule: str | None = None,
) -> PreparedReturn:
    """A PSE's yearly return of ``return_type`` for ``scope`` (:func:`_year_scope`): its
    ``rows`` with the PSE and the year, due as the yearly ``schedule`` (default: the return
    type's own) says."""
    entity_id, entity_code, _, year = scope
    period = Period(year)
    due = yearly_schedule_for(schedule or return_type).due_date(period)
    prepared = PreparedReturn(return_type, return_type, period, entity_id=entity_id,
                              scope_label=f"{entity_code} {year}", due_date=due)  # fmt: skip
    prepared.rows = [r | {"entity_id": entity_id, "period_code": period.code} for r in rows]
    return prepared


def prepare_pse_governance(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                           ) -> PreparedReturn | None:  # fmt: skip
    """The governance return's one row, checked; the row to load."""
    scope = _year_scope(checked, lookup, declared)
    records = _records(checked)
    for number, _ in records[1:]:
        checked.error("ingest.second-statement", said(N_("a governance return holds one row "
                      "(row {row}); this row is a second one"), row=records[0][0]),
                      number)  # fmt: skip
    number, row = records[0]
    _check_board(checked, number, row)
    _check_posts(checked, number, row)
    _check_committee(checked, number, row)
    _check_accounts(checked, number, row, scope[3] if scope else None)
    _check_dates(checked, number, row)
    if scope is None:
        return None
    facts = {c: _stored(c, row[c]) for c in GOVERNANCE_FACTS}
    return pse_year_return("pse_governance", scope, [facts])


def _stored(column: str, value: Any) -> Any:
    """A checked cell as its table stores it (yes/no as booleans, dates, a year's start)."""
    if value is None:
        return None
    if column in YES_NO_COLUMNS:
        return value == "yes"
    if column in DATE_COLUMNS:
        return date.fromisoformat(value)
    if column == "audited_accounts_year":
        return Period.parse(value).fiscal_year.start_year
    return value


def _check_board(checked: CheckedTable, number: int, row: dict[str, Any]) -> None:
    counts = [row[c] for c in (*MEMBER_COLUMNS, "vacancies", "board_size", "women_members")]
    if any(v is None for v in counts):
        return
    members = sum(row[c] for c in MEMBER_COLUMNS)
    if members + row["vacancies"] != row["board_size"]:
        checked.error("ingest.inconsistent-values",
                      said(N_("the members in office ({members}) and vacancies ({vacancies}) add "
                              "up to {total}, not the board's {seats} seats"), members=members,
                           vacancies=row["vacancies"], total=members + row["vacancies"],
                           seats=row["board_size"]),
                      number, "board_size", row["board_size"])  # fmt: skip
    if row["board_size"] == 0:
        checked.error("ingest.invalid-value", N_("a board has at least one seat"), number,
                      "board_size", 0)  # fmt: skip
    if row["women_members"] > members:
        checked.error("ingest.inconsistent-values",
                      said(N_("more women ({women}) than members in office ({members})"),
                           women=row["women_members"], members=members),
                      number, "women_members", row["women_members"])  # fmt: skip


#: A post holder's status, in the messages (translated where shown).
POST_STATUS_WORDS = (N_("regular"), N_("acting"))


def _check_posts(checked: CheckedTable, number: int, row: dict[str, Any]) -> None:
    for post in ("ceo", "cfo"):
        status, since = row[f"{post}_status"], row[f"{post}_since"]
        if status == "vacant" and since is not None:
            checked.error("ingest.inconsistent-values",
                          said(N_("the {post}'s post is vacant, so there is no date since when "
                                  "it is held: leave it blank"), post=post.upper()),
                          number, f"{post}_since", since)  # fmt: skip
        if status in ("regular", "acting") and since is None:
            checked.error("ingest.inconsistent-values",
                          said(N_("a {status} {post} is in post: write the date since when"),
                               status=status, post=post.upper(), terms=["status"]),
                          number, f"{post}_since")  # fmt: skip


def _check_committee(checked: CheckedTable, number: int, row: dict[str, Any]) -> None:
    members = row["audit_committee_members"]
    if members is None:
        return
    for column in ("audit_committee_chair_independent", "audit_committee_meetings"):
        if members == 0 and row[column] is not None:
            checked.error("ingest.inconsistent-values", N_("there is no audit committee "
                          "(audit_committee_members is 0): leave it blank"), number, column,
                          row[column])  # fmt: skip
        if members > 0 and row[column] is None:
            checked.error("ingest.inconsistent-values",
                          said(N_("the audit committee has {members} members: fill it in"),
                               members=members), number, column)  # fmt: skip


def _check_accounts(checked: CheckedTable, number: int, row: dict[str, Any],
                    year: FiscalYear | None) -> None:  # fmt: skip
    audited = row["audited_accounts_year"]
    if audited is None:
        for column in ACCOUNTS_COLUMNS:
            if row[column] is not None:
                checked.error("ingest.inconsistent-values", N_("audited_accounts_year is blank "
                              "(no audited accounts): leave this blank too, or give the year"),
                              number, column, row[column])  # fmt: skip
        return
    period = Period.parse(audited)
    if period.kind != "year":
        checked.error("ingest.bad-period", N_("is not a fiscal year, e.g. 2023-24"), number,
                      "audited_accounts_year", audited)  # fmt: skip
        return
    if year is not None and period.fiscal_year > year:
        checked.error("ingest.inconsistent-values",
                      said(N_("audited accounts of {audited} cannot be reported in the return "
                              "for {year}"), audited=period.code, year=year),
                      number, "audited_accounts_year", audited)  # fmt: skip
    for column in ACCOUNTS_COLUMNS:
        if row[column] is None:
            checked.error("ingest.inconsistent-values",
                          said(N_("the audited accounts of {audited} are reported: fill it in"),
                               audited=period.code), number, column)  # fmt: skip
    report = row["auditor_report_date"]
    if report is not None and date.fromisoformat(report) <= period.end_date:
        checked.error("ingest.inconsistent-values",
                      said(N_("an auditor's report on {audited} is dated after the year's end "
                              "({end})"), audited=period.code, end=period.end_date),
                      number, "auditor_report_date", report)  # fmt: skip


def _check_dates(checked: CheckedTable, number: int, row: dict[str, Any]) -> None:
    today = pakistan_today()
    for column in DATE_COLUMNS:
        if row[column] is not None and date.fromisoformat(row[column]) > today:
            checked.error("ingest.inconsistent-values", N_("is a date in the future"), number,
                          column, row[column])  # fmt: skip
    as_at = row["as_at"]
    for column in ("ceo_since", "cfo_since"):
        if as_at is not None and row[column] is not None and row[column] > as_at:
            checked.error("ingest.inconsistent-values",
                          said(N_("is after as_at ({as_at})"), as_at=as_at), number, column,
                          row[column])  # fmt: skip


def prepare_pse_governance_notes(checked: CheckedTable, lookup: ReferenceLookup,
                                 declared: Declared) -> PreparedReturn | None:  # fmt: skip
    """The reasons and lines of action, one row per rule of the PSE's category's rulebook."""
    scope = _year_scope(checked, lookup, declared)
    known = _category_rules(checked, scope[2] if scope else None)
    rows = []
    for number, row in _records(checked):
        rule = row["rule_id"]
        if rule is None:
            continue
        if known is not None and rule not in known:
            checked.error("ingest.unknown-code",
                          said(N_("is not a governance rule of this PSE's category (its rules: "
                                  "{rules})"), rules=", ".join(sorted(known))),
                          number, "rule_id", rule)  # fmt: skip
            continue
        rows.append({"rule_id": rule, "reason": row["reason"],
                     "line_of_action": row["line_of_action"]})  # fmt: skip
    if scope is None:
        return None
    return pse_year_return("pse_governance_notes", scope, rows, schedule="pse_governance")


def _category_rules(checked: CheckedTable, category: str | None) -> set[str] | None:
    """The rule ids of ``category``'s rulebook; None (with a warning) if it cannot be read."""
    if category is None:
        return None
    try:
        return {r.id for r in load_rulebook().rules_for(category)}
    except (ParameterFileError, KeyError) as error:
        checked.warn("ingest.file-note", f"the governance rulebook could not be read, so the "
                     f"rule ids were not checked ({error})")  # fmt: skip
        return None


GOVERNANCE_PREPARERS = {
    "pse_governance": prepare_pse_governance,
    "pse_governance_notes": prepare_pse_governance_notes,
}
