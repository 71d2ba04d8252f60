"""What a PSE officer's page holds: the returns due, the returns and quarters they may send, the
template of each (pre-filled with their PSE and the quarter), and their latest uploads.

Every choice offered here is also the rule an upload is checked against
(:func:`check_upload`): a return the PSE does not send, a quarter not offered, a file that is not
CSV or XLSX is refused with a sentence in the officer's words, before anything is stored.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.fiscal import pakistan_today
from kpilib.ingest.templates import TemplateFor, write_template
from kpilib.kpis.returns import RETURN_SCHEDULES, ReturnSchedule, schedule_for
from kpilib.portal.access import Access
from kpilib.portal.due import ended_quarters, returns_due
from kpilib.portal.inbox import Receipt, list_receipts
from kpilib.store.writes import table

ALLOWED_SUFFIXES = (".csv", ".xlsx")
TEMPLATE_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
#: Quarters an officer may send a return for: the newest ones ended by the as-of date.
QUARTERS_OFFERED = 4


@dataclass(frozen=True)
class OfficerHome:
    """The officer's page."""

    due: pd.DataFrame
    schedules: list[ReturnSchedule]
    quarters: list[str]
    #: For each return, the quarter its template is filled in for: the oldest one still owed
    #: (missing, due, or sent back for correction), else the newest.
    template_quarters: dict[str, str]
    #: The quarter chosen at first on the form: the oldest one owed of any return.
    default_quarter: str | None
    receipts: list[Receipt]


OWED = ("missing", "due", "returned for correction", "reopened for correction")


def schedules_for(connection: Connection, access: Access) -> list[ReturnSchedule]:
    """The returns this PSE sends (by its category)."""
    entities = table("entities")
    category = connection.execute(
        sa.select(entities.c.category).where(entities.c.id == access.entity_id)
    ).scalar_one()
    return [s for s in RETURN_SCHEDULES if s.applies_to(category)]


def officer_home(connection: Connection, access: Access, as_of: date) -> OfficerHome:
    """The officer's page on ``as_of`` (the one as-of date)."""
    due = returns_due(connection, access.entity_code or "", as_of,
                      received_by=max(as_of, pakistan_today()))  # fmt: skip
    quarters = [q.code for q in ended_quarters(connection, as_of, QUARTERS_OFFERED)]
    owed = due[due["status"].isin(OWED) & due["period_code"].isin(quarters)]
    schedules = schedules_for(connection, access)
    template_quarters = {}
    for schedule in schedules:
        mine = owed.loc[owed["return_type"] == schedule.return_type, "period_code"]
        oldest = max(mine, key=quarters.index) if len(mine) else None  # newest first
        if oldest is None and quarters:
            oldest = quarters[0]
        if oldest is not None:
            template_quarters[schedule.return_type] = oldest
    owed_any = sorted(set(owed["period_code"]), key=quarters.index)
    return OfficerHome(
        due=due, schedules=schedules, quarters=quarters, template_quarters=template_quarters,
        default_quarter=owed_any[-1] if owed_any else (quarters[0] if quarters else None),
        receipts=list_receipts(connection, access.entity_id or 0),
    )  # fmt: skip


def check_upload(
    connection: Connection,
    access: Access,
    as_of: date,
    return_type: str | None,
    period: str | None,
    file_name: str | None,
    size: int,
) -> list[str]:
    """Why an upload cannot be taken, in the officer's words (empty: it can)."""
    problems = []
    if not file_name or size == 0:
        problems.append("Choose the filled file first: no file was sent.")
    elif Path(file_name).suffix.lower() not in ALLOWED_SUFFIXES:
        problems.append(
            f"“{file_name}” is not a CSV or Excel (.xlsx) file: fill in the template and send it."
        )
    if return_type not in {s.return_type for s in schedules_for(connection, access)}:
        problems.append("Choose one of the returns listed: this one is not sent by your PSE.")
    quarters = {q.code for q in ended_quarters(connection, as_of, QUARTERS_OFFERED)}
    if period not in quarters:
        problems.append("Choose one of the quarters listed.")
    return problems


def template_file(access: Access, return_type: str, period: str, file_format: str) -> bytes:
    """The template of ``return_type`` pre-filled with the officer's PSE and ``period`` (amounts
    left empty), as bytes."""
    schedule_for(return_type)  # KeyError: not a PSE return
    if file_format not in TEMPLATE_FORMATS:
        raise ValueError(f"format {file_format!r}")
    with tempfile.TemporaryDirectory(prefix="kpi-template-") as folder:
        path = Path(folder) / f"{return_type}.{file_format}"
        write_template(return_type, file_format, path, TemplateFor(access.entity_code, period))
        return path.read_bytes()


def template_name(access: Access, return_type: str, period: str, file_format: str) -> str:
    """``UNI-004_pse_financial_2025-26Q2.xlsx``."""
    return f"{access.entity_code}_{return_type}_{period}.{file_format}"
