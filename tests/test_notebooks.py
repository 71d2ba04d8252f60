"""Committed notebooks: no outputs, no execution counts, a kernelspec, one parameters cell."""

import re
from pathlib import Path

import nbformat
import pytest

from kpilib.report.params import read_declared_parameters

REPO = Path(__file__).resolve().parents[1]
#: Every notebook in the repository (reports, dashboards, explore/, test notebooks).
COMMITTED = sorted(
    path
    for folder in ("notebooks", "tests/notebooks")
    for path in (REPO / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)
#: The parameterized notebooks (reports and the batch's test notebooks).
PARAMETERIZED = sorted([*REPO.glob("notebooks/*.ipynb"), *REPO.glob("tests/notebooks/*.ipynb")])


def test_the_report_notebooks_are_committed():
    names = {path.name for path in PARAMETERIZED}
    assert {"department_report.ipynb", "provincial_summary.ipynb",
            "pse_portfolio_report.ipynb"} <= names  # fmt: skip
    assert {"broken.ipynb", "slow.ipynb"} <= names


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(REPO)))
def test_committed_notebook_has_no_outputs_or_execution_counts(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs"
            assert cell.execution_count is None, f"cell {index} has an execution count"
    assert "papermill" not in notebook.metadata, "an executed copy was committed"


def test_every_notebook_folder_is_checked():
    names = {path.relative_to(REPO).as_posix() for path in COMMITTED}
    assert "notebooks/explore/getting_started.ipynb" in names
    assert "notebooks/dashboards/province.ipynb" in names


@pytest.mark.parametrize("path", PARAMETERIZED, ids=lambda p: str(p.relative_to(REPO)))
def test_committed_notebook_names_its_kernel_and_declares_parameters(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.language == "python"
    assert read_declared_parameters(path)  # exactly one parameters cell, valid Python


def test_report_notebooks_compute_nothing_themselves():
    """Thin notebooks: no SQL, no try/except, no data-changing calls."""
    for name in ("department_report.ipynb", "provincial_summary.ipynb",
                 "pse_portfolio_report.ipynb"):  # fmt: skip
        source = "\n".join(
            cell.source for cell in nbformat.read(REPO / "notebooks" / name, 4).cells
            if cell.cell_type == "code"
        )  # fmt: skip
        for forbidden in ("SELECT ", "sa.text", "execute(", "try:", "insert", "to_sql"):
            assert forbidden not in source, f"{name} contains {forbidden!r}"
        assert not re.search(r"\bexcept\b", source), f"{name} swallows errors"
