import pytest
import sqlalchemy as sa

from kpilib.errors import DatabaseUnreachableError, DatabaseUrlError, SchemaVersionError
from kpilib.store import migrate
from kpilib.store.database import (
    connect,
    create_engine,
    database_url,
    default_sqlite_path,
    ensure_schema,
    mask_url,
    read_schema_state,
)


def test_default_url_is_the_sqlite_file_under_kpi_home(monkeypatch, tmp_path):
    monkeypatch.delenv("KPI_DATABASE_URL", raising=False)
    monkeypatch.setenv("KPI_HOME", str(tmp_path))
    assert default_sqlite_path() == tmp_path / "data" / "kpi.sqlite"
    assert database_url().database == str(tmp_path / "data" / "kpi.sqlite")


def test_environment_url_wins_and_plain_postgresql_uses_psycopg(monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", "postgresql://kpi:secret@db.example:5432/kpi")
    url = database_url()
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "db.example"


def test_password_is_masked():
    assert mask_url("postgresql://kpi:s3cret@db:5432/kpi") == "postgresql://kpi:***@db:5432/kpi"


@pytest.mark.parametrize(
    ("url", "reason"),
    [("not a url", "not a database URL"), ("mysql://root@localhost/x", "not supported")],
)
def test_bad_url_gets_a_clear_error(url, reason):
    with pytest.raises(DatabaseUrlError, match=reason):
        create_engine(url)


def test_unreachable_server_gets_a_clear_error():
    with pytest.raises(DatabaseUnreachableError, match=r"Cannot connect.*127\.0\.0\.1"):
        connect("postgresql://postgres@127.0.0.1:1/test")


def test_missing_sqlite_file_opened_read_only_is_a_clear_error(tmp_path):
    with pytest.raises(DatabaseUnreachableError, match="no database file"):
        create_engine(f"sqlite:///{tmp_path / 'missing.sqlite'}", read_only=True)


def test_empty_database_is_migrated_on_first_use(database_url):
    engine = connect(database_url)
    state = read_schema_state(engine)
    assert state.up_to_date and state.current == migrate.head_revision()


def test_unknown_schema_version_is_refused(database_url):
    engine = connect(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'ffffffff'"))
    with pytest.raises(SchemaVersionError, match="newer kpi-suite"):
        connect(database_url)


def test_older_schema_version_asks_for_an_upgrade(database_url, monkeypatch):
    engine = connect(database_url)
    known = migrate.known_revisions() | {"9999"}
    monkeypatch.setattr(migrate, "head_revision", lambda: "9999")
    monkeypatch.setattr(migrate, "known_revisions", lambda: known)
    with pytest.raises(SchemaVersionError, match="kpi db upgrade"):
        ensure_schema(engine)


def test_foreign_database_is_not_taken_over(database_url):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE departments (x INTEGER)"))
    with pytest.raises(SchemaVersionError, match="not a kpi-suite database"):
        connect(database_url)


def test_read_only_connection_cannot_write(database_url):
    connect(database_url)  # create the schema
    reader = connect(database_url, read_only=True)
    with pytest.raises(sa.exc.DBAPIError), reader.begin() as connection:
        connection.execute(sa.text("INSERT INTO departments (id, code, name) VALUES (1, 'X', 'X')"))
    with reader.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM departments")).scalar() == 0
