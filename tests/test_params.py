"""Report parameters: schema, files, merging and the checks made before any kernel starts."""

import ast
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from kpilib.errors import FiscalPeriodError, ParameterFileError
from kpilib.fiscal import resolve_report_period
from kpilib.kpis.service_delivery import RagThresholds
from kpilib.report.params import (
    DepartmentReportParams,
    SummaryReportParams,
    check_notebook_declares,
    check_parameters_against_data,
    departments_using_defaults,
    load_parameter_set,
    read_declared_parameters,
    resolve_department_params,
    resolve_summary_params,
)
from kpilib.views.selection import describe_report_period
from kpilib.views.status import load_status_rules

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
DEFAULTS = """\
thresholds: {rag_green: 95.0, rag_amber: 80.0}
department:
  sections: [headline, budget, indicators, pses, quality]
  indicators: []
  officer_title: "Secretary, {department_name} Department"
"""
DEPARTMENTS = {"HLT": "Health", "FIN": "Finance", "ESE": "Elementary & Secondary Education"}
INDICATORS = {"HLT-IMM": "HLT", "HLT-IMR": "HLT", "ESE-NER": "ESE"}


@pytest.fixture
def parameters_dir(tmp_path: Path) -> Path:
    """A parameters folder with valid defaults and no department files yet."""
    (tmp_path / "departments").mkdir()
    (tmp_path / "defaults.yaml").write_text(DEFAULTS)
    return tmp_path


def write_department(folder: Path, code: str, text: str) -> Path:
    path = folder / "departments" / f"{code}.yaml"
    path.write_text(text)
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ParameterFileError) as caught:
        load_parameter_set(folder)
    return [str(problem) for problem in caught.value.problems]


def test_the_repository_parameters_are_valid_and_cover_every_demo_department():
    parameters = load_parameter_set(REPO / "parameters")
    assert len(parameters.files) == 32
    health = resolve_department_params(parameters, "HLT", "Health", "2024-25", "Q2")
    rules = load_status_rules(REPO / "parameters")
    assert rules.rule("budget_execution", "HLT").thresholds == RagThresholds(97.0, 80.0)
    assert rules.rule("budget_execution", "FIN").thresholds == RagThresholds(95.0, 80.0)
    assert health.officer_title == "Secretary, Health Department"
    assert health.period == "Q2" and health.indicators == []


def test_department_without_file_uses_the_defaults(parameters_dir):
    write_department(parameters_dir, "HLT", 'officer_title: "Health Secretary"\n')
    parameters = load_parameter_set(parameters_dir)
    assert departments_using_defaults(parameters, DEPARTMENTS) == ["ESE", "FIN"]
    finance = resolve_department_params(parameters, "FIN", "Finance", "2024-25", "FY")
    assert finance.officer_title == "Secretary, Finance Department"
    assert finance.sections == ["headline", "budget", "indicators", "pses", "quality"]


def test_lists_replace_and_status_thresholds_merge_key_by_key(parameters_dir):
    write_department(
        parameters_dir, "HLT",
        "sections: [budget, headline]\nindicators: [HLT-IMM]\nthresholds: {rag_green: 99}\n",
    )  # fmt: skip
    parameters = load_parameter_set(parameters_dir)
    health = resolve_department_params(parameters, "HLT", "Health", "2024-25", "FY")
    assert health.sections == ["budget", "headline"]
    assert health.indicators == ["HLT-IMM"]
    rules = load_status_rules(parameters_dir)
    assert rules.rule("indicator_achievement", "HLT").thresholds == RagThresholds(99.0, 80.0)
    assert rules.rule("indicator_achievement").thresholds == RagThresholds(95.0, 80.0)
    summary = resolve_summary_params(parameters, "2024-25", "Q1")
    assert summary == SummaryReportParams(fiscal_year="2024-25", period="Q1")


def test_the_retired_per_report_thresholds_say_where_thresholds_go(parameters_dir):
    (parameters_dir / "defaults.yaml").write_text(DEFAULTS + "summary:\n  thresholds: {}\n")
    [problem] = problems_of(parameters_dir)
    assert "summary: unknown key: status thresholds are no longer per report" in problem


def test_unknown_key_is_an_error_naming_file_and_key(parameters_dir):
    path = write_department(parameters_dir, "HLT", "sectionz: [budget]\n")
    [problem] = problems_of(parameters_dir)
    assert str(path) in problem and "sectionz" in problem and "unknown key" in problem
    assert "allowed: thresholds, kpi_thresholds, sections, indicators, officer_title" in problem


def test_a_key_that_is_code_is_refused_before_any_kernel(parameters_dir, tmp_path):
    # Papermill writes parameter names into the notebook unchecked (shared/README.md).
    key = "x = 1; import os; open('PWNED','w').write('yes'); y"
    write_department(parameters_dir, "HLT", f'"{key}": 1\n')
    [problem] = problems_of(parameters_dir)
    assert "unknown key" in problem
    assert not (tmp_path / "PWNED").exists()


def test_every_problem_in_every_file_is_reported_at_once(parameters_dir):
    write_department(parameters_dir, "HLT", "sections: [budget, pse]\nthresholds: {green: 1}\n")
    write_department(parameters_dir, "FIN", "officer_title: ''\n")
    (parameters_dir / "departments" / "health.yml").write_text("x: 1\n")
    problems = problems_of(parameters_dir)
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert "HLT.yaml: sections[1]:" in text
    assert "HLT.yaml: thresholds.green: unknown threshold 'green'" in text
    assert "FIN.yaml: officer_title:" in text
    assert "health.yml: not a department parameter file" in text


def test_duplicate_yaml_keys_are_an_error_not_the_last_one_wins(parameters_dir):
    write_department(parameters_dir, "HLT", "officer_title: A\nofficer_title: B\n")
    [problem] = problems_of(parameters_dir)
    assert "duplicate key 'officer_title'" in problem and "line 2" in problem


def test_malformed_yaml_names_the_line(parameters_dir):
    write_department(parameters_dir, "HLT", "sections: [budget\nthresholds: {}\n")
    [problem] = problems_of(parameters_dir)
    assert "HLT.yaml" in problem and "not valid YAML" in problem and "line" in problem


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("sections: budget\n", "sections"),
        ("sections: [budget, budget]\n", "listed more than once: budget"),
        ("thresholds: {rag_green: -5}\n", "thresholds.rag_green"),
        ("thresholds: {rag_green: .nan}\n", "thresholds.rag_green"),
        ("thresholds: {rag_green: '95'}\n", "thresholds.rag_green"),
        ('officer_title: "Secretary\\nInjected"\n', "officer_title"),
        ("indicators: [hlt-imm]\n", "indicators[0]"),
        ("department: FIN\n", "unknown key"),
        ("- a list\n", "top level must be a mapping"),
    ],
)
def test_bad_values_are_refused(parameters_dir, text, reason):
    write_department(parameters_dir, "HLT", text)
    assert reason in "\n".join(problems_of(parameters_dir))


def test_missing_defaults_file_is_an_error(tmp_path):
    assert "defaults.yaml: missing" in problems_of(tmp_path)[0]


def test_files_are_checked_against_the_database(parameters_dir):
    write_department(parameters_dir, "XYZ", "{}\n")
    write_department(parameters_dir, "HLT", "indicators: [HLT-IMM, ESE-NER, HLT-ZZZ]\n")
    write_department(parameters_dir, "ESE", "thresholds: {rag_green: 50}\n")
    parameters = load_parameter_set(parameters_dir)
    found = check_parameters_against_data(parameters, DEPARTMENTS, INDICATORS)
    assert {p.code for p in found} == {
        "params.unknown-department",
        "params.unknown-indicator",
        "params.foreign-indicator",
        "params.invalid-value",  # the merged thresholds out of order
    }
    problems = [str(problem) for problem in found]
    text = "\n".join(problems)
    assert "XYZ.yaml: unknown department 'XYZ'" in text
    assert "indicators[1]: indicator 'ESE-NER' belongs to department ESE, not HLT" in text
    assert "indicators[2]: unknown indicator 'HLT-ZZZ'" in text
    assert "ESE.yaml: thresholds: merged with the defaults, RAG thresholds need 0 ≤ amber" in text
    assert len(problems) == 4


def test_the_notebooks_declare_exactly_the_models_fields():
    assert read_declared_parameters(NOTEBOOKS / "department_report.ipynb") == list(
        DepartmentReportParams.model_fields
    )
    department = NOTEBOOKS / "department_report.ipynb"
    assert check_notebook_declares(department, DepartmentReportParams) == []
    summary = NOTEBOOKS / "provincial_summary.ipynb"
    assert check_notebook_declares(summary, SummaryReportParams) == []


def test_a_notebook_that_does_not_declare_a_parameter_is_refused(tmp_path):
    notebook = nbformat.read(NOTEBOOKS / "provincial_summary.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = 'fiscal_year = "2024-25"\nextra = 1'
    nbformat.write(notebook, tmp_path / "summary.ipynb")
    problems = [
        str(p) for p in check_notebook_declares(tmp_path / "summary.ipynb", SummaryReportParams)
    ]
    assert any("does not declare 'period'" in p for p in problems)
    assert any("declares 'extra'" in p for p in problems)
    cell.metadata["tags"] = []
    nbformat.write(notebook, tmp_path / "untagged.ipynb")
    [problem] = check_notebook_declares(tmp_path / "untagged.ipynb", SummaryReportParams)
    assert problem.code == "params.notebook-unreadable"
    assert "0 cells tagged 'parameters'" in str(problem)


@pytest.mark.parametrize(
    ("period", "months", "label"),
    [
        ("FY", tuple(range(1, 13)), "FY 2024-25"),
        ("Q1", (1, 2, 3), "2024-25, year to date through Q1 (Jul 2024–Sep 2024)"),
        ("Q3", tuple(range(1, 10)), "2024-25, year to date through Q3 (Jul 2024–Mar 2025)"),
    ],
)
def test_report_period_is_the_year_to_date(period, months, label):
    resolved = resolve_report_period("2024-25", period)
    assert tuple(range(1, resolved.months[-1] + 1)) == months
    assert describe_report_period(resolved) == label


def test_report_period_refuses_other_codes():
    with pytest.raises(FiscalPeriodError):
        resolve_report_period("2024-25", "M01")
    with pytest.raises(FiscalPeriodError):
        resolve_report_period("2024-26", "FY")


TITLE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x7f"),
    min_size=1, max_size=60,
).filter(lambda s: all(ord(c) >= 0x20 for c in s))  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(title=TITLE_TEXT, indicators=st.lists(st.sampled_from(["HLT-IMM", "HLT-IMR"]),
                                              unique=True))  # fmt: skip
def test_validated_values_reach_the_notebook_as_literals_never_as_code(title, indicators):
    """Invariant: whatever text passes validation, Papermill's injected cell assigns exactly
    the declared names to literals equal to the values (no other statement is possible)."""
    params = DepartmentReportParams(
        department="HLT", fiscal_year="2024-25", period="FY", sections=["budget"],
        indicators=indicators, officer_title=title,
    ).model_dump(mode="json")  # fmt: skip
    notebook = load_notebook_node(str(NOTEBOOKS / "department_report.ipynb"))
    injected = parameterize_notebook(notebook, params)
    cell = next(c for c in injected.cells if "injected-parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    assigned = {}
    for statement in tree.body:
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        [target] = statement.targets
        assigned[target.id] = ast.literal_eval(statement.value)
    assert assigned == params


def test_flag_severity_is_set_in_the_defaults_only_and_checked(parameters_dir):
    before = load_status_rules(parameters_dir).fingerprint
    rule = "flag_severity:\n  budget: {high: 40, medium: 30, why: tighter}\n"
    (parameters_dir / "defaults.yaml").write_text(DEFAULTS + rule)
    assert load_parameter_set(parameters_dir).defaults.flag_severity.budget.high == 40
    rules = load_status_rules(parameters_dir)
    assert rules.severity.budget.medium == 30 and rules.severity.pse.negative_equity == "high"
    assert rules.fingerprint != before  # part of every report's input key
    (parameters_dir / "defaults.yaml").write_text(
        DEFAULTS + "flag_severity:\n  budget: {high: 20, medium: 30}\n"
    )
    [problem] = problems_of(parameters_dir)
    assert "flag_severity" in problem and "must not be below medium" in problem
    (parameters_dir / "defaults.yaml").write_text(DEFAULTS)
    write_department(parameters_dir, "HLT", "flag_severity: {data: {level: high}}\n")
    [problem] = problems_of(parameters_dir)
    assert "flag_severity" in problem and "unknown key" in problem
