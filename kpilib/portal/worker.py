"""The portal's bounded worker pool: it takes the inbox's uploads in order, checks each one (a
dry run of ``kpi ingest``'s checks, with a preview beside the previous quarter) and loads the
confirmed ones, with the same code as ``kpi ingest`` (:func:`kpilib.ingest.ingest_file`).

A few threads per server process (``workers``) do all the work, whatever the number of officers
uploading: deadline day queues, it does not overload. A load the database refuses for being busy
(after the ingestion's own retries) gives the item back for a later try; an item whose worker
died is taken up again when its lease runs out (:mod:`kpilib.portal.inbox`).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kpilib.ingest import IngestOptions, ingest_file
from kpilib.ingest.report import FileOutcome, describe_issue
from kpilib.portal import inbox
from kpilib.portal.preview import build_preview
from kpilib.present.export import safe_file_name

log = logging.getLogger("kpilib.portal")
#: Seconds an idle worker waits before looking at the inbox again (an upload wakes it sooner).
IDLE_WAIT = 1.0
#: When the database was too busy to load an item, how long before it is tried again.
BUSY_RETRY = timedelta(seconds=5)
#: Problem codes that mean "try again later", never "the file is wrong".
TRANSIENT_CODES = frozenset({"ingest.database-busy"})


class WorkerPool:
    """``workers`` threads working the inbox of ``engine`` (the writer database)."""

    def __init__(self, engine: Engine, workers: int = 2) -> None:
        self.engine = engine
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, name=f"kpi-portal-worker-{n}", daemon=True)
            for n in range(workers)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout=timeout)

    def notify(self) -> None:
        """An upload arrived or was confirmed: look now."""
        self.wake.set()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                worked = work_once(self.engine)
            except Exception:  # the database is away: wait, then look again
                log.exception("portal worker: the inbox could not be read")
                worked = False
            if not worked:
                self.wake.wait(IDLE_WAIT)
                self.wake.clear()


def work_once(engine: Engine) -> bool:
    """Take one item from the inbox and check or load it; False when there was nothing."""
    with engine.begin() as connection:
        claim = inbox.claim_next(connection)
    if claim is None:
        return False
    outcome = _ingest(engine, claim)
    if any(p.code in TRANSIENT_CODES for p in outcome.errors):
        with engine.begin() as connection:
            inbox.release(connection, claim, BUSY_RETRY)
        return True
    state, details = _result(engine, claim, outcome)
    with engine.begin() as connection:
        inbox.finish(connection, claim, state, details, outcome.submission_id)
    return True


def _ingest(engine: Engine, claim: inbox.Claim) -> FileOutcome:
    """Run the file through ``ingest_file``: a dry run to check it, or the load."""
    options = IngestOptions(
        return_type=claim.return_type, entity=claim.entity_code, period=claim.period_code,
        dry_run=claim.stage == "checking", actor=claim.submitted_by,
        received_at=claim.received_at,
    )  # fmt: skip
    name = safe_file_name(Path(claim.file_name).name, "upload.csv")
    with tempfile.TemporaryDirectory(prefix="kpi-inbox-") as folder:
        path = Path(folder) / name
        path.write_bytes(claim.content)
        return ingest_file(engine, path, options)


def _result(engine: Engine, claim: inbox.Claim, outcome: FileOutcome) -> tuple[str, dict]:
    """The item's next state and what its receipt shows."""
    details: dict[str, Any] = {
        "detail": outcome.detail,
        "rows": outcome.rows,
        "problems": [_problem(p) for p in outcome.issues],
        "version": outcome.version,
    }
    if outcome.errors:
        return "rejected", details
    if claim.stage == "checking":
        with contextlib.suppress(Exception), engine.connect() as connection:
            details["preview"] = build_preview(
                connection, claim.return_type, claim.entity_code, claim.period_code,
                outcome.preview,
            )  # fmt: skip
        return "checked", details
    if "preview" in claim.earlier:  # the figures the officer confirmed stay on the receipt
        details["preview"] = claim.earlier["preview"]
    return ("unchanged" if outcome.status == "unchanged" else "accepted"), details


def _problem(problem: Any) -> dict[str, Any]:
    return {
        **asdict(problem.where),
        "code": problem.code,
        "severity": problem.severity,
        "message": problem.message,
        "value": problem.value,
        "text": describe_issue(problem),
        # the message's template and values, to show it in the officer's language (issue 18)
        **({"reason": problem.reason.to_record()} if problem.reason is not None else {}),
    }
