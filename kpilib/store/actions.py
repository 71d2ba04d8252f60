"""Reading and writing the follow-up actions of red flags (issue 17): SQL only, the rules are in
:mod:`kpilib.kpis.actions`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.store.queries import read_frame
from kpilib.store.writes import as_utc, table

#: The columns of :func:`load_actions`.
ACTION_COLUMNS = [
    "action_id", "kind", "flag_key", "fiscal_year", "period_code", "department_code",
    "department_name", "department_name_ur", "entity_code", "entity_name", "entity_name_ur",
    "severity", "subject", "message",
    "opened_on", "due_on", "status", "answer", "answered_at", "answered_by", "decision_note",
    "decided_at", "decided_by", "closed_on", "is_demo",
]  # fmt: skip


def existing_flag_keys(connection: Connection, kind: str, keys: Sequence[str]) -> set[str]:
    """The ``keys`` of flags of ``kind`` that already have an action."""
    a = table("actions")
    found: set[str] = set()
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = connection.execute(
            sa.select(a.c.flag_key).where(a.c.kind == kind, a.c.flag_key.in_(chunk))
        )
        found.update(row.flag_key for row in rows)
    return found


def owner_ids(connection: Connection) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Department code → id, and PSE code → (entity id, its department's id)."""
    d, e = table("departments"), table("entities")
    departments = {r.code: r.id for r in connection.execute(sa.select(d.c.code, d.c.id))}
    entities = {
        r.code: (r.id, r.department_id)
        for r in connection.execute(sa.select(e.c.code, e.c.id, e.c.department_id))
    }
    return departments, entities


def insert_actions(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert action rows (columns of ``actions``); their ids."""
    a = table("actions")
    return [int(connection.execute(a.insert().returning(a.c.id), row).scalar_one()) for row in rows]


def lock_action(connection: Connection, action_id: int) -> sa.Row | None:
    """The action ``action_id`` (all columns), its row locked until the transaction ends."""
    a = table("actions")
    return connection.execute(
        sa.select(a).where(a.c.id == int(action_id)).with_for_update()
    ).first()


def update_action(connection: Connection, action_id: int, values: dict[str, Any]) -> None:
    """Set ``values`` on the action ``action_id``."""
    a = table("actions")
    connection.execute(a.update().where(a.c.id == int(action_id)).values(**values))


def load_actions(
    connection: Connection,
    *,
    department_code: str | None = None,
    entity_code: str | None = None,
    fiscal_year: int | None = None,
    statuses: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Actions (:data:`ACTION_COLUMNS`, the department's and PSE's Urdu names beside their
    English ones), most urgent due date first, filtered by department, PSE, fiscal year (start
    year) and status when given."""
    a, d, e = table("actions"), table("departments"), table("entities")
    query = (
        sa.select(
            a.c.id.label("action_id"), a.c.kind, a.c.flag_key, a.c.fiscal_year, a.c.period_code,
            d.c.code.label("department_code"), d.c.name.label("department_name"),
            d.c.name_ur.label("department_name_ur"), e.c.code.label("entity_code"),
            e.c.name.label("entity_name"), e.c.name_ur.label("entity_name_ur"), a.c.severity,
            a.c.subject, a.c.message, a.c.opened_on, a.c.due_on, a.c.status, a.c.answer,
            a.c.answered_at, a.c.answered_by, a.c.decision_note, a.c.decided_at, a.c.decided_by,
            a.c.closed_on, a.c.is_demo,
        )
        .join(d, d.c.id == a.c.department_id)
        .outerjoin(e, e.c.id == a.c.entity_id)
        .order_by(a.c.due_on, a.c.id)
    )  # fmt: skip
    if department_code is not None:
        query = query.where(d.c.code == department_code)
    if entity_code is not None:
        query = query.where(e.c.code == entity_code)
    if fiscal_year is not None:
        query = query.where(a.c.fiscal_year == int(fiscal_year))
    if statuses is not None:
        query = query.where(a.c.status.in_(list(statuses)))
    frame = read_frame(connection, query)
    for column in (
        "department_name_ur",
        "entity_code",
        "entity_name",
        "entity_name_ur",
        "answer",
        "answered_by",
        "decision_note",
        "decided_by",
        "closed_on",
    ):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    for column in ("answered_at", "decided_at"):
        frame[column] = [None if v is None else as_utc(v) for v in frame[column]]
    return frame[ACTION_COLUMNS]
