"""Personal access links: grant, list, revoke and check portal tokens.

A token is 32 random bytes (``secrets.token_urlsafe``) shown once, in the link printed by ``kpi
access grant``; the database keeps only its SHA-256. A token is checked by hashing what the
visitor sent and comparing it in constant time with the stored hash; a missing, malformed,
unknown, revoked or expired token gives no access, and the page shows nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.errors import KpiError
from kpilib.fiscal import pakistan_today
from kpilib.i18n.names import display_name
from kpilib.store.queries import read_frame
from kpilib.store.writes import current_actor, record_audit, table, utc_now

TOKEN_BYTES = 32
#: What a token looks like (``token_urlsafe(32)`` gives 43 characters of this alphabet).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
#: Who a link is for: a PSE's officer or a department's reviewer.
KINDS = ("pse", "reviewer")


class AccessError(KpiError):
    """A grant or revocation that cannot be done (unknown entity, bad e-mail, ...)."""


@dataclass(frozen=True)
class Access:
    """Who a valid token belongs to and what it may see."""

    token_id: int
    kind: str  # pse | reviewer
    name: str
    entity_id: int | None
    entity_code: str | None
    entity_name: str | None
    department_id: int
    department_code: str
    department_name: str
    entity_name_ur: str | None = None
    department_name_ur: str | None = None

    @property
    def entity_shown(self) -> str | None:
        """The PSE's name in the current language (its Urdu name when writing Urdu, if any)."""
        return display_name(self.entity_name, self.entity_name_ur) if self.entity_name else None

    @property
    def department_shown(self) -> str:
        """The department's name in the current language."""
        return display_name(self.department_name, self.department_name_ur)

    @property
    def actor(self) -> str:
        """How the audit log names this person: ``portal:UNI-001:Name``."""
        scope = self.entity_code if self.kind == "pse" else self.department_code
        return f"portal:{scope}:{self.name}"[:200]


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


#: The query parameter of a personal link: not ``token``, which the dashboards' server keeps for
#: its own login (a PSE's link works when the dashboards are protected with a token).
LINK_PARAMETER = "key"


def portal_link(base_url: str, kind: str, token: str) -> str:
    """The personal link: ``BASE/portal/start?key=…``. The portal exchanges the key for a
    session on first use and takes it out of the address at once."""
    return f"{base_url.rstrip('/')}/portal/start?{urlencode({LINK_PARAMETER: token})}"


def check_email(email: str | None) -> str | None:
    """A plausible single e-mail address, stripped; AccessError otherwise."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        raise AccessError(f"{email!r} is not an e-mail address")
    return email


def grant(
    connection: Connection,
    scope_code: str,
    name: str,
    *,
    kind: str = "pse",
    email: str | None = None,
    expires_on: date | None = None,
    actor: str | None = None,
) -> tuple[int, str]:
    """Create a token for a PSE (``kind="pse"``, ``scope_code`` an entity code) or a department's
    reviewer (``kind="reviewer"``, a department code). Returns ``(token_id, token)``: the token
    itself is not stored and cannot be shown again."""
    if kind not in KINDS:
        raise AccessError(f"kind {kind!r}: use pse or reviewer")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise AccessError("give the person's name (1 to 200 characters) with --name")
    email = check_email(email)
    if expires_on is not None and expires_on < pakistan_today():
        raise AccessError(f"the expiry date {expires_on} is in the past")
    code = scope_code.strip().upper()
    source = table("entities") if kind == "pse" else table("departments")
    scope_id = connection.execute(
        sa.select(source.c.id).where(sa.func.upper(source.c.code) == code)
    ).scalar()
    if scope_id is None:
        what = "PSE" if kind == "pse" else "department"
        raise AccessError(f"there is no {what} with the code {scope_code!r}")
    token = new_token()
    row = {
        "token_hash": hash_token(token), "kind": kind, "name": name, "email": email,
        "entity_id": scope_id if kind == "pse" else None,
        "department_id": scope_id if kind == "reviewer" else None,
        "created_at": utc_now(), "created_by": actor or current_actor(), "expires_on": expires_on,
    }  # fmt: skip
    token_id = connection.execute(
        table("access_tokens").insert().returning(table("access_tokens").c.id), row
    ).scalar_one()
    record_audit(
        connection, "access_grant", table_name="access_tokens", row_count=1, actor=actor,
        details={"token_id": token_id, "kind": kind, "scope": code, "name": name,
                 "expires_on": expires_on},
    )  # fmt: skip
    return token_id, token


def revoke(connection: Connection, token_id: int, *, actor: str | None = None) -> None:
    """Revoke a token by its id (as ``kpi access list`` shows it)."""
    tokens = table("access_tokens")
    done = connection.execute(
        tokens.update()
        .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    ).rowcount
    if not done:
        raise AccessError(f"there is no active token with the id {token_id}")
    record_audit(
        connection, "access_revoke", table_name="access_tokens", row_count=1, actor=actor,
        details={"token_id": token_id},
    )  # fmt: skip


def list_tokens(connection: Connection, today: date | None = None) -> pd.DataFrame:
    """Every token (never the token itself): id, kind, scope, name, e-mail, created, expires,
    state (active / expired / revoked)."""
    t, e, d = table("access_tokens"), table("entities"), table("departments")
    query = (
        sa.select(
            t.c.id, t.c.kind, sa.func.coalesce(e.c.code, d.c.code).label("scope"), t.c.name,
            t.c.email, t.c.created_at, t.c.created_by, t.c.expires_on, t.c.revoked_at,
        )
        .outerjoin(e, e.c.id == t.c.entity_id).outerjoin(d, d.c.id == t.c.department_id)
        .order_by(t.c.id)
    )  # fmt: skip
    frame = read_frame(connection, query)
    today = today or pakistan_today()
    frame["state"] = [
        "revoked" if revoked is not None and not pd.isna(revoked)
        else "expired" if expires is not None and not pd.isna(expires) and expires < today
        else "active"
        for revoked, expires in zip(frame["revoked_at"], frame["expires_on"], strict=True)
    ]  # fmt: skip
    return frame.astype(object).where(frame.notna(), None)


def _access_query() -> sa.Select:
    t, e, d = table("access_tokens"), table("entities"), table("departments")
    return sa.select(
        t.c.id, t.c.token_hash, t.c.kind, t.c.name, t.c.expires_on, t.c.revoked_at,
        t.c.entity_id, e.c.code.label("entity_code"), e.c.name.label("entity_name"),
        d.c.id.label("department_id"), d.c.code.label("department_code"),
        d.c.name.label("department_name"), e.c.name_ur.label("entity_name_ur"),
        d.c.name_ur.label("department_name_ur"),
    ).outerjoin(e, e.c.id == t.c.entity_id).join(
        d, d.c.id == sa.func.coalesce(t.c.department_id, e.c.department_id)
    )  # fmt: skip


def _active(row: Any, kind: str | None, today: date | None) -> Access | None:
    """The :class:`Access` of a token row that is of ``kind`` (any when None), not revoked and
    not expired (in Pakistan time); None otherwise."""
    if row is None or (kind is not None and row.kind != kind) or row.revoked_at is not None:
        return None
    if row.expires_on is not None and row.expires_on < (today or pakistan_today()):
        return None
    return Access(
        token_id=row.id, kind=row.kind, name=row.name, entity_id=row.entity_id,
        entity_code=row.entity_code, entity_name=row.entity_name,
        department_id=row.department_id, department_code=row.department_code,
        department_name=row.department_name, entity_name_ur=row.entity_name_ur,
        department_name_ur=row.department_name_ur,
    )  # fmt: skip


def check_token(
    connection: Connection, token: str | None, kind: str | None = None, today: date | None = None
) -> Access | None:
    """The :class:`Access` of a valid, active token (of ``kind``, when given); None for
    anything else.

    The token's hash is looked up, then compared again with :func:`hmac.compare_digest`; a token
    that does not look like one is refused before any query.
    """
    if not token or not TOKEN_PATTERN.match(token):
        return None
    digest = hash_token(token)
    t = table("access_tokens")
    row = connection.execute(_access_query().where(t.c.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return _active(row, kind, today)


def load_access(connection: Connection, token_id: int, today: date | None = None) -> Access | None:
    """The :class:`Access` of token ``token_id`` if it is still active (a session's check at
    every request: a revoked or expired link ends its sessions at once)."""
    t = table("access_tokens")
    row = connection.execute(_access_query().where(t.c.id == token_id)).first()
    return _active(row, None, today)
