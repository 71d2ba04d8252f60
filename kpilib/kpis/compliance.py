"""Reporting compliance of PSEs: completeness and timeliness of their returns (DHIS2 style).

:func:`compute_return_status` matches every expected return
(:func:`kpilib.kpis.returns.expected_returns`) with the submissions received
(:func:`kpilib.store.queries.load_submissions` with ``include_superseded=True``);
:func:`compute_reporting_rates` aggregates per PSE, category, department, return type or period;
:func:`list_outstanding_returns` lists what is still missing on a date.

Rules
-----
* A return is *received* when a submission for the same entity, return type and period arrived
  on or before ``as_of``. Its receipt time is that of the **earliest** version: a correction
  sent after the due date does not make an on-time return late.
* A file ingestion rejects is never a submission (not received); there is no "withdrawn"
  state. A return the reviewer returned for correction still counts as received by its first
  arrival, whatever ``KPI_COUNT_RETURNS`` says (that setting filters the financial statements
  only): timeliness measures the PSE's sending, not the review.
* Receipt dates are calendar dates in Pakistan time (UTC+5, no daylight saving), the time zone
  in which due dates are set (:data:`kpilib.fiscal.PAKISTAN_TIME`); a return received on its due
  date is on time. ``kpi submissions``, the portal and the reminders
  (:func:`kpilib.ingest.status.load_received`) use the same :class:`ComplianceParams`.
* A return whose due date is after ``as_of`` is *not yet expected*: it is neither in the rates
  nor outstanding, even if it has already arrived. Submissions received after ``as_of`` are
  ignored, so a past ``as_of`` reproduces what was known on that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from kpilib.errors import ParameterError
from kpilib.fiscal import PAKISTAN_TIME, PAKISTAN_UTC_OFFSET_HOURS, FiscalYear, Period, end_of_day
from kpilib.kpis.frames import require_columns, require_values
from kpilib.kpis.returns import (
    RETURN_SCHEDULES,
    YEARLY_RETURN_SCHEDULES,
    expected_returns,
    expected_yearly_returns,
)
from kpilib.store.queries import load_entities, load_fiscal_years, load_submissions

RETURN_KEYS = ("entity_code", "return_type", "period_code")
#: Columns :func:`compute_reporting_rates` may group by.
RATE_GROUPINGS = (
    "entity_code",
    "category",
    "department_code",
    "return_type",
    "period_code",
    "fiscal_year",
    "quarter",
)


@dataclass(frozen=True)
class ComplianceParams:
    """Settings of the compliance KPIs: the time zone (hours east of UTC) in which due dates
    are set and receipt times become receipt dates (Pakistan Standard Time, UTC+5: the one
    constant :data:`kpilib.fiscal.PAKISTAN_UTC_OFFSET_HOURS`). The compliance KPIs and
    :func:`kpilib.ingest.status.load_received` (``kpi submissions``, the portal, the reminders)
    all tell dates with it."""

    utc_offset_hours: float = PAKISTAN_UTC_OFFSET_HOURS

    def __post_init__(self) -> None:
        if not -14 <= self.utc_offset_hours <= 14:
            raise ParameterError(
                f"utc_offset_hours must be within ±14, not {self.utc_offset_hours}"
            )

    @property
    def tz(self) -> timezone:
        if self.utc_offset_hours == PAKISTAN_UTC_OFFSET_HOURS:
            return PAKISTAN_TIME
        return timezone(timedelta(hours=self.utc_offset_hours))

    def local_dates(self, moments: pd.Series) -> pd.Series:
        """The calendar dates (in :attr:`tz`) of moments stored in UTC."""
        return pd.to_datetime(moments, utc=True).dt.tz_convert(self.tz).dt.date

    def end_of(self, day: date) -> pd.Timestamp:
        """The last moment of ``day`` in :attr:`tz`: received by then = received by ``day``."""
        return pd.Timestamp(end_of_day(day, self.tz))


def _check_as_of(as_of: object) -> date:
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        raise ParameterError(f"as_of must be a date (not a time or text), not {as_of!r}")
    return as_of


def _first_receipts(
    submissions: pd.DataFrame, as_of: date, params: ComplianceParams
) -> pd.DataFrame:
    """Earliest receipt per entity × return type × period among submissions in by ``as_of``."""
    require_columns(submissions, "submissions", [*RETURN_KEYS, "received_at"])
    pse = submissions.loc[submissions["entity_code"].notna()]
    require_values(
        pse,
        "submissions",
        ["return_type", "period_code", "received_at"],
        ["entity_code", "return_type", "period_code"],
    )
    received_at = pd.to_datetime(pse["received_at"], utc=True)
    local_date = params.local_dates(received_at)
    data = pse.assign(received_at=received_at, received_date=local_date)
    data = data.loc[data["received_date"] <= as_of].sort_values("received_at", kind="stable")
    data["versions"] = data.groupby(list(RETURN_KEYS))["received_at"].transform("size")
    first = data.drop_duplicates(list(RETURN_KEYS), keep="first")
    return first[[*RETURN_KEYS, "received_at", "received_date", "versions"]]


def compute_return_status(
    expected: pd.DataFrame,
    submissions: pd.DataFrame,
    as_of: date,
    params: ComplianceParams | None = None,
) -> pd.DataFrame:
    """The state of every expected return on ``as_of``: received or not, on time or late.

    Parameters
    ----------
    expected
        :func:`kpilib.kpis.returns.expected_returns`'s frame; rows due after ``as_of`` are dropped
        as not yet expected.
    submissions
        :func:`kpilib.store.queries.load_submissions` with ``include_superseded=True`` (every
        version); department returns (no ``entity_code``) are ignored.
    as_of
        The date of the assessment (a :class:`datetime.date`).

    Returns
    -------
    DataFrame
        ``expected``'s columns plus ``received`` (bool), ``received_at`` (UTC time of the
        earliest version, NaT if none), ``received_date`` (its date in Pakistan time),
        ``versions`` (how many versions arrived by ``as_of``), ``on_time`` (received on or
        before the due date), ``days_late`` (received date − due date when positive, else 0;
        ``<NA>`` when not received) and ``days_overdue`` (``as_of`` − due date for returns not
        received; ``<NA>`` when received). Ordered by entity, return type and period.
    """
    params = params or ComplianceParams()
    as_of = _check_as_of(as_of)
    require_columns(expected, "expected returns", [*RETURN_KEYS, "due_date"])
    require_values(
        expected,
        "expected returns",
        [*RETURN_KEYS, "due_date"],
        ["entity_code", "return_type", "period_code"],
    )
    due = pd.to_datetime(expected["due_date"]).dt.date
    status = expected.assign(due_date=due).loc[due <= as_of]
    first = _first_receipts(submissions, as_of, params)
    status = status.merge(first, on=list(RETURN_KEYS), how="left")
    status["received"] = status["received_date"].notna()
    status["versions"] = status["versions"].fillna(0).astype("int64")
    due_ns = pd.to_datetime(status["due_date"])
    got_ns = pd.to_datetime(status["received_date"])
    late_days = (got_ns - due_ns).dt.days
    status["on_time"] = status["received"] & (late_days <= 0)
    status["days_late"] = late_days.clip(lower=0).astype("Int64")
    overdue = (pd.Timestamp(as_of) - due_ns).dt.days
    status["days_overdue"] = overdue.where(~status["received"]).astype("Int64")
    status["received_at"] = pd.to_datetime(status["received_at"], utc=True)
    return status.sort_values(list(RETURN_KEYS)).reset_index(drop=True)


def compute_reporting_rates(
    status: pd.DataFrame, by: Sequence[str] = ("entity_code",)
) -> pd.DataFrame:
    """Completeness and timeliness (DHIS2 "reporting rate" and "reporting rate on time").

    ``completeness`` = returns received ÷ returns expected; ``timeliness`` = returns received
    by their due date ÷ returns expected (so timeliness ≤ completeness, both in [0, 1]).
    ``by`` is any of :data:`RATE_GROUPINGS` (empty: one province-wide row).

    Columns: the ``by`` keys, ``expected``, ``received``, ``on_time``, ``late`` (received after
    the due date), ``outstanding``, ``completeness``, ``timeliness``, ``mean_days_late`` (mean
    days late of the late returns; NaN if none) and ``max_days_overdue`` (oldest outstanding
    return; ``<NA>`` if none).
    """
    keys = list(by)
    _check_groupings(keys)
    require_columns(
        status, "return status", [*keys, "received", "on_time", "days_late", "days_overdue"]
    )
    rates = _count_returns(status, keys)
    for column in ("expected", "received", "on_time", "late"):
        rates[column] = rates[column].astype("int64")
    rates["outstanding"] = rates["expected"] - rates["received"]
    with np.errstate(invalid="ignore", divide="ignore"):
        rates["completeness"] = rates["received"] / rates["expected"].where(rates["expected"] > 0)
        rates["timeliness"] = rates["on_time"] / rates["expected"].where(rates["expected"] > 0)
    rates["max_days_overdue"] = rates["max_days_overdue"].round().astype("Int64")
    columns = [
        *keys,
        "expected",
        "received",
        "on_time",
        "late",
        "outstanding",
        "completeness",
        "timeliness",
        "mean_days_late",
        "max_days_overdue",
    ]
    return rates[columns]


def _check_groupings(keys: list[str]) -> None:
    """Refuse grouping keys that are not distinct columns of :data:`RATE_GROUPINGS`."""
    unknown = [key for key in keys if key not in RATE_GROUPINGS]
    if unknown or len(set(keys)) != len(keys):
        raise ParameterError(
            f"by must be distinct columns among {', '.join(RATE_GROUPINGS)}; got {keys}"
        )


def _count_returns(status: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group: returns expected, received, on time and late, mean days late of the late ones
    and the longest overdue (one row of zeros for an empty province-wide count)."""
    data = status.assign(
        _late=status["received"] & ~status["on_time"],
        _late_days=status["days_late"]
        .where(status["received"] & ~status["on_time"])
        .astype("float64"),
        _overdue=status["days_overdue"].astype("float64"),
    )
    if keys:
        grouped = data.groupby(keys, sort=True, dropna=False)
    else:
        grouped = data.groupby(np.zeros(len(data)))
    rates = grouped.agg(
        expected=("received", "size"),
        received=("received", "sum"),
        on_time=("on_time", "sum"),
        late=("_late", "sum"),
        mean_days_late=("_late_days", "mean"),
        max_days_overdue=("_overdue", "max"),
    )
    rates = rates.reset_index() if keys else rates.reset_index(drop=True)
    if rates.empty and not keys:
        rates = pd.DataFrame(
            {
                "expected": [0],
                "received": [0],
                "on_time": [0],
                "late": [0],
                "mean_days_late": [np.nan],
                "max_days_overdue": [np.nan],
            }
        )
    return rates


def list_outstanding_returns(status: pd.DataFrame) -> pd.DataFrame:
    """Returns expected but not received as of the status date, longest overdue first.

    Columns: ``entity_code``, ``category``, ``department_code`` (when present), ``return_type``,
    ``period_code``, ``due_date`` and ``days_overdue`` (as-of date − due date; 0 = due that day).
    """
    require_columns(status, "return status", [*RETURN_KEYS, "due_date", "received", "days_overdue"])
    columns = [
        c
        for c in (
            "entity_code",
            "category",
            "department_code",
            "return_type",
            "period_code",
            "due_date",
            "days_overdue",
        )
        if c in status.columns
    ]
    missing = status.loc[~status["received"], columns]
    return missing.sort_values(
        ["days_overdue", "entity_code", "return_type", "period_code"],
        ascending=[False, True, True, True],
    ).reset_index(drop=True)


def load_return_status(
    connection: Connection, as_of: date, params: ComplianceParams | None = None
) -> pd.DataFrame:
    """:func:`compute_return_status` for every PSE and every quarter of the fiscal years in the
    database, on ``as_of``."""
    as_of = _check_as_of(as_of)
    quarters = [
        Period(FiscalYear(year), "quarter", number)
        for year in load_fiscal_years(connection)
        for number in range(1, 5)
    ]
    entities = load_entities(connection)
    submissions = load_submissions(
        connection,
        return_types=[schedule.return_type for schedule in RETURN_SCHEDULES],
        include_superseded=True,
    )
    return compute_return_status(
        expected_returns(entities, quarters, as_of), submissions, as_of, params
    )


def yearly_return_rates(
    entities: pd.DataFrame,
    submissions: pd.DataFrame,
    fiscal_year: FiscalYear,
    as_of: date,
    params: ComplianceParams | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The yearly returns of ``fiscal_year`` (governance and support, due 120 days after the
    year: :data:`kpilib.kpis.returns.YEARLY_RETURN_SCHEDULES`) received ÷ expected on ``as_of``,
    by the same rules as the quarterly reporting rate (:func:`compute_return_status`; a
    separate figure: the quarterly rates do not count them).

    Returns (rates, missing): ``rates`` one row per yearly return type with ``title`` and the
    columns of :func:`compute_reporting_rates` (``completeness`` = received ÷ expected,
    ``timeliness`` = received by the due date ÷ expected; no row for a type not yet due);
    ``missing`` is :func:`list_outstanding_returns` of them (PSE, return type, due date, days
    overdue), longest overdue first.
    """
    expected = expected_yearly_returns(entities, [fiscal_year])  # due later: not yet expected
    yearly = {s.return_type: s.title for s in YEARLY_RETURN_SCHEDULES}
    mine = submissions[submissions["return_type"].isin(list(yearly))]
    status = compute_return_status(expected, mine, as_of, params)
    rates = compute_reporting_rates(status, by=("return_type",))
    rates.insert(1, "title", rates["return_type"].map(yearly))
    return rates, list_outstanding_returns(status)
