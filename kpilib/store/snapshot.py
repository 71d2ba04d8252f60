"""A cheap fingerprint of the data in a database, for deciding whether reports are out of date.

:func:`kpilib.store.writes.content_hash` reads every row (minutes on ten million budget lines).
Every change kpilib makes to the data -- a demo build, a loaded return -- appends a row to the
append-only ``audit_log`` in the same transaction and is described in ``dataset_info``, so a
hash of those two small tables plus the schema version changes whenever the data does.

What it covers: every change made through kpilib (``record_audit``), the dataset facts (demo
flag, seed, as-of date, build time) and the schema version. What it does not: rows changed by
hand with SQL outside kpilib, which bypass the audit log; use ``content_hash`` to prove content.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.store.writes import _canonical, table


def compute_data_fingerprint(connection: Connection) -> str:
    """SHA-256 over the schema version, every ``dataset_info`` row and every ``audit_log`` row.

    Formula: ``sha256("schema" | version | "dataset_info" | key=value ... | "audit_log" |
    id, occurred_at, actor, action, table_name, submission_id, row_count, details ...)``, rows in
    primary-key order, values written canonically (UTC ISO timestamps) so that SQLite and
    PostgreSQL agree. Reads two small tables: milliseconds whatever the size of the data.
    """
    digest = hashlib.sha256()
    version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    digest.update(f"schema\x1e{version}\x1e".encode())
    for name in ("dataset_info", "audit_log"):
        tbl = table(name)
        digest.update(f"\x1e{name}\x1e".encode())
        for row in connection.execute(sa.select(tbl).order_by(*tbl.primary_key.columns)):
            digest.update("\x1f".join(_canonical(value) for value in row).encode())
            digest.update(b"\n")
    return digest.hexdigest()
