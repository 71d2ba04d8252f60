"""The analysts' environment: the project's kernel, JupyterLab from the venv, notebook stripping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import IN_CI, REPO

BIN = Path(sys.executable).parent


def test_the_project_kernel_is_registered_in_the_venv():
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "kpi-suite" / "kernel.json"
    if not spec.exists():
        if IN_CI:
            pytest.fail("make install registers the kpi-suite kernel; it is missing")
        pytest.skip("kernel not registered: run `make kernel`")
    argv = json.loads(spec.read_text())["argv"]
    assert Path(argv[0]).resolve() == Path(sys.executable).resolve()
    listed = subprocess.run(
        [BIN / "jupyter", "kernelspec", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "kpi-suite" in json.loads(listed.stdout)["kernelspecs"]


def test_jupyterlab_runs_from_the_venv():
    result = subprocess.run(
        [BIN / "jupyter", "lab", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().split(".")[0] == "4"


def test_make_strip_removes_outputs_and_counts_and_keeps_ids(tmp_path):
    notebook = nbformat.read(REPO / "notebooks" / "explore" / "getting_started.ipynb", 4)
    ids = [cell.id for cell in notebook.cells]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.execution_count = 7
            cell.outputs = [nbformat.v4.new_output("stream", text="secret figures\n")]
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    # The same command as `make strip`.
    subprocess.run([BIN / "nbstripout", "--keep-id", str(path)], check=True)
    stripped = nbformat.read(path, 4)
    assert [cell.id for cell in stripped.cells] == ids
    for cell in stripped.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "nbstripout --keep-id" in (REPO / "Makefile").read_text()
