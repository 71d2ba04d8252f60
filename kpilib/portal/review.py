"""A department's review of its PSEs' returns: approve, return for correction with a comment, or
reopen an approved return with a reason.

Only the *current* version of a return can be reviewed; a corrected resubmission is a new version
that awaits review again. An approved return is locked: no new version of it loads
(``ingest.approved-locked``) until the department's reviewer reopens it (:func:`reopen`), and it
cannot be returned for correction either, only reopened. Every decision is a row of ``reviews``
and an entry of the audit log, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.errors import ReasonedError
from kpilib.i18n import N_
from kpilib.portal.access import Access
from kpilib.problems import said
from kpilib.store.queries import read_frame
from kpilib.store.writes import as_utc, record_audit, table, utc_now

MAX_COMMENT = 2000
MAX_REASON = 1000
#: What a return's review state is called on the pages and in reports.
REVIEW_STATES = {
    "approved": N_("approved"),
    "returned": N_("returned for correction"),
    "reopened": N_("reopened for correction"),
    None: N_("awaiting review"),
}


class ReviewError(ReasonedError):
    """A decision that cannot be recorded (another department's return, no comment, ...); its
    reason is shown in the reviewer's language."""


def latest_reviews(connection: Connection, submission_ids: Sequence[int]) -> pd.DataFrame:
    """The newest review of each of ``submission_ids``: ``submission_id, decision, comment,
    reviewer, reviewed_at`` (submissions never reviewed are absent)."""
    r = table("reviews")
    columns = ["submission_id", "decision", "comment", "reviewer", "reviewed_at"]
    ids = [int(i) for i in submission_ids]
    if not ids:
        return pd.DataFrame(columns=columns)
    rows = connection.execute(
        sa.select(r.c.submission_id, r.c.decision, r.c.comment, r.c.reviewer, r.c.reviewed_at)
        .where(r.c.submission_id.in_(ids))
        .order_by(r.c.submission_id, r.c.reviewed_at, r.c.id)
    ).fetchall()
    frame = pd.DataFrame(rows, columns=columns)
    frame["reviewed_at"] = [as_utc(v) for v in frame["reviewed_at"]]
    return frame.groupby("submission_id", as_index=False).tail(1).reset_index(drop=True)


def department_returns(connection: Connection, department_id: int) -> pd.DataFrame:
    """The current version of every return received from the department's PSEs, newest first,
    with its review state: ``submission_id, entity_code, entity_name, return_type,
    period_code, version, received_at, due_date, row_count, submitted_by, decision, state,
    comment, reviewer, reviewed_at``."""
    s, e, p = table("submissions"), table("entities"), table("periods")
    frame = read_frame(
        connection,
        sa.select(
            s.c.id.label("submission_id"), e.c.code.label("entity_code"),
            e.c.name.label("entity_name"), s.c.return_type, p.c.code.label("period_code"),
            s.c.version, s.c.received_at, s.c.due_date, s.c.row_count, s.c.submitted_by,
        )
        .join(e, e.c.id == s.c.entity_id).join(p, p.c.id == s.c.period_id)
        .where(e.c.department_id == department_id, s.c.status == "accepted")
        .order_by(s.c.received_at.desc(), s.c.id.desc()),
    )  # fmt: skip
    frame["received_at"] = [as_utc(v) for v in frame["received_at"]]
    reviews = latest_reviews(connection, frame["submission_id"].tolist())
    frame = frame.merge(reviews, on="submission_id", how="left")
    frame["decision"] = frame["decision"].astype(object).where(frame["decision"].notna(), None)
    frame["state"] = [REVIEW_STATES[d] for d in frame["decision"]]
    return frame


@dataclass(frozen=True)
class _Current:
    """The current version of a return under review: its PSE and latest decision (or None)."""

    entity_code: str
    decision: str | None


def _current_return(connection: Connection, access: Access, submission_id: int) -> _Current:
    """The return ``submission_id``, its row locked until the transaction ends (a load of a new
    version waits, see :mod:`kpilib.ingest.loading`). Refused unless it is the current version
    of a return of the reviewer's department."""
    if access.kind != "reviewer":
        raise ReviewError(N_("only a department's reviewer can approve, return or reopen a return"))
    s, e = table("submissions"), table("entities")
    row = connection.execute(
        sa.select(s.c.status, e.c.department_id, e.c.code)
        .join(e, e.c.id == s.c.entity_id)
        .where(s.c.id == int(submission_id))
        .with_for_update(of=s)
    ).first()
    if row is None or row.department_id != access.department_id:
        raise ReviewError(said(N_("return {number} is not one of your department's returns"),
                               number=submission_id))  # fmt: skip
    if row.status != "accepted":
        raise ReviewError(said(
            N_("return {number} has been superseded by a newer version: review that one"),
            number=submission_id,
        ))  # fmt: skip
    latest = latest_reviews(connection, [int(submission_id)])
    return _Current(row.code, latest["decision"].iloc[0] if len(latest) else None)


def _record_review(
    connection: Connection, access: Access, submission_id: int, decision: str,
    comment: str | None, details: dict[str, Any],
) -> int:  # fmt: skip
    """Write the review row and its audit entry (``review_<decision>``); the review's id."""
    reviews = table("reviews")
    review_id = connection.execute(
        reviews.insert().returning(reviews.c.id),
        {
            "submission_id": int(submission_id), "decision": decision, "comment": comment,
            "reviewer": access.name, "token_id": access.token_id, "reviewed_at": utc_now(),
        },
    ).scalar_one()  # fmt: skip
    record_audit(
        connection, f"review_{decision}", table_name="reviews", submission_id=int(submission_id),
        row_count=1, actor=access.actor, details={"review_id": review_id, **details},
    )  # fmt: skip
    return review_id


def decide(
    connection: Connection,
    access: Access,
    submission_id: int,
    decision: str,
    comment: str | None = None,
) -> int:
    """Record ``decision`` (``approved`` or ``returned``) on a return of the reviewer's
    department; a return for correction needs a comment, and an approved return can only be
    reopened (:func:`reopen`), not returned. Returns the review's id."""
    if access.kind != "reviewer":
        raise ReviewError(N_("only a department's reviewer can approve or return a return"))
    if decision not in ("approved", "returned"):
        raise ReviewError(said(N_("decision {decision}: use approved or returned"),
                               decision=repr(decision)))  # fmt: skip
    comment = (comment or "").strip() or None
    if decision == "returned" and comment is None:
        raise ReviewError(N_("say what must be corrected: a return for correction needs a comment"))
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ReviewError(said(N_("the comment is longer than {limit} characters"),
                               limit=MAX_COMMENT))  # fmt: skip
    current = _current_return(connection, access, submission_id)
    if decision == "returned" and current.decision == "approved":
        raise ReviewError(said(
            N_("return {number} is approved: reopen it with a reason to have it corrected"),
            number=submission_id,
        ))  # fmt: skip
    return _record_review(connection, access, submission_id, decision, comment,
                          {"entity": current.entity_code, "comment": comment})  # fmt: skip


def reopen(connection: Connection, access: Access, submission_id: int, reason: str) -> int:
    """Reopen an approved return of the reviewer's department so that its PSE can send a
    correction: a review ``reopened`` with ``reason`` (required, at most
    :data:`MAX_REASON` characters) as its comment, which the PSE sees, and an audit entry
    ``review_reopened``. The corrected file then loads as a new version that awaits review.
    Returns the review's id."""
    if access.kind != "reviewer":
        raise ReviewError(N_("only a department's reviewer can reopen a return"))
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(N_("say why: reopening an approved return needs a reason"))
    if len(reason) > MAX_REASON:
        raise ReviewError(said(N_("the reason is longer than {limit} characters"),
                               limit=MAX_REASON))  # fmt: skip
    current = _current_return(connection, access, submission_id)
    if current.decision != "approved":
        raise ReviewError(said(
            N_("return {number} is {state}, not approved: only an approved return is reopened"),
            number=submission_id, state=REVIEW_STATES[current.decision], terms=["state"],
        ))  # fmt: skip
    return _record_review(connection, access, submission_id, "reopened", reason,
                          {"entity": current.entity_code, "reason": reason})  # fmt: skip
