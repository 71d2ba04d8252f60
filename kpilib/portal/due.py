"""What a PSE sees on its page: the returns due, their deadlines and their status.

The quarterly returns of the last quarters ended, and the yearly ones (governance, support) of
the last fiscal years ended, each due as its schedule says; a yearly return already sent for the
year under way (a governance return sent again on a change of board) is shown too.

The expected returns and their due dates come from :mod:`kpilib.kpis.returns` (the schedule that the
compliance KPIs and ``kpi submissions --outstanding`` use) and the received ones from
:func:`kpilib.ingest.status.load_received`; nothing is recomputed differently here.

Status of a return:

* ``received`` — its first version arrived by the due date;
* ``late`` — it arrived after the due date;
* ``missing`` — the due date has passed and nothing arrived;
* ``due`` — the quarter (the year) has ended and the due date is still ahead;
* ``returned for correction`` — the department returned the current version with a comment
  (a corrected file clears it);
* ``reopened for correction`` — the department reopened its approval of the current version,
  with a reason, so that a corrected file can be sent (which clears it).
"""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.fiscal import FiscalYear, Period
from kpilib.ingest.status import load_received
from kpilib.kpis.returns import (
    RETURN_SCHEDULES,
    YEARLY_RETURN_SCHEDULES,
    expected_returns,
    expected_yearly_returns,
)
from kpilib.portal.review import REVIEW_STATES, latest_reviews
from kpilib.store.queries import load_entities
from kpilib.store.writes import table

#: Quarters shown on a PSE's page (the newest first).
QUARTERS_SHOWN = 4
#: Fiscal years whose yearly returns are shown (the newest ended first).
YEARS_SHOWN = 2
#: RAG colour of each status on the page (the text is always shown too).
STATUS_COLOURS = {
    "received": "green",
    "due": "grey",
    "late": "amber",
    "missing": "red",
    "returned for correction": "red",
    "reopened for correction": "red",
}
COLUMNS = [
    "return_type", "title", "period_code", "due_date", "status", "days_overdue",
    "submission_id", "version", "received_at", "review", "comment",
]  # fmt: skip


def ended_quarters(
    connection: Connection, as_of: date, count: int = QUARTERS_SHOWN
) -> list[Period]:
    """The ``count`` newest quarters that ended on or before ``as_of``, newest first."""
    p = table("periods")
    codes = connection.execute(
        sa.select(p.c.code)
        .where(p.c.kind == "quarter", p.c.end_date <= as_of)
        .order_by(p.c.end_date.desc())
        .limit(count)
    ).scalars()
    return [Period.parse(code) for code in codes]


def ended_years(connection: Connection, as_of: date, count: int = YEARS_SHOWN) -> list[FiscalYear]:
    """The ``count`` newest fiscal years that ended on or before ``as_of``, newest first."""
    p = table("periods")
    codes = connection.execute(
        sa.select(p.c.code)
        .where(p.c.kind == "year", p.c.end_date <= as_of)
        .order_by(p.c.end_date.desc())
        .limit(count)
    ).scalars()
    return [FiscalYear.parse(code) for code in codes]


def returns_due(
    connection: Connection,
    entity_code: str,
    as_of: date,
    count: int = QUARTERS_SHOWN,
    received_by: date | None = None,
) -> pd.DataFrame:
    """The PSE's scheduled returns of the last ``count`` quarters ended by ``as_of`` (and its
    yearly returns of the last :data:`YEARS_SHOWN` years ended, or sent for the year under way),
    with due date, status (judged on ``as_of``: the one as-of date of reports and dashboards, see
    :func:`kpilib.ingest.status.resolve_as_of`), days overdue, the current version received and
    the department's latest review (its comment included). Returns count as received when
    they arrived by the end of ``received_by`` (default ``as_of``; the portal's page counts
    everything received so far, even after the data's as-of date). Columns: :data:`COLUMNS`;
    newest quarter first."""
    entities = load_entities(connection)
    entities = entities[entities["entity_code"] == entity_code]
    quarters = ended_quarters(connection, as_of, count)
    # Every quarter that has ended, whether or not its return is due yet.
    expected = expected_returns(entities, quarters, date.max)
    current = FiscalYear.containing(as_of)
    years = list(dict.fromkeys([current, *ended_years(connection, as_of)]))
    yearly = expected_yearly_returns(entities, years)
    schedules = RETURN_SCHEDULES + YEARLY_RETURN_SCHEDULES
    # Whether a return was on time compares its own arrival with its due date.
    received = load_received(
        connection, received_by or as_of, [s.return_type for s in schedules], sender=entity_code,
    )  # fmt: skip
    frame = pd.concat([expected, yearly], ignore_index=True).merge(
        received[["return_type", "period_code", "submission_id", "version",
                  "first_received_at", "received_at", "on_time"]],
        on=["return_type", "period_code"], how="left",
    )  # fmt: skip
    # The year under way: only what was already sent for it (nothing is due yet).
    under_way = frame["period_code"].eq(Period(current).code) & frame["submission_id"].isna()
    under_way &= current.end_date > as_of
    frame = frame[~under_way].reset_index(drop=True)
    reviews = latest_reviews(connection, frame["submission_id"].dropna().astype(int).tolist())
    frame = frame.merge(reviews[["submission_id", "decision", "comment"]], on="submission_id",
                        how="left")  # fmt: skip
    titles = {s.return_type: s.title for s in schedules}
    frame["title"] = frame["return_type"].map(titles)
    _judge(frame, as_of)
    frame["submission_id"] = frame["submission_id"].astype("Int64")
    frame["version"] = frame["version"].astype("Int64")
    frame["comment"] = frame["comment"].astype(object).where(frame["comment"].notna(), None)
    frame = frame.sort_values(["due_date", "return_type"], ascending=[False, True])
    return frame[COLUMNS].reset_index(drop=True)


def _judge(frame: pd.DataFrame, as_of: date) -> None:
    """Add each return's ``status``, ``days_overdue`` and ``review`` (judged on ``as_of``)."""
    statuses, overdue, review = [], [], []
    for row in frame.itertuples(index=False):
        # The columns' types (NaN where the left merges found nothing).
        submission_id = cast(float, row.submission_id)
        reviewed = cast("str | float", row.decision)
        due_date = cast(date, row.due_date)
        got = not pd.isna(submission_id)
        decision = None if pd.isna(reviewed) else cast(str, reviewed)
        if got and decision in ("returned", "reopened"):
            status = REVIEW_STATES[decision]
        elif got:
            status = "received" if row.on_time in (True, None) else "late"
        else:
            status = "missing" if due_date < as_of else "due"
        statuses.append(status)
        overdue.append((as_of - due_date).days if status == "missing" else None)
        review.append(REVIEW_STATES[decision] if got else None)
    frame["status"] = statuses
    frame["days_overdue"] = pd.array(overdue, dtype="Int64")
    frame["review"] = review
