"""A department's review of its PSEs' returns: approve, or return for correction with a comment.

Only the *current* version of a return can be reviewed; a corrected resubmission is a new version
that awaits review again. Every decision is a row of ``reviews`` and an entry of the audit log,
in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.errors import KpiError
from kpilib.portal.access import Access
from kpilib.store.queries import read_frame
from kpilib.store.writes import as_utc, record_audit, table, utc_now

MAX_COMMENT = 2000
#: What a return's review state is called on the pages and in reports.
REVIEW_STATES = {
    "approved": "approved",
    "returned": "returned for correction",
    None: "awaiting review",
}


class ReviewError(KpiError):
    """A decision that cannot be recorded (another department's return, no comment, ...)."""


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


def decide(
    connection: Connection,
    access: Access,
    submission_id: int,
    decision: str,
    comment: str | None = None,
) -> int:
    """Record ``decision`` (``approved`` or ``returned``) on a return of the reviewer's
    department; a return for correction needs a comment. Returns the review's id."""
    if access.kind != "reviewer":
        raise ReviewError("only a department's reviewer can approve or return a return")
    if decision not in ("approved", "returned"):
        raise ReviewError(f"decision {decision!r}: use approved or returned")
    comment = (comment or "").strip() or None
    if decision == "returned" and comment is None:
        raise ReviewError("say what must be corrected: a return for correction needs a comment")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ReviewError(f"the comment is longer than {MAX_COMMENT} characters")
    s, e = table("submissions"), table("entities")
    row = connection.execute(
        sa.select(s.c.status, e.c.department_id, e.c.code)
        .join(e, e.c.id == s.c.entity_id)
        .where(s.c.id == int(submission_id))
    ).first()
    if row is None or row.department_id != access.department_id:
        raise ReviewError(f"return {submission_id} is not one of your department's returns")
    if row.status != "accepted":
        raise ReviewError(
            f"return {submission_id} has been superseded by a newer version: review that one"
        )
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
        row_count=1, actor=access.actor,
        details={"review_id": review_id, "entity": row.code, "comment": comment},
    )  # fmt: skip
    return review_id
