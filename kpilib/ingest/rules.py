"""Rules that need the database, per return type, and the rows a valid file loads.

Errors (the file is refused): unknown entity, department, cost centre, economic head, revenue
head, indicator or district codes; a cost centre or indicator of another department; a period of
the wrong kind, outside the file's fiscal year or not matching its declared period; a financial
return with more than one statement; a balance sheet that does not balance beyond
:data:`BALANCE_TOLERANCE_RUPEES` (or :data:`BALANCE_TOLERANCE_SHARE` of total assets, whichever
is larger); an indicator row with neither target nor actual.

Warnings (the file loads; the sender and the data-quality checks are told): expenditure above
releases on a budget line over the file's months; a PSE revenue, operating-expense or
total-asset figure more than :data:`JUMP_FACTOR` times (or less than 1/:data:`JUMP_FACTOR` of)
the previous quarter's; a percentage above 100; indicator definitions that differ from the
registered ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from kpilib.fiscal import FiscalYear, Period
from kpilib.i18n import N_
from kpilib.ingest.lookups import CodeRow, ReferenceLookup
from kpilib.ingest.scope import (
    Declared,
    find_code,
    resolve_code,
    resolve_fiscal_year,
    resolve_quarter,
)
from kpilib.ingest.validation import CheckedTable
from kpilib.kpis.returns import schedule_for
from kpilib.problems import said
from kpilib.store.models import PSE_FINANCIAL_LINES
from kpilib.store.writes import table

BALANCE_TOLERANCE_RUPEES = 1_000
BALANCE_TOLERANCE_SHARE = 0.001
JUMP_FACTOR = 5.0
JUMP_LINES = ("revenue", "operating_expenses", "total_assets")
#: Previous-quarter figures below this (rupees) are too small for a meaningful jump ratio.
JUMP_MIN_BASE = 1_000_000
DEFINITION_COLUMNS = ("indicator_name", "unit", "direction", "frequency")
FREQUENCY_KIND = {"annual": "year", "quarterly": "quarter", "monthly": "month"}


@dataclass
class PreparedReturn:
    """A validated return ready to load: its key, the data table and the rows for it.

    Rows carry ``period_code`` (and, for indicator returns, ``indicator_code``) rather than ids,
    so that the loader can create a missing fiscal year and new indicators first.
    """

    return_type: str
    table_name: str
    period: Period
    entity_id: int | None = None
    department_id: int | None = None
    scope_label: str = ""
    due_date: date | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    new_indicators: list[dict[str, Any]] = field(default_factory=list)


def _value(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and v != v:
        return None
    return v.item() if hasattr(v, "item") else v


def _records(checked: CheckedTable) -> list[tuple[int, dict[str, Any]]]:
    frame = checked.frame
    names = list(frame.columns)
    return [
        (int(number), {n: _value(v) for n, v in zip(names, values, strict=True)})
        for number, values in zip(frame.index, frame.itertuples(index=False), strict=True)
    ]


# --- PSE returns -------------------------------------------------------------------------------


def _pse_scope(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
               ) -> tuple[int, str, Period] | None:  # fmt: skip
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
    period = resolve_quarter(checked, declared)
    if entity is None or period is None:
        return None
    return entity.id, entity.code, period


def prepare_pse_financial(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                          ) -> PreparedReturn | None:  # fmt: skip
    scope = _pse_scope(checked, lookup, declared)
    records = _records(checked)
    first = records[0][0]
    for number, _ in records[1:]:
        checked.error(
            "ingest.second-statement",
            said(
                N_("a financial return holds one statement (row {row}); this row is a second one"),
                row=first,
            ),
            number,
        )
    number, row = records[0]
    _check_balance(checked, number, row)
    if scope is None:
        return None
    entity_id, entity_code, period = scope
    _check_jumps(checked, lookup, entity_id, period, number, row)
    prepared = PreparedReturn(
        "pse_financial", "pse_financials", period, entity_id=entity_id,
        scope_label=f"{entity_code} {period.code}",
        due_date=schedule_for("pse_financial").due_date(period),
    )  # fmt: skip
    prepared.rows.append(
        {"entity_id": entity_id, "period_code": period.code}
        | {line: row[line] for line in PSE_FINANCIAL_LINES}
    )
    return prepared


def _check_balance(checked: CheckedTable, number: int, row: dict[str, Any]) -> None:
    assets, liabilities, equity = row["total_assets"], row["total_liabilities"], row["equity"]
    if assets is None or liabilities is None or equity is None:
        return
    gap = assets - (liabilities + equity)
    tolerance = max(BALANCE_TOLERANCE_RUPEES, BALANCE_TOLERANCE_SHARE * abs(assets))
    if abs(gap) > tolerance:
        checked.error(
            "ingest.unbalanced",
            said(
                N_(
                    "the balance sheet does not balance: total assets {assets} ≠ total "
                    "liabilities {liabilities} + equity {equity} (difference {gap}; tolerance "
                    "{tolerance})"
                ),
                assets=f"{assets:,}",
                liabilities=f"{liabilities:,}",
                equity=f"{equity:,}",
                gap=f"{gap:,}",
                tolerance=f"{tolerance:,.0f}",
            ),
            number,
            "total_assets",
            assets,
        )
    current, total = row["current_assets"], row["total_assets"]
    if current is not None and total is not None and current > total:
        checked.error(
            "ingest.inconsistent-values",
            said(
                N_("current assets {current} exceed total assets {total}"),
                current=f"{current:,}",
                total=f"{total:,}",
            ),
            number,
            "current_assets",
            current,
        )


def _check_jumps(checked: CheckedTable, lookup: ReferenceLookup, entity_id: int, period: Period,
                 number: int, row: dict[str, Any]) -> None:  # fmt: skip
    previous = (
        Period(period.fiscal_year, "quarter", period.number - 1)
        if period.number > 1
        else Period(period.fiscal_year.previous(), "quarter", 4)
    )
    f, p = table("pse_financials"), table("periods")
    query = (
        sa.select(*(f.c[line] for line in JUMP_LINES))
        .join(p, p.c.id == f.c.period_id)
        .where(f.c.entity_id == entity_id, p.c.code == previous.code)
    )
    before = lookup.connection.execute(query).first()
    if before is None:
        return
    for line, old in zip(JUMP_LINES, before, strict=True):
        new = row[line]
        if old is None or new is None or old < JUMP_MIN_BASE or new <= 0:
            continue
        ratio = new / old
        if ratio >= JUMP_FACTOR or ratio <= 1 / JUMP_FACTOR:
            checked.warn(
                "ingest.implausible-jump",
                said(
                    N_(
                        "is {ratio} times the previous quarter's ({quarter}: {old}): implausible "
                        "jump, please check"
                    ),
                    ratio=f"{ratio:,.1f}",
                    quarter=previous.code,
                    old=f"{old:,}",
                ),
                number,
                line,
                new,
            )


def prepare_pse_kpi(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                    ) -> PreparedReturn | None:  # fmt: skip
    scope = _pse_scope(checked, lookup, declared)
    rows = []
    for number, row in _records(checked):
        indicator = lookup.indicators.get(row["indicator_code"] or "")
        if row["indicator_code"] is None:
            continue
        if indicator is None:
            checked.error(
                "ingest.unknown-code",
                N_("no indicator has this code"),
                number,
                "indicator_code",
                row["indicator_code"],
            )
            continue
        if indicator.extra["level"] != "entity":
            checked.error(
                "ingest.wrong-level",
                N_(
                    "is a province-level indicator: it belongs in the department's "
                    "indicator_targets return, not a PSE's"
                ),
                number,
                "indicator_code",
                row["indicator_code"],
            )
            continue
        _check_values(checked, number, row, indicator.extra["unit"])
        rows.append({"indicator_id": indicator.id, "target": row["target"],
                     "actual": row["actual"]})  # fmt: skip
    if scope is None:
        return None
    entity_id, entity_code, period = scope
    prepared = PreparedReturn(
        "pse_kpi", "indicator_values", period, entity_id=entity_id,
        scope_label=f"{entity_code} {period.code}",
        due_date=schedule_for("pse_kpi").due_date(period),
    )  # fmt: skip
    prepared.rows = [
        r | {"entity_id": entity_id, "district_id": None, "period_code": period.code} for r in rows
    ]
    return prepared


def _check_values(checked: CheckedTable, number: int, row: dict[str, Any], unit: str | None
                  ) -> None:  # fmt: skip
    if row["target"] is None and row["actual"] is None:
        checked.error("ingest.no-value", N_("gives neither a target nor an actual"), number,
                      "target")  # fmt: skip
    if unit == "%":
        for column in ("target", "actual"):
            if row[column] is not None and row[column] > 100:
                checked.warn(
                    "ingest.implausible-value",
                    N_("is a percentage above 100: implausible, please check"),
                    number,
                    column,
                    row[column],
                )


# --- department returns ------------------------------------------------------------------------


def _department_scope(
    checked: CheckedTable,
    lookup: ReferenceLookup,
    declared: Declared,
    derived_from: Callable[[], int | None] | None = None,
) -> tuple[int, str, FiscalYear] | None:
    if declared.entity:
        checked.error(
            "ingest.option-mismatch",
            "a PSE was given as the sender of this return, but a department return is sent for "
            "a department (its code in department_code)",
        )
    code, source = resolve_code(checked, "department_code", declared.department, "department")
    department_id = None
    if code is not None:
        found = find_code(
            checked, lookup.departments, code, source, "department_code", "department"
        )
        department_id = found.id if found else None
    elif derived_from is not None:
        department_id = derived_from()
        if department_id is None:
            checked.error(
                "ingest.missing-scope",
                "the file does not say which department it is sent for: write the department's "
                "code (e.g. HLT) in a department_code column",
            )
    else:
        checked.error(
            "ingest.missing-scope",
            "the file does not say which department it is sent for: write the department's code "
            "(e.g. HLT) in a department_code column",
        )
    year = resolve_fiscal_year(checked, declared)
    if department_id is None or year is None:
        return None
    return department_id, lookup.department_code(department_id), year


def _check_month(checked: CheckedTable, number: int, code: str | None, column: str) -> int | None:
    if code is None:
        return None
    period = Period.parse(code)
    if period.kind != "month":
        checked.error(
            "ingest.bad-period", "is not a fiscal month code, e.g. 2024-25M01", number, column, code
        )
        return None
    return period.number


def prepare_budget_extract(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                           ) -> PreparedReturn | None:  # fmt: skip
    records = _records(checked)

    def first_department() -> int | None:
        for _, row in records:
            found = lookup.cost_centres.get(row["cost_centre_code"] or "")
            if found:
                return int(found.extra["department_id"])
        return None

    scope = _department_scope(checked, lookup, declared, first_department)
    department_id = scope[0] if scope else None
    rows = []
    lines: dict[tuple, list] = {}
    for number, row in records:
        centre, head = _check_budget_codes(checked, lookup, number, row, department_id)
        month = _check_month(checked, number, row["month"], "month")
        if centre is None or head is None or month is None:
            continue
        rows.append({"month": month, "department_id": centre.extra["department_id"],
                     "cost_centre_id": centre.id, "budget_type": row["budget_type"],
                     "economic_class_id": head.id,
                     **{k: row[k] for k in ("original_budget", "revised_budget", "released",
                                            "expended")}})  # fmt: skip
        key = (row["cost_centre_code"], row["budget_type"], row["economic_class_code"])
        lines.setdefault(key, []).append((number, row["released"], row["expended"]))
    _warn_expended_above_released(checked, lines)
    if scope is None:
        return None
    department_id, code, year = scope
    prepared = PreparedReturn(
        "budget_extract",
        "budget_lines",
        Period(year),
        department_id=department_id,
        scope_label=f"{code} {year}",
    )
    prepared.rows = [r | {"fiscal_year": year.start_year} for r in rows]
    return prepared


def _check_budget_codes(
    checked: CheckedTable,
    lookup: ReferenceLookup,
    number: int,
    row: dict[str, Any],
    department_id: int | None,
) -> tuple[CodeRow | None, CodeRow | None]:
    """The row's cost centre and economic head; an error for a code the database does not know
    and for a cost centre of another department."""
    centre = lookup.cost_centres.get(row["cost_centre_code"] or "")
    head = lookup.economic_classes.get(row["economic_class_code"] or "")
    if row["cost_centre_code"] is not None and centre is None:
        checked.error(
            "ingest.unknown-code",
            "no cost centre has this code",
            number,
            "cost_centre_code",
            row["cost_centre_code"],
        )
    elif (
        centre is not None
        and department_id is not None
        and (centre.extra["department_id"] != department_id)
    ):
        owner = lookup.department_code(int(centre.extra["department_id"]))
        checked.error(
            "ingest.foreign-code",
            f"belongs to department {owner}, not {lookup.department_code(department_id)}",
            number,
            "cost_centre_code",
            row["cost_centre_code"],
        )
    if row["economic_class_code"] is not None and head is None:
        checked.error(
            "ingest.unknown-code",
            "no economic classification head has this code",
            number,
            "economic_class_code",
            row["economic_class_code"],
        )
    return centre, head


def _warn_expended_above_released(checked: CheckedTable, lines: dict[tuple, list]) -> None:
    for (centre, budget_type, head), months in lines.items():
        released = sum(r or 0 for _, r, _ in months)
        expended = sum(e or 0 for _, _, e in months)
        if expended > released:
            checked.warn(
                "ingest.overspent",
                f"expenditure {expended:,} exceeds releases {released:,} on the line {centre} "
                f"{budget_type} {head} over the file's months: please check",
                max(n for n, _, _ in months),
                "expended",
                expended,
            )


def prepare_revenue(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                    ) -> PreparedReturn | None:  # fmt: skip
    scope = _department_scope(checked, lookup, declared)
    rows = []
    for number, row in _records(checked):
        head = lookup.revenue_heads.get(row["revenue_head_code"] or "")
        month = _check_month(checked, number, row["month"], "month")
        if row["revenue_head_code"] is not None and head is None:
            checked.error(
                "ingest.unknown-code",
                "no revenue head has this code",
                number,
                "revenue_head_code",
                row["revenue_head_code"],
            )
        if head is None or month is None:
            continue
        rows.append(
            {
                "month": month,
                "revenue_head_id": head.id,
                **{k: row[k] for k in ("estimate", "revised_estimate", "receipts")},
            }
        )
    if scope is None:
        return None
    department_id, code, year = scope
    prepared = PreparedReturn(
        "revenue",
        "revenue_lines",
        Period(year),
        department_id=department_id,
        scope_label=f"{code} {year}",
    )
    prepared.rows = [
        r | {"fiscal_year": year.start_year, "department_id": department_id} for r in rows
    ]
    return prepared


def prepare_indicator_targets(checked: CheckedTable, lookup: ReferenceLookup, declared: Declared
                              ) -> PreparedReturn | None:  # fmt: skip
    records = _records(checked)

    def first_department() -> int | None:
        for _, row in records:
            found = lookup.indicators.get(row["indicator_code"] or "")
            if found:
                return int(found.extra["department_id"])
        return None

    scope = _department_scope(checked, lookup, declared, first_department)
    department_id = scope[0] if scope else None
    new: dict[str, dict[str, Any]] = {}
    rows = []
    for number, row in records:
        checked_row = _check_indicator_row(checked, lookup, number, row, department_id, new)
        if checked_row is not None:
            rows.append(checked_row)
    if scope is None:
        return None
    department_id, department_code, year = scope
    prepared = PreparedReturn("indicator_targets", "indicator_values", Period(year),
                              department_id=department_id,
                              scope_label=f"{department_code} {year}")  # fmt: skip
    prepared.rows = rows
    prepared.new_indicators = [
        n | {"department_id": department_id, "level": "province",
             "description": f"{n['name']} ({n['unit']}); registered by an indicator return."}
        for n in new.values()
    ]  # fmt: skip
    return prepared


def _check_indicator_row(checked: CheckedTable, lookup: ReferenceLookup, number: int,
                         row: dict[str, Any], department_id: int | None,
                         new: dict[str, dict[str, Any]]) -> dict[str, Any] | None:  # fmt: skip
    """Check one row of an indicator return: the row to load, or None (an error, or no period).
    A new indicator's definition, on its first row, is added to ``new``."""
    code = row["indicator_code"]
    if code is None:
        return None
    definition = {c: row[c] for c in DEFINITION_COLUMNS}
    indicator = lookup.indicators.get(code)
    if indicator is None and code not in new:
        missing = [c for c, v in definition.items() if v is None]
        if missing:
            checked.error(
                "ingest.unknown-code",
                "no indicator has this code; to register a new indicator fill "
                f"{', '.join(DEFINITION_COLUMNS)} (missing: {', '.join(missing)})",
                number,
                "indicator_code",
                code,
            )
            return None
        new[code] = {"code": code, "name": definition["indicator_name"],
                     "unit": definition["unit"], "direction": definition["direction"],
                     "frequency": definition["frequency"]}  # fmt: skip
    if indicator is not None:
        if not _check_known_indicator(checked, lookup, number, row, indicator, department_id):
            return None
        frequency, unit = indicator.extra["frequency"], indicator.extra["unit"]
    else:
        frequency, unit = new[code]["frequency"], new[code]["unit"]
    period = Period.parse(row["period"]) if row["period"] else None
    wanted = FREQUENCY_KIND.get(frequency)
    if period is not None and wanted is not None and period.kind != wanted:
        checked.error(
            "ingest.bad-period",
            f"is not a {wanted} code: {code} is reported {frequency}",
            number,
            "period",
            row["period"],
        )
        return None
    district = None
    if row["district_code"] is not None:
        district = lookup.districts.get(row["district_code"])
        if district is None:
            checked.error(
                "ingest.unknown-code",
                "no district has this code",
                number,
                "district_code",
                row["district_code"],
            )
            return None
    _check_values(checked, number, row, unit)
    if period is None:
        return None
    return {"indicator_code": code, "period_code": period.code,
            "district_id": district.id if district else None, "entity_id": None,
            "target": row["target"], "actual": row["actual"]}  # fmt: skip


def _check_known_indicator(checked: CheckedTable, lookup: ReferenceLookup, number: int,
                           row: dict[str, Any], indicator: Any, department_id: int | None
                           ) -> bool:  # fmt: skip
    code = row["indicator_code"]
    if indicator.extra["level"] != "province":
        checked.error(
            "ingest.wrong-level",
            "is a PSE-level indicator: PSEs report it in their pse_kpi return",
            number,
            "indicator_code",
            code,
        )
        return False
    if department_id is not None and indicator.extra["department_id"] != department_id:
        owner = lookup.department_code(int(indicator.extra["department_id"]))
        checked.error(
            "ingest.foreign-code",
            f"belongs to department {owner}, not {lookup.department_code(department_id)}",
            number,
            "indicator_code",
            code,
        )
        return False
    registered = {"indicator_name": indicator.extra["name"], "unit": indicator.extra["unit"],
                  "direction": indicator.extra["direction"],
                  "frequency": indicator.extra["frequency"]}  # fmt: skip
    for column, value in registered.items():
        if row[column] is not None and row[column] != value:
            checked.warn(
                "ingest.definition-differs",
                f"differs from the registered {column} {value!r}, which is kept",
                number,
                column,
                row[column],
            )
    return True


PREPARERS: dict[str, Callable[[CheckedTable, ReferenceLookup, Declared], PreparedReturn | None]] = {
    "pse_financial": prepare_pse_financial,
    "pse_kpi": prepare_pse_kpi,
    "budget_extract": prepare_budget_extract,
    "revenue": prepare_revenue,
    "indicator_targets": prepare_indicator_targets,
}
