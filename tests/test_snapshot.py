"""The cheap data fingerprint follows every audited change, on SQLite and PostgreSQL."""

from kpilib.store.database import connect
from kpilib.store.snapshot import compute_data_fingerprint
from kpilib.store.writes import record_audit, write_dataset_info


def test_fingerprint_is_stable_and_changes_with_every_audited_change(database_url):
    engine = connect(database_url)
    with engine.connect() as connection:
        empty = compute_data_fingerprint(connection)
        assert compute_data_fingerprint(connection) == empty
    with engine.begin() as connection:
        write_dataset_info(connection, {"is_demo": "true"})
    with engine.connect() as connection:
        with_info = compute_data_fingerprint(connection)
    assert with_info != empty
    with engine.begin() as connection:
        record_audit(connection, "load", table_name="budget_lines", row_count=10)
    with engine.connect() as connection:
        with_audit = compute_data_fingerprint(connection)
        assert compute_data_fingerprint(connection) == with_audit
    assert len({empty, with_info, with_audit}) == 3


def test_fingerprint_of_the_demo_is_cheap_and_differs_from_an_empty_database(demo_url, sqlite_url):
    with connect(demo_url, read_only=True).connect() as connection:
        demo = compute_data_fingerprint(connection)
    with connect(sqlite_url).connect() as connection:
        assert compute_data_fingerprint(connection) != demo
    assert len(demo) == 64
