"""The functions the dashboards add to the views are documented in docs/methodology.md."""

import importlib
import inspect
from pathlib import Path

import pytest

from kpilib.views.pse import PSE_ALERT_RULES
from kpilib.views.ranking import RANKING_METRICS

METHODOLOGY = (Path(__file__).resolve().parents[1] / "docs" / "methodology.md").read_text()
MODULES = ["kpilib.views.pse", "kpilib.views.ranking", "kpilib.present.headline"]
DOCUMENTED = ["compute_submission_history", "list_pse_alerts", "rank_departments",
              "department_headline", "province_headline"]  # fmt: skip


@pytest.mark.parametrize("name", DOCUMENTED)
def test_function_is_in_the_methodology_with_a_docstring(name):
    assert f"`{name}`" in METHODOLOGY
    for module_name in MODULES:
        function = getattr(importlib.import_module(module_name), name, None)
        if function is not None:
            assert len(inspect.getdoc(function) or "") > 80
            return
    pytest.fail(f"{name} is in no dashboard view module")


def test_every_alert_rule_and_ranking_metric_is_described():
    section = METHODOLOGY[METHODOLOGY.index("## Dashboards") :]
    for rule in PSE_ALERT_RULES:
        assert f"| {rule} |" in section
    for metric in RANKING_METRICS.values():
        assert f"| {metric.label} |" in section
