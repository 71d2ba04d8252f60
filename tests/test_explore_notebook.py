"""The analysts' getting-started notebook runs top to bottom on the demo, and the public API
it relies on (``import kpilib`` then lazy modules) stays fast and documented."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from conftest import REPO
from nbclient import NotebookClient

import kpilib

NOTEBOOK = REPO / "notebooks" / "explore" / "getting_started.ipynb"


@pytest.mark.slow
def test_getting_started_runs_top_to_bottom_on_the_demo(demo_sqlite_url, monkeypatch, tmp_path):
    from jupyter_client import KernelManager

    from kpilib.report.kernels import ProjectKernelSpecManager

    monkeypatch.setenv("KPI_DATABASE_URL", demo_sqlite_url)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, allow_errors=False, ipython_hist_file="",
        km=KernelManager(kernel_name="python3", kernel_spec_manager=ProjectKernelSpecManager()),
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    client.execute()
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "latest complete: 2024-25" in text
    assert "32 departments, 183 public sector entities" in text
    assert "release_rate" in text and "development" in text  # Health's execution, from kpilib
    charts = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/svg+xml" in output.get("data", {})
    ]
    assert len(charts) == 2


def test_import_kpilib_loads_no_pandas_or_altair():
    code = "import sys, kpilib; print('pandas' in sys.modules, 'altair' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_public_api_is_listed_and_documented():
    for name in kpilib.__all__:
        value = getattr(kpilib, name)
        if name != "__version__":
            assert (value.__doc__ or "").strip(), f"kpilib.{name} has no docstring"
    assert {"connect", "tables", "charts", "views", "execution", "finance"} <= set(dir(kpilib))
    for name in kpilib.store.tables.__all__:
        loader = getattr(kpilib.store.tables, name)
        assert "kpilib.connect()" in loader.__doc__
    with pytest.raises(AttributeError):
        _ = kpilib.no_such_thing


def test_table_loaders_take_an_engine_and_fiscal_year_labels(demo_url):
    engine = kpilib.connect(demo_url, read_only=True)
    budget = kpilib.store.tables.load_budget_rollup(engine, ["2024-25"], ["HLT"])
    assert set(budget["fiscal_year"]) == {2024}
    assert set(budget["department_code"]) == {"HLT"}
    assert str(budget["expended"].dtype) == "Int64"
    with engine.connect() as connection:
        same = kpilib.store.tables.load_budget_rollup(connection, [2024], ["HLT"])
    assert same.equals(budget)
    with pytest.raises(ValueError):
        kpilib.store.tables.load_budget_rollup(engine, ["20x4"])
