"""Portal sessions: a personal link's key exchanged on first use for a session cookie.

The cookie holds a random key (256 bits); the database keeps only its SHA-256, with the token
it came from and a CSRF secret for the session's forms. Every request looks the session up *and*
checks its token again (:func:`kpilib.portal.access.load_access`), so revoking a link, or its
expiry, ends its sessions at the next click. Sessions live in the database, so several server
processes behind a proxy share them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.portal.access import Access, load_access
from kpilib.store.writes import as_utc, table, utc_now

#: How long a session lasts without signing in again with the link.
SESSION_LIFETIME = timedelta(hours=12)
COOKIE_PATTERN_LENGTH = (40, 64)


@dataclass(frozen=True)
class Session:
    """A signed-in visitor: who (their link's access) and the secret their forms carry."""

    access: Access
    csrf: str
    expires_at: datetime

    def check_csrf(self, sent: str | None) -> bool:
        """Whether a form carried this session's CSRF secret (compared in constant time)."""
        return bool(sent) and hmac.compare_digest(self.csrf, str(sent))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start_session(connection: Connection, access: Access) -> tuple[str, Session]:
    """A new session for a valid link: the cookie's key (shown to the browser only) and the
    session."""
    key = secrets.token_urlsafe(32)
    csrf = secrets.token_hex(32)
    now = utc_now()
    expires = now + SESSION_LIFETIME
    connection.execute(
        table("portal_sessions").insert(),
        {"session_hash": _digest(key), "token_id": access.token_id, "csrf": csrf,
         "created_at": now, "expires_at": expires},
    )  # fmt: skip
    return key, Session(access, csrf, expires)


def find_session(connection: Connection, key: str | None) -> Session | None:
    """The session of a cookie's key, if it is live and its link still gives access."""
    low, high = COOKIE_PATTERN_LENGTH
    if not key or not low <= len(key) <= high:
        return None
    s = table("portal_sessions")
    row = connection.execute(
        sa.select(s.c.token_id, s.c.csrf, s.c.expires_at).where(s.c.session_hash == _digest(key))
    ).first()
    if row is None or as_utc(row.expires_at) < utc_now():
        return None
    access = load_access(connection, row.token_id)
    return Session(access, row.csrf, as_utc(row.expires_at)) if access is not None else None


def end_session(connection: Connection, key: str | None) -> None:
    """Sign out: the session's row is deleted."""
    if key:
        s = table("portal_sessions")
        connection.execute(s.delete().where(s.c.session_hash == _digest(key)))


def purge_sessions(connection: Connection) -> int:
    """Delete expired sessions; how many."""
    s = table("portal_sessions")
    return int(connection.execute(s.delete().where(s.c.expires_at < utc_now())).rowcount or 0)
