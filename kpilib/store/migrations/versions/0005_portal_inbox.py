"""The portal's write path without a kernel (issue 19): the ``inbox`` of uploads (each one
durable before it is checked or loaded; its id is the receipt number) and ``portal_sessions``
(a link's token exchanged for a session cookie, only the key's SHA-256 kept); and
``review_reminders`` (``kpi remind --reviewers``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_STATES = (
    "'received', 'checking', 'checked', 'queued', 'loading', 'accepted', 'unchanged', "
    "'rejected', 'cancelled'"
)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("return_type", sa.String(length=32), nullable=False),
        sa.Column("period_code", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("confirmed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"state IN ({_STATES})", name=op.f("ck_inbox_state")),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_inbox_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_inbox_submission_id_submissions")
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["access_tokens.id"], name=op.f("fk_inbox_token_id_access_tokens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
    )
    op.create_index("ix_inbox_work", "inbox", ["state", "id"], unique=False)
    op.create_index("ix_inbox_entity", "inbox", ["entity_id", "id"], unique=False)
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["access_tokens.id"],
            name=op.f("fk_portal_sessions_token_id_access_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_portal_sessions_session_hash")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_portal_sessions_token_id"), "portal_sessions", ["token_id"], unique=False
    )
    op.create_table(
        "review_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("oldest_days", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "result IN ('sent', 'failed')", name=op.f("ck_review_reminders_result")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"],
            name=op.f("fk_review_reminders_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reminders")),
    )  # fmt: skip
    op.create_index(
        "ix_review_reminders_lookup", "review_reminders",
        ["department_id", "recipient", "as_of"], unique=False,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_review_reminders_lookup", table_name="review_reminders")
    op.drop_table("review_reminders")
    op.drop_index(op.f("ix_portal_sessions_token_id"), table_name="portal_sessions")
    op.drop_table("portal_sessions")
    op.drop_index("ix_inbox_entity", table_name="inbox")
    op.drop_index("ix_inbox_work", table_name="inbox")
    op.drop_table("inbox")
