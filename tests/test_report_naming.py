"""Output names: one function gives the identifier shared by log, manifest, index and files."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpilib.errors import ReportBatchError
from kpilib.report.naming import batch_folder, department_report_link, name_report


def test_department_and_summary_names():
    health = name_report("2024-25", "Q2", "HLT")
    assert health.report_id == "2024-25/Q2/HLT"
    assert health.path(Path("out"), "pdf") == Path("out/2024-25/Q2/HLT.pdf")
    summary = name_report("2024-25", "FY")
    assert (summary.kind, summary.file_name("html")) == ("summary", "provincial_summary.html")
    assert batch_folder(Path("out"), "2024-25", "FY") == summary.folder(Path("out"))


@pytest.mark.parametrize(
    ("fiscal_year", "period", "department"),
    [
        ("2024-25", "FY", "../etc"),
        ("2024-25", "FY", "hlt"),
        ("2024-25", "FY", "HLT/x"),
        ("2024-25", "Q5", "HLT"),
        ("2024-25", "../x", None),
        ("2024-2025", "FY", "HLT"),
    ],
)
def test_names_that_could_leave_the_batch_folder_are_refused(fiscal_year, period, department):
    with pytest.raises((ReportBatchError, ValueError)):
        name_report(fiscal_year, period, department)


def test_unknown_format_is_refused():
    with pytest.raises(ReportBatchError):
        name_report("2024-25", "FY", "HLT").file_name("docx")


@given(code=st.from_regex(r"[A-Z][A-Z0-9]{1,15}", fullmatch=True),
       period=st.sampled_from(["FY", "Q1", "Q2", "Q3", "Q4"]))  # fmt: skip
def test_every_output_stays_in_its_batch_folder(code, period):
    name = name_report("2023-24", period, code)
    root = Path("/reports")
    for fmt in ("html", "pdf", "ipynb"):
        path = name.path(root, fmt)
        assert path.parent == root / "2023-24" / period
        assert path.name == department_report_link(code, fmt)
