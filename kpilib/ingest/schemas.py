"""The return types and their documented schemas (pandera models).

Each return type is one :class:`ReturnSpec`: who sends it (a PSE or a department), which period
one file covers (a fiscal quarter or a fiscal year), its pandera ``DataFrameModel`` and the
columns that identify a row. Every column of a model carries, in its field ``metadata``:

* ``kind``: how a cell is read: ``code``, ``period``, ``money`` (whole rupees), ``number``,
  ``count`` (a whole number), ``choice``, ``text`` or ``date``;
* ``header``: ``required`` (the column must be in the file) or ``optional``;
* ``example``: the value shown in the template's example row;
* ``prefill`` (optional, default true): whether a pre-filled template keeps the example of a
  descriptive column (false: the cell is left empty for the sender to fill).

Cell conversion (and its plain-language errors) happens first, in :mod:`kpilib.ingest.cells`;
the pandera model then checks the typed values (blanks, signs, allowed choices). The README's
"Submitting data" tables are generated from these models (:func:`render_schema_markdown`) and a
test keeps them equal.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from kpilib.errors import ReturnTypeError
from kpilib.i18n import N_
from kpilib.store.models import (
    AUDIT_OPINIONS,
    BUDGET_TYPES,
    INDICATOR_DIRECTIONS,
    INDICATOR_FREQUENCIES,
    POST_STATUSES,
    RELEASE_INSTRUMENTS,
    SUPPORT_INSTRUMENTS,
    YES_NO,
)

Kind = Literal["code", "period", "money", "number", "count", "choice", "text", "date"]


def _field(
    kind: Kind,
    description: str,
    example: str,
    *,
    header: str = "required",
    nullable: bool = False,
    prefill: bool = True,
    **checks: Any,
) -> Any:
    return pa.Field(
        description=description,
        nullable=nullable,
        metadata={"kind": kind, "header": header, "example": example, "prefill": prefill},
        **checks,
    )


def _entity(example: str = "UNI-001") -> Any:
    return _field(
        "code",
        "PSE code; blank or absent: the PSE the return is sent for",
        example,
        header="optional",
        nullable=True,
    )


def _department(example: str) -> Any:
    return _field(
        "code",
        "department code; blank or absent: the department the return is sent for, or the "
        "department of the codes in the file",
        example,
        header="optional",
        nullable=True,
    )


def _quarter() -> Any:
    return _field(
        "period",
        "fiscal quarter, e.g. 2024-25Q1; blank or absent: the quarter the return is sent for",
        "2024-25Q1",
        header="optional",
        nullable=True,
    )


def _money(description: str, example: str, *, nullable: bool = False, signed: bool = False) -> Any:
    checks: dict[str, Any] = {} if signed else {"ge": 0}
    return _field("money", description, example, nullable=nullable, **checks)


class PseFinancialSchema(pa.DataFrameModel):
    """PSE quarterly financial return: one row, the quarter's income statement (flows) and the
    balance sheet at the quarter's end, in whole rupees."""

    entity_code: Series[str] = _entity()
    period: Series[str] = _quarter()
    revenue: Series[pd.Int64Dtype] = _money("own revenue of the quarter", "152000000")
    grants_subsidies: Series[pd.Int64Dtype] = _money("government grants and subsidies", "98000000")
    operating_expenses: Series[pd.Int64Dtype] = _money("operating expenses", "231000000")
    ebit: Series[pd.Int64Dtype] = _money(
        "earnings before interest and tax: net income + interest expense + tax (interest income "
        "stays in)",
        "19000000",
        signed=True,
    )
    interest_expense: Series[pd.Int64Dtype] = _money(
        "interest expense, gross (not net of interest income)", "4000000"
    )
    net_income: Series[pd.Int64Dtype] = _money(
        "net income (loss negative)", "15000000", signed=True
    )
    cash: Series[pd.Int64Dtype] = _money("cash and bank at quarter end", "310000000")
    inventories: Series[pd.Int64Dtype] = _money("inventories", "12000000")
    current_assets: Series[pd.Int64Dtype] = _money("current assets", "640000000")
    current_liabilities: Series[pd.Int64Dtype] = _money("current liabilities", "420000000")
    total_assets: Series[pd.Int64Dtype] = _money(
        "total assets; an accumulated deficit is never an asset (leave it out, it lowers equity)",
        "5200000000",
    )
    total_liabilities: Series[pd.Int64Dtype] = _money("total liabilities", "2100000000")
    equity: Series[pd.Int64Dtype] = _money(
        "equity = total assets − total liabilities (negative when accumulated losses exceed "
        "capital)",
        "3100000000",
        signed=True,
    )
    retained_earnings: Series[pd.Int64Dtype] = _money(
        "retained earnings (an accumulated deficit negative)", "-250000000", signed=True
    )
    borrowings: Series[pd.Int64Dtype] = _money("borrowings (loans, bonds)", "300000000")
    overdue_payables: Series[pd.Int64Dtype] = _money("payables past their due date", "45000000")


class PseKpiSchema(pa.DataFrameModel):
    """PSE operational KPI return: one row per entity-level indicator for the quarter."""

    entity_code: Series[str] = _entity("MTI-001")
    period: Series[str] = _quarter()
    indicator_code: Series[str] = _field("code", "entity-level indicator code", "MTI-BOR")
    target: Series[float] = _field(
        "number", "target for the quarter (blank: none set)", "80", nullable=True, ge=0
    )
    actual: Series[float] = _field(
        "number", "actual for the quarter (blank: not measured)", "76.5", nullable=True, ge=0
    )


class BudgetExtractSchema(pa.DataFrameModel):
    """Department budget and expenditure extract (IFMIS shape): one row per cost centre × budget
    type × economic head × month, amounts in whole rupees (that month's flow)."""

    department_code: Series[str] = _department("HLT")
    cost_centre_code: Series[str] = _field("code", "IFMIS cost centre (DDO) code", "HLT00001")
    budget_type: Series[str] = _field(
        "choice", "current or development", "current", isin=list(BUDGET_TYPES)
    )
    economic_class_code: Series[str] = _field("code", "object head, e.g. A01", "A01")
    month: Series[str] = _field("period", "fiscal month, e.g. 2024-25M01 (July)", "2024-25M01")
    original_budget: Series[pd.Int64Dtype] = _money(
        "the month's share of the original budget", "5000000"
    )
    revised_budget: Series[pd.Int64Dtype] = _money(
        "the month's share of the revised budget", "5200000"
    )
    released: Series[pd.Int64Dtype] = _money(
        "released in the month (blank: not yet reported)", "5000000", nullable=True
    )
    expended: Series[pd.Int64Dtype] = _money(
        "expended in the month (blank: not yet reported)", "4700000", nullable=True
    )


class RevenueSchema(pa.DataFrameModel):
    """Revenue estimates and receipts: one row per revenue head × month, whole rupees."""

    department_code: Series[str] = _department("ETN")
    revenue_head_code: Series[str] = _field("code", "revenue head code", "R-MVT")
    month: Series[str] = _field("period", "fiscal month, e.g. 2024-25M01 (July)", "2024-25M01")
    estimate: Series[pd.Int64Dtype] = _money(
        "the month's share of the budget estimate", "450000000"
    )
    revised_estimate: Series[pd.Int64Dtype] = _money(
        "the month's share of the revised estimate", "430000000"
    )
    receipts: Series[pd.Int64Dtype] = _money(
        "received in the month (blank: not yet reported)", "410000000", nullable=True
    )


class IndicatorTargetsSchema(pa.DataFrameModel):
    """Indicator definitions and targets: a department's province-level indicators, one row per
    indicator × period (× district), with target and actual. A new indicator code is registered
    when all four definition columns are filled."""

    department_code: Series[str] = _department("HLT")
    indicator_code: Series[str] = _field("code", "indicator code", "HLT-IMM")
    period: Series[str] = _field(
        "period",
        "2024-25 (annual), 2024-25Q1 (quarterly) or 2024-25M01 (monthly), as the indicator's "
        "frequency",
        "2024-25Q1",
    )
    district_code: Series[str] = _field(
        "code", "district code (blank: province-wide)", "", header="optional", nullable=True
    )
    target: Series[float] = _field(
        "number", "target (blank: none set)", "74.5", nullable=True, ge=0
    )
    actual: Series[float] = _field(
        "number", "actual (blank: not yet measured)", "71.2", nullable=True, ge=0
    )
    indicator_name: Series[str] = _field(
        "text", "name (new indicators)", "", header="optional", nullable=True
    )
    unit: Series[str] = _field(
        "text", "unit, e.g. % (new indicators)", "", header="optional", nullable=True
    )
    direction: Series[str] = _field(
        "choice",
        "higher_is_better or lower_is_better (new indicators)",
        "",
        header="optional",
        nullable=True,
        isin=list(INDICATOR_DIRECTIONS),
    )
    frequency: Series[str] = _field(
        "choice",
        "monthly, quarterly or annual (new indicators)",
        "",
        header="optional",
        nullable=True,
        isin=list(INDICATOR_FREQUENCIES),
    )


def _year() -> Any:
    return _field(
        "period",
        "fiscal year, e.g. 2024-25; blank or absent: the year the return is sent for",
        "2024-25",
        header="optional",
        nullable=True,
    )


def _count(description: str, example: str, *, nullable: bool = False) -> Any:
    return _field("count", description, example, nullable=nullable, prefill=False, ge=0)


def _yes_no(description: str, example: str = "yes", *, nullable: bool = False) -> Any:
    return _field("choice", description, example, nullable=nullable, prefill=False,
                  isin=list(YES_NO))  # fmt: skip


def _date(description: str, example: str, *, nullable: bool = True) -> Any:
    return _field("date", description, example, nullable=nullable, prefill=False)


class PseGovernanceSchema(pa.DataFrameModel):
    """PSE governance return: one row, the PSE's board, management, audit committee, controls and
    latest audited accounts as they stand on a date (send it yearly, and again, as a new version
    of the year's return, whenever they change)."""

    entity_code: Series[str] = _entity("PCO-001")
    period: Series[str] = _year()
    as_at: Series[str] = _date(
        "the date the row describes: the year's end, or the day of a change", "2025-06-30",
        nullable=False,
    )  # fmt: skip
    board_size: Series[pd.Int64Dtype] = _count(
        "seats on the board (board of directors, governors or syndicate) under the PSE's law or "
        "articles", "9",
    )  # fmt: skip
    independent_members: Series[pd.Int64Dtype] = _count("independent members in office", "3")
    non_executive_members: Series[pd.Int64Dtype] = _count(
        "other non-executive members in office (neither independent nor ex officio)", "1"
    )
    executive_members: Series[pd.Int64Dtype] = _count(
        "executive members in office (the CEO when a member)", "1"
    )
    ex_officio_members: Series[pd.Int64Dtype] = _count(
        "members by virtue of a government office (e.g. the administrative secretary)", "2"
    )
    women_members: Series[pd.Int64Dtype] = _count("women among the members in office", "1")
    vacancies: Series[pd.Int64Dtype] = _count(
        "seats vacant; the four member counts + vacancies = board_size", "2"
    )
    board_meetings: Series[pd.Int64Dtype] = _count("board meetings held in the fiscal year", "5")
    board_attendance_pct: Series[float] = _field(
        "number", "average attendance of members at those meetings, % (blank: no meetings)",
        "82", nullable=True, prefill=False, ge=0, le=100,
    )  # fmt: skip
    chair_independent: Series[str] = _yes_no("the chair is an independent member")
    chair_separate_from_ceo: Series[str] = _yes_no("the chair is not the CEO")
    ceo_status: Series[str] = _field(
        "choice", "the CEO (or vice-chancellor, hospital director, managing director): regular, "
        "acting or vacant", "regular", prefill=False, isin=list(POST_STATUSES),
    )  # fmt: skip
    ceo_since: Series[str] = _date("in the post since (blank when vacant)", "2023-02-01")
    cfo_status: Series[str] = _field(
        "choice", "the chief financial officer (finance director): regular, acting or vacant",
        "acting", prefill=False, isin=list(POST_STATUSES),
    )  # fmt: skip
    cfo_since: Series[str] = _date("in the post since (blank when vacant)", "2025-01-15")
    audit_committee_members: Series[pd.Int64Dtype] = _count(
        "members of the board's audit committee (0: no audit committee)", "3"
    )
    audit_committee_chair_independent: Series[str] = _yes_no(
        "the audit committee's chair is an independent member (blank: no committee)",
        nullable=True,
    )
    audit_committee_meetings: Series[pd.Int64Dtype] = _count(
        "audit committee meetings held in the fiscal year (blank: no committee)", "4",
        nullable=True,
    )  # fmt: skip
    internal_audit_function: Series[str] = _yes_no("an internal audit function is in place")
    risk_management_policy: Series[str] = _yes_no(
        "a risk-management policy approved by the board", "no"
    )
    audited_accounts_year: Series[str] = _field(
        "period", "fiscal year of the latest audited accounts, e.g. 2023-24 (blank: none yet)",
        "2023-24", nullable=True, prefill=False,
    )  # fmt: skip
    auditor_report_date: Series[str] = _date(
        "date of the auditor's report on those accounts", "2024-11-20"
    )
    auditor: Series[str] = _field(
        "text", "the auditor (firm, or the Auditor-General)", "Demo & Co. Chartered Accountants",
        nullable=True, prefill=False,
    )  # fmt: skip
    audit_opinion: Series[str] = _field(
        "choice", "the auditor's opinion: unmodified, qualified, adverse or disclaimer",
        "qualified", nullable=True, prefill=False, isin=list(AUDIT_OPINIONS),
    )  # fmt: skip
    annual_report_published: Series[str] = _yes_no("an annual report was published for the year")
    agm_date: Series[str] = _date(
        "date of the annual general meeting held in the year (companies; blank: none held)",
        "2024-10-28",
    )


class PseGovernanceNotesSchema(pa.DataFrameModel):
    """PSE governance notes: one row per governance rule the PSE does not comply with, giving the
    reason and the line of action (the statement of compliance's explanations)."""

    entity_code: Series[str] = _entity("PCO-001")
    period: Series[str] = _year()
    rule_id: Series[str] = _field(
        "code", "the rule's id in the rulebook", "BOARD-INDEPENDENCE", prefill=False
    )
    reason: Series[str] = _field(
        "text", "why the rule is not complied with", "two independent seats vacant since March",
        prefill=False,
    )  # fmt: skip
    line_of_action: Series[str] = _field(
        "text", "what the PSE will do, and by when", "names sent to the department; by December",
        nullable=True, prefill=False,
    )  # fmt: skip


class SupportReleasesSchema(pa.DataFrameModel):
    """Support releases: one row per PSE and instrument, what the budget gave the PSE in the
    fiscal year (sent by the Finance Department; guarantees go in the guarantee register)."""

    department_code: Series[str] = _department("FIN")
    period: Series[str] = _year()
    entity_code: Series[str] = _field("code", "the PSE's code", "PCO-001")
    instrument: Series[str] = _field(
        "choice", "grant_in_aid, subsidy, equity_injection, loan_disbursed, loan_repaid, "
        "loan_interest (interest the PSE paid on on-lent loans), loan_arrears (at the year's "
        "end) or other_relief", "grant_in_aid", isin=list(RELEASE_INSTRUMENTS),
    )  # fmt: skip
    amount: Series[pd.Int64Dtype] = _money("amount of the year, in whole rupees", "2500000000")


class PseSupportSchema(pa.DataFrameModel):
    """PSE support return: one row per instrument, the government support the PSE received in
    the fiscal year as its books show it, and for a grant-in-aid its utilisation report."""

    entity_code: Series[str] = _entity("PCO-001")
    period: Series[str] = _year()
    instrument: Series[str] = _field(
        "choice", "grant_in_aid, subsidy, equity_injection, loan_disbursed, loan_repaid, "
        "loan_interest, loan_arrears, guarantee_issued, guarantee_outstanding, guarantee_called "
        "or other_relief", "grant_in_aid", isin=list(SUPPORT_INSTRUMENTS),
    )  # fmt: skip
    amount: Series[pd.Int64Dtype] = _money("amount of the year, in whole rupees", "2500000000")
    utilisation_report_date: Series[str] = _date(
        "grant_in_aid only: date the utilisation report of the grant was sent (blank: not sent)",
        "2025-08-15",
    )


class GuaranteesSchema(pa.DataFrameModel):
    """Guarantee register: one row per government guarantee of a PSE's debt, as it stood at the
    fiscal year's end (sent by the Finance Department)."""

    department_code: Series[str] = _department("FIN")
    period: Series[str] = _year()
    guarantee_ref: Series[str] = _field("code", "the guarantee's reference", "GTEE-2021-03")
    entity_code: Series[str] = _field("code", "the PSE whose debt is guaranteed", "PCO-001")
    lender: Series[str] = _field("text", "the lender", "Demo Bank Ltd", prefill=False)
    issued_on: Series[str] = _date("date the guarantee was issued", "2021-09-01", nullable=False)
    expires_on: Series[str] = _date("date the guarantee expires", "2028-08-31", nullable=False)
    amount_guaranteed: Series[pd.Int64Dtype] = _money("amount guaranteed", "4000000000")
    outstanding: Series[pd.Int64Dtype] = _money(
        "guaranteed debt still owed at the year's end (0 once expired)", "2600000000"
    )
    called_on: Series[str] = _date("date the guarantee was called (blank: never)", "")
    amount_called: Series[pd.Int64Dtype] = _money(
        "amount the province paid under the call (blank: never called)", "", nullable=True
    )


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a return as read from its pandera model."""

    name: str
    kind: Kind
    required: bool
    nullable: bool
    description: str
    example: str
    choices: tuple[str, ...] = ()
    non_negative: bool = False
    prefill: bool = True


@dataclass(frozen=True)
class ReturnLimits:
    """How large one file of a return type may be, checked while the file is read (a file past
    a limit is refused as soon as the reader gets there, before the rest is read).

    ``rows``: data rows (the header and blank rows are not counted); ``columns``: the header's
    columns and the cells of a row; ``unpacked_mb``: a CSV's size, or what an XLSX workbook's
    parts unpack to (the zip's declared sizes, checked before anything is unpacked).
    """

    rows: int
    unpacked_mb: float
    columns: int = 64

    @property
    def unpacked_bytes(self) -> int:
        return int(self.unpacked_mb * 1_000_000)

    def widest(self, other: ReturnLimits) -> ReturnLimits:
        """The larger of each limit (what a file of a return type not yet known may hold)."""
        return ReturnLimits(max(self.rows, other.rows), max(self.unpacked_mb, other.unpacked_mb),
                            max(self.columns, other.columns))  # fmt: skip


@dataclass(frozen=True)
class ReturnSpec:
    """A return type: sender, period covered by one file, schema, row key and size limits."""

    return_type: str
    title: str
    sender: Literal["entity", "department"]
    period_kind: Literal["quarter", "year"]
    model: type[pa.DataFrameModel]
    key: tuple[str, ...]
    period_column: str
    limits: ReturnLimits

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        return _columns_of(self.model)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def _columns_of(model: type[pa.DataFrameModel]) -> tuple[ColumnSpec, ...]:
    specs = []
    for name, column in model.to_schema().columns.items():
        meta = column.metadata or {}
        choices: tuple[str, ...] = ()
        non_negative = False
        for check in column.checks:
            stats = check.statistics or {}
            if check.name == "isin":
                choices = tuple(stats["allowed_values"])
            if check.name == "greater_than_or_equal_to" and stats.get("min_value") == 0:
                non_negative = True
        specs.append(
            ColumnSpec(
                name=name,
                kind=meta["kind"],
                required=meta["header"] == "required",
                nullable=column.nullable,
                description=column.description or "",
                example=meta["example"],
                choices=choices,
                non_negative=non_negative,
                prefill=meta.get("prefill", True),
            )
        )
    return tuple(specs)


#: The size limits of each return type, with headroom over what a real return holds: a financial
#: return is one statement row; a PSE reports tens of indicators; a department's IFMIS extract
#: holds tens of thousands of lines (cost centre × budget type × head × month); revenue heads ×
#: months run to hundreds; indicator targets × periods × districts to thousands. A workbook's
#: own parts (styles, theme, an instructions sheet) take well under 1 MB.
RETURN_LIMITS: dict[str, ReturnLimits] = {
    "pse_financial": ReturnLimits(rows=20, unpacked_mb=5),
    "pse_kpi": ReturnLimits(rows=2_000, unpacked_mb=10),
    "budget_extract": ReturnLimits(rows=200_000, unpacked_mb=150),
    "revenue": ReturnLimits(rows=20_000, unpacked_mb=20),
    "indicator_targets": ReturnLimits(rows=100_000, unpacked_mb=80),
    "pse_governance": ReturnLimits(rows=20, unpacked_mb=5),
    "pse_governance_notes": ReturnLimits(rows=200, unpacked_mb=5),
    "support_releases": ReturnLimits(rows=5_000, unpacked_mb=10),
    "pse_support": ReturnLimits(rows=50, unpacked_mb=5),
    "guarantees": ReturnLimits(rows=2_000, unpacked_mb=10),
}

#: Every return type (titles marked ``N_``: messages name the return in the reader's language).
RETURN_SPECS: dict[str, ReturnSpec] = {
    spec.return_type: spec
    for spec in (
        ReturnSpec("pse_financial", N_("PSE quarterly financial return"), "entity", "quarter",
                   PseFinancialSchema, (), "period", RETURN_LIMITS["pse_financial"]),
        ReturnSpec("pse_kpi", N_("PSE operational KPI return"), "entity", "quarter", PseKpiSchema,
                   ("indicator_code",), "period", RETURN_LIMITS["pse_kpi"]),
        ReturnSpec("budget_extract", N_("Department budget and expenditure extract (IFMIS)"),
                   "department", "year", BudgetExtractSchema,
                   ("cost_centre_code", "budget_type", "economic_class_code", "month"), "month",
                   RETURN_LIMITS["budget_extract"]),
        ReturnSpec("revenue", N_("Revenue estimates and receipts"), "department", "year",
                   RevenueSchema, ("revenue_head_code", "month"), "month",
                   RETURN_LIMITS["revenue"]),
        ReturnSpec("indicator_targets", N_("Indicator definitions and targets"), "department",
                   "year", IndicatorTargetsSchema, ("indicator_code", "period", "district_code"),
                   "period", RETURN_LIMITS["indicator_targets"]),
        ReturnSpec("pse_governance", N_("PSE governance return"), "entity", "year",
                   PseGovernanceSchema, (), "period", RETURN_LIMITS["pse_governance"]),
        ReturnSpec("pse_governance_notes", N_("PSE governance notes (reasons and lines of action)"),
                   "entity", "year", PseGovernanceNotesSchema, ("rule_id",), "period",
                   RETURN_LIMITS["pse_governance_notes"]),
        ReturnSpec("support_releases", N_("Government support released to the PSEs"), "department",
                   "year", SupportReleasesSchema, ("entity_code", "instrument"), "period",
                   RETURN_LIMITS["support_releases"]),
        ReturnSpec("pse_support", N_("PSE support return (support received by instrument)"),
                   "entity", "year", PseSupportSchema, ("instrument",), "period",
                   RETURN_LIMITS["pse_support"]),
        ReturnSpec("guarantees", N_("Register of government guarantees"), "department", "year",
                   GuaranteesSchema, ("guarantee_ref",), "period", RETURN_LIMITS["guarantees"]),
    )
}  # fmt: skip

#: What a file may hold before its return type is known (told from its header).
ANY_RETURN_LIMITS = functools.reduce(ReturnLimits.widest, RETURN_LIMITS.values())


def spec_for(return_type: str) -> ReturnSpec:
    """The spec of a return type name (``pse_financial``, ``pse_kpi``, ``budget_extract``,
    ``revenue``, ``indicator_targets``, ``pse_governance``, ``pse_governance_notes``,
    ``support_releases``, ``pse_support``, ``guarantees``);
    :class:`ReturnTypeError` for any other name."""
    try:
        return RETURN_SPECS[str(return_type).strip().lower().replace("-", "_")]
    except KeyError:
        raise ReturnTypeError(str(return_type), tuple(RETURN_SPECS)) from None


def render_schema_markdown(spec: ReturnSpec) -> str:
    """The README table of a return type's columns, generated from its pandera model."""
    lines = [
        f"**`{spec.return_type}`**: {spec.title}. {_first_sentence(spec)} One file covers one "
        f"{'PSE' if spec.sender == 'entity' else 'department'} and one fiscal "
        f"{spec.period_kind}.",
        "",
        "| Column | Required | Type | Rule | Meaning |",
        "|---|---|---|---|---|",
    ]
    for column in spec.columns:
        rule = []
        if column.non_negative:
            rule.append("≥ 0")
        if column.choices:
            rule.append(" / ".join(column.choices))
        if not column.nullable:
            rule.append("not blank")
        lines.append(
            f"| `{column.name}` | {'yes' if column.required else 'no'} | {column.kind} | "
            f"{', '.join(rule) or '—'} | {column.description} |"
        )
    return "\n".join(lines)


def _first_sentence(spec: ReturnSpec) -> str:
    doc = " ".join((spec.model.__doc__ or "").split())
    sentence = doc.split(": ", 1)[1] if ": " in doc else doc
    return sentence[:1].upper() + sentence[1:]


def render_limits_markdown() -> str:
    """The README table of each return type's size limits (:data:`RETURN_LIMITS`)."""
    lines = [
        "| Return type | Data rows | Columns | Size (CSV) or unpacked size (XLSX) |",
        "|---|---|---|---|",
    ]
    for spec in RETURN_SPECS.values():
        limits = spec.limits
        lines.append(
            f"| `{spec.return_type}` | {limits.rows:,} | {limits.columns} | "
            f"{limits.unpacked_mb:g} MB |"
        )
    return "\n".join(lines)
