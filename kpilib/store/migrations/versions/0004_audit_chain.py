"""A tamper-evident audit log and the approval lock: ``audit_log`` gains ``prev_hash`` and
``entry_hash`` (a SHA-256 hash chain, backfilled over the existing entries in id order), the
one-row ``audit_chain_head`` records the newest entry, and a review may now be ``reopened``.

The append-only triggers stay: the UPDATE trigger is dropped only while the backfill writes the
hashes and created again at once (on SQLite, batch mode copies ``audit_log`` to make the new
columns NOT NULL, which drops its triggers: both are created again).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kpilib.store.writes import GENESIS_HASH, audit_entry_hash

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    verb: f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    for verb in ("UPDATE", "DELETE")
}
# The function audit_log_append_only() of 0001 stays; only its trigger is dropped and re-created.
_POSTGRES_TRIGGER = """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"""
_DECISIONS_BEFORE = "decision IN ('approved', 'returned')"
_DECISIONS_AFTER = "decision IN ('approved', 'returned', 'reopened')"

_audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.BigInteger()),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("table_name", sa.String()),
    sa.column("submission_id", sa.Integer()),
    sa.column("row_count", sa.Integer()),
    sa.column("details", sa.Text()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _drop_update_trigger() -> None:
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")


def _create_triggers() -> None:
    """The append-only triggers, as 0001 made them (on SQLite both: a batch copy drops them)."""
    if _sqlite():
        for verb, statement in _SQLITE_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute(_POSTGRES_TRIGGER)


def _backfill_chain() -> tuple[int | None, str]:
    """Hash the existing entries in id order; the last entry's id and hash (the new head)."""
    bind = op.get_bind()
    log = _audit_log
    fields = [c for c in log.c if c.name not in ("prev_hash", "entry_hash")]
    rows = bind.execute(sa.select(*fields).order_by(log.c.id)).fetchall()
    last_id, last_hash, updates = None, GENESIS_HASH, []
    for row in rows:
        entry_hash = audit_entry_hash(last_hash, row)
        updates.append({"entry_id": row.id, "prev": last_hash, "hash": entry_hash})
        last_id, last_hash = row.id, entry_hash
    if updates:
        bind.execute(
            log.update()
            .where(log.c.id == sa.bindparam("entry_id"))
            .values(prev_hash=sa.bindparam("prev"), entry_hash=sa.bindparam("hash")),
            updates,
        )
    return last_id, last_hash


def _set_decisions(check: str) -> None:
    with op.batch_alter_table("reviews") as batch_op:
        batch_op.drop_constraint(op.f("ck_reviews_decision"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reviews_decision"), check)


def upgrade() -> None:
    _drop_update_trigger()
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    last_id, last_hash = _backfill_chain()
    op.bulk_insert(head, [{"id": 1, "last_id": last_id, "last_hash": last_hash}])
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
    _create_triggers()
    _set_decisions(_DECISIONS_AFTER)


def downgrade() -> None:
    # 0003 knows no reopening: a reopened return awaits its correction, as a returned one does.
    op.execute("UPDATE reviews SET decision = 'returned' WHERE decision = 'reopened'")
    _set_decisions(_DECISIONS_BEFORE)
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
    _create_triggers()
