"""``kpi access``, the writer URL, and that no kernel of ``kpi serve --portal`` can write."""

from __future__ import annotations

import re

import sqlalchemy as sa
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.dashboards.server import ServeParams, build_kernel_environment
from kpilib.store.database import ENV_WRITER_URL, connect, writer_url
from kpilib.store.models import Base

runner = CliRunner()


def _demo_like(url: str) -> None:
    """An empty store with one department and one PSE (enough for links)."""
    engine = connect(url)
    with engine.begin() as connection:
        connection.execute(Base.metadata.tables["departments"].insert(),
                           {"id": 1, "code": "HED", "name": "Higher Education"})  # fmt: skip
        connection.execute(
            Base.metadata.tables["entities"].insert(),
            {"id": 1, "code": "UNI-001", "name": "Demo University", "category": "university",
             "department_id": 1},
        )  # fmt: skip
    engine.dispose()


def test_access_grant_list_revoke(sqlite_url, monkeypatch):
    monkeypatch.delenv(ENV_WRITER_URL, raising=False)
    _demo_like(sqlite_url)
    granted = runner.invoke(
        app, ["--database-url", sqlite_url, "access", "grant", "uni-001", "--name", "Ayesha Khan",
              "--email", "ayesha@example.org", "--expires", "2099-06-30",
              "--base-url", "https://portal.example.org/kpi/"],
    )  # fmt: skip
    assert granted.exit_code == 0, granted.output
    link = re.search(r"https://\S+", granted.output.replace("\n", "")).group(0)
    # The key is not called "token": that name is the dashboards' server's own login.
    assert link.startswith("https://portal.example.org/kpi/portal/start?key=")
    token = link.split("key=", 1)[1]
    listed = runner.invoke(app, ["--database-url", sqlite_url, "access", "list"])
    assert "Ayesha Khan" in listed.output and "active" in listed.output
    assert token not in listed.output
    with connect(sqlite_url).connect() as connection:
        assert token not in str(connection.execute(sa.text("SELECT * FROM access_tokens")).all())
    revoked = runner.invoke(app, ["--database-url", sqlite_url, "access", "revoke", "1"])
    assert revoked.exit_code == 0
    listed = runner.invoke(app, ["--database-url", sqlite_url, "access", "list", "--all"])
    assert "revoked" in listed.output
    reviewer = runner.invoke(app, ["--database-url", sqlite_url, "access", "grant", "HED",
                                   "--reviewer", "--name", "Bilal Shah"])  # fmt: skip
    assert "/portal/start?key=" in reviewer.output.replace("\n", "")
    bad = runner.invoke(app, ["--database-url", sqlite_url, "access", "grant", "UNI-001",
                              "--name", "X", "--expires", "next year"])  # fmt: skip
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_writer_url_precedence(tmp_path, monkeypatch):
    reader = f"sqlite:///{tmp_path / 'reader.sqlite'}"
    writer = f"sqlite:///{tmp_path / 'writer.sqlite'}"
    monkeypatch.setenv("KPI_DATABASE_URL", reader)
    monkeypatch.delenv(ENV_WRITER_URL, raising=False)
    assert writer_url().database.endswith("reader.sqlite")
    monkeypatch.setenv(ENV_WRITER_URL, writer)
    assert writer_url().database.endswith("writer.sqlite")
    # `kpi access grant` (like `kpi ingest`) writes through the writer URL ...
    _demo_like(writer)
    connect(reader).dispose()
    result = runner.invoke(app, ["access", "grant", "UNI-001", "--name", "A"])
    assert result.exit_code == 0, result.output
    with connect(writer).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM access_tokens")).scalar() == 1
    # ... unless --database-url is given on the command line.
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    _demo_like(other)
    result = runner.invoke(app, ["--database-url", other, "access", "grant", "UNI-001",
                                 "--name", "B"])  # fmt: skip
    assert result.exit_code == 0, result.output
    with connect(other).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM access_tokens")).scalar() == 1


def test_no_kernel_gets_the_writer_url(tmp_path):
    """The portal writes from the server's own process; every kernel (dashboards) reads."""
    params = ServeParams(dashboards_dir=tmp_path, database_url="postgresql://kpi_reader@db/kpi")
    server_env = build_kernel_environment(
        params, {ENV_WRITER_URL: "postgresql://kpi_writer:pw@db/kpi", "PATH": "/usr/bin"}
    )
    assert ENV_WRITER_URL not in server_env and "kpi_writer" not in str(server_env)
    assert server_env["KPI_DATABASE_URL"] == "postgresql://kpi_reader@db/kpi"
