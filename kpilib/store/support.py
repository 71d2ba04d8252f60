"""Reading the government-support tables (issue 17): releases, the PSEs' own accounts and the
guarantee register. Each query returns the current (accepted) version's rows only."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.store.writes import table

RELEASE_COLUMNS = ["entity_code", "sender_code", "fiscal_year", "instrument", "amount"]
PSE_SUPPORT_COLUMNS = [
    "entity_code", "fiscal_year", "instrument", "amount", "utilisation_report_date",
]  # fmt: skip
GUARANTEE_COLUMNS = [
    "fiscal_year", "guarantee_ref", "entity_code", "lender", "issued_on", "expires_on",
    "amount_guaranteed", "outstanding", "called_on", "amount_called",
]  # fmt: skip


def _years(column: sa.ColumnElement, fiscal_years: Sequence[int] | None) -> list:
    return [] if fiscal_years is None else [column.in_(list(fiscal_years))]


def load_support_releases(
    connection: Connection, fiscal_years: Sequence[int] | None = None
) -> pd.DataFrame:
    """The budget side: ``entity_code, sender_code`` (the department that sent the return),
    ``fiscal_year`` (start year), ``instrument, amount`` (rupees)."""
    r, e, d = table("support_releases"), table("entities"), table("departments")
    query = (
        sa.select(e.c.code.label("entity_code"), d.c.code.label("sender_code"), r.c.fiscal_year,
                  r.c.instrument, r.c.amount)
        .join(e, e.c.id == r.c.entity_id)
        .join(d, d.c.id == r.c.department_id)
        .where(*_years(r.c.fiscal_year, fiscal_years))
        .order_by(e.c.code, r.c.fiscal_year, r.c.instrument)
    )  # fmt: skip
    return pd.DataFrame(connection.execute(query).mappings().all(), columns=RELEASE_COLUMNS)


def load_pse_support(
    connection: Connection, fiscal_years: Sequence[int] | None = None
) -> pd.DataFrame:
    """The PSEs' own accounts: ``entity_code, fiscal_year, instrument, amount,
    utilisation_report_date``."""
    s, e, p = table("pse_support"), table("entities"), table("periods")
    query = (
        sa.select(e.c.code.label("entity_code"), p.c.fiscal_year, s.c.instrument, s.c.amount,
                  s.c.utilisation_report_date)
        .join(e, e.c.id == s.c.entity_id)
        .join(p, p.c.id == s.c.period_id)
        .where(*_years(p.c.fiscal_year, fiscal_years))
        .order_by(e.c.code, p.c.fiscal_year, s.c.instrument)
    )  # fmt: skip
    return pd.DataFrame(connection.execute(query).mappings().all(), columns=PSE_SUPPORT_COLUMNS)


def load_guarantees(
    connection: Connection, fiscal_years: Sequence[int] | None = None
) -> pd.DataFrame:
    """The guarantee register as it stood at each year's end: :data:`GUARANTEE_COLUMNS`."""
    g, e = table("guarantees"), table("entities")
    columns = [g.c[c] for c in GUARANTEE_COLUMNS if c != "entity_code"]
    query = (
        sa.select(e.c.code.label("entity_code"), *columns)
        .join(e, e.c.id == g.c.entity_id)
        .where(*_years(g.c.fiscal_year, fiscal_years))
        .order_by(g.c.fiscal_year, g.c.guarantee_ref)
    )
    frame = pd.DataFrame(connection.execute(query).mappings().all(), columns=GUARANTEE_COLUMNS)
    return frame[GUARANTEE_COLUMNS]
