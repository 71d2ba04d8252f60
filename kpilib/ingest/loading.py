"""Load a validated return in the caller's transaction: nothing lost, nothing doubled.

For the return's key (PSE returns: entity × return type × quarter; department returns:
department × return type × fiscal year):

* the key is locked first (PostgreSQL: a transaction-level advisory lock; SQLite: the
  ``BEGIN IMMEDIATE`` write lock the engine already takes), so two loads of one key queue;
* if the key's current (accepted) submission has the same content hash, nothing happens;
* if its department's latest review approved it, the new version is refused
  (:class:`~kpilib.errors.ApprovedReturnLockedError`) until the reviewer reopens it
  (:func:`kpilib.portal.review.reopen`); the current submission's row is locked while this is
  read, so a review recorded at the same moment waits for the load or the other way round;
* otherwise a new submission is written (``version`` one more than the last, ``supersedes_id``
  the earlier one, which becomes ``superseded`` and is kept with its file), the key's rows in
  the data table are replaced by the file's rows, the file's bytes are kept in
  ``submission_files``, and the audit log records who loaded what and when.

A crash at any point leaves the database as before: all of it is one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from kpilib.errors import ApprovedReturnLockedError
from kpilib.fiscal import FiscalYear, periods_of_year
from kpilib.ingest.reading import RawTable
from kpilib.ingest.rules import PreparedReturn
from kpilib.present.formatting import format_date
from kpilib.problems import said
from kpilib.store.writes import as_utc, current_actor, insert_rows, record_audit, table, utc_now


@dataclass(frozen=True)
class LoadResult:
    """What a load did: ``loaded`` a new version, or found the same file ``unchanged``."""

    status: Literal["loaded", "unchanged"]
    submission_id: int
    version: int
    supersedes_id: int | None
    rows_replaced: int = 0
    received_at: Any = None
    submitted_by: str = ""


def file_hash(content: bytes) -> str:
    """SHA-256 of the file's bytes: the same file sent twice has the same hash."""
    return hashlib.sha256(content).hexdigest()


def _key_conditions(s: sa.Table, prepared: PreparedReturn, period_id: int) -> list:
    return [
        s.c.return_type == prepared.return_type,
        s.c.entity_id.is_(None) if prepared.entity_id is None else
        s.c.entity_id == prepared.entity_id,
        s.c.department_id.is_(None) if prepared.department_id is None else
        s.c.department_id == prepared.department_id,
        s.c.period_id == period_id,
    ]  # fmt: skip


def lock_key(connection: Connection, prepared: PreparedReturn) -> None:
    """Serialise loads of one key on PostgreSQL (SQLite writers are serialised already)."""
    if connection.dialect.name != "postgresql":
        return
    key = f"{prepared.return_type}:{prepared.entity_id}:{prepared.department_id}:"
    key += prepared.period.code
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(number)))


def ensure_fiscal_year(connection: Connection, year: FiscalYear) -> None:
    """Create a fiscal year and its 17 periods if the database lacks them (idempotent, safe
    when two loads do it at once)."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    years = table("fiscal_years")
    connection.execute(
        insert(years)
        .values(start_year=year.start_year, label=year.label, start_date=year.start_date,
                end_date=year.end_date)
        .on_conflict_do_nothing()
    )  # fmt: skip
    periods = table("periods")
    for period in periods_of_year(year):
        connection.execute(
            insert(periods)
            .values(code=period.code, fiscal_year=year.start_year, kind=period.kind,
                    number=period.number, start_date=period.start_date,
                    end_date=period.end_date)
            .on_conflict_do_nothing()
        )  # fmt: skip


def _period_ids(connection: Connection, year: FiscalYear) -> dict[str, int]:
    p = table("periods")
    query = sa.select(p.c.code, p.c.id).where(p.c.fiscal_year == year.start_year)
    return {code: ident for code, ident in connection.execute(query)}


def load_return(
    connection: Connection,
    prepared: PreparedReturn,
    raw: RawTable,
    *,
    actor: str | None = None,
    received_at: datetime | None = None,
) -> LoadResult:
    """Load ``prepared`` (read from ``raw``) in ``connection``'s transaction. ``received_at``:
    when the file arrived, if earlier than now (the portal's receipt time); default now."""
    lock_key(connection, prepared)
    ensure_fiscal_year(connection, prepared.period.fiscal_year)
    period_ids = _period_ids(connection, prepared.period.fiscal_year)
    period_id = period_ids[prepared.period.code]
    digest = file_hash(raw.content)
    previous = _load_current_submission(connection, prepared, period_id, lock=True)
    locked = _approval_lock(connection, previous, digest)
    if locked is not None:
        raise locked
    if previous is not None and previous.content_hash == digest:
        return LoadResult(
            "unchanged",
            previous.id,
            previous.version,
            None,
            received_at=previous.received_at,
            submitted_by=previous.submitted_by,
        )
    actor = actor or current_actor()
    received_at = received_at or utc_now()
    submission_id = _insert_submission(
        connection, prepared, raw, period_id, previous, digest, received_at, actor
    )
    indicator_ids = _register_indicators(connection, prepared)
    replaced = _delete_key_rows(connection, prepared, period_id, period_ids)
    rows = [_row_for_table(r, period_ids, indicator_ids, submission_id) for r in prepared.rows]
    insert_rows(connection, prepared.table_name, rows)
    version = previous.version + 1 if previous else 1
    record_audit(
        connection,
        "ingest",
        table_name=prepared.table_name,
        submission_id=submission_id,
        row_count=len(rows),
        actor=actor,
        details={
            "return_type": prepared.return_type, "scope": prepared.scope_label,
            "file": raw.file_name, "sheet": raw.sheet, "content_hash": digest,
            "version": version, "supersedes_id": previous.id if previous else None,
            "rows_replaced": replaced, "new_indicators": [n["code"] for n in
                                                          prepared.new_indicators],
        },
    )  # fmt: skip
    return LoadResult("loaded", submission_id, version, previous.id if previous else None,
                      replaced, received_at, actor)  # fmt: skip


def _load_current_submission(
    connection: Connection, prepared: PreparedReturn, period_id: int, *, lock: bool = False
) -> sa.Row | None:
    """The key's latest submission (highest version), if any; ``lock``: with its row locked
    until the transaction ends (PostgreSQL; SQLite's writers hold the database's lock)."""
    s = table("submissions")
    query = (
        sa.select(s.c.id, s.c.version, s.c.content_hash, s.c.received_at, s.c.submitted_by)
        .where(*_key_conditions(s, prepared, period_id))
        .order_by(s.c.version.desc(), s.c.id.desc())
        .limit(1)
    )
    return connection.execute(query.with_for_update() if lock else query).first()


def department_label(name: str) -> str:
    """``Health`` → ``Health Department`` (a name that says Department already stays)."""
    return name if name.lower().endswith("department") else f"{name} Department"


def _approval_lock(
    connection: Connection, current: sa.Row | None, digest: str
) -> ApprovedReturnLockedError | None:
    """The refusal of a new version (content ``digest``) of a return whose ``current`` version
    its department has approved (its latest review, as the portal shows it); None when the
    file may load: no current version, the same file again, or not approved."""
    if current is None or current.content_hash == digest:
        return None
    r, s, e, d = (table(n) for n in ("reviews", "submissions", "entities", "departments"))
    latest = connection.execute(
        sa.select(r.c.decision, r.c.reviewed_at, d.c.name, d.c.name_ur)
        .join(s, s.c.id == r.c.submission_id)
        .join(e, e.c.id == s.c.entity_id)
        .join(d, d.c.id == e.c.department_id)
        .where(r.c.submission_id == current.id)
        .order_by(r.c.reviewed_at.desc(), r.c.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.decision != "approved":
        return None
    day = as_utc(latest.reviewed_at)
    label = department_label(latest.name)
    english = ApprovedReturnLockedError(current.id, label, f"{day.day} {day:%B %Y}")
    # Shown in Urdu: the department's Urdu name whole (it says محکمہ) where it has one, and the
    # date as every date is shown (15 Oct 2025); the English text is the message.
    reason = said(ApprovedReturnLockedError.TEMPLATE, english=str(english), number=current.id,
                  department=latest.name_ur or label, date=format_date(day))  # fmt: skip
    return ApprovedReturnLockedError(current.id, label, f"{day.day} {day:%B %Y}", reason)


def check_approval_lock(
    connection: Connection, prepared: PreparedReturn, raw: RawTable
) -> ApprovedReturnLockedError | None:
    """What :func:`load_return` would refuse ``raw`` for, read without locking or writing
    (a dry run): None when it may load."""
    p = table("periods")
    period_id = connection.execute(
        sa.select(p.c.id).where(p.c.code == prepared.period.code)
    ).scalar()
    if period_id is None:
        return None
    current = _load_current_submission(connection, prepared, period_id)
    return _approval_lock(connection, current, file_hash(raw.content))


def _insert_submission(
    connection: Connection,
    prepared: PreparedReturn,
    raw: RawTable,
    period_id: int,
    previous: sa.Row | None,
    digest: str,
    received_at: datetime,
    actor: str,
) -> int:
    """Mark ``previous`` superseded, write the new submission and keep the file's bytes; the new
    submission's id."""
    s = table("submissions")
    if previous is not None:
        connection.execute(s.update().where(s.c.id == previous.id).values(status="superseded"))
    submission_id = connection.execute(
        s.insert().returning(s.c.id),
        {"return_type": prepared.return_type, "entity_id": prepared.entity_id,
         "department_id": prepared.department_id, "period_id": period_id,
         "due_date": prepared.due_date, "received_at": received_at, "status": "accepted",
         "version": previous.version + 1 if previous else 1,
         "supersedes_id": previous.id if previous else None, "content_hash": digest,
         "file_name": raw.file_name[:500], "row_count": len(prepared.rows),
         "submitted_by": actor[:200]},
    ).scalar_one()  # fmt: skip
    insert_rows(connection, "submission_files", [
        {"submission_id": submission_id, "file_name": raw.file_name[:500],
         "size_bytes": len(raw.content), "file_format": raw.file_format,
         "sheet": (raw.sheet or None) and raw.sheet[:100], "encoding": raw.encoding,
         "content": raw.content}
    ])  # fmt: skip
    return submission_id


def _register_indicators(connection: Connection, prepared: PreparedReturn) -> dict[str, int]:
    i = table("indicators")
    if prepared.new_indicators:
        insert_rows(connection, "indicators", prepared.new_indicators)
    codes = {r["indicator_code"] for r in prepared.rows if "indicator_code" in r}
    if not codes:
        return {}
    found = connection.execute(
        sa.select(i.c.code, i.c.id).where(sa.func.upper(i.c.code).in_(sorted(codes)))
    )
    return {code.upper(): ident for code, ident in found}


def _delete_key_rows(connection: Connection, prepared: PreparedReturn, period_id: int,
                     period_ids: dict[str, int]) -> int:  # fmt: skip
    t = table(prepared.table_name)
    year = prepared.period.fiscal_year.start_year
    if prepared.return_type in (
        "pse_financial",
        "pse_kpi",
        "pse_governance",
        "pse_governance_notes",
        "pse_support",
    ):
        where = [t.c.entity_id == prepared.entity_id, t.c.period_id == period_id]
    elif prepared.return_type in ("budget_extract", "revenue", "support_releases", "guarantees"):
        where = [t.c.department_id == prepared.department_id, t.c.fiscal_year == year]
    else:
        i = table("indicators")
        owned = sa.select(i.c.id).where(
            i.c.department_id == prepared.department_id, i.c.level == "province"
        )
        where = [
            t.c.entity_id.is_(None),
            t.c.indicator_id.in_(owned.scalar_subquery()),
            t.c.period_id.in_(sorted(period_ids.values())),
        ]
    return connection.execute(t.delete().where(*where)).rowcount or 0


def _row_for_table(
    row: dict[str, Any],
    period_ids: dict[str, int],
    indicator_ids: dict[str, int],
    submission_id: int,
) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("period_code", "indicator_code")}
    if "period_code" in row:
        out["period_id"] = period_ids[row["period_code"]]
    if "indicator_code" in row:
        out["indicator_id"] = indicator_ids[row["indicator_code"]]
    out["submission_id"] = submission_id
    return out
