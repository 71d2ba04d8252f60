"""The migrations create exactly the models' schema, and the audit log is append-only."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kpilib.store import migrate
from kpilib.store.database import connect, create_engine
from kpilib.store.models import Base
from kpilib.store.writes import record_audit


def test_migrations_match_the_models(database_url):
    engine = connect(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_upgrade_again(database_url):
    engine = connect(database_url)
    migrate.downgrade(engine, "base")
    assert not set(sa.inspect(engine).get_table_names()) & set(Base.metadata.tables)
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(sa.inspect(engine).get_table_names())


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_audit_log_refuses_update_and_delete(database_url, statement):
    engine = connect(database_url)
    with engine.begin() as connection:
        record_audit(connection, "test", details={"why": "append-only check"})
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.text(statement))
    with create_engine(database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT actor FROM audit_log")).scalar() != "x"


def test_amounts_are_exact_integers_not_floats(database_url):
    engine = connect(database_url)
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("budget_lines")}
    for name in ("original_budget", "revised_budget", "released", "expended"):
        assert isinstance(columns[name], sa.BigInteger | sa.Integer), name
