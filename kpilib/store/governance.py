"""Reading the PSEs' governance returns (issue 17): the current facts and notes of a fiscal year.

Each query returns the rows of the current (accepted) version only: a load replaces the key's
rows, so the table holds what the latest version said.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.store.writes import table

#: The facts of ``pse_governance`` a rule may read (every column but the keys).
GOVERNANCE_FACTS = (
    "as_at", "board_size", "independent_members", "non_executive_members", "executive_members",
    "ex_officio_members", "women_members", "vacancies", "board_meetings", "board_attendance_pct",
    "chair_independent", "chair_separate_from_ceo", "ceo_status", "ceo_since", "cfo_status",
    "cfo_since", "audit_committee_members", "audit_committee_chair_independent",
    "audit_committee_meetings", "internal_audit_function", "risk_management_policy",
    "audited_accounts_year", "auditor_report_date", "auditor", "audit_opinion",
    "annual_report_published", "agm_date",
)  # fmt: skip


def _scope(name: str) -> tuple[sa.Table, sa.Select]:
    g, e, d, p = (table(n) for n in (name, "entities", "departments", "periods"))
    query = (
        sa.select(e.c.code.label("entity_code"), e.c.name.label("entity_name"), e.c.category,
                  d.c.code.label("department_code"), p.c.fiscal_year, g.c.submission_id)
        .join(e, e.c.id == g.c.entity_id)
        .join(d, d.c.id == e.c.department_id)
        .join(p, p.c.id == g.c.period_id)
    )  # fmt: skip
    return g, query


def load_pse_governance(connection: Connection, fiscal_year: int) -> pd.DataFrame:
    """Each PSE's governance facts for the fiscal year starting in ``fiscal_year``: entity
    columns, ``fiscal_year`` (start year), ``submission_id`` and :data:`GOVERNANCE_FACTS`."""
    g, query = _scope("pse_governance")
    query = query.add_columns(*(g.c[name] for name in GOVERNANCE_FACTS))
    p = table("periods")
    rows = connection.execute(
        query.where(p.c.fiscal_year == fiscal_year, p.c.kind == "year").order_by("entity_code")
    )
    return pd.DataFrame(rows.mappings().all(), columns=[*_SCOPE_COLUMNS, *GOVERNANCE_FACTS])


def load_pse_governance_notes(connection: Connection, fiscal_year: int) -> pd.DataFrame:
    """The reasons and lines of action the PSEs gave for the fiscal year starting in
    ``fiscal_year``: entity columns, ``rule_id``, ``reason``, ``line_of_action``."""
    n, query = _scope("pse_governance_notes")
    query = query.add_columns(n.c.rule_id, n.c.reason, n.c.line_of_action)
    p = table("periods")
    rows = connection.execute(
        query.where(p.c.fiscal_year == fiscal_year).order_by("entity_code", n.c.rule_id)
    )
    return pd.DataFrame(
        rows.mappings().all(), columns=[*_SCOPE_COLUMNS, "rule_id", "reason", "line_of_action"]
    )


_SCOPE_COLUMNS = [
    "entity_code", "entity_name", "category", "department_code", "fiscal_year", "submission_id",
]  # fmt: skip
