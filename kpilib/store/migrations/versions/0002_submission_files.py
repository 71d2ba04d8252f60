"""Keep every submitted file: ``submission_files`` holds each submission's bytes, name, size,
format, sheet and encoding, so a superseded version stays available whole.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_files",
        sa.Column("submission_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_files_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_submission_files")),
    )


def downgrade() -> None:
    op.drop_table("submission_files")
