"""The portal's inbox: every upload kept durably before anything is done with it.

An upload becomes a row of ``inbox`` (the file's bytes, its SHA-256, who sent it, for which PSE,
return and quarter) in one short transaction, and its id is the **receipt number** the officer
gets at once. A bounded pool of workers (:mod:`kpilib.portal.worker`) then takes the rows in
order: ``received`` → ``checking`` (a dry run of the same checks as ``kpi ingest``) →
``checked`` (the officer sees a preview and confirms) → ``queued`` → ``loading`` (the load, in
one transaction) → ``accepted``, ``unchanged`` or ``rejected``; or ``cancelled`` by the officer.

A worker holds an item under a **lease** naming it (``host:pid``): if the server dies, a server
restarted on the same host frees its dead workers' items at once (:func:`release_orphans`);
otherwise the lease runs out and another worker (of another server process) takes the item up
again. Loading is
idempotent (a file whose content is already the current version is ``unchanged``), so an item
taken up twice is loaded once: every receipt ends accepted or rejected, exactly once.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.i18n import N_
from kpilib.portal.access import Access
from kpilib.store.writes import as_utc, table, utc_now

#: How long a worker may hold an item before another may take it up again.
LEASE = timedelta(seconds=60)
#: This process's name on leases.
HOLDER = f"{socket.gethostname()}:{os.getpid()}"[:100]
#: States in which the officer is still waiting for the portal.
PENDING_STATES = ("received", "checking", "queued", "loading")
#: Final states.
FINAL_STATES = ("accepted", "unchanged", "rejected", "cancelled")
#: What the officer reads for each state.
STATE_LABELS = {
    "received": N_("Received: being checked"),
    "checking": N_("Received: being checked"),
    "checked": N_("Checked: please confirm"),
    "queued": N_("Confirmed: being loaded"),
    "loading": N_("Confirmed: being loaded"),
    "accepted": N_("Accepted"),
    "unchanged": N_("Already received (unchanged)"),
    "rejected": N_("Not accepted: see the errors"),
    "cancelled": N_("Cancelled"),
}
#: The colour of each state (always shown with its words).
STATE_COLOURS = {
    "received": "grey", "checking": "grey", "checked": "amber", "queued": "grey",
    "loading": "grey", "accepted": "green", "unchanged": "green", "rejected": "red",
    "cancelled": "grey",
}  # fmt: skip


@dataclass(frozen=True)
class Receipt:
    """An inbox item as its sender sees it."""

    number: int
    received_at: datetime
    entity_code: str
    return_type: str
    period_code: str
    file_name: str
    sha256: str
    size_bytes: int
    state: str
    confirmed: bool
    submitted_by: str
    outcome: dict[str, Any]
    submission_id: int | None
    finished_at: datetime | None

    @property
    def label(self) -> str:
        """``R-000123``: the receipt number as printed."""
        return format_receipt(self.number)

    @property
    def pending(self) -> bool:
        """Whether the portal is still working on it (the page refreshes itself)."""
        return self.state in PENDING_STATES


@dataclass(frozen=True)
class Claim:
    """An item a worker holds under its lease: what it needs to check or load it."""

    number: int
    stage: str  # checking | loading
    received_at: datetime
    entity_code: str
    return_type: str
    period_code: str
    file_name: str
    content: bytes
    submitted_by: str
    attempts: int
    #: What an earlier stage found (the check's preview, kept on the final receipt).
    earlier: dict[str, Any]


def format_receipt(number: int) -> str:
    """The receipt number as printed: ``R-000123``."""
    return f"R-{number:06d}"


def parse_receipt(text: str) -> int | None:
    """``R-000123`` or ``123`` → 123; None for anything else."""
    digits = text.upper().removeprefix("R-")
    return int(digits) if digits.isdigit() and 0 < len(digits) <= 12 else None


def store_upload(
    connection: Connection,
    access: Access,
    *,
    return_type: str,
    period_code: str,
    file_name: str,
    content: bytes,
    confirmed: bool = False,
) -> int:
    """Keep an upload (in the caller's transaction); returns its receipt number."""
    if access.entity_id is None:
        raise ValueError("only a PSE's link sends returns")
    inbox = table("inbox")
    return int(
        connection.execute(
            inbox.insert().returning(inbox.c.id),
            {
                "received_at": utc_now(), "token_id": access.token_id,
                "entity_id": access.entity_id, "submitted_by": access.actor,
                "return_type": return_type, "period_code": period_code, "file_name": file_name,
                "content": content, "sha256": hashlib.sha256(content).hexdigest(),
                "size_bytes": len(content), "state": "received", "confirmed": confirmed,
                "attempts": 0,
            },
        ).scalar_one()
    )  # fmt: skip


def _receipts_query() -> sa.Select:
    i, e = table("inbox"), table("entities")
    return sa.select(
        i.c.id, i.c.received_at, e.c.code.label("entity_code"), i.c.return_type,
        i.c.period_code, i.c.file_name, i.c.sha256, i.c.size_bytes, i.c.state, i.c.confirmed,
        i.c.submitted_by, i.c.outcome, i.c.submission_id, i.c.finished_at,
    ).join(e, e.c.id == i.c.entity_id)  # fmt: skip


def _receipt(row: Any) -> Receipt:
    return Receipt(
        number=row.id, received_at=as_utc(row.received_at), entity_code=row.entity_code,
        return_type=row.return_type, period_code=row.period_code, file_name=row.file_name,
        sha256=row.sha256, size_bytes=row.size_bytes, state=row.state,
        confirmed=bool(row.confirmed), submitted_by=row.submitted_by,
        outcome=json.loads(row.outcome) if row.outcome else {},
        submission_id=row.submission_id,
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
    )  # fmt: skip


def read_receipt(connection: Connection, number: int, entity_id: int) -> Receipt | None:
    """The receipt ``number`` if it belongs to ``entity_id`` (a PSE never sees another's)."""
    i = table("inbox")
    row = connection.execute(
        _receipts_query().where(i.c.id == number, i.c.entity_id == entity_id)
    ).first()
    return _receipt(row) if row is not None else None


def list_receipts(connection: Connection, entity_id: int, limit: int = 20) -> list[Receipt]:
    """The PSE's latest uploads, newest first."""
    i = table("inbox")
    query = _receipts_query().where(i.c.entity_id == entity_id).order_by(i.c.id.desc())
    return [_receipt(row) for row in connection.execute(query.limit(limit))]


def confirm_upload(connection: Connection, number: int, entity_id: int) -> bool:
    """The officer confirms a checked upload: it is queued for loading (False: not possible)."""
    i = table("inbox")
    done = connection.execute(
        i.update()
        .where(i.c.id == number, i.c.entity_id == entity_id, i.c.state == "checked")
        .values(state="queued", confirmed=True)
    ).rowcount
    return bool(done)


def cancel_upload(connection: Connection, number: int, entity_id: int) -> bool:
    """The officer withdraws an upload that is not loaded yet (False: too late)."""
    i = table("inbox")
    done = connection.execute(
        i.update()
        .where(i.c.id == number, i.c.entity_id == entity_id, i.c.state.in_(["checked", "received"]))
        .values(state="cancelled", finished_at=utc_now())
    ).rowcount
    return bool(done)


def claim_next(connection: Connection, now: datetime | None = None) -> Claim | None:
    """Take the oldest item that needs work, under a lease (None: nothing to do).

    Work is: a new upload to check (``received``; straight to loading when confirmed at
    upload), a confirmed one to load (``queued``), or one whose worker's lease ran out
    (``checking``/``loading``). Two workers racing for one item: the conditional update lets
    exactly one win; the other looks again."""
    now = now or utc_now()
    i, e = table("inbox"), table("entities")
    stale = sa.and_(i.c.state.in_(["checking", "loading"]), i.c.lease_until < now)
    waiting = sa.and_(
        i.c.state.in_(["received", "queued"]),
        sa.or_(i.c.lease_until.is_(None), i.c.lease_until < now),  # a busy retry waits
    )
    ready = sa.or_(waiting, stale)
    for _ in range(5):
        row = connection.execute(
            sa.select(i.c.id, i.c.state, i.c.confirmed, i.c.attempts)
            .where(ready)
            .order_by(i.c.id)
            .limit(1)
        ).first()
        if row is None:
            return None
        loading = row.state in ("queued", "loading") or bool(row.confirmed)
        stage = "loading" if loading else "checking"
        won = connection.execute(
            i.update()
            .where(i.c.id == row.id, i.c.state == row.state, i.c.attempts == row.attempts)
            .values(
                state=stage, lease_until=now + LEASE, leased_by=HOLDER, attempts=row.attempts + 1
            )
        ).rowcount
        if won:
            item = connection.execute(
                sa.select(i, e.c.code.label("entity_code"))
                .join(e, e.c.id == i.c.entity_id)
                .where(i.c.id == row.id)
            ).one()
            return Claim(
                number=item.id, stage=stage, received_at=as_utc(item.received_at),
                entity_code=item.entity_code, return_type=item.return_type,
                period_code=item.period_code, file_name=item.file_name, content=item.content,
                submitted_by=item.submitted_by, attempts=item.attempts,
                earlier=json.loads(item.outcome) if item.outcome else {},
            )  # fmt: skip
    return None


def finish(
    connection: Connection,
    claim: Claim,
    state: str,
    outcome: dict[str, Any],
    submission_id: int | None = None,
) -> None:
    """Record what the worker found or did; the lease ends."""
    i = table("inbox")
    final = state in FINAL_STATES
    connection.execute(
        i.update()
        .where(i.c.id == claim.number, i.c.state == claim.stage)
        .values(
            state=state,
            lease_until=None,
            leased_by=None,
            outcome=json.dumps(outcome, default=str),
            submission_id=submission_id,
            finished_at=utc_now() if final else None,
        )
    )


def release(connection: Connection, claim: Claim, retry_in: timedelta) -> None:
    """Give an item back for a later try (the database was too busy): it keeps its place."""
    i = table("inbox")
    back = "queued" if claim.stage == "loading" else "received"
    connection.execute(
        i.update()
        .where(i.c.id == claim.number, i.c.state == claim.stage)
        .values(state=back, lease_until=utc_now() + retry_in, leased_by=None)
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_orphans(connection: Connection) -> int:
    """Give back, at once, the items held by workers of this host whose process is gone (a
    server killed and restarted): they keep their place in the inbox. Returns how many."""
    i = table("inbox")
    host = HOLDER.rsplit(":", 1)[0]
    held = connection.execute(
        sa.select(i.c.id, i.c.state, i.c.leased_by).where(
            i.c.state.in_(["checking", "loading"]), i.c.leased_by.like(f"{host}:%")
        )
    ).all()
    freed = 0
    for row in held:
        pid = row.leased_by.rsplit(":", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            back = "queued" if row.state == "loading" else "received"
            freed += connection.execute(
                i.update()
                .where(i.c.id == row.id, i.c.state == row.state, i.c.leased_by == row.leased_by)
                .values(state=back, lease_until=None, leased_by=None)
            ).rowcount
    return freed


def count_pending(connection: Connection) -> int:
    """How many uploads are still being worked on."""
    i = table("inbox")
    return int(
        connection.execute(
            sa.select(sa.func.count()).where(i.c.state.in_(PENDING_STATES))
        ).scalar_one()
    )
