"""Initial schema: reference data, budget and revenue lines, indicators, PSE financials,
submissions and the append-only audit log (its UPDATE/DELETE are refused by triggers).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]


def _create_audit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)


def _drop_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")


def upgrade() -> None:
    op.create_table(
        "dataset_info",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_dataset_info")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    op.create_table(
        "economic_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="regular", nullable=False),
        sa.CheckConstraint(
            "kind IN ('regular', 'interest', 'contingency')", name=op.f("ck_economic_classes_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_economic_classes")),
        sa.UniqueConstraint("code", name=op.f("uq_economic_classes_code")),
    )
    op.create_table(
        "fiscal_years",
        sa.Column("start_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", sa.String(length=7), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("start_year", name=op.f("pk_fiscal_years")),
        sa.UniqueConstraint("label", name=op.f("uq_fiscal_years_label")),
    )
    op.create_table(
        "revenue_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.CheckConstraint(
            "kind IN ('federal_transfer', 'tax', 'non_tax', 'grant')",
            name=op.f("ck_revenue_heads_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_heads")),
        sa.UniqueConstraint("code", name=op.f("uq_revenue_heads_code")),
    )
    op.create_table(
        "cost_centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_cost_centres_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_cost_centres_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_centres")),
        sa.UniqueConstraint("code", name=op.f("uq_cost_centres_code")),
        sa.UniqueConstraint("id", "department_id", name=op.f("uq_cost_centres_id_department_id")),
    )
    with op.batch_alter_table("cost_centres", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cost_centres_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "category IN ('autonomous_body', 'university', 'teaching_hospital', 'water_sanitation_company', 'public_company', 'other')",
            name=op.f("ck_entities_category"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_entities_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_entities_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
        sa.UniqueConstraint("code", name=op.f("uq_entities_code")),
    )
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entities_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=12), server_default="province", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "direction IN ('higher_is_better', 'lower_is_better')",
            name=op.f("ck_indicators_direction"),
        ),
        sa.CheckConstraint(
            "frequency IN ('monthly', 'quarterly', 'annual')", name=op.f("ck_indicators_frequency")
        ),
        sa.CheckConstraint("level IN ('province', 'entity')", name=op.f("ck_indicators_level")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_indicators_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_indicators_code")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicators_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.CheckConstraint("kind IN ('year', 'quarter', 'month')", name=op.f("ck_periods_kind")),
        sa.ForeignKeyConstraint(
            ["fiscal_year"],
            ["fiscal_years.start_year"],
            name=op.f("fk_periods_fiscal_year_fiscal_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periods")),
        sa.UniqueConstraint("code", name=op.f("uq_periods_code")),
        sa.UniqueConstraint(
            "fiscal_year", "kind", "number", name=op.f("uq_periods_fiscal_year_kind_number")
        ),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="accepted", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "return_type IN ('pse_financial', 'pse_kpi', 'budget_extract', 'revenue', 'indicator_targets')",
            name=op.f("ck_submissions_return_type"),
        ),
        sa.CheckConstraint(
            "status IN ('accepted', 'superseded')", name=op.f("ck_submissions_status")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_submissions_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_submissions_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_submissions_period_id_periods")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["submissions.id"],
            name=op.f("fk_submissions_supersedes_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submissions_content_hash"), ["content_hash"], unique=False
        )
        batch_op.create_index(
            "ix_submissions_lookup",
            ["return_type", "entity_id", "department_id", "period_id"],
            unique=False,
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_audit_log_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    _create_audit_triggers()
    op.create_table(
        "budget_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("cost_centre_id", sa.Integer(), nullable=False),
        sa.Column("budget_type", sa.String(length=16), nullable=False),
        sa.Column("economic_class_id", sa.Integer(), nullable=False),
        sa.Column("original_budget", sa.BigInteger(), nullable=False),
        sa.Column("revised_budget", sa.BigInteger(), nullable=False),
        sa.Column("released", sa.BigInteger(), nullable=True),
        sa.Column("expended", sa.BigInteger(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "budget_type IN ('current', 'development')", name=op.f("ck_budget_lines_budget_type")
        ),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_budget_lines_month")),
        sa.ForeignKeyConstraint(
            ["cost_centre_id", "department_id"],
            ["cost_centres.id", "cost_centres.department_id"],
            name=op.f("fk_budget_lines_cost_centre_id_department_id_cost_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["economic_class_id"],
            ["economic_classes.id"],
            name=op.f("fk_budget_lines_economic_class_id_economic_classes"),
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year"],
            ["fiscal_years.start_year"],
            name=op.f("fk_budget_lines_fiscal_year_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_budget_lines_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
        sa.UniqueConstraint(
            "fiscal_year",
            "cost_centre_id",
            "budget_type",
            "economic_class_id",
            "month",
            name=op.f(
                "uq_budget_lines_fiscal_year_cost_centre_id_budget_type_economic_class_id_month"
            ),
        ),
    )
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_budget_lines_rollup",
            [
                "fiscal_year",
                "department_id",
                "budget_type",
                "economic_class_id",
                "month",
                "original_budget",
                "revised_budget",
                "released",
                "expended",
            ],
            unique=False,
        )

    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "district_id IS NULL OR entity_id IS NULL", name=op.f("ck_indicator_values_one_scope")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_indicator_values_district_id_districts"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_indicator_values_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_values_indicator_id_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_indicator_values_period_id_periods")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_indicator_values_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
    )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_values_period_id"), ["period_id"], unique=False
        )
        batch_op.create_index(
            "uq_indicator_values_district",
            ["indicator_id", "period_id", "district_id"],
            unique=True,
            sqlite_where=sa.text("district_id IS NOT NULL"),
            postgresql_where=sa.text("district_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_indicator_values_entity",
            ["indicator_id", "period_id", "entity_id"],
            unique=True,
            sqlite_where=sa.text("entity_id IS NOT NULL"),
            postgresql_where=sa.text("entity_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_indicator_values_province",
            ["indicator_id", "period_id"],
            unique=True,
            sqlite_where=sa.text("district_id IS NULL AND entity_id IS NULL"),
            postgresql_where=sa.text("district_id IS NULL AND entity_id IS NULL"),
        )

    op.create_table(
        "pse_financials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("grants_subsidies", sa.BigInteger(), nullable=False),
        sa.Column("operating_expenses", sa.BigInteger(), nullable=False),
        sa.Column("ebit", sa.BigInteger(), nullable=False),
        sa.Column("interest_expense", sa.BigInteger(), nullable=False),
        sa.Column("net_income", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("inventories", sa.BigInteger(), nullable=False),
        sa.Column("current_assets", sa.BigInteger(), nullable=False),
        sa.Column("current_liabilities", sa.BigInteger(), nullable=False),
        sa.Column("total_assets", sa.BigInteger(), nullable=False),
        sa.Column("total_liabilities", sa.BigInteger(), nullable=False),
        sa.Column("equity", sa.BigInteger(), nullable=False),
        sa.Column("retained_earnings", sa.BigInteger(), nullable=False),
        sa.Column("borrowings", sa.BigInteger(), nullable=False),
        sa.Column("overdue_payables", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_pse_financials_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_pse_financials_period_id_periods")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_pse_financials_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pse_financials")),
        sa.UniqueConstraint(
            "entity_id", "period_id", name=op.f("uq_pse_financials_entity_id_period_id")
        ),
    )
    with op.batch_alter_table("pse_financials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pse_financials_period_id"), ["period_id"], unique=False
        )

    op.create_table(
        "revenue_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("revenue_head_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("estimate", sa.BigInteger(), nullable=False),
        sa.Column("revised_estimate", sa.BigInteger(), nullable=False),
        sa.Column("receipts", sa.BigInteger(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_revenue_lines_month")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_revenue_lines_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year"],
            ["fiscal_years.start_year"],
            name=op.f("fk_revenue_lines_fiscal_year_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["revenue_head_id"],
            ["revenue_heads.id"],
            name=op.f("fk_revenue_lines_revenue_head_id_revenue_heads"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_revenue_lines_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_lines")),
        sa.UniqueConstraint(
            "fiscal_year",
            "revenue_head_id",
            "department_id",
            "month",
            name=op.f("uq_revenue_lines_fiscal_year_revenue_head_id_department_id_month"),
        ),
    )


def downgrade() -> None:
    op.drop_table("revenue_lines")
    with op.batch_alter_table("pse_financials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pse_financials_period_id"))

    op.drop_table("pse_financials")
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_indicator_values_province",
            sqlite_where=sa.text("district_id IS NULL AND entity_id IS NULL"),
            postgresql_where=sa.text("district_id IS NULL AND entity_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_indicator_values_entity",
            sqlite_where=sa.text("entity_id IS NOT NULL"),
            postgresql_where=sa.text("entity_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_indicator_values_district",
            sqlite_where=sa.text("district_id IS NOT NULL"),
            postgresql_where=sa.text("district_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_indicator_values_period_id"))

    op.drop_table("indicator_values")
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_budget_lines_rollup")

    op.drop_table("budget_lines")
    _drop_audit_triggers()
    op.drop_table("audit_log")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_lookup")
        batch_op.drop_index(batch_op.f("ix_submissions_content_hash"))

    op.drop_table("submissions")
    op.drop_table("periods")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_department_id"))

    op.drop_table("indicators")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entities_department_id"))

    op.drop_table("entities")
    with op.batch_alter_table("cost_centres", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cost_centres_department_id"))

    op.drop_table("cost_centres")
    op.drop_table("revenue_heads")
    op.drop_table("fiscal_years")
    op.drop_table("economic_classes")
    op.drop_table("districts")
    op.drop_table("departments")
    op.drop_table("dataset_info")
