"""Which returns were received, which are missing, and every version of each (``kpi
submissions``).

* Received: the current (accepted) version of each return, with when its *first* version
  arrived (timeliness counts the first arrival; a correction does not make a return late).
* Outstanding: :func:`kpilib.kpis.returns.expected_returns` (every PSE × scheduled return × quarter
  due by the as-of date) less the returns received by then, with the days overdue.
* History: every version of the returns asked for, superseded ones included, with the kept file.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.errors import UnknownSenderError
from kpilib.fiscal import Period, pakistan_today
from kpilib.kpis.compliance import ComplianceParams
from kpilib.kpis.returns import RETURN_SCHEDULES, expected_returns
from kpilib.store.queries import load_departments, load_entities, load_submissions, read_frame
from kpilib.store.writes import read_dataset_info, table


def resolve_as_of(connection: Connection, as_of: date | None) -> date:
    """``as_of``, else the dataset's ``data_as_of`` (the demo's "today"), else today in
    Pakistan."""
    if as_of is not None:
        return as_of
    stored = read_dataset_info(connection).get("data_as_of")
    return date.fromisoformat(stored) if stored else pakistan_today()


def check_sender(connection: Connection, sender: str) -> str:
    """``sender`` as the code of a PSE or department of the database (upper case); an
    :class:`~kpilib.errors.UnknownSenderError` naming the closest codes otherwise."""
    code = sender.strip().upper()
    known = [
        *load_entities(connection)["entity_code"],
        *load_departments(connection)["department_code"],
    ]
    if code in {str(k).upper() for k in known}:
        return code
    close = difflib.get_close_matches(code, [str(k).upper() for k in known], n=3, cutoff=0.75)
    raise UnknownSenderError(sender, close)


def load_received(
    connection: Connection,
    as_of: date,
    return_types: Sequence[str] | None = None,
    sender: str | None = None,
    period: str | None = None,
    params: ComplianceParams | None = None,
) -> pd.DataFrame:
    """Current returns received by the end of ``as_of`` in Pakistan time, one row per return key.

    Columns: ``submission_id, return_type, sender, period_code, first_received_at,
    received_date, received_at, due_date, on_time, version, submitted_by, row_count``.
    ``received_date`` is the date of the first arrival in Pakistan time and ``on_time`` compares
    it with the due date (None where the return has no due date): the rule of the compliance
    KPIs, with their time zone (``params``, default
    :class:`~kpilib.kpis.compliance.ComplianceParams`: UTC+5).
    """
    params = params or ComplianceParams()
    frame = load_submissions(connection, return_types, include_superseded=True)
    frame = frame[frame["received_at"] <= params.end_of(as_of)].copy()
    frame["sender"] = frame["entity_code"].fillna(frame["department_code"])
    key = ["return_type", "sender", "period_code"]
    first = frame.groupby(key, dropna=False)["received_at"].min().rename("first_received_at")
    current = frame.sort_values(["version", "submission_id"]).groupby(key, dropna=False).tail(1)
    current = current.join(first, on=key)
    current["received_date"] = params.local_dates(current["first_received_at"])
    current["on_time"] = [
        None if due is None or pd.isna(due) else got <= due
        for got, due in zip(current["received_date"], current["due_date"], strict=True)
    ]
    if sender:
        current = current[current["sender"].str.upper() == sender.strip().upper()]
    if period:
        current = current[current["period_code"] == Period.parse(period).code]
    columns = [
        "submission_id",
        "return_type",
        "sender",
        "period_code",
        "first_received_at",
        "received_date",
        "received_at",
        "due_date",
        "on_time",
        "version",
        "submitted_by",
        "row_count",
    ]
    return current.sort_values("submission_id")[columns].reset_index(drop=True)


def load_outstanding(connection: Connection, as_of: date) -> pd.DataFrame:
    """Returns due by ``as_of`` and not received by then: ``entity_code, category,
    department_code, return_type, period_code, due_date, days_overdue``, the most recently due
    first (then by PSE and return type)."""
    p = table("periods")
    quarters = [
        Period.parse(code)
        for code in connection.execute(
            sa.select(p.c.code).where(p.c.kind == "quarter", p.c.end_date <= as_of)
        ).scalars()
    ]
    expected = expected_returns(load_entities(connection), quarters, as_of)
    received = load_received(connection, as_of, [s.return_type for s in RETURN_SCHEDULES])
    got = set(zip(received["return_type"], received["sender"], received["period_code"],
                  strict=True))  # fmt: skip
    missing = expected[[
        (t, e, q) not in got
        for t, e, q in zip(expected["return_type"], expected["entity_code"],
                           expected["period_code"], strict=True)
    ]].copy()  # fmt: skip
    missing["days_overdue"] = [(as_of - due).days for due in missing["due_date"]]
    columns = ["entity_code", "category", "department_code", "return_type", "period_code",
               "due_date", "days_overdue"]  # fmt: skip
    order = missing.sort_values(["due_date", "entity_code", "return_type"],
                                ascending=[False, True, True])  # fmt: skip
    return order[columns].reset_index(drop=True)


def load_history(
    connection: Connection,
    return_type: str | None = None,
    sender: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """Every version of the matching returns (superseded included), oldest first, with the
    kept file's name, size and sheet."""
    s, f, e, d, p = (table(n) for n in ("submissions", "submission_files", "entities",
                                        "departments", "periods"))  # fmt: skip
    query = (
        sa.select(
            s.c.id.label("submission_id"), s.c.return_type,
            sa.func.coalesce(e.c.code, d.c.code).label("sender"), p.c.code.label("period_code"),
            s.c.version, s.c.status, s.c.supersedes_id, s.c.received_at, s.c.submitted_by,
            s.c.row_count, s.c.content_hash, s.c.file_name, f.c.size_bytes, f.c.sheet,
        )
        .outerjoin(e, e.c.id == s.c.entity_id).outerjoin(d, d.c.id == s.c.department_id)
        .join(p, p.c.id == s.c.period_id).outerjoin(f, f.c.submission_id == s.c.id)
        .order_by(s.c.return_type, "sender", p.c.code, s.c.version, s.c.id)
    )  # fmt: skip
    if return_type:
        query = query.where(s.c.return_type == return_type)
    if sender:
        code = sender.strip().upper()
        query = query.where(
            sa.or_(sa.func.upper(e.c.code) == code, sa.func.upper(d.c.code) == code)
        )
    if period:
        query = query.where(p.c.code == Period.parse(period).code)
    frame = read_frame(connection, query)
    frame["size_bytes"] = frame["size_bytes"].astype("Int64")
    frame["supersedes_id"] = frame["supersedes_id"].astype("Int64")
    return frame
