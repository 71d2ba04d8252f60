"""Read the data store into tidy pandas DataFrames (codes, not ids; typed columns).

Every query is built with SQLAlchemy Core, so values are always bound parameters. Heavy work is
pushed into SQL: :func:`load_budget_rollup` aggregates the (possibly 10-million-row) budget table
with ``GROUP BY`` over its covering index, so it is never loaded whole. Money columns come back
as pandas' nullable ``Int64`` (exact rupees; ``<NA>`` = not reported).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.errors import KpiError
from kpilib.store.models import PSE_FINANCIAL_LINES
from kpilib.store.writes import as_utc, table

BUDGET_AMOUNTS = ("original_budget", "revised_budget", "released", "expended")
REVENUE_AMOUNTS = ("estimate", "revised_estimate", "receipts")


def read_frame(connection: Connection, query: sa.Select) -> pd.DataFrame:
    """The rows of ``query`` as a DataFrame, one column per selected column. Rows reach pandas
    as plain tuples: it reads SQLAlchemy ``Row`` objects about five times slower."""
    result = connection.execute(query)
    return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


def _money(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.array(
            [None if v is None or pd.isna(v) else int(v) for v in frame[column]], dtype="Int64"
        )
    return frame


def load_departments(connection: Connection) -> pd.DataFrame:
    """Departments: ``department_id, department_code, department_name, department_name_ur``
    (the Urdu name, None when there is none), ordered by code."""
    t = table("departments")
    query = sa.select(
        t.c.id.label("department_id"),
        t.c.code.label("department_code"),
        t.c.name.label("department_name"),
        t.c.name_ur.label("department_name_ur"),
    ).order_by(t.c.code)
    return read_frame(connection, query)


def load_entities(connection: Connection) -> pd.DataFrame:
    """PSEs with their category, department and district codes, ordered by code; the Urdu
    names (``entity_name_ur``, ``department_name_ur``) are None where there is none."""
    e, d, s = table("entities"), table("departments"), table("districts")
    query = (
        sa.select(
            e.c.id.label("entity_id"),
            e.c.code.label("entity_code"),
            e.c.name.label("entity_name"),
            e.c.category,
            d.c.code.label("department_code"),
            d.c.name.label("department_name"),
            s.c.code.label("district_code"),
            e.c.name_ur.label("entity_name_ur"),
            d.c.name_ur.label("department_name_ur"),
        )
        .join(d, d.c.id == e.c.department_id)
        .outerjoin(s, s.c.id == e.c.district_id)
        .order_by(e.c.code)
    )
    return read_frame(connection, query)


def load_economic_classes(connection: Connection) -> pd.DataFrame:
    """Economic heads: ``economic_class_code, economic_class_name, economic_class_kind``."""
    t = table("economic_classes")
    query = sa.select(
        t.c.code.label("economic_class_code"),
        t.c.name.label("economic_class_name"),
        t.c.kind.label("economic_class_kind"),
    ).order_by(t.c.code)
    return read_frame(connection, query)


def load_fiscal_years(connection: Connection) -> list[int]:
    """Start years of the fiscal years in the data, oldest first."""
    t = table("fiscal_years")
    return list(connection.execute(sa.select(t.c.start_year).order_by(t.c.start_year)).scalars())


def load_budget_rollup(
    connection: Connection,
    fiscal_years: Sequence[int] | None = None,
    department_codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Budget and spending summed per fiscal year × department × budget type × head × month.

    Columns: ``fiscal_year, department_code, budget_type, economic_class_code,
    economic_class_kind, month`` and the four amounts (``Int64`` rupees; ``released`` and
    ``expended`` are ``<NA>`` for months not yet reported). The sum runs in SQL over the covering
    index ``ix_budget_lines_rollup``; the result has at most a few tens of thousands of rows.
    """
    b, d, c = table("budget_lines"), table("departments"), table("economic_classes")
    keys = (b.c.fiscal_year, b.c.department_id, b.c.budget_type, b.c.economic_class_id, b.c.month)
    sums = [sa.cast(sa.func.sum(b.c[name]), sa.BigInteger).label(name) for name in BUDGET_AMOUNTS]
    inner = sa.select(*keys, *sums).group_by(*keys)
    if fiscal_years is not None:
        inner = inner.where(b.c.fiscal_year.in_(list(fiscal_years)))
    if department_codes is not None:
        wanted = sa.select(d.c.id).where(d.c.code.in_(list(department_codes)))
        inner = inner.where(b.c.department_id.in_(wanted.scalar_subquery()))
    rollup = inner.subquery()
    query = (
        sa.select(
            rollup.c.fiscal_year,
            d.c.code.label("department_code"),
            rollup.c.budget_type,
            c.c.code.label("economic_class_code"),
            c.c.kind.label("economic_class_kind"),
            rollup.c.month,
            *(rollup.c[name] for name in BUDGET_AMOUNTS),
        )
        .join(d, d.c.id == rollup.c.department_id)
        .join(c, c.c.id == rollup.c.economic_class_id)
        .order_by(rollup.c.fiscal_year, d.c.code, rollup.c.budget_type, c.c.code, rollup.c.month)
    )
    return _money(read_frame(connection, query), BUDGET_AMOUNTS)


def load_cost_centre_outturn(
    connection: Connection,
    fiscal_years: Sequence[int],
    department_codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Original budget and expenditure per fiscal year × cost centre, for PEFA PI-2.1 within a
    department: interest and contingency heads are left out (PEFA excludes them from PI-2.1).

    Columns: ``fiscal_year, department_code, cost_centre_code, original_budget, expended``.
    """
    b, d, c, k = (table(n) for n in ("budget_lines", "departments", "cost_centres",
                                     "economic_classes"))  # fmt: skip
    regular = sa.select(k.c.id).where(k.c.kind == "regular").scalar_subquery()
    keys = (b.c.fiscal_year, b.c.department_id, b.c.cost_centre_id)
    inner = (
        sa.select(
            *keys,
            sa.cast(sa.func.sum(b.c.original_budget), sa.BigInteger).label("original_budget"),
            sa.cast(sa.func.sum(b.c.expended), sa.BigInteger).label("expended"),
        )
        .where(b.c.fiscal_year.in_(list(fiscal_years)), b.c.economic_class_id.in_(regular))
        .group_by(*keys)
    )
    if department_codes is not None:
        wanted = sa.select(d.c.id).where(d.c.code.in_(list(department_codes)))
        inner = inner.where(b.c.department_id.in_(wanted.scalar_subquery()))
    sums = inner.subquery()
    query = (
        sa.select(
            sums.c.fiscal_year,
            d.c.code.label("department_code"),
            c.c.code.label("cost_centre_code"),
            sums.c.original_budget,
            sums.c.expended,
        )
        .join(d, d.c.id == sums.c.department_id)
        .join(c, c.c.id == sums.c.cost_centre_id)
        .order_by(sums.c.fiscal_year, d.c.code, c.c.code)
    )
    return _money(read_frame(connection, query), ("original_budget", "expended"))


def load_cost_centres(connection: Connection) -> pd.DataFrame:
    """Cost centres: ``cost_centre_code, cost_centre_name, department_code``, ordered by code."""
    c, d = table("cost_centres"), table("departments")
    query = (
        sa.select(
            c.c.code.label("cost_centre_code"),
            c.c.name.label("cost_centre_name"),
            d.c.code.label("department_code"),
        )
        .join(d, d.c.id == c.c.department_id)
        .order_by(c.c.code)
    )
    return read_frame(connection, query)


def load_revenue_rollup(
    connection: Connection, fiscal_years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Revenue per fiscal year × head × collecting department × month.

    Columns: ``fiscal_year, revenue_head_code, revenue_head_name, revenue_kind,
    department_code, month, estimate, revised_estimate, receipts`` (``Int64`` rupees).
    """
    r, h, d = table("revenue_lines"), table("revenue_heads"), table("departments")
    query = (
        sa.select(
            r.c.fiscal_year,
            h.c.code.label("revenue_head_code"),
            h.c.name.label("revenue_head_name"),
            h.c.kind.label("revenue_kind"),
            d.c.code.label("department_code"),
            r.c.month,
            *(r.c[name] for name in REVENUE_AMOUNTS),
        )
        .join(h, h.c.id == r.c.revenue_head_id)
        .join(d, d.c.id == r.c.department_id)
        .order_by(r.c.fiscal_year, h.c.code, d.c.code, r.c.month)
    )
    if fiscal_years is not None:
        query = query.where(r.c.fiscal_year.in_(list(fiscal_years)))
    return _money(read_frame(connection, query), REVENUE_AMOUNTS)


def load_indicators(connection: Connection) -> pd.DataFrame:
    """Indicator definitions with their department code, ordered by code."""
    i, d = table("indicators"), table("departments")
    query = (
        sa.select(
            i.c.code.label("indicator_code"),
            i.c.name.label("indicator_name"),
            i.c.unit,
            d.c.code.label("department_code"),
            i.c.direction,
            i.c.frequency,
            i.c.level,
        )
        .join(d, d.c.id == i.c.department_id)
        .order_by(i.c.code)
    )
    return read_frame(connection, query)


def load_indicator_values(
    connection: Connection,
    fiscal_years: Sequence[int] | None = None,
    scope: str = "province",
) -> pd.DataFrame:
    """Targets and actuals with their period; ``scope`` is province, district or entity.

    Columns: ``indicator_code, period_code, fiscal_year, period_kind, period_number,
    period_end, district_code, entity_code, target, actual`` (floats; NaN actual = not reported).
    """
    v, i, p = table("indicator_values"), table("indicators"), table("periods")
    s, e = table("districts"), table("entities")
    query = (
        sa.select(
            i.c.code.label("indicator_code"),
            p.c.code.label("period_code"),
            p.c.fiscal_year,
            p.c.kind.label("period_kind"),
            p.c.number.label("period_number"),
            p.c.end_date.label("period_end"),
            s.c.code.label("district_code"),
            e.c.code.label("entity_code"),
            v.c.target,
            v.c.actual,
        )
        .join(i, i.c.id == v.c.indicator_id)
        .join(p, p.c.id == v.c.period_id)
        .outerjoin(s, s.c.id == v.c.district_id)
        .outerjoin(e, e.c.id == v.c.entity_id)
        .order_by(i.c.code, p.c.start_date, p.c.kind, s.c.code, e.c.code)
    )
    if scope == "province":
        query = query.where(v.c.district_id.is_(None), v.c.entity_id.is_(None))
    elif scope == "district":
        query = query.where(v.c.district_id.is_not(None))
    elif scope == "entity":
        query = query.where(v.c.entity_id.is_not(None))
    else:
        raise ValueError(f"scope must be province, district or entity, not {scope!r}")
    if fiscal_years is not None:
        query = query.where(p.c.fiscal_year.in_(list(fiscal_years)))
    frame = read_frame(connection, query)
    for column in ("target", "actual"):
        frame[column] = frame[column].astype("float64")
    return frame


#: Which PSE returns the KPIs count (``KPI_COUNT_RETURNS``): every accepted return (marked
#: ``unapproved`` until its department approves it) or only the approved ones.
ENV_COUNT_RETURNS = "KPI_COUNT_RETURNS"
COUNT_RETURNS_CHOICES = ("accepted", "approved")


def count_returns_setting(value: str | None = None) -> str:
    """``accepted`` (the default) or ``approved``: the argument, else ``KPI_COUNT_RETURNS``."""
    chosen = (value or os.environ.get(ENV_COUNT_RETURNS) or "accepted").strip().lower()
    if chosen not in COUNT_RETURNS_CHOICES:
        raise KpiError(
            f"{ENV_COUNT_RETURNS}={chosen!r}: use accepted (every accepted return counts, marked "
            "unapproved until approved) or approved (only approved returns count)"
        )
    return chosen


def load_pse_financials(
    connection: Connection,
    fiscal_years: Sequence[int] | None = None,
    count_returns: str | None = None,
) -> pd.DataFrame:
    """Quarterly PSE statements: ``entity_code, period_code, fiscal_year, quarter, period_end``,
    every financial line (``Int64`` rupees) and ``approval`` (``approved`` when the department's
    latest review of the return that carried the statement approved it, else ``unapproved``),
    ordered by entity and period.

    ``count_returns`` (default :func:`count_returns_setting`): ``accepted`` keeps every
    statement, ``approved`` only the approved ones."""
    f, e, p, r = (table(n) for n in ("pse_financials", "entities", "periods", "reviews"))
    latest = (
        sa.select(r.c.submission_id, sa.func.max(r.c.id).label("review_id"))
        .group_by(r.c.submission_id)
        .subquery("latest_review")
    )
    review = r.alias("review")
    approval = sa.case((review.c.decision == "approved", "approved"), else_="unapproved")
    query = (
        sa.select(
            e.c.code.label("entity_code"),
            p.c.code.label("period_code"),
            p.c.fiscal_year,
            p.c.number.label("quarter"),
            p.c.end_date.label("period_end"),
            *(f.c[name] for name in PSE_FINANCIAL_LINES),
            approval.label("approval"),
        )
        .join(e, e.c.id == f.c.entity_id)
        .join(p, p.c.id == f.c.period_id)
        .outerjoin(latest, latest.c.submission_id == f.c.submission_id)
        .outerjoin(review, review.c.id == latest.c.review_id)
        .order_by(e.c.code, p.c.start_date)
    )
    if fiscal_years is not None:
        query = query.where(p.c.fiscal_year.in_(list(fiscal_years)))
    if count_returns_setting(count_returns) == "approved":
        query = query.where(review.c.decision == "approved")
    return _money(read_frame(connection, query), PSE_FINANCIAL_LINES)


def load_submissions(
    connection: Connection,
    return_types: Sequence[str] | None = None,
    include_superseded: bool = False,
) -> pd.DataFrame:
    """Received returns: ``submission_id, return_type, entity_code, department_code,
    period_code, fiscal_year, period_kind, period_number, due_date, received_at`` (UTC, aware),
    ``status, version, submitted_by, row_count``."""
    s, e, d, p = (table(n) for n in ("submissions", "entities", "departments", "periods"))
    query = (
        sa.select(
            s.c.id.label("submission_id"),
            s.c.return_type,
            e.c.code.label("entity_code"),
            d.c.code.label("department_code"),
            p.c.code.label("period_code"),
            p.c.fiscal_year,
            p.c.kind.label("period_kind"),
            p.c.number.label("period_number"),
            s.c.due_date,
            s.c.received_at,
            s.c.status,
            s.c.version,
            s.c.submitted_by,
            s.c.row_count,
        )
        .outerjoin(e, e.c.id == s.c.entity_id)
        .outerjoin(d, d.c.id == s.c.department_id)
        .join(p, p.c.id == s.c.period_id)
        .order_by(s.c.id)
    )
    if return_types is not None:
        query = query.where(s.c.return_type.in_(list(return_types)))
    if not include_superseded:
        query = query.where(s.c.status != "superseded")
    frame = read_frame(connection, query)
    frame["received_at"] = pd.to_datetime([as_utc(v) for v in frame["received_at"]], utc=True)
    return frame


def load_budget_line_exceptions(
    connection: Connection,
    release_tolerance: float = 0.0,
    fiscal_years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Budget lines (cost centre × budget type × head × fiscal year) that break a budget rule:
    expenditure above releases by more than ``release_tolerance`` (a fraction of releases), or
    a negative original or revised budget in any month.

    The test ``expended × d > released × (d + n)``, where ``n / d`` is ``release_tolerance`` as
    a fraction with ``d ≤ 10,000`` (exact for tolerances with up to four decimals), runs in
    integers in SQL with ``GROUP BY … HAVING``, so only the offending lines leave the database.
    Months not yet reported (NULL) count as nothing released or spent.

    Columns: ``fiscal_year, department_code, cost_centre_code, budget_type,
    economic_class_code`` and the year's ``original_budget, revised_budget, released,
    expended`` (``Int64`` rupees), ``negative_budget_months`` (months with a negative budget)
    and ``overspent`` (bool), ordered by year and cost centre.
    """
    numerator, denominator = _check_release_tolerance(release_tolerance)
    cc, d, c = (table(n) for n in ("cost_centres", "departments", "economic_classes"))
    lines = _select_offending_lines(numerator, denominator, fiscal_years)
    query = (
        sa.select(
            lines.c.fiscal_year,
            d.c.code.label("department_code"),
            cc.c.code.label("cost_centre_code"),
            lines.c.budget_type,
            c.c.code.label("economic_class_code"),
            *(lines.c[name] for name in BUDGET_AMOUNTS),
            lines.c.negative_budget_months,
            lines.c.overspent,
        )
        .join(cc, cc.c.id == lines.c.cost_centre_id)
        .join(d, d.c.id == cc.c.department_id)
        .join(c, c.c.id == lines.c.economic_class_id)
        .order_by(lines.c.fiscal_year, cc.c.code, lines.c.budget_type, c.c.code)
    )
    frame = _money(read_frame(connection, query), BUDGET_AMOUNTS)
    frame["negative_budget_months"] = frame["negative_budget_months"].astype("int64")
    frame["overspent"] = frame["overspent"].astype(bool)
    return frame


def _check_release_tolerance(release_tolerance: float) -> tuple[int, int]:
    """Refuse a tolerance outside [0, 10); else ``(d + n, d)``, where ``n / d`` is the tolerance
    with ``d ≤ 10,000``: a line is overspent when ``expended × d > released × (d + n)``."""
    from fractions import Fraction  # local: keeps this addition self-contained

    from kpilib.errors import ParameterError

    if not 0 <= release_tolerance < 10:
        raise ParameterError(f"release_tolerance must be in [0, 10), not {release_tolerance}")
    tolerance = Fraction(str(release_tolerance)).limit_denominator(10_000)
    return tolerance.denominator + tolerance.numerator, tolerance.denominator


def _select_offending_lines(
    numerator: int, denominator: int, fiscal_years: Sequence[int] | None
) -> sa.Subquery:
    """The year's totals of each budget line that is overspent (``expended × denominator >
    released × numerator``) or has a month with a negative budget, grouped in SQL."""
    b = table("budget_lines")
    keys = (b.c.fiscal_year, b.c.cost_centre_id, b.c.budget_type, b.c.economic_class_id)
    released = sa.func.coalesce(sa.func.sum(b.c.released), 0)
    expended = sa.func.coalesce(sa.func.sum(b.c.expended), 0)
    negative = sa.func.sum(
        sa.case((sa.or_(b.c.original_budget < 0, b.c.revised_budget < 0), 1), else_=0)
    )
    overspent = expended * sa.literal(denominator) > released * sa.literal(numerator)
    inner = (
        sa.select(
            *keys,
            sa.cast(sa.func.sum(b.c.original_budget), sa.BigInteger).label("original_budget"),
            sa.cast(sa.func.sum(b.c.revised_budget), sa.BigInteger).label("revised_budget"),
            sa.cast(released, sa.BigInteger).label("released"),
            sa.cast(expended, sa.BigInteger).label("expended"),
            negative.label("negative_budget_months"),
            sa.case((overspent, 1), else_=0).label("overspent"),
        )
        .group_by(*keys)
        .having(sa.or_(overspent, negative > 0))
    )
    if fiscal_years is not None:
        inner = inner.where(b.c.fiscal_year.in_(list(fiscal_years)))
    return inner.subquery()


def load_latest_complete_fiscal_year(connection: Connection) -> int | None:
    """Start year of the newest fiscal year whose June (fiscal month 12) spending is reported.

    A year is complete once any budget line of its last month has ``expended`` reported (not
    NULL); ``None`` when no year is. Used as the default fiscal year of the report batch. Each
    probe is an ``EXISTS`` on the leading columns of ``ix_budget_lines_rollup``.
    """
    b = table("budget_lines")
    for year in reversed(load_fiscal_years(connection)):
        probe = sa.select(
            sa.exists().where(b.c.fiscal_year == year, b.c.month == 12, b.c.expended.is_not(None))
        )
        if connection.execute(probe).scalar():
            return year
    return None


def load_return_provenance(
    connection: Connection,
    return_types: Sequence[str],
    *,
    fiscal_year: int | None = None,
    period_codes: Sequence[str] | None = None,
    entity_codes: Sequence[str] | None = None,
    department_code: str | None = None,
) -> pd.DataFrame:
    """The current returns behind a figure: ``submission_id, return_type, sender, period_code,
    version, received_at`` (UTC), ``review`` (the department's latest decision: approved,
    returned, …, or ``awaiting review``; ``not reviewed`` for a department's own return),
    ``content_hash`` (SHA-256 of the rows loaded) and ``file_name``.

    Filters: a fiscal year, period codes, the returns of some PSEs, or those *sent by* a
    department (its own returns, e.g. the budget extract)."""
    s, e, d, p, r = (table(n) for n in ("submissions", "entities", "departments", "periods",
                                         "reviews"))  # fmt: skip
    latest = (
        sa.select(r.c.submission_id, sa.func.max(r.c.id).label("review_id"))
        .group_by(r.c.submission_id)
        .subquery("latest_review")
    )
    review = r.alias("review")
    query = (
        sa.select(
            s.c.id.label("submission_id"), s.c.return_type,
            sa.func.coalesce(e.c.code, d.c.code).label("sender"), p.c.code.label("period_code"),
            s.c.version, s.c.received_at, review.c.decision.label("review"),
            s.c.entity_id, s.c.content_hash, s.c.file_name,
        )
        .outerjoin(e, e.c.id == s.c.entity_id)
        .outerjoin(d, d.c.id == s.c.department_id)
        .join(p, p.c.id == s.c.period_id)
        .outerjoin(latest, latest.c.submission_id == s.c.id)
        .outerjoin(review, review.c.id == latest.c.review_id)
        .where(s.c.return_type.in_(list(return_types)), s.c.status != "superseded")
        .order_by(p.c.start_date, s.c.id)
    )  # fmt: skip
    if fiscal_year is not None:
        query = query.where(p.c.fiscal_year == fiscal_year)
    if period_codes is not None:
        query = query.where(p.c.code.in_(list(period_codes)))
    if entity_codes is not None:
        query = query.where(e.c.code.in_(list(entity_codes)))
    if department_code is not None:
        query = query.where(d.c.code == department_code)
    frame = read_frame(connection, query)
    frame["received_at"] = pd.to_datetime([as_utc(v) for v in frame["received_at"]], utc=True)
    pse_return = frame["entity_id"].notna()
    frame["review"] = frame["review"].where(
        frame["review"].notna(), pse_return.map({True: "awaiting review", False: "not reviewed"})
    )
    return frame.drop(columns="entity_id")
