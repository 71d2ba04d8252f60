"""Write the data the database holds for one return key back in that return's file shape.

Used to prove that the demo province passes the same validation as real submissions (its data,
exported as return files, must validate without errors) and to hand a sender the current
version of a return to correct.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.fiscal import Period
from kpilib.ingest.schemas import spec_for
from kpilib.store.models import PSE_FINANCIAL_LINES
from kpilib.store.queries import read_frame
from kpilib.store.writes import table


def _month_code(fiscal_year: int, month: int) -> str:
    from kpilib.fiscal import FiscalYear

    return Period(FiscalYear(fiscal_year), "month", int(month)).code


def load_return_frame(connection: Connection, return_type: str, sender_code: str,
                      period_code: str) -> pd.DataFrame:  # fmt: skip
    """The rows of one return key (PSE or department code, quarter or fiscal-year code) with the
    return's columns, in the order of its schema; values as the file would hold them."""
    spec = spec_for(return_type)
    period = Period.parse(period_code)
    select = _SELECTS.get(return_type, _select_indicator_targets)
    frame = read_frame(connection, select(sender_code, period))
    if "month" in frame.columns and "fiscal_year" in frame.columns:
        frame["month"] = [_month_code(y, m) for y, m in zip(frame["fiscal_year"], frame["month"],
                                                             strict=True)]  # fmt: skip
        frame = frame.drop(columns="fiscal_year")
    for column in spec.columns:
        if column.kind == "money" and column.name in frame.columns:
            frame[column.name] = pd.array(
                [None if v is None or pd.isna(v) else int(v) for v in frame[column.name]],
                dtype="Int64",
            )
    return frame.reindex(columns=[c for c in spec.column_names if c in frame.columns])


def _select_pse_financial(sender_code: str, period: Period) -> sa.Select:
    """The query of a PSE's financial statement for a quarter."""
    f, e, p = table("pse_financials"), table("entities"), table("periods")
    return (
        sa.select(e.c.code.label("entity_code"), p.c.code.label("period"),
                  *(f.c[line] for line in PSE_FINANCIAL_LINES))
        .join(e, e.c.id == f.c.entity_id).join(p, p.c.id == f.c.period_id)
        .where(e.c.code == sender_code, p.c.code == period.code)
    )  # fmt: skip


def _select_pse_kpi(sender_code: str, period: Period) -> sa.Select:
    """The query of a PSE's operational KPI values for a quarter."""
    v, e, i, p = table("indicator_values"), table("entities"), table("indicators"), table("periods")
    return (
        sa.select(e.c.code.label("entity_code"), p.c.code.label("period"),
                  i.c.code.label("indicator_code"), v.c.target, v.c.actual)
        .join(e, e.c.id == v.c.entity_id).join(p, p.c.id == v.c.period_id)
        .join(i, i.c.id == v.c.indicator_id)
        .where(e.c.code == sender_code, p.c.code == period.code).order_by(i.c.code)
    )  # fmt: skip


def _select_budget_extract(sender_code: str, period: Period) -> sa.Select:
    """The query of a department's budget lines for a fiscal year."""
    b, d, c, x = (table(n) for n in ("budget_lines", "departments", "cost_centres",
                                     "economic_classes"))  # fmt: skip
    return (
        sa.select(d.c.code.label("department_code"), c.c.code.label("cost_centre_code"),
                  b.c.budget_type, x.c.code.label("economic_class_code"), b.c.fiscal_year,
                  b.c.month, b.c.original_budget, b.c.revised_budget, b.c.released,
                  b.c.expended)
        .join(d, d.c.id == b.c.department_id).join(c, c.c.id == b.c.cost_centre_id)
        .join(x, x.c.id == b.c.economic_class_id)
        .where(d.c.code == sender_code, b.c.fiscal_year == period.fiscal_year.start_year)
        .order_by(c.c.code, b.c.budget_type, x.c.code, b.c.month)
    )  # fmt: skip


def _select_revenue(sender_code: str, period: Period) -> sa.Select:
    """The query of a department's revenue lines for a fiscal year."""
    r, d, h = table("revenue_lines"), table("departments"), table("revenue_heads")
    return (
        sa.select(d.c.code.label("department_code"), h.c.code.label("revenue_head_code"),
                  r.c.fiscal_year, r.c.month, r.c.estimate, r.c.revised_estimate,
                  r.c.receipts)
        .join(d, d.c.id == r.c.department_id).join(h, h.c.id == r.c.revenue_head_id)
        .where(d.c.code == sender_code, r.c.fiscal_year == period.fiscal_year.start_year)
        .order_by(h.c.code, r.c.month)
    )  # fmt: skip


def _select_indicator_targets(sender_code: str, period: Period) -> sa.Select:
    """The query of a department's province-level indicator values for a fiscal year."""
    v, d, i, s = (table(n) for n in ("indicator_values", "departments", "indicators",
                                     "districts"))  # fmt: skip
    p = table("periods")
    return (
        sa.select(d.c.code.label("department_code"), i.c.code.label("indicator_code"),
                  p.c.code.label("period"), s.c.code.label("district_code"), v.c.target,
                  v.c.actual)
        .join(i, i.c.id == v.c.indicator_id).join(d, d.c.id == i.c.department_id)
        .join(p, p.c.id == v.c.period_id).outerjoin(s, s.c.id == v.c.district_id)
        .where(d.c.code == sender_code, v.c.entity_id.is_(None),
               p.c.fiscal_year == period.fiscal_year.start_year)
        .order_by(i.c.code, p.c.start_date, p.c.kind, s.c.code)
    )  # fmt: skip


#: The query of each return type. Another spelling that :func:`spec_for` accepts (``PSE-KPI``)
#: is not in it and gets the indicator targets' query.
_SELECTS: dict[str, Callable[[str, Period], sa.Select]] = {
    "pse_financial": _select_pse_financial,
    "pse_kpi": _select_pse_kpi,
    "budget_extract": _select_budget_extract,
    "revenue": _select_revenue,
    "indicator_targets": _select_indicator_targets,
}
