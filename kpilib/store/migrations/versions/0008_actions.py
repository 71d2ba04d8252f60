"""The follow-up of red flags (issue 17): ``actions``, one per flag raised (its kind and stable
key unique), with its owner, due date, the PSE's answer and the reviewer's decision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _columns() -> list:
    text, when = sa.Text(), sa.DateTime(timezone=True)
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("flag_key", sa.String(length=300), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("message", text, nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", text, nullable=True),
        sa.Column("answered_at", when, nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("decision_note", text, nullable=True),
        sa.Column("decided_at", when, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "actions",
        *_columns(),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'closed', 'escalated')", name=op.f("ck_actions_status")
        ),
        sa.CheckConstraint(
            "severity IN ('high', 'medium', 'low')", name=op.f("ck_actions_severity")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"],
            name=op.f("fk_actions_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_actions_entity_id_entities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("kind", "flag_key", name=op.f("uq_actions_kind_flag_key")),
    )  # fmt: skip
    op.create_index("ix_actions_department", "actions", ["department_id", "status"])
    op.create_index("ix_actions_entity", "actions", ["entity_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_actions_entity", table_name="actions")
    op.drop_index("ix_actions_department", table_name="actions")
    op.drop_table("actions")
