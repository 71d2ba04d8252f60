"""The province view: every KPI of every department for one fiscal year and report period,
computed once from the database and shared by the report notebooks and the dashboards, so the
two can never disagree.

:func:`load_province_view` reads the data store (the heavy roll-ups run in SQL), calls the KPI
modules, and returns a :class:`ProvinceView` of tidy frames. Results are memoised per database,
data fingerprint, fiscal year, period and status rules: a warm report kernel or dashboard kernel
computes the province once and serves every department from memory. What does not depend on
the period (the frames read, the PEFA assessments of completed years, the PSEs' ratios) is
memoised per fiscal year, and what no fiscal year changes (reference lists, the return status
of every PSE) per database, so another period of the same year costs only its own arithmetic.
Views and year inputs are also shared between processes through :mod:`kpilib.views.shared_cache`
when ``KPI_VIEW_CACHE_DIR`` is set: ``kpi serve``'s kernels compute each once, not once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.errors import FiscalYearNotFoundError
from kpilib.fiscal import (
    FiscalYear,
    Period,
    last_ended_quarter,
    pakistan_today,
    resolve_report_period,
)
from kpilib.kpis.budget_execution import (
    compute_execution,
    compute_monthly_curve,
    last_reported_month,
)
from kpilib.kpis.compliance import (
    compute_reporting_rates,
    list_outstanding_returns,
    load_return_status,
)
from kpilib.kpis.flags import (
    attribute_findings,
    compute_department_summary,
    list_exceptions,
)
from kpilib.kpis.pefa_assessment import PefaAssessment, assess_budget_reliability, assessment_years
from kpilib.kpis.portfolio import summarise_portfolio
from kpilib.kpis.pse_finance import compute_financial_health
from kpilib.kpis.quality import run_quality_checks
from kpilib.kpis.service_delivery import compute_department_scores, compute_indicator_performance
from kpilib.store import queries
from kpilib.store.writes import read_dataset_info, table
from kpilib.views.shared_cache import load_shared
from kpilib.views.status import StatusRules, load_status_rules, rag_label


@dataclass(frozen=True)
class ProvinceView:
    """Every KPI of the province for one fiscal year and report period (tidy frames)."""

    fiscal_year: FiscalYear
    period: Period
    as_of: date  # the date the report speaks of: period end, or the data's as-of date if earlier
    data_as_of: date | None
    is_demo: bool
    rules: StatusRules  # the thresholds every status of this view was rated with
    # the quarter whose statements the PSE headlines count: the period's last quarter, or the
    # last quarter ended by the as-of date if earlier (older statements are marked stale)
    reference_quarter: Period
    departments: pd.DataFrame
    economic_classes: pd.DataFrame
    execution: pd.DataFrame  # department × budget type
    execution_total: pd.DataFrame  # department (all budget types)
    execution_by_class: pd.DataFrame  # department × budget type × economic head
    province_execution: pd.DataFrame  # budget type, plus a "total" row
    monthly: pd.DataFrame  # department × budget type × month
    province_monthly: pd.DataFrame  # budget type × month
    pefa_province: PefaAssessment
    pefa_departments: dict[str, PefaAssessment]
    indicators: pd.DataFrame  # one row per province-level indicator (latest period, RAG)
    indicator_values: pd.DataFrame  # every province-level value up to the fiscal year
    service_scores: pd.DataFrame  # department composite scores and ranks
    entities: pd.DataFrame  # the PSEs with category and department
    pse_health: pd.DataFrame  # every PSE × quarter up to the period: ratios, Z'', ratings
    pse_latest: pd.DataFrame  # each PSE's latest statement by the period's end, with its names
    portfolio_by_department: pd.DataFrame  # latest quarter's portfolio view per department
    portfolio_by_category: pd.DataFrame  # latest quarter's portfolio view per PSE category
    compliance_as_of: date
    return_status: pd.DataFrame  # every return expected in the period's quarters
    compliance_by_department: pd.DataFrame
    compliance_by_entity: pd.DataFrame
    outstanding_returns: pd.DataFrame
    findings: pd.DataFrame  # data-quality findings of the fiscal year, with department_code
    department_summary: pd.DataFrame  # one row per department: headline KPIs and ranks
    exceptions: pd.DataFrame  # every red flag of the province
    # every return expected of every PSE, all fiscal years up to the period's last quarter
    # (the PSE monitor's submission history; added for the dashboards, issue 6)
    return_history: pd.DataFrame


def _period_as_of(period: Period, data_as_of: date | None) -> date:
    if data_as_of is not None and data_as_of < period.end_date:
        return data_as_of
    return period.end_date


def data_fingerprint(engine: Engine) -> tuple:
    """Changes whenever the data changes: every change appends to the audit log (part of every
    memo key of a view computed from the database)."""
    audit = table("audit_log")
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(sa.func.count(), sa.func.max(audit.c.id), sa.func.max(audit.c.occurred_at))
        ).one()
        info = tuple(sorted(read_dataset_info(connection).items()))
    return (*row, info)


def load_province_view(
    engine: Engine,
    fiscal_year: str,
    period: str = "FY",
    rules: StatusRules | None = None,
) -> ProvinceView:
    """Compute (or fetch from the memo) the province view; a
    :class:`~kpilib.errors.FiscalYearNotFoundError` for a fiscal year the database does not hold.

    Parameters
    ----------
    engine
        From :func:`kpilib.connect` (read-only is enough).
    fiscal_year
        ``"2024-25"``.
    period
        ``"FY"`` or ``"Q1"``–``"Q4"`` (year to date through that quarter).
    rules
        The status thresholds (:func:`kpilib.views.status.load_status_rules`); by default those
        of the project's ``parameters/`` folder, the same as every report and dashboard.
    """
    resolved = resolve_report_period(fiscal_year, period)
    rules = rules if rules is not None else load_status_rules()
    database = engine.url.render_as_string(hide_password=False)
    # KPI_COUNT_RETURNS decides which PSE returns count: part of both memo keys.
    data_key = (database, data_fingerprint(engine), queries.count_returns_setting())
    key = (*data_key, resolved.code, rules.fingerprint)
    view = _VIEWS.get(key)
    if view is None:
        check_fiscal_year(engine, resolved.fiscal_year)
        year_key = (*data_key, resolved.fiscal_year.start_year)

        def compute() -> ProvinceView:
            return _compute_view(_year_inputs(engine, data_key, year_key), resolved, rules)

        # Shared between processes when KPI_VIEW_CACHE_DIR is set (kpi serve's kernels).
        view = load_shared("province-view", key, compute)
        _remember(_VIEWS, key, view, MAX_CACHED_VIEWS)
    return view


def report_period_code(period: Period) -> str:
    """``FY`` or ``Q1``–``Q4``: the report period a view was loaded with."""
    return "FY" if period.kind == "year" else f"Q{(period.months[-1] + 2) // 3}"


def load_previous_year(engine: Engine, view: ProvinceView) -> ProvinceView | None:
    """The same period of the previous fiscal year (FY 2023-24 beside FY 2024-25; the year to
    date through Q2 beside the same), from the same functions and status rules; ``None`` when
    the database holds no such year."""
    previous = FiscalYear(view.fiscal_year.start_year - 1)
    try:
        return load_province_view(
            engine, previous.label, report_period_code(view.period), view.rules
        )
    except FiscalYearNotFoundError:
        return None


def check_fiscal_year(engine: Engine, fiscal_year: FiscalYear) -> None:
    """A :class:`~kpilib.errors.FiscalYearNotFoundError` naming the fiscal years held when the
    database has none of ``fiscal_year`` (rather than a view of empty frames)."""
    with engine.connect() as connection:
        years = queries.load_fiscal_years(connection)
    if fiscal_year.start_year not in years:
        raise FiscalYearNotFoundError(fiscal_year.label, [FiscalYear(y).label for y in years])


def _year_inputs(engine: Engine, data_key: tuple, year_key: tuple) -> _YearInputs:
    """The memoised (or shared, or newly read) inputs of a fiscal year."""
    inputs = _YEARS.get(year_key)
    if inputs is None:

        def read() -> _YearInputs:
            data = _DATA.get(data_key)
            if data is None:
                data = _load_data_inputs(engine)
                _remember(_DATA, data_key, data, MAX_CACHED_DATA)
            return _load_year_inputs(engine, year_key[-1], data)

        inputs = load_shared("province-year", year_key, read)
        _remember(_YEARS, year_key, inputs, MAX_CACHED_YEARS)
    return inputs


#: Memoised views, oldest first. Keyed by database URL, data fingerprint, the KPI_COUNT_RETURNS
#: setting, period and status rules (never by engine object: every report opens its own engine
#: on the same database).
_VIEWS: dict[tuple, ProvinceView] = {}
MAX_CACHED_VIEWS = 8
#: Memoised year inputs (what every period of a fiscal year shares), keyed like the views but by
#: fiscal year: a dashboard switching between the periods of a year reads the database once.
_YEARS: dict[tuple, _YearInputs] = {}
MAX_CACHED_YEARS = 3
#: Memoised data inputs (what every fiscal year shares), keyed by database, fingerprint and
#: setting: a dashboard switching fiscal years reads the reference lists and returns once.
_DATA: dict[tuple, _DataInputs] = {}
MAX_CACHED_DATA = 2


def _remember(memo: dict, key: tuple, value: object, limit: int) -> None:
    memo[key] = value
    while len(memo) > limit:
        memo.pop(next(iter(memo)))


@dataclass(frozen=True)
class _DataInputs:
    """What every fiscal year's inputs share: reference lists and the return status of every
    PSE (as of the data's date). Never modified."""

    info: dict[str, str]
    data_as_of: date | None
    departments: pd.DataFrame
    classes: pd.DataFrame
    fiscal_years: list[int]
    indicator_definitions: pd.DataFrame
    entities: pd.DataFrame
    cost_centre_list: pd.DataFrame
    compliance_as_of: date
    status: pd.DataFrame


@dataclass(frozen=True)
class _YearInputs:
    """What a province view reads and derives for its fiscal year, whatever the period: the
    data store's frames, the PEFA assessments (completed years only), the monthly curves, the
    PSEs' financial health and the attributed data-quality findings. Never modified."""

    year: int
    data: _DataInputs
    rollup: pd.DataFrame
    values: pd.DataFrame
    financials: pd.DataFrame
    health: pd.DataFrame
    findings: pd.DataFrame
    pefa_province: PefaAssessment
    pefa_departments: dict[str, PefaAssessment]
    pefa_scores: pd.DataFrame
    monthly: pd.DataFrame
    province_monthly: pd.DataFrame


def _load_data_inputs(engine: Engine) -> _DataInputs:
    with engine.connect() as connection:
        info = read_dataset_info(connection)
        data_as_of = date.fromisoformat(info["data_as_of"]) if "data_as_of" in info else None
        compliance_as_of = data_as_of or pakistan_today()
        return _DataInputs(
            info=info,
            data_as_of=data_as_of,
            departments=queries.load_departments(connection),
            classes=queries.load_economic_classes(connection),
            fiscal_years=queries.load_fiscal_years(connection),
            indicator_definitions=queries.load_indicators(connection),
            entities=queries.load_entities(connection),
            cost_centre_list=queries.load_cost_centres(connection),
            compliance_as_of=compliance_as_of,
            status=load_return_status(connection, compliance_as_of),
        )


def _load_year_inputs(engine: Engine, year: int, data: _DataInputs) -> _YearInputs:
    departments, entities = data.departments, data.entities
    indicator_definitions = data.indicator_definitions
    years = [y for y in data.fiscal_years if y <= year]
    with engine.connect() as connection:
        rollup = queries.load_budget_rollup(connection, years)
        revenue = queries.load_revenue_rollup(connection, years)
        pefa_years = list(assessment_years(rollup, year))
        cost_centres = queries.load_cost_centre_outturn(connection, pefa_years)
        values = queries.load_indicator_values(connection, years, scope="province")
        financials = queries.load_pse_financials(connection, years)
        findings = run_quality_checks(connection, fiscal_years=[year])

    pefa_departments = {
        code: assess_budget_reliability(rollup, revenue, year, code, cost_centres)
        for code in departments["department_code"]
    }
    pefa_scores = pd.DataFrame(
        [
            {"department_code": code, "pi1": a.indicator_scores["PI-1"],
             "pi2": a.indicator_scores["PI-2"], "pi3": a.indicator_scores["PI-3"]}
            for code, a in pefa_departments.items()
        ]
    )  # fmt: skip
    return _YearInputs(
        year=year,
        data=data,
        rollup=rollup,
        values=values,
        financials=financials,
        health=compute_financial_health(financials) if not financials.empty else financials,
        findings=attribute_findings(
            findings, entities, indicator_definitions, data.cost_centre_list
        ),
        pefa_province=assess_budget_reliability(rollup, revenue, year),
        pefa_departments=pefa_departments,
        pefa_scores=pefa_scores,
        monthly=compute_monthly_curve(rollup, year),
        province_monthly=compute_monthly_curve(rollup, year, keys=("budget_type",)),
    )


def _compute_view(inputs: _YearInputs, period: Period, rules: StatusRules) -> ProvinceView:
    """The province view of one period, from the inputs of its fiscal year."""
    year, data, status = inputs.year, inputs.data, inputs.data.status
    through_month = min(period.months[-1], last_reported_month(inputs.rollup, year) or 12)
    execution = _rate_execution_frames(_compute_execution_frames(inputs, through_month), rules)
    as_of = _period_as_of(period, data.data_as_of)
    performance = _rate_indicators(inputs, as_of, rules)
    service_scores = compute_department_scores(performance)
    last_quarter = year * 4 + (period.months[-1] + 2) // 3
    reference = _reference_quarter(period, as_of)
    health, pse_latest, portfolio = _compute_pse_frames(inputs, last_quarter, reference)
    in_period = _returns_in_period(status, year, period)
    by_department = compute_reporting_rates(in_period, by=("department_code",))
    summary = _rate_summary(
        compute_department_summary(
            data.departments, execution["execution"], execution["execution_total"],
            inputs.pefa_scores, service_scores, pse_latest, by_department, inputs.findings,
        ),
        rules,
    )  # fmt: skip
    exceptions = list_exceptions(
        summary, execution["execution"], performance, pse_latest, inputs.findings,
        rules.severity, _subject_names(data),
    )  # fmt: skip
    return ProvinceView(
        fiscal_year=period.fiscal_year,
        period=period,
        as_of=as_of,
        data_as_of=data.data_as_of,
        is_demo=data.info.get("is_demo") == "true",
        rules=rules,
        reference_quarter=reference,
        departments=data.departments,
        economic_classes=data.classes,
        execution=execution["execution"],
        execution_total=execution["execution_total"],
        execution_by_class=execution["execution_by_class"],
        province_execution=execution["province_execution"],
        monthly=inputs.monthly,
        province_monthly=inputs.province_monthly,
        pefa_province=inputs.pefa_province,
        pefa_departments=inputs.pefa_departments,
        indicators=performance,
        indicator_values=inputs.values,
        service_scores=service_scores,
        entities=data.entities,
        pse_health=health,
        pse_latest=pse_latest,
        portfolio_by_department=portfolio["department_code"],
        portfolio_by_category=portfolio["category"],
        compliance_as_of=data.compliance_as_of,
        return_status=in_period,
        compliance_by_department=by_department,
        compliance_by_entity=compute_reporting_rates(in_period, by=("entity_code",)),
        outstanding_returns=list_outstanding_returns(in_period),
        findings=inputs.findings,
        department_summary=summary,
        exceptions=exceptions,
        return_history=status[status["fiscal_year"] * 4 + status["quarter"] <= last_quarter],
    )


def _subject_names(data: _DataInputs) -> dict[str, str]:
    """The name of every PSE, cost centre (without its department's name in front) and
    economic head by code (for the red flags)."""
    departments = dict(
        zip(data.departments["department_code"], data.departments["department_name"], strict=True)
    )
    centres = data.cost_centre_list.assign(
        cost_centre_name=[
            str(name).removeprefix(f"{departments.get(code, '')}: ")
            for name, code in zip(
                data.cost_centre_list["cost_centre_name"],
                data.cost_centre_list["department_code"],
                strict=True,
            )
        ]
    )
    pairs = [
        (data.entities, "entity_code", "entity_name"),
        (centres, "cost_centre_code", "cost_centre_name"),
        (data.classes, "economic_class_code", "economic_class_name"),
    ]
    return {
        str(code): str(name)
        for frame, code_column, name_column in pairs
        for code, name in zip(frame[code_column], frame[name_column], strict=True)
    }


def _rate_execution_frames(
    frames: dict[str, pd.DataFrame], rules: StatusRules
) -> dict[str, pd.DataFrame]:
    """Each execution frame with ``rag`` and ``rag_label``: spending against plan rated with
    its department's thresholds (the province's for the province rows)."""
    rated = {}
    for name, frame in frames.items():
        departments = frame.get("department_code")
        rag = rules.rate_column("budget_execution", frame["burn_vs_plan"], departments)
        rated[name] = frame.assign(rag=rag, rag_label=rag.map(rag_label))
    return rated


def _rate_indicators(inputs: _YearInputs, as_of: date, rules: StatusRules) -> pd.DataFrame:
    """Each province-level indicator's latest performance by ``as_of``, with its ``rag`` and
    ``rag_label`` by its department's thresholds."""
    performance = compute_indicator_performance(
        inputs.values, inputs.data.indicator_definitions, as_of
    )
    rag = rules.rate_column(
        "indicator_achievement", performance["achievement"], performance["department_code"]
    )
    return performance.assign(rag=rag, rag_label=rag.map(rag_label))


def _rate_summary(summary: pd.DataFrame, rules: StatusRules) -> pd.DataFrame:
    """The department summary with the status of each headline KPI, by the department's
    thresholds: ``utilisation_rag``, ``current_rag``, ``development_rag``, ``service_rag``,
    ``returns_rag``."""
    codes = summary["department_code"]
    return summary.assign(
        utilisation_rag=rules.rate_column("budget_execution", summary["burn_vs_plan"], codes),
        current_rag=rules.rate_column("budget_execution", summary["current_burn_vs_plan"], codes),
        development_rag=rules.rate_column(
            "budget_execution", summary["development_burn_vs_plan"], codes
        ),
        service_rag=rules.rate_column("service_score", summary["service_score"], codes),
        returns_rag=rules.rate_column("returns_received", summary["returns_completeness"], codes),
    )


def _compute_execution_frames(inputs: _YearInputs, through_month: int) -> dict[str, pd.DataFrame]:
    """Budget execution through ``through_month``: the view's ``execution`` (department ×
    budget type), ``execution_total``, ``execution_by_class`` and ``province_execution``."""
    year, rollup, data = inputs.year, inputs.rollup, inputs.data
    names = data.departments[["department_code", "department_name"]]
    execution_total = compute_execution(rollup, year, through_month, keys=("department_code",))
    execution_total = execution_total.merge(names, how="left")
    by_class = compute_execution(
        rollup, year, through_month, keys=("department_code", "budget_type", "economic_class_code")
    ).merge(data.classes, how="left")
    province_by_type = compute_execution(rollup, year, through_month, keys=("budget_type",))
    province_total = compute_execution(rollup, year, through_month, keys=())
    province_total.insert(0, "budget_type", "total")
    return {
        "execution": compute_execution(rollup, year, through_month).merge(names, how="left"),
        "execution_total": execution_total,
        "execution_by_class": by_class,
        "province_execution": pd.concat([province_by_type, province_total], ignore_index=True),
    }


def _returns_in_period(status: pd.DataFrame, year: int, period: Period) -> pd.DataFrame:
    """The returns expected in the period's quarters (the year to date)."""
    return status[
        (status["fiscal_year"] == year) & (status["quarter"] <= (period.months[-1] + 2) // 3)
    ]


def _reference_quarter(period: Period, as_of: date) -> Period:
    """The period's last quarter, or the last quarter ended by ``as_of`` if that is earlier."""
    last = Period(period.fiscal_year, "quarter", (period.months[-1] + 2) // 3)
    ended = last_ended_quarter(as_of)
    return ended if ended.end_date < last.end_date else last


def _compute_pse_frames(
    inputs: _YearInputs, last_quarter: int, reference: Period
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """The PSEs' health up to ``last_quarter`` (year × 4 + quarter), each PSE's latest
    statement (``current``: it is for the ``reference`` quarter; else it is stale), and the
    portfolio of the reference quarter by department and by category."""
    entities = inputs.data.entities
    health = inputs.health
    health = health[health["fiscal_year"] * 4 + health["quarter"] <= last_quarter]
    pse_latest = (
        health.sort_values(["entity_code", "fiscal_year", "quarter"])
        .groupby("entity_code")
        .tail(1)
        .merge(entities[["entity_code", "entity_name", "category", "department_code"]])
        # approved / unapproved: the department's review of the statement's return (issue 9)
        .merge(inputs.financials[["entity_code", "period_code", "approval"]], how="left")
    )
    pse_latest["current"] = pse_latest["period_code"] == reference.code
    portfolio = {
        by: summarise_portfolio(health[health["period_code"] == reference.code], entities, by=by)
        for by in ("department_code", "category")
    }
    return health, pse_latest, portfolio


def clear_view_cache() -> None:
    """Forget memoised views and year inputs (tests; a long-running kernel after a data load
    needs no call: the data fingerprint changes with every load)."""
    _VIEWS.clear()
    _YEARS.clear()
    _DATA.clear()
