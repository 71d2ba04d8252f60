"""deploy/postgres-roles.sql: the owner migrates, the writer ingests but runs no DDL, the reader
only reads. Real roles on the real server, named uniquely for this run and dropped afterwards."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from conftest import REPO
from ingest_helpers import build_reference, financial_file
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.store.database import connect

pytestmark = pytest.mark.postgres

ROLES_SQL = REPO / "deploy" / "postgres-roles.sql"


class Roles:
    def __init__(self, admin: sa.Engine, database_url: str) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.names = {role: f"kpi_{role}_{suffix}" for role in ("owner", "writer", "reader")}
        self.admin, self.database_url = admin, sa.make_url(database_url)

    def sql(self) -> str:
        text = ROLES_SQL.read_text()
        return re.sub(r"\bkpi_(owner|writer|reader)\b", lambda m: self.names[m[1]], text)

    def apply(self) -> None:
        """Run the file as the superuser, connected to the database (as `psql -d kpi -f`)."""
        engine = sa.create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            # psycopg's own execute: no parameters, so format()'s %I stays SQL.
            connection.connection.driver_connection.execute(self.sql())
        engine.dispose()

    def url(self, role: str) -> str:
        return self.database_url.set(username=self.names[role]).render_as_string(False)

    def drop(self) -> None:
        with self.admin.connect() as connection:
            name = self.database_url.database
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in self.names.values():
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture
def roles(postgres_admin, postgres_url):
    created = Roles(postgres_admin, postgres_url)
    try:
        created.apply()
        yield created
    finally:
        created.drop()


def _refused(url: str, statement: str) -> str:
    engine = sa.create_engine(url)
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught, engine.begin() as connection:
            for part in statement.split(";"):
                connection.exec_driver_sql(part)
        return str(caught.value.orig)
    finally:
        engine.dispose()


def test_the_roles_sql_is_idempotent_and_names_no_password(roles):
    roles.apply()  # a second run changes nothing and fails on nothing
    assert "PASSWORD '" not in ROLES_SQL.read_text().upper()


def test_owner_migrates_writer_ingests_reader_reads(roles, tmp_path):
    # The owner creates the schema (migrations) and the reference data.
    build_reference(roles.url("owner")).dispose()
    roles.apply()  # after `kpi db upgrade`, as the file says

    # The writer loads a return through `kpi ingest`, exactly as in production.
    path = financial_file(tmp_path)
    result = CliRunner().invoke(app, ["--database-url", roles.url("writer"), "ingest", str(path)])
    assert result.exit_code == 0, result.output
    with sa.create_engine(roles.url("reader")).connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM pse_financials")).scalar()
        audit = connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar()
    assert rows == 1 and audit >= 1
    result = CliRunner().invoke(app, ["--database-url", roles.url("reader"), "audit", "verify"])
    assert result.exit_code == 0 and "Audit log intact" in result.output, result.output

    # The writer runs no DDL and cannot rewrite history or the schema version.
    writer = roles.url("writer")
    for statement in (
        "CREATE TABLE intruder (id int)",
        "DROP TABLE budget_lines",
        "ALTER TABLE entities ADD COLUMN note text",
        "TRUNCATE pse_financials",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET details = '{}'",
        "DELETE FROM audit_chain_head",
        "INSERT INTO audit_chain_head (id, last_hash) VALUES (2, 'x')",
        "UPDATE alembic_version SET version_num = 'x'",
    ):
        assert "permission denied" in _refused(writer, statement) or "must be owner" in _refused(
            writer, statement
        ), statement

    # The reader cannot write, even after turning its read-only default off.
    reader = roles.url("reader")
    for statement in (
        "INSERT INTO departments (id, code, name) VALUES (99, 'ZZZ', 'Intruder')",
        "SET default_transaction_read_only = off; UPDATE departments SET name = 'x'",
        "SET default_transaction_read_only = off; DELETE FROM pse_financials",
        "CREATE TABLE intruder (id int)",
    ):
        message = _refused(reader, statement)
        assert "permission denied" in message or "read-only" in message, (statement, message)
    engine = connect(reader, read_only=True)  # kpilib opens it as the dashboards do
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM entities")).scalar() == 2
    engine.dispose()
