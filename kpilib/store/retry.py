"""Retry what the database refused for being busy, never what it refused for a reason.

Deadline day sends 183 returns at once. SQLite lets one writer in at a time and answers the others
"database is locked" once its busy timeout runs out; PostgreSQL answers "too many clients" past
``max_connections`` and, rarely, a serialization failure or a deadlock. None of these says anything
about the return: trying again a little later succeeds. This module tells those transient errors
from the others and retries them with exponential backoff and full jitter (so that the waiting
writers do not all come back at the same instant).

Sources: SQLite, "Result codes" (SQLITE_BUSY, SQLITE_LOCKED); PostgreSQL, "Appendix A. Error
codes" (53300 too_many_connections, 57P03 cannot_connect_now, 40001 serialization_failure, 40P01
deadlock_detected); AWS Architecture Blog, "Exponential backoff and jitter" (full jitter).
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from kpilib.errors import KpiError

_log = logging.getLogger(__name__)
T = TypeVar("T")

#: PostgreSQL SQLSTATEs after which the same work succeeds when tried again.
TRANSIENT_SQLSTATES = frozenset({"53300", "57P03", "40001", "40P01", "53400"})
#: SQLite's words for a database another writer holds (SQLITE_BUSY / SQLITE_LOCKED).
SQLITE_BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")
#: The words of PostgreSQL's refusals at connection time, whose SQLSTATE a driver may not carry.
PG_BUSY_WORDS = (
    "too many clients",
    "too many connections",
    "remaining connection slots are reserved",
)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: ``attempts`` in all, waits growing from ``base`` to ``cap``
    seconds (each drawn at random below its bound), never past ``budget`` seconds in all."""

    attempts: int = 12
    base: float = 0.25
    cap: float = 15.0
    budget: float = 180.0

    def bound(self, attempt: int) -> float:
        """The upper bound of the wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.cap, self.base * 2 ** (attempt - 1)))


#: How long one process waits in all for a busy database before it gives up (seconds).
ENV_BUSY_SECONDS = "KPI_DB_BUSY_SECONDS"
DEFAULT_BUSY_SECONDS = 180.0


def busy_seconds() -> float:
    """``KPI_DB_BUSY_SECONDS`` (a positive number), else three minutes."""
    raw = os.environ.get(ENV_BUSY_SECONDS)
    if not raw:
        return DEFAULT_BUSY_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 86_400:
        raise KpiError(f"{ENV_BUSY_SECONDS}={raw!r}: give a number of seconds above 0")
    return seconds


def default_policy() -> RetryPolicy:
    """The policy of this process: the default waits, within :func:`busy_seconds`."""
    return RetryPolicy(budget=busy_seconds())


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error (psycopg's ``sqlstate``, psycopg2's ``pgcode``), if any."""
    return getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)


def is_transient(error: BaseException) -> bool:
    """True for an error that says the database was busy, not that the work was wrong."""
    original = error.orig if isinstance(error, sa.exc.DBAPIError) else error
    if original is None:
        return False
    if sqlstate(original) in TRANSIENT_SQLSTATES:
        return True
    words = str(original).lower()
    return any(w in words for w in SQLITE_BUSY_WORDS + PG_BUSY_WORDS)


def call_with_retry(
    work: Callable[[], T],
    *,
    policy: RetryPolicy | None = None,
    what: str = "database work",
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``work()``, tried again after each transient database error while the policy allows.

    ``work`` must be a whole transaction (or a connection attempt), so that trying it again
    repeats nothing half-done. The last transient error is raised when the policy runs out; any
    other error is raised at once.
    """
    caught = (sa.exc.OperationalError, sa.exc.InternalError)
    return _retrying(work, caught, policy or default_policy(), what, sleep)


def connect_with_retry(
    connect: Callable[[], T], *, policy: RetryPolicy | None = None, what: str = "connect"
) -> T:
    """Open a DBAPI connection, waiting with jitter while the server refuses for lack of slots.

    For the engine's ``do_connect`` hook, where the driver's own exception is raised (SQLAlchemy
    has not wrapped it yet).
    """
    return _retrying(connect, (Exception,), policy or default_policy(), what, time.sleep)


def _retrying(
    work: Callable[[], T],
    catch: tuple[type[Exception], ...],
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], None],
) -> T:
    started = time.monotonic()
    attempt = 1
    while True:
        try:
            return work()
        except catch as error:
            out_of_time = time.monotonic() - started >= policy.budget
            if not is_transient(error) or attempt >= policy.attempts or out_of_time:
                raise
            wait = random.uniform(0, policy.bound(attempt))  # noqa: S311 - jitter, not secrets
            _log.info("%s: the database is busy (try %d), again in %.2f s", what, attempt, wait)
            sleep(wait)
            attempt += 1
