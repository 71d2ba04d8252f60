"""Nothing a dashboard does can change data: its connection is read-only on SQLite and
PostgreSQL, and a write attempted from inside a running dashboard kernel fails."""

from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from conftest import REPO

from kpilib.dashboards.page import open_dashboard_engine
from kpilib.store.database import connect
from kpilib.store.snapshot import compute_data_fingerprint
from kpilib.store.writes import content_hash

WRITES = [
    "INSERT INTO departments (code, name) VALUES ('ZZZ', 'Injected')",
    "UPDATE departments SET name = 'Changed' WHERE code = 'HLT'",
    "DELETE FROM dataset_info",
    "CREATE TABLE injected (x INTEGER)",
    "DROP TABLE budget_lines",
]


@pytest.mark.parametrize("statement", WRITES, ids=lambda s: s.split()[0])
def test_every_write_through_the_dashboard_connection_fails(demo_url, statement):
    engine = open_dashboard_engine(demo_url)
    with engine.connect() as connection:
        before = compute_data_fingerprint(connection)
    with (
        pytest.raises(sa.exc.DBAPIError, match=r"(?i)read.?only|readonly"),
        engine.begin() as connection,
    ):
        connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert compute_data_fingerprint(connection) == before
        assert (
            connection.execute(
                sa.text("SELECT count(*) FROM departments WHERE code = 'ZZZ'")
            ).scalar()
            == 0
        )


def run_dashboard_notebook(name: str, extra: str) -> nbformat.NotebookNode:
    """Execute a dashboard notebook in a kernel of this Python, then ``extra`` in the same
    kernel (as Voilà would, but outside it: no query string)."""
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    from kpilib.report.kernels import ProjectKernelSpecManager

    notebook = nbformat.read(REPO / "notebooks" / "dashboards" / name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(extra))
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=ProjectKernelSpecManager())
    client = NotebookClient(notebook, km=manager, timeout=300, ipython_hist_file="")
    client.execute(cwd=str(REPO / "notebooks" / "dashboards"))
    return notebook


@pytest.mark.slow
def test_a_write_from_inside_a_dashboard_kernel_fails(demo_sqlite_url, monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", demo_sqlite_url)
    engine = connect(demo_sqlite_url, read_only=True)
    with engine.connect() as connection:
        before = content_hash(connection)
    probe = (
        "import sqlalchemy as sa\n"
        "try:\n"
        "    with context.engine.begin() as c:\n"
        "        c.execute(sa.text(\"UPDATE departments SET name = 'x' WHERE code = 'HLT'\"))\n"
        "    print('WRITE SUCCEEDED')\n"
        "except sa.exc.DBAPIError as error:\n"
        "    print('REFUSED', type(error.orig).__name__, error.orig)\n"
        "print('SHOWING', dashboard.selection.department, dashboard.status.value)"
    )
    notebook = run_dashboard_notebook("department.ipynb", probe)
    output = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    refusal = (
        "REFUSED ReadOnlySqlTransaction cannot execute UPDATE in a read-only transaction"
        if demo_sqlite_url.startswith("postgresql")  # KPI_TEST_BACKEND=postgresql
        else "REFUSED OperationalError attempt to write a readonly database"
    )
    assert refusal in output
    assert "WRITE SUCCEEDED" not in output
    assert "SHOWING AGR" in output  # the notebook ran on its defaults: Agriculture comes first
    with engine.connect() as connection:
        assert content_hash(connection) == before


def test_dashboard_notebooks_open_the_database_only_through_the_read_only_door():
    for path in sorted((REPO / "notebooks" / "dashboards").glob("*.ipynb")):
        source = "\n".join(c.source for c in nbformat.read(path, 4).cells if c.cell_type == "code")
        assert "start_dashboard(" in source, path.name
        for forbidden in ("connect(", "create_engine", "sa.text", "SELECT ", "execute(", "try:",
                          "except", "to_sql", "insert"):  # fmt: skip
            assert forbidden not in source, f"{path.name} contains {forbidden!r}"
    assert Path(open_dashboard_engine.__code__.co_filename).name == "page.py"
