"""Writing to and describing the data store: bulk inserts, dataset facts, audit, hashes."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.errors import AuditChainError
from kpilib.store.models import DATA_TABLES, AuditChainHead, AuditLog, Base, DatasetInfo

#: dataset_info keys that change on every build and so stay out of the content hash.
VOLATILE_INFO_KEYS = frozenset({"built_at", "kpilib_version"})
#: Tables whose content describes a change, not the data; left out of the content hash.
UNHASHED_TABLES = frozenset({"audit_log"})
#: The ``prev_hash`` of the audit log's first entry (and the head's hash while it is empty).
GENESIS_HASH = "0" * 64
#: The audit log's fields that its hash chain covers, in the order they are written.
AUDIT_CHAIN_FIELDS = (
    "id", "occurred_at", "actor", "action", "table_name", "submission_id", "row_count", "details",
)  # fmt: skip


def table(name: str) -> sa.Table:
    """The SQLAlchemy table of a data-store table name."""
    return Base.metadata.tables[name]


def current_actor() -> str:
    """Who is making a change: ``KPI_USER`` if set, else the operating-system user."""
    return os.environ.get("KPI_USER") or getpass.getuser()


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Stored timestamps are UTC; SQLite returns them naive, PostgreSQL aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def insert_rows(connection: Connection, table_name: str, rows: Sequence[dict[str, Any]]) -> int:
    """Insert dict rows through SQLAlchemy (type conversion included); returns the count."""
    if rows:
        connection.execute(table(table_name).insert(), list(rows))
    return len(rows)


def bulk_insert(
    connection: Connection,
    table_name: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Fast insert of tuples of plain values (ints, strings, None) in the current transaction.

    PostgreSQL uses ``COPY``; SQLite uses ``executemany``. Table and column names must come from
    the schema (they are checked against it), values are always bound, never formatted into SQL.
    """
    known = table(table_name).columns
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"{table_name} has no column(s) {unknown}")
    column_list = ", ".join(columns)
    raw = connection.connection.driver_connection
    assert raw is not None, "the connection is closed"  # None only once closed or invalidated
    count = 0
    if connection.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table_name} ({column_list}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table_name} ({column_list}) VALUES ({placeholders})"  # noqa: S608
    cursor = raw.cursor()
    try:
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


@contextmanager
def constraints_deferred(connection: Connection, table_name: str) -> Iterator[None]:
    """Drop a table's secondary indexes (and, on PostgreSQL, its foreign keys and unique
    constraints) for a bulk load into it, and recreate them afterwards in the same transaction.

    Recreating validates every row in one pass, which is many times faster than checking each
    row as it arrives; a violation still fails the whole transaction. Use only while the table
    is being filled from empty.
    """
    tbl = table(table_name)
    indexes = sorted(tbl.indexes, key=lambda index: index.name or "")
    postgres = connection.dialect.name == "postgresql"
    constraints = [
        c for c in tbl.constraints
        if postgres and isinstance(c, sa.ForeignKeyConstraint | sa.UniqueConstraint)
    ]  # fmt: skip
    for constraint in constraints:
        connection.execute(sa.schema.DropConstraint(constraint))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    for constraint in constraints:
        connection.execute(sa.schema.AddConstraint(constraint))


def refresh_statistics(engine: sa.Engine) -> None:
    """Refresh the planner's statistics after a bulk load (outside any transaction).

    PostgreSQL: ``VACUUM (ANALYZE)`` also sets the visibility map, without which the budget
    roll-up cannot use an index-only scan (measured: 4.5 s → 0.5 s on 10 M rows). SQLite:
    ``ANALYZE``.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def reset_id_sequences(connection: Connection, table_names: Iterable[str]) -> None:
    """After inserting explicit ids on PostgreSQL, move each ``id`` sequence past the maximum."""
    if connection.dialect.name != "postgresql":
        return
    for name in table_names:
        tbl = table(name)
        if "id" not in tbl.columns:
            continue
        next_id = sa.select(sa.func.coalesce(sa.func.max(tbl.c.id), 0) + 1).scalar_subquery()
        sequence = sa.func.pg_get_serial_sequence(name, "id")
        connection.execute(sa.select(sa.func.setval(sequence, next_id, False)))


def write_dataset_info(connection: Connection, values: dict[str, str]) -> None:
    """Set dataset facts (replacing earlier values of the same keys)."""
    info = table(DatasetInfo.__tablename__)
    connection.execute(info.delete().where(info.c.key.in_(list(values))))
    connection.execute(info.insert(), [{"key": k, "value": str(v)} for k, v in values.items()])


def read_dataset_info(connection: Connection) -> dict[str, str]:
    """All dataset facts as a dict (empty for a database with no data)."""
    info = table(DatasetInfo.__tablename__)
    return {row.key: row.value for row in connection.execute(sa.select(info.c.key, info.c.value))}


def is_demo(connection: Connection) -> bool:
    """True when the data was built by ``kpi demo`` (reports must then say DEMO DATA)."""
    return read_dataset_info(connection).get("is_demo") == "true"


def audit_entry_text(entry: Any) -> str:
    """The canonical text of an audit entry that its hash covers: a compact JSON array of
    :data:`AUDIT_CHAIN_FIELDS` (``occurred_at`` as UTC ISO 8601, naive values from SQLite
    read as UTC), ASCII only. ``entry`` is a row or a mapping holding (at least) those fields."""
    values = entry._mapping if isinstance(entry, sa.Row) else entry
    occurred_at = values["occurred_at"]
    if isinstance(occurred_at, str):  # a raw SQLite value
        occurred_at = datetime.fromisoformat(occurred_at)
    fields = [values[name] for name in AUDIT_CHAIN_FIELDS]
    fields[1] = as_utc(occurred_at).isoformat()
    fields[0], fields[5], fields[6] = (
        None if v is None else int(v) for v in (fields[0], fields[5], fields[6])
    )
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=True)


def audit_entry_hash(prev_hash: str, entry: Any) -> str:
    """``sha256(prev_hash + canonical text of the entry)`` as 64 hex digits."""
    return hashlib.sha256((prev_hash + audit_entry_text(entry)).encode("utf-8")).hexdigest()


def _next_audit_id(connection: Connection) -> int:
    """The id of the entry about to be appended (called while holding the head's lock)."""
    if connection.dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(AuditLog.__tablename__, "id")
        return int(connection.execute(sa.select(sa.func.nextval(sequence))).scalar_one())
    log = table(AuditLog.__tablename__)
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(log.c.id), 0) + 1))
               .scalar_one())  # fmt: skip


def record_audit(
    connection: Connection,
    action: str,
    *,
    table_name: str | None = None,
    submission_id: int | None = None,
    row_count: int | None = None,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> int:
    """Append one change set to the audit log, in the same transaction as the change; its id.

    The entry is chained: ``prev_hash`` is the head's hash (the entry before), ``entry_hash``
    is :func:`audit_entry_hash`, and the head (``audit_chain_head``) moves to the new entry.
    Appends are serialised by the head: its row is updated first (``UPDATE … RETURNING``), which
    takes the row's lock on PostgreSQL until the transaction ends (other appenders wait, then
    read the head their predecessor left) and the database's write lock on SQLite (which
    ``BEGIN IMMEDIATE`` usually holds already). Only then is the id taken -- the next value of
    the id sequence on PostgreSQL, one past the largest id on SQLite -- so ids rise in chain
    order; the id is part of the hash, so the entry is inserted once, complete, and the
    append-only triggers are never crossed. A rolled-back append leaves at most a gap in the
    ids (PostgreSQL), never a break in the chain.
    """
    head = table(AuditChainHead.__tablename__)
    locked = connection.execute(
        head.update().where(head.c.id == 1).values(last_id=head.c.last_id)
        .returning(head.c.last_hash)
    ).first()  # fmt: skip
    if locked is None:
        raise AuditChainError(
            "The audit log's chain head (table audit_chain_head) has no row, so no change can be "
            "recorded: restore it from a backup (`kpi audit verify` shows the last entry)."
        )
    entry: dict[str, Any] = {
        "id": _next_audit_id(connection),
        "occurred_at": utc_now(),
        "actor": actor or current_actor(),
        "action": action,
        "table_name": table_name,
        "submission_id": submission_id,
        "row_count": row_count,
        "details": json.dumps(details or {}, sort_keys=True, default=str),
    }
    entry["prev_hash"] = locked.last_hash
    entry["entry_hash"] = audit_entry_hash(locked.last_hash, entry)
    connection.execute(table(AuditLog.__tablename__).insert(), entry)
    connection.execute(
        head.update().where(head.c.id == 1)
        .values(last_id=entry["id"], last_hash=entry["entry_hash"])
    )  # fmt: skip
    return entry["id"]


def count_rows(connection: Connection) -> dict[str, int]:
    """Row count of every data table."""
    return {
        name: connection.execute(sa.select(sa.func.count()).select_from(table(name))).scalar_one()
        for name in DATA_TABLES
    }


def has_data(connection: Connection) -> bool:
    """True once any department exists (every dataset starts with its departments)."""
    departments = table("departments")
    return connection.execute(sa.select(sa.func.count()).select_from(departments)).scalar_one() > 0


def _canonical(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return as_utc(value).replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def content_hash(connection: Connection, tables: Iterable[str] | None = None) -> str:
    """SHA-256 over the content of the data tables, row by row in primary-key order.

    Independent of the database engine (SQLite and PostgreSQL give the same hash for the same
    data). Build timestamps and the audit log are left out: two builds of the same data match.
    """
    digest = hashlib.sha256()
    for name in tables or DATA_TABLES:
        if name in UNHASHED_TABLES:
            continue
        tbl = table(name)
        query = sa.select(tbl).order_by(*tbl.primary_key.columns)
        if name == "dataset_info":
            query = query.where(tbl.c.key.not_in(sorted(VOLATILE_INFO_KEYS)))
        digest.update(f"\x1e{name}\x1e".encode())
        result = connection.execution_options(yield_per=50_000).execute(query)
        for row in result:
            digest.update("\x1f".join(_canonical(v) for v in row).encode())
            digest.update(b"\n")
    return digest.hexdigest()
