"""Engines and connections: SQLite file by default, PostgreSQL by URL, schema checked on use.

The database is chosen by ``KPI_DATABASE_URL``; without it the SQLite file ``data/kpi.sqlite``
under ``KPI_HOME`` (default: the working directory) is used. An empty database is brought to the
current schema on first use; a database at an older or unknown schema version is refused with a
message that says what to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from kpilib.errors import (
    DatabaseBusyError,
    DatabaseUnreachableError,
    DatabaseUrlError,
    SchemaVersionError,
)
from kpilib.store.models import DATA_TABLES
from kpilib.store.retry import busy_seconds, call_with_retry, connect_with_retry, is_transient

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.pool import ConnectionPoolEntry

ENV_URL = "KPI_DATABASE_URL"
#: The URL with write rights used only by ``kpi ingest`` and the portal pages (issue 9).
ENV_WRITER_URL = "KPI_WRITER_DATABASE_URL"
ENV_READER_URL = "KPI_READER_DATABASE_URL"
ENV_HOME = "KPI_HOME"
ENV_POOL_SIZE = "KPI_DB_POOL_SIZE"
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Connections one process keeps open to PostgreSQL (plus as many again at a peak): small, so
#: that many processes fit under ``max_connections`` (100 by default). A server with a worker
#: pool sizes it from its workers; ``KPI_DB_POOL_SIZE`` overrides both.
DEFAULT_POOL_SIZE = 2


def sqlite_busy_timeout_ms() -> int:
    """How long one SQLite statement waits for another writer: 30 s, or less when the process
    may wait less in all (``KPI_DB_BUSY_SECONDS``); the retries wait again above it."""
    return int(min(SQLITE_BUSY_TIMEOUT_MS, busy_seconds() * 1000))


def pool_size(wanted: int | None = None) -> int:
    """The PostgreSQL pool size of this process: ``KPI_DB_POOL_SIZE``, else ``wanted``, else 2."""
    raw = os.environ.get(ENV_POOL_SIZE)
    if raw:
        try:
            size = int(raw)
        except ValueError:
            raise DatabaseUrlError(
                f"{ENV_POOL_SIZE}={raw!r}", "the pool size must be a whole number"
            ) from None
        if size < 1:
            raise DatabaseUrlError(f"{ENV_POOL_SIZE}={raw!r}", "the pool size must be at least 1")
        return size
    return wanted or DEFAULT_POOL_SIZE


def default_sqlite_path() -> Path:
    """``$KPI_HOME/data/kpi.sqlite`` (``KPI_HOME`` defaults to the working directory)."""
    return (Path(os.environ.get(ENV_HOME, ".")) / "data" / "kpi.sqlite").resolve()


def database_url(url: str | URL | None = None) -> URL:
    """Resolve the database URL: the argument, else ``KPI_DATABASE_URL``, else the SQLite default.

    Raises :class:`DatabaseUrlError` for a URL that cannot be parsed or names another database.
    """
    raw = (
        url if url is not None else os.environ.get(ENV_URL) or f"sqlite:///{default_sqlite_path()}"
    )
    try:
        parsed = sa.make_url(raw)
    except ArgumentError as exc:
        raise DatabaseUrlError(str(raw), "it is not a database URL") from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(
            mask_url(parsed), f"{backend!r} is not supported (use sqlite or postgresql)"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def writer_url(url: str | URL | None = None) -> URL:
    """The URL of the writer: the argument, else ``KPI_WRITER_DATABASE_URL``, else
    :func:`database_url` (``KPI_DATABASE_URL`` or the SQLite default).

    ``kpi ingest`` and the portal pages write through it; dashboards and reports never do.
    """
    if url is None:
        url = os.environ.get(ENV_WRITER_URL) or None
    return database_url(url)


def reader_url(url: str | URL | None = None) -> URL:
    """The URL to read through: the argument, else ``KPI_READER_DATABASE_URL``, else
    :func:`database_url` (``KPI_DATABASE_URL`` or the SQLite default); the same order as
    :func:`writer_url`.

    Dashboards (``kpi serve`` kernels) and the report batch read through it, so that in
    production they can log in as a role that may only ``SELECT`` (see
    ``deploy/postgres-roles.sql``); they open it read-only as well, whichever role it names.
    """
    if url is None:
        url = os.environ.get(ENV_READER_URL) or None
    return database_url(url)


def mask_url(url: str | URL) -> str:
    """The URL with any password replaced by ``***`` (a read-only SQLite URL shown by its file)."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        return "<unparseable URL>"
    if parsed.get_backend_name() == "sqlite" and (parsed.database or "").startswith("file:"):
        return f"sqlite:///{sqlite_path(parsed)} (read-only)"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)


def _install_sqlite_pragmas(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy own the transactions; foreign keys on; wait for writers, never fail fast.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {sqlite_busy_timeout_ms()}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _install_read_only_sessions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # A SET once connected, not a startup option: it passes through PgBouncer as well.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()


def _install_connect_retry(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _on_do_connect(
        dialect: sa.Dialect, _record: ConnectionPoolEntry, cargs: tuple, cparams: dict
    ) -> object:
        # "too many clients": wait with jitter for a slot instead of failing the caller.
        return connect_with_retry(lambda: dialect.connect(*cargs, **cparams))


def create_engine(
    url: str | URL | None = None, *, read_only: bool = False, pool: int | None = None
) -> Engine:
    """An engine for the configured database.

    ``read_only=True`` opens SQLite with ``mode=ro`` (plus ``query_only``) and PostgreSQL sessions
    with ``default_transaction_read_only``, so no statement through it can change data.
    PostgreSQL gets a pool of :func:`pool_size` connections (``pool`` is what the caller needs,
    e.g. one per worker) and waits for a free server slot instead of failing; SQLite runs in WAL
    with a busy timeout (see :mod:`kpilib.store.retry` for the retries above both).
    """
    resolved = database_url(url)
    try:
        if resolved.get_backend_name() == "sqlite":
            path = sqlite_path(resolved)
            if path is not None and read_only:
                if not path.exists():
                    raise DatabaseUnreachableError(
                        mask_url(resolved), f"no database file at {path}"
                    )
                resolved = resolved.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
            elif path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(
                resolved, connect_args={"timeout": sqlite_busy_timeout_ms() / 1000}
            )
            _install_sqlite_pragmas(engine, read_only)
            return engine
        connect_args: dict[str, int | str] = {"connect_timeout": 10}
        size = pool_size(pool)
        engine = sa.create_engine(
            resolved, pool_pre_ping=True, connect_args=connect_args,
            pool_size=size, max_overflow=size, pool_timeout=120,
        )  # fmt: skip
        _install_connect_retry(engine)
        if read_only:
            _install_read_only_sessions(engine)
        return engine
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUrlError(mask_url(resolved), str(exc).splitlines()[0]) from exc


def check_reachable(engine: Engine) -> None:
    """Open one connection (waiting while the database is busy), turning driver errors into
    :class:`DatabaseUnreachableError` (:class:`DatabaseBusyError` when it stayed busy)."""

    def select_one() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    try:
        call_with_retry(select_one, what="connecting")
    except DatabaseError as exc:  # OperationalError, or SQLite's "file is not a database"
        if isinstance(exc, OperationalError) and is_transient(exc):
            raise DatabaseBusyError(mask_url(engine.url), busy_seconds()) from exc
        raise unreachable_error(engine, exc) from exc


def unreachable_error(engine: Engine, exc: DatabaseError) -> DatabaseUnreachableError:
    """The one-line error for a driver error met while opening the database."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if engine.dialect.name == "sqlite" and "not a database" in reason:
        reason = "the file is not an SQLite database (check the path)"
    return DatabaseUnreachableError(mask_url(engine.url), reason)


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands relative to this kpilib's migrations."""

    current: str | None
    head: str
    known: bool
    has_data_tables: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def empty(self) -> bool:
        return self.current is None and not self.has_data_tables


def read_schema_state(engine: Engine) -> SchemaState:
    """Read the Alembic revision stored in the database and compare it with ours."""
    from kpilib.store import migrate

    check_reachable(engine)

    def read() -> tuple[set[str], str | None]:
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            current = None
            if "alembic_version" in tables:
                current = connection.execute(
                    sa.text("SELECT version_num FROM alembic_version")
                ).scalar()
            return tables, current

    try:
        tables, current = call_with_retry(read, what="reading the schema version")
    except DatabaseError as exc:  # e.g. SQLite: "file is not a database"
        if isinstance(exc, OperationalError) and is_transient(exc):
            raise
        raise unreachable_error(engine, exc) from exc
    revisions = migrate.known_revisions()
    return SchemaState(
        current=current,
        head=migrate.head_revision(),
        known=current is None or current in revisions,
        has_data_tables=bool(tables & set(DATA_TABLES)),
    )


def ensure_schema(engine: Engine, *, upgrade_empty: bool = True) -> SchemaState:
    """Check the schema; migrate an empty database; refuse an older or unknown one."""
    from kpilib.store import migrate

    state = read_schema_state(engine)
    if state.up_to_date:
        return state
    if state.empty and upgrade_empty:
        migrate.upgrade(engine)
        return read_schema_state(engine)
    raise schema_refusal(state, mask_url(engine.url))


def schema_refusal(state: SchemaState, where: str) -> SchemaVersionError:
    """The error that explains why a database at ``state`` cannot be used as it is."""
    if state.empty:
        return SchemaVersionError(
            f"The database at {where} has no kpi-suite schema yet: run `kpi db upgrade`."
        )
    if state.current is None:
        return SchemaVersionError(
            f"The database at {where} has tables but no kpi-suite schema version; "
            "it is not a kpi-suite database (use an empty database or another URL)."
        )
    if not state.known:
        return SchemaVersionError(
            f"The database at {where} is at schema version {state.current}, which this kpilib "
            f"does not know (its newest is {state.head}); it was written by a newer kpi-suite. "
            "Upgrade kpi-suite."
        )
    return SchemaVersionError(
        f"The database at {where} is at schema version {state.current}; this kpilib needs "
        f"{state.head}. Run `kpi db upgrade` (back the database up first)."
    )


def connect(
    url: str | URL | None = None, *, read_only: bool = False, pool: int | None = None
) -> Engine:
    """An engine on the configured database whose schema has been checked (and created if empty).

    Examples
    --------
    >>> engine = kpilib.connect()                       # doctest: +SKIP
    >>> engine = kpilib.connect("postgresql://kpi@db/kpi", read_only=True)  # doctest: +SKIP
    """
    engine = create_engine(url, read_only=read_only, pool=pool)
    try:
        ensure_schema(engine, upgrade_empty=not read_only)
    except OperationalError as exc:
        if is_transient(exc):
            raise DatabaseBusyError(mask_url(engine.url), busy_seconds()) from exc
        raise
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    with engine.begin() as connection:
        yield connection
