"""The governance return (issue 17): ``pse_governance`` (a PSE's board, management, audit
committee, controls and latest audited accounts, per fiscal year) and ``pse_governance_notes``
(the reason and line of action a PSE gives for a rule it does not comply with); submissions
may be of the two new return types.

The submissions' CHECK on ``return_type`` is replaced in place. PostgreSQL drops and adds it;
SQLite cannot alter a constraint, and copying ``submissions`` (batch mode) would trip the
foreign keys of every table that points at it, so its schema text is edited directly
(``writable_schema``, with ``schema_version`` raised so that every connection reloads it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TYPES_BEFORE = ("pse_financial", "pse_kpi", "budget_extract", "revenue", "indicator_targets")
_TYPES_AFTER = (*_TYPES_BEFORE, "pse_governance", "pse_governance_notes")
_CHECK = "ck_submissions_return_type"


def _check_text(types: tuple[str, ...]) -> str:
    return f"return_type IN ({', '.join(repr(t) for t in types)})"


def _set_return_types(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        # NOT VALID: a downgrade keeps the submissions already received (the rows stay as
        # they are; only new ones are checked), as SQLite's edited text does.
        op.drop_constraint(op.f(_CHECK), "submissions", type_="check")
        op.execute(
            f"ALTER TABLE submissions ADD CONSTRAINT {_CHECK} CHECK ({_check_text(new)}) NOT VALID"
        )
        return
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
            "WHERE type = 'table' AND name = 'submissions'"
        ),
        {"old": _check_text(old), "new": _check_text(new)},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def _yes_no(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=True)


def _common() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
    ]


def _keys(table: str, *unique: str) -> list:
    return [
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f(f"fk_{table}_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f(f"fk_{table}_period_id_periods")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"],
            name=op.f(f"fk_{table}_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint(*unique, name=op.f(f"uq_{table}_{'_'.join(unique)}")),
    ]  # fmt: skip


def _governance_columns() -> list:
    small = sa.SmallInteger()
    return [
        sa.Column("as_at", sa.Date(), nullable=False),
        *(sa.Column(name, small, nullable=False) for name in (
            "board_size", "independent_members", "non_executive_members", "executive_members",
            "ex_officio_members", "women_members", "vacancies", "board_meetings")),
        sa.Column("board_attendance_pct", sa.Float(), nullable=True),
        _yes_no("chair_independent"),
        _yes_no("chair_separate_from_ceo"),
        sa.Column("ceo_status", sa.String(length=8), nullable=False),
        sa.Column("ceo_since", sa.Date(), nullable=True),
        sa.Column("cfo_status", sa.String(length=8), nullable=False),
        sa.Column("cfo_since", sa.Date(), nullable=True),
        sa.Column("audit_committee_members", small, nullable=False),
        _yes_no("audit_committee_chair_independent"),
        sa.Column("audit_committee_meetings", small, nullable=True),
        _yes_no("internal_audit_function"),
        _yes_no("risk_management_policy"),
        sa.Column("audited_accounts_year", sa.Integer(), nullable=True),
        sa.Column("auditor_report_date", sa.Date(), nullable=True),
        sa.Column("auditor", sa.String(length=300), nullable=True),
        sa.Column("audit_opinion", sa.String(length=16), nullable=True),
        _yes_no("annual_report_published"),
        sa.Column("agm_date", sa.Date(), nullable=True),
    ]  # fmt: skip


def upgrade() -> None:
    posts = "'regular', 'acting', 'vacant'"
    opinions = "'unmodified', 'qualified', 'adverse', 'disclaimer'"
    op.create_table(
        "pse_governance",
        *_common(),
        *_governance_columns(),
        *_keys("pse_governance", "entity_id", "period_id"),
        sa.CheckConstraint(f"ceo_status IN ({posts})", name=op.f("ck_pse_governance_ceo_status")),
        sa.CheckConstraint(f"cfo_status IN ({posts})", name=op.f("ck_pse_governance_cfo_status")),
        sa.CheckConstraint(
            f"audit_opinion IN ({opinions})", name=op.f("ck_pse_governance_audit_opinion")
        ),
    )
    op.create_index(
        op.f("ix_pse_governance_period_id"), "pse_governance", ["period_id"], unique=False
    )
    op.create_table(
        "pse_governance_notes",
        *_common(),
        sa.Column("rule_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("line_of_action", sa.Text(), nullable=True),
        *_keys("pse_governance_notes", "entity_id", "period_id", "rule_id"),
    )
    op.create_index(
        op.f("ix_pse_governance_notes_period_id"), "pse_governance_notes", ["period_id"],
        unique=False,
    )  # fmt: skip
    _set_return_types(_TYPES_BEFORE, _TYPES_AFTER)


def downgrade() -> None:
    op.drop_index(op.f("ix_pse_governance_notes_period_id"), table_name="pse_governance_notes")
    op.drop_table("pse_governance_notes")
    op.drop_index(op.f("ix_pse_governance_period_id"), table_name="pse_governance")
    op.drop_table("pse_governance")
    _set_return_types(_TYPES_AFTER, _TYPES_BEFORE)
