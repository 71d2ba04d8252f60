"""What a sender is told: issues (errors and warnings) and the per-file outcome.

An :class:`Issue` names the file, the sheet, the row number as the sender sees it (the header is
row 1 of a CSV; an XLSX row is the sheet's own row number), the column, the offending value and
a plain-language reason. The error report is a CSV of issues written through
:mod:`kpilib.present.export`, so a value like ``=HYPERLINK(...)`` copied from the file cannot become
a formula when the report is opened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from kpilib.present.export import write_csv

Severity = Literal["error", "warning"]
REPORT_COLUMNS = ("file", "sheet", "row", "column", "value", "severity", "reason")


@dataclass(frozen=True)
class Issue:
    """One problem found in a file; ``row``/``column`` are None for a whole-file problem."""

    severity: Severity
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    file: str = ""
    sheet: str | None = None

    def where(self) -> str:
        """``row 7, column revenue`` (or ``file``) for a one-line message."""
        parts = []
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) or "file"

    def message(self) -> str:
        shown = f" (value: {self.value!r})" if self.value not in (None, "") else ""
        return f"{self.where()}: {self.reason}{shown}"


@dataclass
class FileOutcome:
    """The result of one file: what was read, what was found, what happened to the database."""

    file: str
    return_type: str | None = None
    sheet: str | None = None
    scope: str = ""  # e.g. "UNI-001 2024-25Q1" or "HLT 2024-25"
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    status: Literal["loaded", "unchanged", "rejected", "valid"] = "rejected"
    submission_id: int | None = None
    version: int | None = None
    supersedes_id: int | None = None
    detail: str = ""

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def rejected_rows(self) -> int:
        """Distinct data rows with at least one error."""
        return len({i.row for i in self.errors if i.row is not None})

    @property
    def accepted_rows(self) -> int:
        """Rows loaded (or, in a dry run, that would be loaded): none when any error exists."""
        return 0 if self.errors else self.rows


def issues_frame(issues: list[Issue]) -> pd.DataFrame:
    """Issues as a table with :data:`REPORT_COLUMNS` (errors first, then by row)."""
    ordered = sorted(
        issues, key=lambda i: (i.file, i.severity != "error", i.row or 0, i.column or "")
    )
    frame = pd.DataFrame([asdict(i) for i in ordered], columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def write_issue_report(issues: list[Issue], path: Path) -> Path:
    """Write the issues as a formula-safe CSV error report."""
    return write_csv(issues_frame(issues), path)
