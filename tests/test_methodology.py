"""Every public KPI function is documented in docs/methodology.md."""

import importlib
import inspect
from pathlib import Path

import pytest

METHODOLOGY = (Path(__file__).resolve().parents[1] / "docs" / "methodology.md").read_text()
KPI_MODULES = [
    "kpilib.kpis.pefa",
    "kpilib.kpis.pefa_assessment",
    "kpilib.kpis.budget_execution",
    "kpilib.kpis.service_delivery",
    "kpilib.kpis.pse_finance",
    "kpilib.kpis.portfolio",
    "kpilib.kpis.compliance",
    "kpilib.kpis.quality",
    "kpilib.kpis.flags",
    "kpilib.kpis.governance",
    "kpilib.kpis.governance_rules",
    "kpilib.kpis.support",
    "kpilib.kpis.guarantees",
    "kpilib.kpis.sustainability",
    "kpilib.kpis.support_params",
    "kpilib.kpis.stress",
    "kpilib.kpis.stress_scenarios",
    "kpilib.kpis.stress_summary",
]


def public_functions(module_name):
    module = importlib.import_module(module_name)
    for name, member in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("_") and member.__module__ == module_name:
            yield f"{module_name}.{name}"


@pytest.mark.parametrize(
    "qualified", [f for m in KPI_MODULES for f in public_functions(m)], ids=lambda q: q
)
def test_public_kpi_function_is_in_the_methodology(qualified):
    assert f"`{qualified.rsplit('.', 1)[1]}`" in METHODOLOGY, f"{qualified} is not documented"


def test_every_kpi_function_has_a_docstring_with_its_formula_or_source():
    for module_name in KPI_MODULES:
        for qualified in public_functions(module_name):
            module = importlib.import_module(module_name)
            doc = inspect.getdoc(getattr(module, qualified.rsplit(".", 1)[1])) or ""
            assert len(doc) > 40, f"{qualified} needs a docstring stating what it computes"
