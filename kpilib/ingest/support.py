"""The database rules of the government-support returns (issue 17) and the rows they load.

``support_releases`` (a department, for the year: the budget side) and ``guarantees`` (the
Finance Department's register at the year's end) name a PSE on every row; ``pse_support`` is one
PSE's own account. Each is refused, row and column named, for an unknown PSE, a utilisation report
date on anything but a grant-in-aid (or in the future), or a guarantee whose dates or amounts
do not hold together: issued after it expires or after the year's end, called outside its life or
after the year's end, a call without its amount (or an amount without a call), more outstanding
and called than guaranteed, or an amount outstanding on a guarantee expired by the year's end.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpilib.fiscal import FiscalYear, Period, pakistan_today
from kpilib.ingest.governance import _year_scope, pse_year_return
from kpilib.ingest.lookups import ReferenceLookup
from kpilib.ingest.rules import PreparedReturn, _department_scope, _records
from kpilib.ingest.scope import Declared
from kpilib.ingest.validation import CheckedTable


def _entity_id(checked: CheckedTable, lookup: ReferenceLookup, number: int, code: Any
               ) -> int | None:  # fmt: skip
    found = lookup.entities.get(code or "")
    if code is not None and found is None:
        checked.error("ingest.unknown-code", "no PSE has this code", number, "entity_code", code)
    return found.id if found else None


def _department_year_return(return_type: str, scope: tuple[int, str, FiscalYear],
                            rows: list[dict[str, Any]]) -> PreparedReturn:  # fmt: skip
    """A department's yearly return of ``return_type`` (releases, the guarantee register) for
    ``scope`` (department id, code, year): its ``rows`` with the department and the year."""
    department_id, code, year = scope
    label = f"{code} {year}"
    prepared = PreparedReturn(return_type, return_type, Period(year),
                              department_id=department_id, scope_label=label)  # fmt: skip
    prepared.rows = [r | {"fiscal_year": year.start_year, "department_id": department_id}
                     for r in rows]  # fmt: skip
    return prepared


def prepare_support_releases(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                             ) -> PreparedReturn | None:  # fmt: skip
    """The budget side: what the sending department released to each PSE, by instrument."""
    scope = _department_scope(checked, lookup, declared)
    rows = []
    for number, row in _records(checked):
        entity_id = _entity_id(checked, lookup, number, row["entity_code"])
        if entity_id is not None:
            rows.append({"entity_id": entity_id, "instrument": row["instrument"],
                         "amount": row["amount"]})  # fmt: skip
    if scope is None:
        return None
    return _department_year_return("support_releases", scope, rows)


def prepare_pse_support(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                        ) -> PreparedReturn | None:  # fmt: skip
    """A PSE's own account of the support it received in the year, by instrument."""
    scope = _year_scope(checked, lookup, declared)
    rows = []
    for number, row in _records(checked):
        report = row["utilisation_report_date"]
        if report is not None and row["instrument"] != "grant_in_aid":
            checked.error("ingest.inconsistent-values", "a utilisation report is given for a "
                          "grant_in_aid only: leave it blank", number, "utilisation_report_date",
                          report)  # fmt: skip
        if report is not None and date.fromisoformat(report) > pakistan_today():
            checked.error("ingest.inconsistent-values", "is a date in the future", number,
                          "utilisation_report_date", report)  # fmt: skip
        rows.append({"instrument": row["instrument"], "amount": row["amount"],
                     "utilisation_report_date": report and date.fromisoformat(report)})  # fmt: skip
    if scope is None:
        return None
    return pse_year_return("pse_support", scope, rows)


def prepare_guarantees(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                       ) -> PreparedReturn | None:  # fmt: skip
    """The register of guarantees at the year's end, one row per guarantee."""
    scope = _department_scope(checked, lookup, declared)
    year = scope[2] if scope else None
    rows = []
    for number, row in _records(checked):
        entity_id = _entity_id(checked, lookup, number, row["entity_code"])
        dates = {c: row[c] and date.fromisoformat(row[c])
                 for c in ("issued_on", "expires_on", "called_on")}  # fmt: skip
        if year is not None:
            _check_guarantee(checked, number, row | dates, year)
        if entity_id is not None:
            rows.append({k: row[k] for k in ("guarantee_ref", "lender", "amount_guaranteed",
                                             "outstanding", "amount_called")}
                        | dates | {"entity_id": entity_id})  # fmt: skip
    if scope is None:
        return None
    return _department_year_return("guarantees", scope, rows)


def _check_guarantee(checked: CheckedTable, number: int, row: dict[str, Any], year: FiscalYear
                     ) -> None:  # fmt: skip
    issued, expires, called = row["issued_on"], row["expires_on"], row["called_on"]
    if issued is not None and expires is not None and expires < issued:
        checked.error("ingest.inconsistent-values", f"expires before it was issued ({issued})",
                      number, "expires_on", expires.isoformat())  # fmt: skip
    if issued is not None and issued > year.end_date:
        checked.error("ingest.inconsistent-values", f"is after the year's end ({year.end_date}): "
                      "the guarantee belongs in a later year's register", number, "issued_on",
                      issued.isoformat())  # fmt: skip
    if called is not None and (called > year.end_date or (issued and called < issued)
                               or (expires and called > expires)):  # fmt: skip
        checked.error("ingest.inconsistent-values", "a call falls between the guarantee's issue "
                      f"and its expiry, by the year's end ({year.end_date})", number, "called_on",
                      called.isoformat())  # fmt: skip
    if (called is None) != (row["amount_called"] is None):
        checked.error("ingest.inconsistent-values", "a call has a date and an amount: give both, "
                      "or neither", number, "amount_called")  # fmt: skip
    _check_amounts(checked, number, row, year)


def _check_amounts(checked: CheckedTable, number: int, row: dict[str, Any], year: FiscalYear
                   ) -> None:  # fmt: skip
    guaranteed, outstanding = row["amount_guaranteed"], row["outstanding"]
    called = row["amount_called"] or 0
    if guaranteed is not None and outstanding is not None and outstanding + called > guaranteed:
        checked.error("ingest.inconsistent-values", f"outstanding ({outstanding:,}) and called "
                      f"({called:,}) exceed the amount guaranteed ({guaranteed:,})", number,
                      "outstanding", outstanding)  # fmt: skip
    if guaranteed == 0:
        checked.error("ingest.invalid-value", "a guarantee guarantees more than nothing", number,
                      "amount_guaranteed", guaranteed)  # fmt: skip
    expires = row["expires_on"]
    if expires is not None and expires <= year.end_date and outstanding:
        checked.error("ingest.inconsistent-values", f"the guarantee expired on {expires}, by the "
                      "year's end: nothing is outstanding under it (write 0)", number,
                      "outstanding", outstanding)  # fmt: skip


SUPPORT_PREPARERS = {
    "support_releases": prepare_support_releases,
    "pse_support": prepare_pse_support,
    "guarantees": prepare_guarantees,
}
