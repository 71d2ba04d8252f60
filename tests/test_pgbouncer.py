"""kpi-suite through PgBouncer, with the recipe of ``deploy/pgbouncer/pgbouncer.ini`` (issue 19):
the schema, concurrent ``kpi ingest`` processes, read-only sessions and repeated (prepared)
statements all work through the pooler, on the real PostgreSQL server.

The test runs PgBouncer on a free local port with the recipe's settings, changing only what a
test must: where it listens, trust instead of SCRAM (the test server trusts local clients),
and its files in a temporary folder. Needs ``pgbouncer`` (``apt-get install -y pgbouncer``):
missing, the test fails in CI and skips locally.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import IN_CI, REPO, free_port
from ingest_helpers import build_reference, financial_file

from kpilib.store.audit import verify_audit_chain
from kpilib.store.database import connect

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
RECIPE = REPO / "deploy" / "pgbouncer" / "pgbouncer.ini"


def find_pgbouncer() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None
    )


def recipe_for_test(recipe: str, folder: Path, port: int, server_port: int) -> str:
    """The recipe with the test's listening port, database, auth and files."""
    config = re.sub(r"(?m)^kpi = .*$", f"* = host=127.0.0.1 port={server_port}", recipe)
    replacements = {
        "listen_port": str(port), "auth_type": "trust", "auth_file": f"{folder}/userlist.txt",
        "unix_socket_dir": str(folder),
    }  # fmt: skip
    for key, value in replacements.items():
        config = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", config)
    return config + f"logfile = {folder}/pgbouncer.log\npidfile = {folder}/pgbouncer.pid\n"


@pytest.fixture
def pgbouncer(postgres_url):
    """A PgBouncer with the recipe's settings in front of the test's database; its URL."""
    binary = find_pgbouncer()
    if binary is None:
        message = "pgbouncer is not installed (apt-get install -y pgbouncer)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    target = sa.make_url(postgres_url)
    folder = Path(tempfile.mkdtemp(prefix="kpi-pgbouncer-"))
    folder.chmod(0o755)
    port = free_port()
    (folder / "pgbouncer.ini").write_text(
        recipe_for_test(RECIPE.read_text(), folder, port, target.port or 5432)
    )
    (folder / "userlist.txt").write_text(f'"{target.username}" ""\n')
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(folder, "postgres")
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = target.set(port=port).render_as_string(hide_password=False)
        for _ in range(100):  # bounded: PgBouncer listens within a second
            try:
                sa.create_engine(url).connect().close()
                break
            except sa.exc.OperationalError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def test_kpi_suite_works_through_the_pgbouncer_recipe(pgbouncer, tmp_path):
    build_reference(pgbouncer).dispose()  # the schema is created through the pooler
    files = [financial_file(tmp_path, f"{code}.csv", entity=code)
             for code in ("UNI-001", "MTI-001")]  # fmt: skip
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "kpilib.cli", "--database-url", pgbouncer, "ingest", str(f)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for f in [*files, *files]  # each file twice at once: loaded once, then "unchanged"
    ]  # fmt: skip
    results = [(p.wait(120), *p.communicate()) for p in processes]
    assert all(code == 0 for code, _, _ in results), results
    reader = connect(pgbouncer, read_only=True)
    for _ in range(10):  # pooled server connections are handed on: each session stays read-only
        with reader.connect() as connection:
            assert connection.execute(sa.text("SHOW transaction_read_only")).scalar() == "on"
    with pytest.raises(sa.exc.DBAPIError, match="read-only"), reader.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log"))
    writer = connect(pgbouncer)
    with writer.connect() as connection:
        for _ in range(12):  # past psycopg's prepare threshold (5): prepared statements hold
            count = connection.execute(
                sa.text("SELECT count(*) FROM submissions WHERE version = :v"), {"v": 1}
            ).scalar()
        assert count == 2
        assert verify_audit_chain(connection).intact
    reader.dispose()
    writer.dispose()
