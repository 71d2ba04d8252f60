"""What a dashboard is asked to show is checked before anything is loaded: URL queries are read
leniently (problems shown, defaults used), widget values strictly (refused)."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpilib.dashboards.query import parse_query_string
from kpilib.errors import DashboardParameterError
from kpilib.store.database import connect
from kpilib.views.selection import (
    MAX_VALUE_LENGTH,
    SELECTION_KEYS,
    Selection,
    SelectionChoices,
    load_selection_choices,
    resolve_selection,
    validate_selection,
)

CHOICES = SelectionChoices(
    fiscal_years=("2023-24", "2024-25", "2025-26"),
    default_fiscal_year="2024-25",
    complete_fiscal_years=frozenset({"2023-24", "2024-25"}),
    departments={"FIN": "Finance", "HLT": "Health"},
    pses=pd.DataFrame(
        {
            "entity_code": ["UNI-001", "MTI-001"],
            "entity_name": ["Demo University", "Demo Hospital"],
            "category": ["university", "teaching_hospital"],
            "department_code": ["HED", "HLT"],
        }
    ),
)


def test_query_values_are_read_and_voila_token_skipped():
    values, problems = parse_query_string(
        "department=hlt&fiscal_year=2024-25&token=abc", ["department", "fiscal_year"]
    )
    assert values == {"department": "hlt", "fiscal_year": "2024-25"} and problems == []


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("colour=red", "'colour' is not one this page takes"),
        ("department=HLT&department=FIN", "more than once"),
        ("department=" + "X" * 65, f"longer than {MAX_VALUE_LENGTH} characters"),
        ("department=" + "X" * 1001, "longer than 1000 characters"),
    ],
)
def test_bad_queries_are_problems_not_errors(query, problem):
    values, problems = parse_query_string(query, ["department"])
    assert any(problem in str(p) for p in problems), problems
    assert all(p.code.startswith("url.") for p in problems)
    assert values.get("department") in (None, "HLT")


@given(st.text(max_size=300))
def test_any_query_string_is_read_without_error_and_only_allowed_keys_come_out(query):
    values, problems = parse_query_string(query, ["department", "pse"])
    assert set(values) <= {"department", "pse"}
    assert all(len(v) <= MAX_VALUE_LENGTH for v in values.values())
    selection, more = resolve_selection(values, CHOICES)
    assert selection.fiscal_year in CHOICES.fiscal_years
    assert selection.department in CHOICES.departments
    assert selection.pse in (None, "UNI-001", "MTI-001")
    assert isinstance(problems + more, list)


def test_resolution_uses_defaults_for_what_is_not_available():
    selection, problems = resolve_selection(
        {"fiscal_year": "2019-20", "period": "q2", "department": "xyz"},
        CHOICES,
        {"department": "FIN"},
    )
    assert selection == Selection("2024-25", "Q2", "FIN")
    assert any("fiscal year '2019-20' is not in the data" in str(p) for p in problems)
    assert any("no department with the code 'xyz'" in str(p) for p in problems)
    assert {p.code for p in problems} == {
        "selection.unknown-fiscal-year",
        "selection.unknown-department",
    }


def test_a_pse_brings_its_category_and_a_category_link_drops_the_default_pse():
    selection, problems = resolve_selection({"pse": "mti-001"}, CHOICES, {"category": "all"})
    assert (selection.pse, selection.category, problems) == ("MTI-001", "teaching_hospital", [])
    selection, _ = resolve_selection({"category": "university"}, CHOICES, {"pse": "MTI-001"})
    assert (selection.pse, selection.category) == (None, "university")


def test_widget_values_are_refused_when_not_available():
    assert validate_selection(CHOICES, fiscal_year="2025-26", period="FY", department="HLT") == (
        Selection("2025-26", "FY", "HLT")
    )
    for bad in (
        {"fiscal_year": "2024-25", "department": "DROP TABLE"},
        {"fiscal_year": "2024-25", "pse": "UNI-999"},
        {"fiscal_year": "2024-25", "category": "ministries"},
        {"fiscal_year": "2024-25", "period": "Q5"},
        {"fiscal_year": ""},
        {"fiscal_year": "2024-25", "department": 7},
        {"fiscal_year": "2024-25", "colour": "red"},
        {"fiscal_year": "2024-25", "department": "H" * 100},
    ):
        with pytest.raises(DashboardParameterError):
            validate_selection(CHOICES, **bad)
    assert set(SELECTION_KEYS) == {"fiscal_year", "period", "department", "category", "pse"}


def test_choices_come_from_the_database(demo_url):
    choices = load_selection_choices(connect(demo_url, read_only=True))
    assert choices.fiscal_years == ("2021-22", "2022-23", "2023-24", "2024-25", "2025-26")
    assert choices.default_fiscal_year == "2024-25"  # the latest complete, as the reports
    assert choices.fiscal_year_label("2025-26") == "2025-26 (to date)"
    assert len(choices.departments) == 32 and choices.departments["HLT"] == "Health"
    assert list(choices.departments.values()) == sorted(choices.departments.values())
    assert len(choices.pses) == 183 and len(choices.pses_of("university")) == 34
    assert next(iter(choices.categories)) == "all"
