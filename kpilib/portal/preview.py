"""What an officer checks before confirming an upload, and what a reviewer checks before
approving a return: its key figures beside the previous quarter's, with the changes that are
large enough to look at twice.

A change is **flagged** when a figure moved by more than :data:`CHANGE_THRESHOLD` of its previous
value (50 %: the same materiality floor as the data-quality outliers, see
``docs/methodology.md``), or changed sign, or appeared or vanished. It is a prompt to check, not
an error: the return is accepted either way.

A yearly return (governance, its notes, support) has no figure to set beside a quarter: its
preview is its rows as they would be loaded, column by column, for the officer to read again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.fiscal import FiscalYear, Period
from kpilib.i18n import N_
from kpilib.ingest.schemas import RETURN_SPECS
from kpilib.store.governance import load_pse_governance, load_pse_governance_notes
from kpilib.store.models import PSE_FINANCIAL_LINES
from kpilib.store.support import load_pse_support
from kpilib.store.writes import table

#: A move larger than this share of the previous value is flagged (0.5: more than 50 %).
CHANGE_THRESHOLD = 0.5
#: The figures of a financial statement the preview shows, in order.
KEY_LINES = (
    "revenue", "grants_subsidies", "operating_expenses", "net_income", "cash",
    "current_assets", "current_liabilities", "total_assets", "total_liabilities", "equity",
    "overdue_payables",
)  # fmt: skip
#: Each line's label as the preview stores it (English; shown with ``_()``).
LINE_LABELS = {
    "revenue": N_("Revenue"),
    "grants_subsidies": N_("Grants subsidies"),
    "operating_expenses": N_("Operating expenses"),
    "ebit": N_("Ebit"),
    "interest_expense": N_("Interest expense"),
    "net_income": N_("Net income"),
    "cash": N_("Cash"),
    "inventories": N_("Inventories"),
    "current_assets": N_("Current assets"),
    "current_liabilities": N_("Current liabilities"),
    "total_assets": N_("Total assets"),
    "total_liabilities": N_("Total liabilities"),
    "equity": N_("Equity"),
    "retained_earnings": N_("Retained earnings"),
    "borrowings": N_("Borrowings"),
    "overdue_payables": N_("Overdue payables"),
}


def previous_quarter(period_code: str) -> str:
    """``2025-26Q1`` → ``2024-25Q4``; a yearly return's year → the year before (``2025-26`` →
    ``2024-25``)."""
    period = Period.parse(period_code)
    if period.kind == "year":
        return period.fiscal_year.previous().label
    if period.number == 1:
        return Period(period.fiscal_year.previous(), "quarter", 4).code
    return Period(period.fiscal_year, "quarter", period.number - 1).code


def compare(previous: float | None, current: float | None) -> tuple[float | None, bool]:
    """The relative change (None when it cannot be computed) and whether it is flagged."""
    if previous is None and current is None:
        return None, False
    if previous is None or current is None:
        return None, True  # appeared or vanished
    if previous == 0:
        return None, current != 0
    change = (current - previous) / abs(previous)
    sign_changed = (previous > 0) != (current > 0) and current != 0
    flagged = abs(change) > CHANGE_THRESHOLD or sign_changed
    return change, flagged


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def statement_rows(
    current: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """A financial statement beside the previous one: ``item, current, previous, change,
    flagged`` for each key line."""
    rows = []
    for line in KEY_LINES:
        now = _number(current.get(line))
        before = _number(previous.get(line)) if previous is not None else None
        change, flagged = compare(before, now) if previous is not None else (None, False)
        rows.append({"item": LINE_LABELS.get(line, line), "current": now, "previous": before,
                     "change": change, "flagged": flagged})  # fmt: skip
    return rows


def load_statement(
    connection: Connection, entity_code: str, period_code: str
) -> dict[str, Any] | None:
    """A PSE's loaded statement for a quarter (None: none loaded)."""
    f, e, p = table("pse_financials"), table("entities"), table("periods")
    row = connection.execute(
        sa.select(*(f.c[line] for line in PSE_FINANCIAL_LINES))
        .join(e, e.c.id == f.c.entity_id)
        .join(p, p.c.id == f.c.period_id)
        .where(e.c.code == entity_code, p.c.code == period_code)
    ).first()
    return dict(row._mapping) if row is not None else None


def load_indicator_actuals(
    connection: Connection, entity_code: str, period_code: str
) -> dict[str, float | None]:
    """A PSE's reported indicator actuals for a quarter, by indicator code."""
    v, i, e, p = (table(n) for n in ("indicator_values", "indicators", "entities", "periods"))
    query = (
        sa.select(i.c.code, v.c.actual)
        .join(i, i.c.id == v.c.indicator_id)
        .join(e, e.c.id == v.c.entity_id)
        .join(p, p.c.id == v.c.period_id)
        .where(e.c.code == entity_code, p.c.code == period_code)
    )
    return {code: _number(actual) for code, actual in connection.execute(query)}


def indicator_names(connection: Connection) -> dict[str, str]:
    """Every indicator's name, by code."""
    i = table("indicators")
    return {code: name for code, name in connection.execute(sa.select(i.c.code, i.c.name))}


#: Columns of a yearly return's rows that say whose and which it is, not what it reports.
SCOPE_COLUMNS = ("entity_code", "period")


#: The yearly returns' columns as the preview names them (English; shown with ``_()``).
COLUMN_LABELS = {
    "as_at": N_("As at"),
    "board_size": N_("Board size"),
    "independent_members": N_("Independent members"),
    "non_executive_members": N_("Non executive members"),
    "executive_members": N_("Executive members"),
    "ex_officio_members": N_("Ex officio members"),
    "women_members": N_("Women members"),
    "vacancies": N_("Vacancies"),
    "board_meetings": N_("Board meetings"),
    "board_attendance_pct": N_("Board attendance (%)"),
    "chair_independent": N_("Chair independent"),
    "chair_separate_from_ceo": N_("Chair separate from CEO"),
    "ceo_status": N_("CEO status"),
    "ceo_since": N_("CEO since"),
    "cfo_status": N_("CFO status"),
    "cfo_since": N_("CFO since"),
    "audit_committee_members": N_("Audit committee members"),
    "audit_committee_chair_independent": N_("Audit committee chair independent"),
    "audit_committee_meetings": N_("Audit committee meetings"),
    "internal_audit_function": N_("Internal audit function"),
    "risk_management_policy": N_("Risk management policy"),
    "audited_accounts_year": N_("Audited accounts year"),
    "auditor_report_date": N_("Auditor report date"),
    "auditor": N_("Auditor"),
    "audit_opinion": N_("Audit opinion"),
    "annual_report_published": N_("Annual report published"),
    "agm_date": N_("AGM date"),
    "rule_id": N_("Rule ID"),
    "reason": N_("Reason"),
    "line_of_action": N_("Line of action"),
    "instrument": N_("Instrument"),
    "amount": N_("Amount"),
    "utilisation_report_date": N_("Utilisation report date"),
}

#: The words of the choices a yearly return offers (its columns' allowed values, in the ingest
#: schemas), shown in the reader's language; a value typed in a free-text column is shown as
#: typed. In English every value is shown as typed.
CHOICE_WORDS = {
    "yes": N_("yes"), "no": N_("no"),
    "regular": N_("regular"), "acting": N_("acting"), "vacant": N_("vacant"),
    "unmodified": N_("unmodified"), "qualified": N_("qualified"), "adverse": N_("adverse"),
    "disclaimer": N_("disclaimer"),
    "grant_in_aid": N_("grant in aid"), "subsidy": N_("subsidy"),
    "equity_injection": N_("equity injection"), "loan_disbursed": N_("loan disbursed"),
    "loan_repaid": N_("loan repaid"), "loan_interest": N_("interest on loans"),
    "loan_arrears": N_("loan arrears"), "guarantee_issued": N_("guarantee issued"),
    "guarantee_outstanding": N_("guarantee outstanding"),
    "guarantee_called": N_("guarantee called"), "other_relief": N_("other relief"),
}  # fmt: skip


@cache
def choice_columns() -> Mapping[str, frozenset[str]]:
    """The yearly returns' columns with a list of allowed values, and those values."""
    found: dict[str, frozenset[str]] = {}
    for spec in RETURN_SPECS.values():
        if spec.period_kind == "year":
            for column in spec.columns:
                if column.choices:
                    found[column.name] = found.get(column.name, frozenset()) | set(column.choices)
    return found


def is_yearly_return(return_type: str) -> bool:
    """Whether a return covers a fiscal year (its preview lists its rows)."""
    spec = RETURN_SPECS.get(return_type)
    return spec is not None and spec.period_kind == "year"


def _cell(value: Any, kind: str = "text") -> str:
    """A loaded value as the officer reads it: yes / no, a fiscal year as its label (stored as
    its start year), dates and numbers as written."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "period" and isinstance(value, int | float) and not isinstance(value, bool):
        return FiscalYear(int(value)).label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)[:10] if hasattr(value, "isoformat") else str(value)


def rows_preview(return_type: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A yearly return's rows as they would be loaded: ``columns`` (the return's own, in the
    template's order) and ``rows`` (each a list of texts)."""
    spec = RETURN_SPECS[return_type]
    present = {key for row in rows for key in row}
    columns = [c for c in spec.columns if c.name in present and c.name not in SCOPE_COLUMNS]
    return {
        "columns": [c.name for c in columns],
        "rows": [[_cell(row.get(c.name), c.kind) for c in columns] for row in rows],
    }


def load_year_rows(
    connection: Connection, return_type: str, entity_code: str, period_code: str
) -> list[dict[str, Any]]:
    """A PSE's loaded rows of a yearly return for a fiscal year (the reviewer's view)."""
    start = FiscalYear.parse(period_code).start_year
    if return_type == "pse_governance":
        frame = load_pse_governance(connection, start)
    elif return_type == "pse_governance_notes":
        frame = load_pse_governance_notes(connection, start)
    elif return_type == "pse_support":
        frame = load_pse_support(connection, [start])
    else:
        return []
    mine = frame[frame["entity_code"] == entity_code]
    return [
        {str(k): (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in row.items()}
        for row in mine.to_dict("records")
    ]


def build_preview(
    connection: Connection,
    return_type: str,
    entity_code: str,
    period_code: str,
    rows: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The preview of a checked upload: its rows' key figures beside the previous quarter's
    (``rows`` are the dry run's, as they would be loaded); a yearly return's rows as they are
    (:func:`rows_preview`)."""
    before = previous_quarter(period_code)
    if is_yearly_return(return_type):
        return {"previous_period": before, "figures": [], "flagged": 0,
                **rows_preview(return_type, rows)}  # fmt: skip
    if return_type == "pse_financial" and rows:
        previous = load_statement(connection, entity_code, before)
        figures = statement_rows(rows[0], previous)
    else:
        actuals = load_indicator_actuals(connection, entity_code, before)
        names = indicator_names(connection)
        figures = []
        for row in rows:
            code = str(row.get("indicator_code"))
            change, flagged = compare(actuals.get(code), _number(row.get("actual")))
            item = f"{code} {names[code]}" if code in names else code
            figures.append({"item": item, "current": _number(row.get("actual")),
                            "previous": actuals.get(code), "change": change,
                            "flagged": flagged})  # fmt: skip
    return {
        "previous_period": before,
        "figures": figures,
        "flagged": sum(1 for f in figures if f["flagged"]),
    }
