"""One problem model: registered codes, the docs table, one-line messages, quality findings."""

import re
from pathlib import Path

import pandas as pd
import pytest

from kpilib.kpis.quality import FINDING_COLUMNS, RULE_SEVERITIES, describe_findings
from kpilib.problems import PROBLEM_CODES, Problem, Where

DOCS = Path(__file__).resolve().parents[1] / "docs" / "problems.md"


def test_the_docs_table_lists_exactly_the_registered_codes():
    rows = re.findall(r"^\| `([a-z.\-_]+)` \| (.+) \|$", DOCS.read_text(), flags=re.M)
    assert dict(rows) == PROBLEM_CODES


def test_codes_are_dotted_and_unregistered_codes_are_refused():
    assert all(re.fullmatch(r"[a-z]+\.[a-z_\-]+", code) for code in PROBLEM_CODES)
    with pytest.raises(ValueError, match="unregistered"):
        Problem("ingest.made-up", "error", "x")
    with pytest.raises(ValueError, match="severity"):
        Problem("url.too-long", "fatal", "x")  # type: ignore[arg-type]


def test_one_line_names_file_position_message_and_value():
    where = Where(file="q1.xlsx", sheet="Return", row=7, column="revenue")
    problem = Problem("params.invalid-value", "error", "is not a number", where, value="abc")
    assert (
        str(problem)
        == "q1.xlsx: sheet 'Return', row 7, column revenue: is not a number (value: 'abc')"
    )
    assert problem.describe(with_file=False).startswith("sheet 'Return', row 7")
    keyed = Problem("params.unknown-key", "error", "unknown key", Where(file="HLT.yaml", key="x.y"))
    assert str(keyed) == "HLT.yaml: x.y: unknown key"


def test_every_quality_rule_has_a_code_and_findings_become_problems():
    assert {f"quality.{rule}" for rule in RULE_SEVERITIES} <= set(PROBLEM_CODES)
    findings = pd.DataFrame(
        [["revenue_jump", "warning", "entity", "UNI-001", "2024-25Q2", "revenue", 9.0, 4.0,
          "revenue is 9 times the previous quarter's"]],
        columns=list(FINDING_COLUMNS),
    )  # fmt: skip
    [problem] = describe_findings(findings)
    assert problem.code == "quality.revenue_jump" and problem.severity == "warning"
    assert str(problem) == "UNI-001 (2024-25Q2): revenue is 9 times the previous quarter's"
