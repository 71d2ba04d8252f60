"""The reviewer's workbench: the queue of returns awaiting review, one return beside the previous
quarter with its data-quality warnings, and bulk approval of the returns that raise none.

* **The queue** is the current version of every return of the department's PSEs that has no
  review yet, oldest first, with its **age** (whole days since it arrived, Pakistan time).
  Returned or reopened returns wait for their PSE, not for the reviewer, and are not in it.
* **Yearly returns** (governance, its notes, support) are in the queue too, shown as their
  loaded rows (no quarter to compare with); approving one locks it like a quarterly return.
* **Warnings** of a return are the data-quality findings (:func:`kpilib.kpis.quality.
  check_pse_returns`, the rules of ``docs/methodology.md``, "Data quality") about its PSE and
  quarter: for a financial return those of the statement, for an indicator return those of the
  PSE's indicator values.
* **Bulk approval** approves, in one transaction, the ticked returns that are still awaiting
  review and still raise no warning; the others are left as they are and said so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.fiscal import PAKISTAN_TIME
from kpilib.i18n import N_
from kpilib.kpis.quality import check_pse_returns
from kpilib.portal.access import Access
from kpilib.portal.preview import (
    build_preview,
    is_yearly_return,
    load_indicator_actuals,
    load_statement,
    load_year_rows,
)
from kpilib.portal.review import REVIEW_STATES, ReviewError, decide, department_returns
from kpilib.problems import Reason, said
from kpilib.store.writes import table

#: Which findings belong to which return: statement findings are about the PSE itself
#: (``entity``), indicator findings about its indicator values.
FINDING_SUBJECTS = {"pse_financial": "entity", "pse_kpi": "indicator"}
WARNING_COLUMNS = ["severity", "rule", "item", "message"]


def age_in_days(received_at: Any, today: date) -> int:
    """Whole days from the day a return arrived (Pakistan time) to ``today``."""
    moment = pd.Timestamp(received_at)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment
    return max(0, (today - moment.tz_convert(PAKISTAN_TIME).date()).days)


def findings_for(
    findings: pd.DataFrame, return_type: str, entity_code: str, period_code: str
) -> pd.DataFrame:
    """The findings about one return (see the module's docstring)."""
    subject = FINDING_SUBJECTS.get(return_type)
    if findings.empty or subject is None:
        return findings.iloc[0:0]
    codes = findings["subject_code"].astype(str)
    about = codes.eq(entity_code) if subject == "entity" else codes.str.endswith(f"/{entity_code}")
    mask = about & findings["subject_type"].eq(subject) & findings["period_code"].eq(period_code)
    return findings[mask].reset_index(drop=True)


def _count_warnings(connection: Connection, frame: pd.DataFrame) -> list[int]:
    if frame.empty:
        return []
    findings = check_pse_returns(connection, sorted(set(frame["entity_code"])))
    return [
        len(findings_for(findings, str(r.return_type), str(r.entity_code), str(r.period_code)))
        for r in frame.itertuples(index=False)
    ]


def review_queue(
    connection: Connection, access: Access, today: date, show_all: bool = False
) -> pd.DataFrame:
    """The reviewer's queue (oldest first), or with ``show_all`` every current return of the
    department (newest first). Columns of :func:`kpilib.portal.review.department_returns`
    plus ``age_days`` and ``warnings`` (how many data-quality findings)."""
    frame = department_returns(connection, access.department_id)
    if not show_all:
        frame = frame[frame["decision"].isna()].iloc[::-1].reset_index(drop=True)
    frame["age_days"] = [age_in_days(v, today) for v in frame["received_at"]]
    frame["warnings"] = _count_warnings(connection, frame)
    return frame


@dataclass(frozen=True)
class ReturnView:
    """One return as the reviewer opens it."""

    submission_id: int
    entity_code: str
    entity_name: str
    return_type: str
    period_code: str
    version: int
    received_at: Any
    submitted_by: str
    file_name: str | None
    decision: str | None
    comment: str | None
    preview: dict[str, Any]
    warnings: pd.DataFrame

    @property
    def state(self) -> str:
        return REVIEW_STATES[self.decision]

    @property
    def actions(self) -> tuple[str, ...]:
        """What the reviewer may do: approve or return it, or reopen an approved one."""
        if self.decision == "approved":
            return ("reopen",)
        if self.decision in ("returned", "reopened"):
            return ("approve",)
        return ("approve", "return")


def _current_figures(
    connection: Connection, return_type: str, entity_code: str, period_code: str
) -> list[dict[str, Any]]:
    """The return's loaded figures in the shape of a dry run's rows."""
    if is_yearly_return(return_type):
        return load_year_rows(connection, return_type, entity_code, period_code)
    if return_type == "pse_financial":
        statement = load_statement(connection, entity_code, period_code)
        return [statement] if statement is not None else []
    actuals = load_indicator_actuals(connection, entity_code, period_code)
    return [{"indicator_code": code, "actual": value} for code, value in sorted(actuals.items())]


def open_return(connection: Connection, access: Access, submission_id: int) -> ReturnView | None:
    """The current version ``submission_id`` of a return of the reviewer's department, with
    its figures beside the previous quarter's and its warnings; None for anything else."""
    frame = department_returns(connection, access.department_id)
    match = frame[frame["submission_id"] == submission_id]
    if match.empty:
        return None
    row = match.iloc[0]
    files = table("submission_files")
    file_name = connection.execute(
        sa.select(files.c.file_name).where(files.c.submission_id == submission_id)
    ).scalar_one_or_none()
    rows = _current_figures(connection, row["return_type"], row["entity_code"], row["period_code"])
    preview = build_preview(
        connection, row["return_type"], row["entity_code"], row["period_code"], rows
    )
    findings = check_pse_returns(connection, [row["entity_code"]])
    warnings = findings_for(findings, row["return_type"], row["entity_code"], row["period_code"])
    return ReturnView(
        submission_id=int(submission_id), entity_code=row["entity_code"],
        entity_name=row["entity_name"], return_type=row["return_type"],
        period_code=row["period_code"], version=int(row["version"]),
        received_at=row["received_at"], submitted_by=row["submitted_by"], file_name=file_name,
        decision=row["decision"],
        comment=None if pd.isna(row["comment"]) else str(row["comment"]),
        preview=preview, warnings=warnings[WARNING_COLUMNS],
    )  # fmt: skip


def original_file(
    connection: Connection, access: Access, submission_id: int
) -> tuple[str, bytes] | None:
    """The file a return of the reviewer's department arrived in (any version): name and
    bytes; None for a return of another department or one without its file."""
    s, e, f = table("submissions"), table("entities"), table("submission_files")
    row = connection.execute(
        sa.select(f.c.file_name, f.c.content)
        .join(s, s.c.id == f.c.submission_id)
        .join(e, e.c.id == s.c.entity_id)
        .where(s.c.id == submission_id, e.c.department_id == access.department_id)
    ).first()
    return (row.file_name, bytes(row.content)) if row is not None else None


@dataclass(frozen=True)
class BulkResult:
    """What a bulk approval did: the returns approved and those left, with why (a template
    and its values, shown in the reviewer's language with ``Reason.shown``)."""

    approved: list[int]
    skipped: dict[int, Reason]


def bulk_approve(
    connection: Connection, access: Access, submission_ids: Sequence[int], today: date
) -> BulkResult:
    """Approve those of ``submission_ids`` still awaiting review and without warnings, in the
    caller's transaction (see the module's docstring)."""
    queue = review_queue(connection, access, today)
    waiting = dict(zip(queue["submission_id"].astype(int), queue["warnings"], strict=True))
    approved: list[int] = []
    skipped: dict[int, Reason] = {}
    for submission_id in dict.fromkeys(int(i) for i in submission_ids):
        if submission_id not in waiting:
            skipped[submission_id] = said(N_("no longer awaiting review"))
        elif waiting[submission_id]:
            skipped[submission_id] = said(N_("has data-quality warnings: open it"))
        else:
            try:
                decide(connection, access, submission_id, "approved")
            except ReviewError as error:
                skipped[submission_id] = error.reason
                continue
            approved.append(submission_id)
    return BulkResult(approved, skipped)
