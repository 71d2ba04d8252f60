"""Build the demo province into a database, deterministically from a seed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy.engine import Connection, Engine

from kpilib import __version__
from kpilib.demo.actions import demo_actions
from kpilib.demo.budget import (
    BUDGET_LINE_COLUMNS,
    CostCentrePlan,
    budget_rows,
    generate_budget_year,
    plan_cost_centres,
)
from kpilib.demo.entities import DemoEntity, build_entities
from kpilib.demo.governance import generate_governance_returns
from kpilib.demo.indicators import INDICATOR_VALUE_COLUMNS, generate_province_values
from kpilib.demo.pse_returns import PseReturns, generate_pse_returns
from kpilib.demo.reference import (
    BUDGET_GROWTH,
    DEPARTMENTS,
    DISTRICTS,
    ECONOMIC_CLASSES,
    INDICATORS,
    REVENUE_HEADS,
    IndicatorProfile,
)
from kpilib.demo.revenue import REVENUE_LINE_COLUMNS, generate_revenue_year
from kpilib.demo.reviews import demo_reviews
from kpilib.demo.support import insert_support_demo
from kpilib.demo.urdu_names import DEPARTMENT_NAMES_UR
from kpilib.errors import DemoBuildError
from kpilib.fiscal import FiscalYear, Period, fiscal_month_of, periods_of_year
from kpilib.store import migrate
from kpilib.store.database import ensure_schema
from kpilib.store.writes import (
    bulk_insert,
    constraints_deferred,
    has_data,
    insert_rows,
    is_demo,
    record_audit,
    refresh_statistics,
    reset_id_sequences,
    write_dataset_info,
)

DEFAULT_SEED = 2025
#: The demo's "today": budget data through January 2026, Q2 2025-26 returns due 30 January.
DEFAULT_AS_OF = date(2026, 2, 15)
MAX_SCALE = 200
PROVINCE_NAME = "Khyber Pakhtunkhwa (demo)"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    scale: int
    as_of: date
    row_counts: dict[str, int]


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None


def _streams(seed: int) -> dict[str, np.random.Generator]:
    names = ("entities", "cost_centres", "budget", "revenue", "indicators", "pse", "governance")
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children, strict=True)}


def _department_received_at(year: FiscalYear, as_of: date) -> datetime:
    day = min(year.end_date + timedelta(days=15), as_of - timedelta(days=3))
    return datetime.combine(day, time(5, 30), tzinfo=UTC)


def _prepare_database(engine: Engine, replace: bool) -> None:
    ensure_schema(engine)
    with engine.connect() as connection:
        populated = has_data(connection)
        demo = is_demo(connection) if populated else False
    if not populated:
        return
    if not replace:
        raise DemoBuildError(
            "The database already holds data. Use `kpi demo --replace` to rebuild the demo "
            "province, or point KPI_DATABASE_URL at an empty database."
        )
    if not demo:
        raise DemoBuildError(
            "The database holds real (non-demo) data; `kpi demo --replace` only replaces a "
            "demo database. Use an empty database for the demo."
        )
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)


def build_demo(
    engine: Engine,
    *,
    seed: int = DEFAULT_SEED,
    scale: int = 1,
    as_of: date = DEFAULT_AS_OF,
    replace: bool = False,
    progress: Progress = _no_progress,
) -> DemoSummary:
    """Build the synthetic demo province in one transaction and flag the dataset as demo data.

    The same ``seed``, ``scale`` and ``as_of`` always give the same data. ``scale`` multiplies the
    number of cost centres (≈ 204,000 budget rows per unit of scale).
    """
    current_year = _check_arguments(scale, as_of)
    _prepare_database(engine, replace)
    rngs = _streams(seed)
    years = [FiscalYear(y) for y in sorted(BUDGET_GROWTH) if y <= current_year.start_year]
    closed = fiscal_month_of(as_of) - 1  # months fully closed before the as-of date
    reported = {y.start_year: 12 if y < current_year else closed for y in years}
    counts: dict[str, int] = {}

    with engine.begin() as connection:
        progress("reference data", 0, 1)
        ref = _insert_reference_data(connection, rngs, years, scale, counts)
        returns = _plan_department_returns(ref, years, seed, scale, as_of)
        pse = _insert_returns(connection, ref, returns, rngs, as_of, counts)
        counts["budget_lines"] = _insert_budget_lines(
            connection, ref, years, returns.budget, reported, rngs["budget"], progress
        )
        progress("revenue, indicators and PSE returns", len(years) + 1, len(years) + 1)
        counts["revenue_lines"] = _insert_revenue_lines(
            connection, ref, years, returns.revenue, reported, rngs["revenue"]
        )
        counts["indicator_values"] = _insert_indicator_values(
            connection, ref, years, returns.indicators, pse, rngs["indicators"], as_of
        )
        for name, count in insert_support_demo(connection, seed, ref.entities, {
            "entity": ref.entity_ids, "department": ref.department_ids, "period": ref.period_ids,
        }).items():  # fmt: skip
            counts[name] = counts.get(name, 0) + count
        counts["actions"] = demo_actions(connection, seed, as_of)  # issue 17: follow-up
        _finish_dataset(connection, seed, scale, as_of, counts)
    progress("refreshing statistics", 1, 1)
    refresh_statistics(engine)
    progress("done", 1, 1)
    return DemoSummary(seed=seed, scale=scale, as_of=as_of, row_counts=counts)


def _check_arguments(scale: int, as_of: date) -> FiscalYear:
    """Refuse a scale or an as-of date the demo cannot build; the as-of date's fiscal year."""
    if not 1 <= scale <= MAX_SCALE:
        raise DemoBuildError(f"--scale must be between 1 and {MAX_SCALE}, not {scale}")
    current_year = FiscalYear.containing(as_of)
    if current_year.start_year not in BUDGET_GROWTH:
        raise DemoBuildError(
            f"--as-of {as_of} falls in {current_year}; the demo covers 2021-22 to 2025-26"
        )
    return current_year


@dataclass(frozen=True)
class _Reference:
    """The reference rows written first (codes to ids), which every later table points at."""

    department_ids: dict[str, int]
    district_ids: dict[str, int]
    periods: list[Period]
    period_ids: dict[str, int]
    class_ids: dict[str, int]
    head_ids: dict[str, int]
    indicator_ids: dict[str, int]
    entities: list[DemoEntity]
    entity_ids: dict[str, int]
    plan: CostCentrePlan


def _insert_reference_data(
    connection: Connection,
    rngs: dict[str, np.random.Generator],
    years: list[FiscalYear],
    scale: int,
    counts: dict[str, int],
) -> _Reference:
    """Write departments, districts, periods, heads, indicators, PSEs and cost centres."""
    department_ids = {p.code: i for i, p in enumerate(DEPARTMENTS, start=1)}
    counts["departments"] = insert_rows(connection, "departments", [
        {"id": i, "code": p.code, "name": p.name, "name_ur": DEPARTMENT_NAMES_UR.get(p.code)}
        for i, p in enumerate(DEPARTMENTS, start=1)
    ])  # fmt: skip
    district_ids = {code: i for i, (code, _) in enumerate(DISTRICTS, start=1)}
    counts["districts"] = insert_rows(connection, "districts", [
        {"id": district_ids[code], "code": code, "name": name} for code, name in DISTRICTS
    ])  # fmt: skip
    insert_rows(connection, "fiscal_years", [
        {"start_year": y.start_year, "label": y.label, "start_date": y.start_date,
         "end_date": y.end_date} for y in years
    ])  # fmt: skip
    periods = [p for y in years for p in periods_of_year(y)]
    period_ids = {p.code: i for i, p in enumerate(periods, start=1)}
    insert_rows(connection, "periods", [
        {"id": period_ids[p.code], "code": p.code, "fiscal_year": p.fiscal_year.start_year,
         "kind": p.kind, "number": p.number, "start_date": p.start_date,
         "end_date": p.end_date} for p in periods
    ])  # fmt: skip
    class_ids = {code: i for i, (code, _, _) in enumerate(ECONOMIC_CLASSES, start=1)}
    insert_rows(connection, "economic_classes", [
        {"id": class_ids[code], "code": code, "name": name, "kind": kind}
        for code, name, kind in ECONOMIC_CLASSES
    ])  # fmt: skip
    head_ids = {head[0]: i for i, head in enumerate(REVENUE_HEADS, start=1)}
    insert_rows(connection, "revenue_heads", [
        {"id": head_ids[code], "code": code, "name": name, "kind": kind}
        for code, name, kind, *_ in REVENUE_HEADS
    ])  # fmt: skip
    indicator_ids = _insert_indicators(connection, department_ids)
    entities = build_entities(rngs["entities"])
    entity_ids = {e.code: i for i, e in enumerate(entities, start=1)}
    counts["entities"] = insert_rows(connection, "entities", [
        {"id": entity_ids[e.code], "code": e.code, "name": e.name, "name_ur": e.name_ur,
         "category": e.category,
         "department_id": department_ids[e.department],
         "district_id": district_ids.get(e.district) if e.district else None}
        for e in entities
    ])  # fmt: skip
    plan = plan_cost_centres(rngs["cost_centres"], department_ids, class_ids, district_ids,
                             scale)  # fmt: skip
    counts["cost_centres"] = insert_rows(connection, "cost_centres", plan.rows)
    return _Reference(department_ids, district_ids, periods, period_ids, class_ids, head_ids,
                      indicator_ids, entities, entity_ids, plan)  # fmt: skip


def _insert_indicators(connection: Connection, department_ids: dict[str, int]) -> dict[str, int]:
    """Write the demo indicators; their ids by code."""
    indicator_ids = {p.code: i for i, p in enumerate(INDICATORS, start=1)}
    insert_rows(connection, "indicators", [
        {"id": indicator_ids[p.code], "code": p.code, "name": p.name, "unit": p.unit,
         "department_id": department_ids[p.department], "direction": p.direction,
         "frequency": p.frequency, "level": p.level,
         "description": f"{p.name} ({p.unit}); demo indicator."} for p in INDICATORS
    ])  # fmt: skip
    return indicator_ids


@dataclass(frozen=True)
class _DepartmentReturns:
    """The departments' submissions and, per return, the id of the submission it came in."""

    submissions: list[dict]
    budget: dict[int, dict[int, int]]  # fiscal year -> department id -> submission id
    revenue: dict[int, dict[int, int]]  # fiscal year -> department id -> submission id
    indicators: dict[tuple[str, int], int]  # (department code, fiscal year) -> submission id


def _plan_department_returns(
    ref: _Reference, years: list[FiscalYear], seed: int, scale: int, as_of: date
) -> _DepartmentReturns:
    """Department returns: the yearly budget extract, revenue and indicator returns."""
    submissions: list[dict] = []

    def department_submission(return_type: str, department: str, year: FiscalYear) -> int:
        key = f"{return_type}:{department}:{year.label}:{seed}:{scale}"
        submissions.append({
            "id": len(submissions) + 1, "return_type": return_type, "entity_id": None,
            "department_id": ref.department_ids[department],
            "period_id": ref.period_ids[year.label],
            "due_date": None, "received_at": _department_received_at(year, as_of),
            "status": "accepted", "version": 1, "supersedes_id": None,
            "content_hash": hashlib.sha256(key.encode()).hexdigest(),
            "file_name": f"{department}_{return_type}_{year.label}.csv", "row_count": 0,
            "submitted_by": f"{department.lower()}.budget@demo.invalid",
        })  # fmt: skip
        return len(submissions)

    budget = {
        y.start_year: {
            ref.department_ids[p.code]: department_submission("budget_extract", p.code, y)
            for p in DEPARTMENTS
        }
        for y in years
    }
    revenue_departments = sorted({head[3] for head in REVENUE_HEADS})
    revenue = {
        y.start_year: {ref.department_ids[d]: department_submission("revenue", d, y)
                       for d in revenue_departments} for y in years
    }  # fmt: skip
    indicators = {
        (d, y.start_year): department_submission("indicator_targets", d, y)
        for d in sorted({p.department for p in _list_province_indicators()}) for y in years
    }  # fmt: skip
    return _DepartmentReturns(submissions, budget, revenue, indicators)


def _list_province_indicators() -> list[IndicatorProfile]:
    """The indicators the departments report for the province (not the PSEs' own)."""
    return [p for p in INDICATORS if p.level == "province"]


def _insert_returns(
    connection: Connection,
    ref: _Reference,
    returns: _DepartmentReturns,
    rngs: dict[str, np.random.Generator],
    as_of: date,
    counts: dict[str, int],
) -> PseReturns:
    """Write every submission (departments', then PSEs'), the PSE statements, the governance
    returns and the reviews."""
    quarters = [p for p in ref.periods if p.kind == "quarter" and p.end_date < as_of]
    pse = generate_pse_returns(
        rngs["pse"], ref.entities, ref.entity_ids, quarters, ref.period_ids,
        [p for p in INDICATORS if p.level == "entity"], ref.indicator_ids, as_of,
        first_submission_id=len(returns.submissions) + 1,
    )  # fmt: skip
    governance = generate_governance_returns(
        rngs["governance"], ref.entities, ref.entity_ids, ref.period_ids, as_of,
        first_submission_id=len(returns.submissions) + len(pse.submissions) + 1,
    )  # fmt: skip
    counts["submissions"] = insert_rows(
        connection, "submissions", returns.submissions + pse.submissions + governance.submissions
    )
    counts["pse_financials"] = insert_rows(connection, "pse_financials", pse.financials)
    counts["pse_governance"] = insert_rows(connection, "pse_governance", governance.governance)
    counts["pse_governance_notes"] = insert_rows(
        connection, "pse_governance_notes", governance.notes
    )
    department_of_entity = {ref.entity_ids[e.code]: e.department for e in ref.entities}
    counts["reviews"] = insert_rows(
        connection,
        "reviews",
        demo_reviews(pse.submissions + governance.submissions, department_of_entity, as_of),
    )
    return pse


def _insert_budget_lines(
    connection: Connection,
    ref: _Reference,
    years: list[FiscalYear],
    submissions: dict[int, dict[int, int]],
    reported: dict[int, int],
    rng: np.random.Generator,
    progress: Progress,
) -> int:
    """Write the monthly budget lines of every year (constraints checked once, at the end)."""
    written = 0
    with constraints_deferred(connection, "budget_lines"):
        for step, year in enumerate(years):
            progress(f"budget lines {year}", step, len(years) + 1)
            columns = generate_budget_year(
                rng, ref.plan, year.start_year, ref.department_ids, ref.class_ids["A99"],
                submissions[year.start_year], reported_months=reported[year.start_year],
            )  # fmt: skip
            for chunk in budget_rows(columns):
                written += bulk_insert(connection, "budget_lines", BUDGET_LINE_COLUMNS, chunk)
        progress("indexing budget lines", len(years), len(years) + 1)
    return written


def _insert_revenue_lines(
    connection: Connection,
    ref: _Reference,
    years: list[FiscalYear],
    submissions: dict[int, dict[int, int]],
    reported: dict[int, int],
    rng: np.random.Generator,
) -> int:
    """Write the monthly revenue lines of every year."""
    written = 0
    for year in years:
        rows = generate_revenue_year(
            rng, year.start_year, ref.head_ids, ref.department_ids,
            submissions[year.start_year], reported_months=reported[year.start_year],
        )  # fmt: skip
        written += bulk_insert(connection, "revenue_lines", REVENUE_LINE_COLUMNS, rows)
    return written


def _insert_indicator_values(
    connection: Connection,
    ref: _Reference,
    years: list[FiscalYear],
    submissions: dict[tuple[str, int], int],
    pse: PseReturns,
    rng: np.random.Generator,
    as_of: date,
) -> int:
    """Write the province's indicator values and the PSEs' operational KPI values."""
    values = generate_province_values(
        rng, _list_province_indicators(), ref.indicator_ids, ref.period_ids, ref.district_ids,
        years, _last_reported_quarter(as_of), submissions,
    )  # fmt: skip
    return bulk_insert(
        connection, "indicator_values", INDICATOR_VALUE_COLUMNS, values + pse.kpi_values
    )


def _finish_dataset(
    connection: Connection, seed: int, scale: int, as_of: date, counts: dict[str, int]
) -> None:
    """Reset the id sequences, flag the dataset as demo data and record the build."""
    reset_id_sequences(connection, ["departments", "districts", "periods", "economic_classes",
                                    "revenue_heads", "indicators", "entities", "cost_centres",
                                    "submissions", "reviews"])  # fmt: skip
    write_dataset_info(connection, {
        "is_demo": "true", "demo_seed": str(seed), "demo_scale": str(scale),
        "data_as_of": as_of.isoformat(), "province": PROVINCE_NAME,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kpilib_version": __version__,
    })  # fmt: skip
    record_audit(
        connection,
        "demo_build",
        row_count=sum(counts.values()),
        details={"seed": seed, "scale": scale, "as_of": as_of, "rows": counts},
    )


def _last_reported_quarter(as_of: date) -> Period:
    """The last quarter whose indicator actuals are in: it ended at least 30 days before."""
    year = FiscalYear.containing(as_of - timedelta(days=30))
    quarter = Period(year, "quarter", 4)
    for number in range(4, 0, -1):
        quarter = Period(year, "quarter", number)
        if quarter.end_date <= as_of - timedelta(days=30):
            return quarter
    return Period(year.previous(), "quarter", 4)
