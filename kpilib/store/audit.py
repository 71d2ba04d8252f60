"""Checking the audit log's hash chain (``kpi audit verify``).

Every entry of ``audit_log`` carries ``prev_hash``, the ``entry_hash`` of the entry before it
(:data:`~kpilib.store.writes.GENESIS_HASH` for the first), and ``entry_hash =
sha256(prev_hash + canonical text of the entry)`` (:func:`~kpilib.store.writes.audit_entry_hash`);
``audit_chain_head`` records the newest entry. :func:`verify_audit_chain` reads the entries in id
order and finds

* an **edited** entry: its fields no longer give its ``entry_hash``;
* an entry **inserted or deleted** in the middle: an entry's ``prev_hash`` is not the hash of
  the entry before it;
* entries **deleted or added at the end**: the head names another last entry.

The chain is not keyed: someone with write access to the database who rewrites every hash after
an edit, and the head too, leaves an intact chain. What catches that is the head hash written
down outside the database (in a report, a letter, an e-mail): an earlier head must remain the
``entry_hash`` of an entry for ever, which ``anchors`` checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.store.models import AuditChainHead, AuditLog
from kpilib.store.writes import AUDIT_CHAIN_FIELDS, GENESIS_HASH, audit_entry_hash, table

BreakKind = Literal["edited", "link", "head", "anchor"]
#: How many breaks a verification lists (the first one is what matters).
MAX_BREAKS = 20


@dataclass(frozen=True)
class AuditBreak:
    """Where the chain breaks: the entry (``entry_id``), what kind of break and a sentence.

    ``edited``: the entry's fields do not give its hash. ``link``: its ``prev_hash`` is not the
    hash of the entry before (an entry was deleted before it, or it was inserted). ``head``: the
    head disagrees with the last entry (``entry_id`` is the entry the head names when entries
    were deleted at the end, or the first entry after it when entries were added). ``anchor``:
    a head hash written down earlier is no hash of the log any more (``entry_id`` None).
    """

    entry_id: int | None
    kind: BreakKind
    message: str


@dataclass(frozen=True)
class AuditVerification:
    """The result of :func:`verify_audit_chain`.

    ``entries`` were checked; ``last_id``/``last_hash`` are the last entry's id and stored hash
    (the anchor to write down; ``GENESIS_HASH`` for an empty log); ``breaks`` lists what is
    wrong, first break first (at most :data:`MAX_BREAKS`).
    """

    entries: int
    last_id: int | None
    last_hash: str
    breaks: list[AuditBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> AuditBreak | None:
        return self.breaks[0] if self.breaks else None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (``kpi audit verify --json``)."""
        return {"intact": self.intact, **asdict(self)}


def _short(value: str | None) -> str:
    return "none" if not value else value[:12] + "…"


@contextmanager
def _snapshot(connection: Connection) -> Iterator[Connection]:
    """One consistent view of log and head: a transaction (REPEATABLE READ on PostgreSQL) unless
    the caller's connection is in one already."""
    if connection.in_transaction():
        yield connection
        return
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield connection


def _entries(connection: Connection) -> Iterator[sa.Row]:
    """Every entry in id order; on SQLite ``occurred_at`` as its stored text, so that a value
    edited into something that is no timestamp is reported, not raised while reading."""
    log = table(AuditLog.__tablename__)
    columns: list[Any] = [log.c[name] for name in AUDIT_CHAIN_FIELDS]
    if connection.dialect.name == "sqlite":
        columns[1] = sa.type_coerce(log.c.occurred_at, sa.String).label("occurred_at")
    columns += [log.c.prev_hash, log.c.entry_hash]
    query = sa.select(*columns).order_by(log.c.id)
    yield from connection.execute(query, execution_options={"yield_per": 10_000})


def _check_entry(entry: sa.Row, previous: sa.Row | None) -> AuditBreak | None:
    expected_prev = previous.entry_hash if previous is not None else GENESIS_HASH
    if entry.prev_hash != expected_prev:
        before = f"entry {previous.id}" if previous is not None else "the start of the log"
        return AuditBreak(
            entry.id, "link",
            f"entry {entry.id} does not follow {before}: its prev_hash {_short(entry.prev_hash)} "
            f"is not {_short(expected_prev)}, so an entry was deleted before it or it was "
            "inserted",
        )  # fmt: skip
    try:
        computed = audit_entry_hash(entry.prev_hash, entry)
    except (TypeError, ValueError) as error:  # a value no append writes (SQLite keeps anything)
        return AuditBreak(entry.id, "edited", f"entry {entry.id} was edited: {error}")
    if entry.entry_hash != computed:
        return AuditBreak(
            entry.id, "edited",
            f"entry {entry.id} was edited: its fields give the hash {_short(computed)}, not the "
            f"stored {_short(entry.entry_hash)}",
        )  # fmt: skip
    return None


def _check_head(connection: Connection, last: sa.Row | None) -> AuditBreak | None:
    head_table = table(AuditChainHead.__tablename__)
    head = connection.execute(
        sa.select(head_table.c.last_id, head_table.c.last_hash).where(head_table.c.id == 1)
    ).first()
    last_id = last.id if last is not None else None
    last_hash = last.entry_hash if last is not None else GENESIS_HASH
    if head is None:
        return AuditBreak(last_id, "head", "the chain head (audit_chain_head) has no row")
    if head.last_id == last_id and head.last_hash == last_hash:
        return None
    ends = f"entry {last_id}" if last_id is not None else "no entry (the log is empty)"
    if last_id is None or (head.last_id is not None and head.last_id > last_id):
        return AuditBreak(
            head.last_id, "head",
            f"the head names entry {head.last_id} as the last, but the log ends at {ends}: "
            f"entries after {last_id or 'the start'} were deleted",
        )  # fmt: skip
    if head.last_id is None or head.last_id < last_id:
        log = table(AuditLog.__tablename__)
        after = connection.execute(
            sa.select(sa.func.min(log.c.id)).where(log.c.id > (head.last_id or 0))
        ).scalar_one()
        return AuditBreak(
            after, "head",
            f"entry {after} and those after it are not in the chain head (it names "
            f"{'no entry' if head.last_id is None else f'entry {head.last_id}'}): they were "
            "added outside kpilib, or the head was changed",
        )  # fmt: skip
    return AuditBreak(
        last_id, "head",
        f"the head's hash {_short(head.last_hash)} is not entry {last_id}'s "
        f"{_short(last_hash)}: the last entry or the head was changed",
    )  # fmt: skip


def verify_audit_chain(connection: Connection, anchors: Sequence[str] = ()) -> AuditVerification:
    """Check every entry of the audit log and the chain head (see the module's docstring), and
    that each of ``anchors`` (head hashes written down earlier) is still an entry's hash.

    Reads the log once, in id order, in one snapshot; changes nothing. After a break the check
    goes on from the stored hashes, so each further break is listed where it is.
    """
    unseen = {anchor.strip().lower() for anchor in anchors if anchor.strip()}
    with _snapshot(connection) as snapshot:
        count, previous = 0, None
        breaks: list[AuditBreak] = []
        for entry in _entries(snapshot):
            count += 1
            found = _check_entry(entry, previous)
            if found is not None and len(breaks) < MAX_BREAKS:
                breaks.append(found)
            unseen.discard(entry.entry_hash)
            previous = entry
        head_break = _check_head(snapshot, previous)
    if head_break is not None:
        breaks.append(head_break)
    breaks.extend(
        AuditBreak(None, "anchor", f"the head hash {anchor} written down earlier is no entry's "
                   "hash: the log was rewritten (or the hash was copied wrongly)")
        for anchor in sorted(unseen - {GENESIS_HASH})
    )  # fmt: skip
    return AuditVerification(
        entries=count,
        last_id=previous.id if previous is not None else None,
        last_hash=previous.entry_hash if previous is not None else GENESIS_HASH,
        breaks=breaks,
    )
