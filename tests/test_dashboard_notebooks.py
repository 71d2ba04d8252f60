"""The dashboard notebooks: committed without outputs, thin, a parameters cell whose names are
exactly what the page's builder takes, and one notebook per dashboard of the landing page."""

import nbformat
import pytest
from conftest import REPO

from kpilib.dashboards import DASHBOARDS
from kpilib.dashboards.page import CHART_BUNDLE, write_chart_bundle
from kpilib.report.params import read_declared_parameters

FOLDER = REPO / "notebooks" / "dashboards"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
QUERY_KEYS = {
    "province.ipynb": {"fiscal_year", "period"},
    "department.ipynb": {"department", "fiscal_year", "period"},
    "pse_monitor.ipynb": {"category", "pse", "fiscal_year", "period"},
}


def test_one_notebook_per_dashboard():
    assert {p.name for p in NOTEBOOKS} == {d.notebook for d in DASHBOARDS} == set(QUERY_KEYS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_with_a_kernel_and_parameters(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        assert cell.cell_type == "code"  # Voilà shows markdown: the page text lives in kpilib
        assert cell.outputs == [] and cell.execution_count is None
    assert set(read_declared_parameters(path)) == QUERY_KEYS[path.name]
    source = "\n".join(c.source for c in notebook.cells)
    assert "get_query_string()" in source and "apply_query(" in source
    assert len(source.splitlines()) < 25  # thin: every computation is in kpilib


def test_chart_bundle_is_the_offline_vega_bundle(tmp_path):
    path = write_chart_bundle(tmp_path)
    text = path.read_text()
    assert path.name == CHART_BUNDLE and len(text) > 200_000
    assert "https://esm.sh" not in text and "render" in text


def test_kpilib_keeps_the_slow_iri_grammar_out_of_every_import():
    """Voilà's dependencies install rfc3987-syntax, whose import takes seconds; kpilib keeps
    jsonschema from loading it, so kernels (dashboards and reports) start as fast as before."""
    import subprocess
    import sys

    code = (
        "import kpilib, altair, nbformat, sys\n"
        "from voila.utils import get_query_string\n"
        "assert sys.modules.get('rfc3987_syntax') is None, 'loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_kpilib_before_voila(path):
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert source.index("from kpilib") < source.index("from voila")
