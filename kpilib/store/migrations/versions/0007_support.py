"""Government support to the PSEs (issue 17): ``support_releases`` (what the budget released to
each PSE by instrument), ``pse_support`` (what each PSE says it received, with the date of a
grant's utilisation report) and ``guarantees`` (the Finance Department's register of guarantees
at a year's end); submissions may be of the three new return types.

The submissions' CHECK on ``return_type`` is replaced in place as migration 0006 does it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_0006 = importlib.import_module("kpilib.store.migrations.versions.0006_governance")
_TYPES_BEFORE = _0006._TYPES_AFTER
_TYPES_AFTER = (*_TYPES_BEFORE, "support_releases", "pse_support", "guarantees")
_INSTRUMENTS = (
    "grant_in_aid", "subsidy", "equity_injection", "loan_disbursed", "loan_repaid",
    "loan_interest", "loan_arrears", "guarantee_issued", "guarantee_outstanding",
    "guarantee_called", "other_relief",
)  # fmt: skip
_RELEASED = tuple(i for i in _INSTRUMENTS if not i.startswith("guarantee_"))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(table: str, column: str, target: str, target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _support_releases() -> None:
    name = "support_releases"
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_in("instrument", _RELEASED), name=op.f(f"ck_{name}_instrument")),
        sa.CheckConstraint("amount >= 0", name=op.f(f"ck_{name}_amount_non_negative")),
        _fk(name, "department_id", "departments"),
        _fk(name, "entity_id", "entities"),
        _fk(name, "fiscal_year", "fiscal_years", "start_year"),
        _fk(name, "submission_id", "submissions"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(
            "department_id", "fiscal_year", "entity_id", "instrument",
            name=op.f(f"uq_{name}_department_id_fiscal_year_entity_id_instrument"),
        ),
    )  # fmt: skip
    op.create_index(op.f(f"ix_{name}_fiscal_year"), name, ["fiscal_year"], unique=False)


def _pse_support() -> None:
    name = "pse_support"
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("utilisation_report_date", sa.Date(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_in("instrument", _INSTRUMENTS), name=op.f(f"ck_{name}_instrument")),
        sa.CheckConstraint("amount >= 0", name=op.f(f"ck_{name}_amount_non_negative")),
        _fk(name, "entity_id", "entities"),
        _fk(name, "period_id", "periods"),
        _fk(name, "submission_id", "submissions"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(
            "entity_id", "period_id", "instrument",
            name=op.f(f"uq_{name}_entity_id_period_id_instrument"),
        ),
    )  # fmt: skip
    op.create_index(op.f(f"ix_{name}_period_id"), name, ["period_id"], unique=False)


def _guarantees() -> None:
    name = "guarantees"
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("guarantee_ref", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("lender", sa.String(length=300), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("amount_guaranteed", sa.BigInteger(), nullable=False),
        sa.Column("outstanding", sa.BigInteger(), nullable=False),
        sa.Column("called_on", sa.Date(), nullable=True),
        sa.Column("amount_called", sa.BigInteger(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outstanding >= 0 AND amount_guaranteed > 0", name=op.f(f"ck_{name}_amounts")
        ),
        _fk(name, "department_id", "departments"),
        _fk(name, "entity_id", "entities"),
        _fk(name, "fiscal_year", "fiscal_years", "start_year"),
        _fk(name, "submission_id", "submissions"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(
            "department_id", "fiscal_year", "guarantee_ref",
            name=op.f(f"uq_{name}_department_id_fiscal_year_guarantee_ref"),
        ),
    )  # fmt: skip
    op.create_index(op.f(f"ix_{name}_fiscal_year"), name, ["fiscal_year"], unique=False)


def upgrade() -> None:
    _support_releases()
    _pse_support()
    _guarantees()
    _0006._set_return_types(_TYPES_BEFORE, _TYPES_AFTER)


def downgrade() -> None:
    for name, column in (
        ("guarantees", "fiscal_year"), ("pse_support", "period_id"),
        ("support_releases", "fiscal_year"),
    ):  # fmt: skip
        op.drop_index(op.f(f"ix_{name}_{column}"), table_name=name)
        op.drop_table(name)
    _0006._set_return_types(_TYPES_AFTER, _TYPES_BEFORE)
