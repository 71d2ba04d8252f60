"""Names in Urdu (issue 18): an optional ``name_ur`` on ``departments`` and ``entities``, the
name a reader of the Urdu editions sees (the English ``name`` when it is empty).

Plain ``ADD COLUMN`` / ``DROP COLUMN`` on both databases (SQLite 3.35 and later drops a column
in place; batch mode would copy two tables that many others point at).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TABLES = ("departments", "entities")


def upgrade() -> None:
    for name in _TABLES:
        op.add_column(name, sa.Column("name_ur", sa.String(length=300), nullable=True))


def downgrade() -> None:
    for name in _TABLES:
        op.drop_column(name, "name_ur")
