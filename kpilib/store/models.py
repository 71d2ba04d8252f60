"""The data store's schema: typed SQLAlchemy 2 models that work unchanged on SQLite and PostgreSQL.

Money is stored in whole Pakistani rupees as 64-bit integers (never binary floats); reports
convert to Rs. million only for display. Indicator targets and actuals are measurements (rates,
counts, kilometres), not money, and are stored as double precision.

Data tables hold the *current* values; every load is recorded in ``submissions`` and in the
append-only ``audit_log`` (the migration adds triggers that refuse UPDATE and DELETE on it),
whose entries form a hash chain ending at the one row of ``audit_chain_head``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT primary keys on PostgreSQL; INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Money = BigInteger

ENTITY_CATEGORIES = (
    "autonomous_body",
    "university",
    "teaching_hospital",
    "water_sanitation_company",
    "public_company",
    "other",
)
BUDGET_TYPES = ("current", "development")
ECONOMIC_CLASS_KINDS = ("regular", "interest", "contingency")
REVENUE_KINDS = ("federal_transfer", "tax", "non_tax", "grant")
INDICATOR_DIRECTIONS = ("higher_is_better", "lower_is_better")
INDICATOR_FREQUENCIES = ("monthly", "quarterly", "annual")
INDICATOR_LEVELS = ("province", "entity")
PERIOD_KINDS = ("year", "quarter", "month")
RETURN_TYPES = (
    "pse_financial",
    "pse_kpi",
    "budget_extract",
    "revenue",
    "indicator_targets",
    "pse_governance",
    "pse_governance_notes",
    # Government support (issue 17, migration 0007).
    "support_releases",
    "pse_support",
    "guarantees",
)
SUBMISSION_STATUSES = ("accepted", "superseded")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class DatasetInfo(Base):
    """Facts about the dataset as a whole: demo flag, seed, as-of date, build time."""

    __tablename__ = "dataset_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Department(Base):
    """A provincial administrative department (e.g. Health)."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The name in Urdu (Urdu editions; the English ``name`` when empty).
    name_ur: Mapped[str | None] = mapped_column(String(300))


class District(Base):
    """A district of the province, for indicators reported per district."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Entity(Base):
    """A public sector entity (PSE) and the administrative department it reports to."""

    __tablename__ = "entities"
    __table_args__ = (CheckConstraint(_in("category", ENTITY_CATEGORIES), name="category"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: The name in Urdu (Urdu editions; the English ``name`` when empty).
    name_ur: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))


class FiscalYearRow(Base):
    """A fiscal year (1 July – 30 June), keyed by the calendar year it starts in."""

    __tablename__ = "fiscal_years"
    start_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(7), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class PeriodRow(Base):
    """A fiscal year, quarter or month, coded ``2024-25``, ``2024-25Q1`` or ``2024-25M01``."""

    __tablename__ = "periods"
    __table_args__ = (
        CheckConstraint(_in("kind", PERIOD_KINDS), name="kind"),
        UniqueConstraint("fiscal_year", "kind", "number"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.start_year"))
    kind: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(SmallInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class CostCentre(Base):
    """A drawing and disbursing office (DDO) / IFMIS cost centre of a department."""

    __tablename__ = "cost_centres"
    __table_args__ = (UniqueConstraint("id", "department_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))


class EconomicClass(Base):
    """An economic classification head (object code such as A01 employee-related expenses).

    ``kind`` marks the heads PEFA treats apart: ``interest`` (excluded from PI-2.1, included in
    PI-2.2) and ``contingency`` (excluded from PI-2.1/2.2, measured by PI-2.3).
    """

    __tablename__ = "economic_classes"
    __table_args__ = (CheckConstraint(_in("kind", ECONOMIC_CLASS_KINDS), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), server_default="regular")


class Submission(Base):
    """One received return (a file) and how it was loaded.

    A corrected resubmission for the same entity/department, return type and period gets the next
    ``version``, points at the one it ``supersedes``, and the older one's status becomes
    ``superseded``; both are kept.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(_in("return_type", RETURN_TYPES), name="return_type"),
        CheckConstraint(_in("status", SUBMISSION_STATUSES), name="status"),
        Index("ix_submissions_lookup", "return_type", "entity_id", "department_id", "period_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), server_default="accepted")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(500))
    row_count: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(200))


class SubmissionFile(Base):
    """The file a submission arrived in, kept byte for byte (so a superseded version stays whole).

    ``sheet`` is the worksheet that was read (xlsx) and ``encoding`` how a CSV was decoded.
    """

    __tablename__ = "submission_files"
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id"), primary_key=True, autoincrement=False
    )
    file_name: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    file_format: Mapped[str] = mapped_column(String(8))
    sheet: Mapped[str | None] = mapped_column(String(100))
    encoding: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class BudgetLine(Base):
    """Budget and spending of one cost centre × budget type × economic head × fiscal month.

    All four amounts are that month's flow in rupees: the budget columns hold the month's phased
    share of the annual budget (so the year's budget is the sum over its twelve months),
    ``released`` and ``expended`` what was released and spent in the month. ``released`` and
    ``expended`` are NULL for months not yet reported (the current year after its as-of date).
    ``department_id`` repeats the cost centre's department (enforced by a composite foreign key)
    so that department roll-ups read one covering index.
    """

    __tablename__ = "budget_lines"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        CheckConstraint(_in("budget_type", BUDGET_TYPES), name="budget_type"),
        UniqueConstraint(
            "fiscal_year", "cost_centre_id", "budget_type", "economic_class_id", "month"
        ),
        ForeignKeyConstraint(
            ["cost_centre_id", "department_id"], ["cost_centres.id", "cost_centres.department_id"]
        ),
        Index(
            "ix_budget_lines_rollup",
            "fiscal_year",
            "department_id",
            "budget_type",
            "economic_class_id",
            "month",
            "original_budget",
            "revised_budget",
            "released",
            "expended",
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.start_year"))
    month: Mapped[int] = mapped_column(SmallInteger)
    department_id: Mapped[int] = mapped_column(Integer)
    cost_centre_id: Mapped[int] = mapped_column(Integer)
    budget_type: Mapped[str] = mapped_column(String(16))
    economic_class_id: Mapped[int] = mapped_column(ForeignKey("economic_classes.id"))
    original_budget: Mapped[int] = mapped_column(Money)
    revised_budget: Mapped[int] = mapped_column(Money)
    released: Mapped[int | None] = mapped_column(Money)
    expended: Mapped[int | None] = mapped_column(Money)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


class RevenueHead(Base):
    """A revenue head (a tax, a federal transfer, a fee)."""

    __tablename__ = "revenue_heads"
    __table_args__ = (CheckConstraint(_in("kind", REVENUE_KINDS), name="kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))


class RevenueLine(Base):
    """Revenue estimates and receipts of one head, collecting department and fiscal month (rupees).

    ``estimate`` and ``revised_estimate`` are the month's phased share of the annual figure;
    ``receipts`` is NULL for months not yet reported.
    """

    __tablename__ = "revenue_lines"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        UniqueConstraint("fiscal_year", "revenue_head_id", "department_id", "month"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.start_year"))
    month: Mapped[int] = mapped_column(SmallInteger)
    revenue_head_id: Mapped[int] = mapped_column(ForeignKey("revenue_heads.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    estimate: Mapped[int] = mapped_column(Money)
    revised_estimate: Mapped[int] = mapped_column(Money)
    receipts: Mapped[int | None] = mapped_column(Money)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


class Indicator(Base):
    """A service-delivery indicator owned by a department.

    ``level`` says who reports it: ``province`` (the department, optionally broken down by
    district) or ``entity`` (each PSE, in its operational KPI return).
    """

    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint(_in("direction", INDICATOR_DIRECTIONS), name="direction"),
        CheckConstraint(_in("frequency", INDICATOR_FREQUENCIES), name="frequency"),
        CheckConstraint(_in("level", INDICATOR_LEVELS), name="level"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(12))
    level: Mapped[str] = mapped_column(String(12), server_default="province")
    description: Mapped[str] = mapped_column(Text, server_default="")


class IndicatorValue(Base):
    """Target and actual of an indicator for a period: province-wide, for a district, or for a PSE.

    At most one of ``district_id`` and ``entity_id`` is set; partial unique indexes keep one value
    per indicator, period and scope. A NULL ``actual`` means *not reported* (never zero).
    """

    __tablename__ = "indicator_values"
    __table_args__ = (
        CheckConstraint("district_id IS NULL OR entity_id IS NULL", name="one_scope"),
        Index(
            "uq_indicator_values_province",
            "indicator_id",
            "period_id",
            unique=True,
            sqlite_where=text("district_id IS NULL AND entity_id IS NULL"),
            postgresql_where=text("district_id IS NULL AND entity_id IS NULL"),
        ),
        Index(
            "uq_indicator_values_district",
            "indicator_id",
            "period_id",
            "district_id",
            unique=True,
            sqlite_where=text("district_id IS NOT NULL"),
            postgresql_where=text("district_id IS NOT NULL"),
        ),
        Index(
            "uq_indicator_values_entity",
            "indicator_id",
            "period_id",
            "entity_id",
            unique=True,
            sqlite_where=text("entity_id IS NOT NULL"),
            postgresql_where=text("entity_id IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    target: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


PSE_FINANCIAL_LINES = (
    "revenue",
    "grants_subsidies",
    "operating_expenses",
    "ebit",
    "interest_expense",
    "net_income",
    "cash",
    "inventories",
    "current_assets",
    "current_liabilities",
    "total_assets",
    "total_liabilities",
    "equity",
    "retained_earnings",
    "borrowings",
    "overdue_payables",
)


#: The income-statement lines (the quarter's flows); the rest are balance-sheet positions.
PSE_FLOW_LINES = PSE_FINANCIAL_LINES[:6]


class PseFinancial(Base):
    """A PSE's financial statement for one fiscal quarter, in rupees.

    Income-statement lines (``revenue`` … ``net_income``) are the quarter's flows; balance-sheet
    lines (``cash`` … ``overdue_payables``) are positions at the quarter's end. ``revenue`` is
    own revenue; government ``grants_subsidies`` are kept apart so that dependence on the
    government can be measured.
    """

    __tablename__ = "pse_financials"
    __table_args__ = (UniqueConstraint("entity_id", "period_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    revenue: Mapped[int] = mapped_column(Money)
    grants_subsidies: Mapped[int] = mapped_column(Money)
    operating_expenses: Mapped[int] = mapped_column(Money)
    ebit: Mapped[int] = mapped_column(Money)
    interest_expense: Mapped[int] = mapped_column(Money)
    net_income: Mapped[int] = mapped_column(Money)
    cash: Mapped[int] = mapped_column(Money)
    inventories: Mapped[int] = mapped_column(Money)
    current_assets: Mapped[int] = mapped_column(Money)
    current_liabilities: Mapped[int] = mapped_column(Money)
    total_assets: Mapped[int] = mapped_column(Money)
    total_liabilities: Mapped[int] = mapped_column(Money)
    equity: Mapped[int] = mapped_column(Money)
    retained_earnings: Mapped[int] = mapped_column(Money)
    borrowings: Mapped[int] = mapped_column(Money)
    overdue_payables: Mapped[int] = mapped_column(Money)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


YES_NO = ("yes", "no")
#: Who holds a post: appointed regularly, acting (a stop-gap), or nobody.
POST_STATUSES = ("regular", "acting", "vacant")
#: The external auditor's opinion on a set of financial statements (ISA 700 / 705).
AUDIT_OPINIONS = ("unmodified", "qualified", "adverse", "disclaimer")


class PseGovernance(Base):
    """A PSE's governance return for one fiscal year (issue 17): its board, management, audit
    committee and controls, and its latest audited accounts, as they stood at ``as_at`` (the
    year's end, or the date of a change: a change is a new version of the year's return).

    Board members in office are counted once each: independent, other non-executive, executive,
    ex officio; with ``vacancies`` they add up to ``board_size`` (the seats under the PSE's law or
    articles). A blank yes/no is NULL (not reported). Government support, contingent
    liabilities and follow-up actions are later tables of their own.
    """

    __tablename__ = "pse_governance"
    __table_args__ = (
        UniqueConstraint("entity_id", "period_id"),
        CheckConstraint(_in("ceo_status", POST_STATUSES), name="ceo_status"),
        CheckConstraint(_in("cfo_status", POST_STATUSES), name="cfo_status"),
        CheckConstraint(_in("audit_opinion", AUDIT_OPINIONS), name="audit_opinion"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    as_at: Mapped[date] = mapped_column(Date)
    board_size: Mapped[int] = mapped_column(SmallInteger)
    independent_members: Mapped[int] = mapped_column(SmallInteger)
    non_executive_members: Mapped[int] = mapped_column(SmallInteger)
    executive_members: Mapped[int] = mapped_column(SmallInteger)
    ex_officio_members: Mapped[int] = mapped_column(SmallInteger)
    women_members: Mapped[int] = mapped_column(SmallInteger)
    vacancies: Mapped[int] = mapped_column(SmallInteger)
    board_meetings: Mapped[int] = mapped_column(SmallInteger)
    board_attendance_pct: Mapped[float | None] = mapped_column(Float)
    chair_independent: Mapped[bool | None] = mapped_column(Boolean)
    chair_separate_from_ceo: Mapped[bool | None] = mapped_column(Boolean)
    ceo_status: Mapped[str] = mapped_column(String(8))
    ceo_since: Mapped[date | None] = mapped_column(Date)
    cfo_status: Mapped[str] = mapped_column(String(8))
    cfo_since: Mapped[date | None] = mapped_column(Date)
    audit_committee_members: Mapped[int] = mapped_column(SmallInteger)
    audit_committee_chair_independent: Mapped[bool | None] = mapped_column(Boolean)
    audit_committee_meetings: Mapped[int | None] = mapped_column(SmallInteger)
    internal_audit_function: Mapped[bool | None] = mapped_column(Boolean)
    risk_management_policy: Mapped[bool | None] = mapped_column(Boolean)
    audited_accounts_year: Mapped[int | None] = mapped_column(Integer)
    auditor_report_date: Mapped[date | None] = mapped_column(Date)
    auditor: Mapped[str | None] = mapped_column(String(300))
    audit_opinion: Mapped[str | None] = mapped_column(String(16))
    annual_report_published: Mapped[bool | None] = mapped_column(Boolean)
    agm_date: Mapped[date | None] = mapped_column(Date)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


class PseGovernanceNote(Base):
    """What a PSE says about a governance rule it does not comply with: the reason and its line
    of action (the SECP compliance guidelines' statement of compliance), one row per rule."""

    __tablename__ = "pse_governance_notes"
    __table_args__ = (UniqueConstraint("entity_id", "period_id", "rule_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    line_of_action: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


#: Government support to a PSE by instrument (issue 17): flows of the year (grants-in-aid,
#: subsidies, equity injections, on-lent loans disbursed and repaid, interest paid on them, other
#: relief) and positions at the year's end (loan arrears, guarantees outstanding), plus the
#: guarantees issued and called in the year.
SUPPORT_INSTRUMENTS = (
    "grant_in_aid", "subsidy", "equity_injection", "loan_disbursed", "loan_repaid",
    "loan_interest", "loan_arrears", "guarantee_issued", "guarantee_outstanding",
    "guarantee_called", "other_relief",
)  # fmt: skip
#: The instruments the budget side releases; its guarantee figures come from the register.
RELEASE_INSTRUMENTS = tuple(i for i in SUPPORT_INSTRUMENTS if not i.startswith("guarantee_"))


class SupportRelease(Base):
    """What the budget gave a PSE in a fiscal year by instrument, as the department that sends
    the ``support_releases`` return (the Finance Department) recorded it, in rupees."""

    __tablename__ = "support_releases"
    __table_args__ = (
        UniqueConstraint("department_id", "fiscal_year", "entity_id", "instrument"),
        CheckConstraint(_in("instrument", RELEASE_INSTRUMENTS), name="instrument"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.start_year"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    instrument: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(Money)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


class PseSupport(Base):
    """The government support a PSE says it received in a fiscal year, by instrument, and for a
    grant-in-aid the date it sent its utilisation report (NULL: none sent)."""

    __tablename__ = "pse_support"
    __table_args__ = (
        UniqueConstraint("entity_id", "period_id", "instrument"),
        CheckConstraint(_in("instrument", SUPPORT_INSTRUMENTS), name="instrument"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(Money)
    utilisation_report_date: Mapped[date | None] = mapped_column(Date)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


class Guarantee(Base):
    """One government guarantee of a PSE's debt as the register (the ``guarantees`` return of the
    Finance Department) stood at a fiscal year's end: ``outstanding`` is the guaranteed debt still
    owed then; a call (``called_on``, ``amount_called``) is the province paying instead."""

    __tablename__ = "guarantees"
    __table_args__ = (
        UniqueConstraint("department_id", "fiscal_year", "guarantee_ref"),
        CheckConstraint("outstanding >= 0 AND amount_guaranteed > 0", name="amounts"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("fiscal_years.start_year"), index=True)
    guarantee_ref: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    lender: Mapped[str] = mapped_column(String(300))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    amount_guaranteed: Mapped[int] = mapped_column(Money)
    outstanding: Mapped[int] = mapped_column(Money)
    called_on: Mapped[date | None] = mapped_column(Date)
    amount_called: Mapped[int | None] = mapped_column(Money)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


class AuditLog(Base):
    """Append-only record of every change to the data, one row per change set (a load, a build).

    ``details`` is JSON text (counts, keys, content hash). Triggers refuse UPDATE and DELETE.
    The entries form a hash chain (``kpilib.store.writes.record_audit``): ``prev_hash`` is the
    ``entry_hash`` of the entry before (64 zeros for the first) and ``entry_hash`` the SHA-256 of
    ``prev_hash`` and the entry's fields, so an edited, inserted or deleted entry shows
    (``kpi audit verify``).
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    table_name: Mapped[str | None] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    row_count: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text, server_default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest entry of the audit log's hash chain: one row (``id`` 1), updated by every
    append in the same transaction, so appends queue on its row lock (PostgreSQL) or on the
    database's write lock (SQLite). ``last_id`` is NULL and ``last_hash`` 64 zeros while the
    log is empty."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    last_id: Mapped[int | None] = mapped_column(BigId)
    last_hash: Mapped[str] = mapped_column(String(64))


TOKEN_KINDS = ("pse", "reviewer")
REVIEW_DECISIONS = ("approved", "returned", "reopened")
SEND_RESULTS = ("sent", "failed")
REMINDER_KINDS = ("due", "late")


class AccessToken(Base):
    """A personal access link to the portal (issue 9): only the SHA-256 of the token is kept.

    A ``pse`` token opens its entity's submission page, a ``reviewer`` token its department's
    review page. ``email`` is where reminders (PSE) go.
    """

    __tablename__ = "access_tokens"
    __table_args__ = (
        CheckConstraint(_in("kind", TOKEN_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'pse' AND entity_id IS NOT NULL AND department_id IS NULL) OR "
            "(kind = 'reviewer' AND department_id IS NOT NULL AND entity_id IS NULL)",
            name="scope",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Review(Base):
    """A reviewer's decision on a received return: approved, returned for correction, or
    reopened (an approved return opened again for a correction, with the reason as comment)."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(_in("decision", REVIEW_DECISIONS), name="decision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("access_tokens.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """One e-mail of a report to one recipient (``kpi deliver``): what, to whom, when, result."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_in("result", SEND_RESULTS), name="result"),
        Index("ix_deliveries_lookup", "report_sha256", "recipient"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(8))
    report: Mapped[str] = mapped_column(String(500))
    report_sha256: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(200))


class Reminder(Base):
    """One reminder e-mail to a PSE about a return due soon or late (``kpi remind``)."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint(_in("kind", REMINDER_KINDS), name="kind"),
        CheckConstraint(_in("result", SEND_RESULTS), name="result"),
        Index("ix_reminders_lookup", "entity_id", "return_type", "period_id", "as_of"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    return_type: Mapped[str] = mapped_column(String(32))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    due_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(320))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


class ReviewReminder(Base):
    """One e-mail to a department's reviewer whose queue holds returns waiting longer than N
    days (``kpi remind --reviewers``): sent at most once per reviewer address and day."""

    __tablename__ = "review_reminders"
    __table_args__ = (
        CheckConstraint(_in("result", SEND_RESULTS), name="result"),
        Index("ix_review_reminders_lookup", "department_id", "recipient", "as_of"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    recipient: Mapped[str] = mapped_column(String(320))
    as_of: Mapped[date] = mapped_column(Date)
    waiting: Mapped[int] = mapped_column(Integer)
    oldest_days: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


#: What becomes of an upload in the portal's inbox (``kpilib.portal.inbox``): checked, then
#: waiting for the officer to confirm, then loaded; or refused, or cancelled.
INBOX_STATES = (
    "received", "checking", "checked", "queued", "loading", "accepted", "unchanged", "rejected",
    "cancelled",
)  # fmt: skip


class InboxItem(Base):
    """An upload to the portal, kept durably before anything else is done with it: its receipt
    number is the id. A bounded worker pool checks it (a dry run whose preview the officer sees),
    then, once confirmed, loads it with the same code as ``kpi ingest``; a server killed half-way
    takes it up again (the lease expires) and the load, being idempotent, happens once."""

    __tablename__ = "inbox"
    __table_args__ = (
        CheckConstraint(_in("state", INBOX_STATES), name="state"),
        Index("ix_inbox_work", "state", "id"),
        Index("ix_inbox_entity", "entity_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    token_id: Mapped[int] = mapped_column(ForeignKey("access_tokens.id"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    submitted_by: Mapped[str] = mapped_column(String(200))
    return_type: Mapped[str] = mapped_column(String(32))
    period_code: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(500))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    confirmed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The worker holding the lease: ``host:pid`` (a restarted server frees its dead one's).
    leased_by: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    outcome: Mapped[str | None] = mapped_column(Text)  # JSON: problems, preview, detail
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PortalSession(Base):
    """A signed-in portal visitor: the link's token exchanged on first use for a session whose
    cookie holds a random key (only its SHA-256 is kept). Every request checks the token behind
    it again, so revoking the link ends the session at the next click."""

    __tablename__ = "portal_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("access_tokens.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


#: Where a follow-up action stands (issue 17): waiting for the PSE's answer, answered (waiting
#: for the reviewer), closed by the reviewer, or escalated (the answer did not settle the flag).
ACTION_STATUSES = ("open", "answered", "closed", "escalated")
ACTION_SEVERITIES = ("high", "medium", "low")


class Action(Base):
    """A red flag followed up (issue 17): the flag's ``kind`` and stable ``flag_key`` (a flag
    raised again on the same data finds its action instead of opening a second), its owner (the
    department, and the PSE when the flag is a PSE's), the answer due by ``due_on``, the PSE's
    answer, and the reviewer's closure or escalation. Every change is also an audit entry."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
        CheckConstraint(_in("severity", ACTION_SEVERITIES), name="severity"),
        UniqueConstraint("kind", "flag_key"),
        Index("ix_actions_department", "department_id", "status"),
        Index("ix_actions_entity", "entity_id", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    flag_key: Mapped[str] = mapped_column(String(300))
    fiscal_year: Mapped[int] = mapped_column(Integer)  # start year: 2024 for 2024-25
    period_code: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    severity: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    closed_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


#: The follow-up of red flags (issue 17): not part of the dataset (its content hash), written
#: by the CLI and the portal.
ACTION_TABLES = ("actions",)


#: Tables of the portal (issue 9): access, reviews, deliveries and reminders, the inbox of
#: uploads and the sessions (issue 19). Not part of the dataset (left out of its content hash);
#: the portal's writer role writes them.
PORTAL_TABLES = (
    "access_tokens", "reviews", "deliveries", "reminders", "review_reminders", "inbox",
    "portal_sessions",
)  # fmt: skip


#: Tables that hold the dataset, in load order (parents first).
DATA_TABLES = (
    "dataset_info",
    "departments",
    "districts",
    "entities",
    "fiscal_years",
    "periods",
    "cost_centres",
    "economic_classes",
    "submissions",
    "submission_files",
    "budget_lines",
    "revenue_heads",
    "revenue_lines",
    "indicators",
    "indicator_values",
    "pse_financials",
    "pse_governance",
    "pse_governance_notes",
    "support_releases",
    "pse_support",
    "guarantees",
    "audit_log",
)
