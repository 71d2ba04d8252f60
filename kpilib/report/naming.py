"""Where a report lives: the one function that turns parameters into names and paths.

A log line, a manifest row, an index link and the files on disk all use the identifier made
here, ``<fiscal year>/<period>/<stem>``, e.g. ``2024-25/FY/HLT`` or
``2024-25/Q2/provincial_summary``; the files are ``<stem>.html``, ``<stem>.pdf`` and
``<stem>.ipynb`` in ``<output dir>/<fiscal year>/<period>/``.

The Urdu edition of a report sits beside the English one in the batch folder's ``ur/``
subfolder (``2024-25/FY/ur/HLT``: ``ur/HLT.html``, ``ur/HLT.pdf``, …), so a report's relative
links to the other reports of its batch (``HLT.html``) lead to the same edition, and the English
files stay where they always were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kpilib.errors import ReportBatchError
from kpilib.fiscal import FiscalYear
from kpilib.i18n import DEFAULT_LANGUAGE, check_language

ReportKind = Literal["department", "summary", "portfolio"]
#: Output formats a batch can write, in the order they are produced.
FORMATS = ("ipynb", "html", "pdf", "xlsx")
#: Formats every batch writes whatever ``--format`` says: the report's tables in Excel.
ALWAYS_FORMATS = ("xlsx",)
SUMMARY_STEM = "provincial_summary"
PORTFOLIO_STEM = "pse_portfolio_report"
_DEPARTMENT = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_PERIOD = re.compile(r"FY|Q[1-4]")


@dataclass(frozen=True, order=True)
class ReportName:
    """The identity of one report of a batch."""

    fiscal_year: str
    period: str
    stem: str
    kind: ReportKind
    #: ``en`` (the batch folder) or ``ur`` (its ``ur/`` subfolder).
    language: str = DEFAULT_LANGUAGE

    @property
    def report_id(self) -> str:
        """``2024-25/FY/HLT`` (``2024-25/FY/ur/HLT`` in Urdu): the identifier shared by logs,
        manifest, index and files."""
        return f"{self.fiscal_year}/{self.period}/{language_prefix(self.language)}{self.stem}"

    def file_name(self, fmt: str) -> str:
        """``HLT.html`` (``ur/HLT.html`` in Urdu): the file name of one output format, relative
        to the batch folder."""
        if fmt not in FORMATS:
            raise ReportBatchError(f"unknown output format {fmt!r} (use {', '.join(FORMATS)})")
        return f"{language_prefix(self.language)}{self.stem}.{fmt}"

    def in_language(self, language: str) -> ReportName:
        """The same report in ``language``."""
        return ReportName(self.fiscal_year, self.period, self.stem, self.kind,
                          check_language(language))  # fmt: skip

    def folder(self, output_dir: Path) -> Path:
        """``<output_dir>/2024-25/FY``: the batch folder holding this report."""
        return batch_folder(output_dir, self.fiscal_year, self.period)

    def path(self, output_dir: Path, fmt: str) -> Path:
        """The final path of one output format."""
        return self.folder(output_dir) / self.file_name(fmt)


def name_report(fiscal_year: str, period: str, department: str | None = None) -> ReportName:
    """The name of a department report (``department`` given) or of the provincial summary.

    Every part is checked, so a name can never point outside its batch folder.

    >>> name_report("2024-25", "FY", "HLT").report_id
    '2024-25/FY/HLT'
    >>> name_report("2024-25", "Q2").file_name("html")
    'provincial_summary.html'
    """
    label = FiscalYear.parse(fiscal_year).label
    if label != fiscal_year:
        raise ReportBatchError(f"fiscal year {fiscal_year!r} is not written as {label!r}")
    if not _PERIOD.fullmatch(period):
        raise ReportBatchError(f"period {period!r} is not FY, Q1, Q2, Q3 or Q4")
    if department is None:
        return ReportName(fiscal_year, period, SUMMARY_STEM, "summary")
    if not _DEPARTMENT.fullmatch(department):
        raise ReportBatchError(f"{department!r} is not a department code (e.g. HLT)")
    return ReportName(fiscal_year, period, department, "department")


def name_portfolio_report(fiscal_year: str, period: str) -> ReportName:
    """The name of the PSE Portfolio Report of a batch (``2024-25/FY/pse_portfolio_report``)."""
    summary = name_report(fiscal_year, period)
    return ReportName(summary.fiscal_year, summary.period, PORTFOLIO_STEM, "portfolio")


def language_prefix(language: str) -> str:
    """The subfolder of a batch holding an edition: ``""`` for English, ``"ur/"`` for Urdu."""
    code = check_language(language)
    return "" if code == DEFAULT_LANGUAGE else f"{code}/"


def batch_folder(output_dir: Path, fiscal_year: str, period: str) -> Path:
    """``<output_dir>/<fiscal year>/<period>``: where one batch's reports, index and manifest go."""
    return Path(output_dir) / fiscal_year / period


def department_report_link(department: str, fmt: str = "html") -> str:
    """The relative link from one report of a batch to a department's report (e.g. ``HLT.html``).

    For notebooks: the provincial summary links each exception to its department's report.
    """
    if not _DEPARTMENT.fullmatch(department):
        raise ReportBatchError(f"{department!r} is not a department code (e.g. HLT)")
    return ReportName("2000-01", "FY", department, "department").file_name(fmt)
