"""What a sender is told: issues (errors and warnings) and the per-file outcome.

An issue is a :class:`~kpilib.problems.Problem` (code ``ingest.*``, see ``docs/problems.md``)
that names the file, the sheet, the row number as the sender sees it (the header is row 1 of a
CSV; an XLSX row is the sheet's own row number), the column, the offending value and a
plain-language reason. The error report is a CSV of issues written through
:mod:`kpilib.present.export`, so a value like ``=HYPERLINK(...)`` copied from the file cannot become
a formula when the report is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from kpilib.present.export import write_csv
from kpilib.problems import Problem, Reason, Severity, Where

REPORT_COLUMNS = ("file", "sheet", "row", "column", "value", "severity", "reason", "code")


def ingest_problem(
    code: str,
    severity: Severity,
    reason: str | Reason,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
) -> Problem:
    """A problem found in a submitted file; ``row``/``column`` None for a whole-file problem.
    The file and sheet are filled in when the file's outcome is complete. ``reason`` is an
    English message (marked ``N_`` where written) or a :class:`~kpilib.problems.Reason`: the
    message stays English, the reason lets the portal show it in the officer's language."""
    if isinstance(reason, Reason):
        return Problem(code, severity, reason.english(), Where(row=row, column=column), value,
                       reason)  # fmt: skip
    return Problem(code, severity, reason, Where(row=row, column=column), value)


def describe_issue(problem: Problem) -> str:
    """``row 7, column revenue: reason (value: 'x')`` (or ``file: reason``) for one line."""
    if problem.where.inside():
        return problem.describe(with_file=False)
    return f"file: {problem.describe(with_file=False)}"


@dataclass
class FileOutcome:
    """The result of one file: what was read, what was found, what happened to the database."""

    file: str
    return_type: str | None = None
    sheet: str | None = None
    scope: str = ""  # e.g. "UNI-001 2024-25Q1" or "HLT 2024-25"
    rows: int = 0
    issues: list[Problem] = field(default_factory=list)
    status: Literal["loaded", "unchanged", "rejected", "valid"] = "rejected"
    submission_id: int | None = None
    version: int | None = None
    supersedes_id: int | None = None
    detail: str = ""
    #: A dry run's rows as they would be loaded (up to a few hundred), for a preview.
    preview: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def rejected_rows(self) -> int:
        """Distinct data rows with at least one error."""
        return len({i.where.row for i in self.errors if i.where.row is not None})

    @property
    def accepted_rows(self) -> int:
        """Rows loaded (or, in a dry run, that would be loaded): none when any error exists."""
        return 0 if self.errors else self.rows


def issues_frame(issues: list[Problem]) -> pd.DataFrame:
    """Issues as a table with :data:`REPORT_COLUMNS` (errors first, then by row)."""
    ordered = sorted(
        issues,
        key=lambda i: (
            i.where.file or "",
            i.severity != "error",
            i.where.row or 0,
            i.where.column or "",
        ),
    )
    records = [
        {
            "file": i.where.file or "", "sheet": i.where.sheet, "row": i.where.row,
            "column": i.where.column, "value": i.value, "severity": i.severity,
            "reason": i.message, "code": i.code,
        }
        for i in ordered
    ]  # fmt: skip
    frame = pd.DataFrame(records, columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def write_issue_report(issues: list[Problem], path: Path) -> Path:
    """Write the issues as a formula-safe CSV error report."""
    return write_csv(issues_frame(issues), path)
