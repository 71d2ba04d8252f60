"""One exception root for kpi-suite, with specific subclasses that build their own message.

The CLI catches :class:`KpiError` and prints its message without a traceback; anything
else is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpilib.i18n import N_, _
from kpilib.problems import Problem, Reason, said


class KpiError(Exception):
    """Root of every error kpi-suite raises on purpose (bad input, bad configuration)."""


class ReasonedError(KpiError):
    """An error a person reads on a page in their language: its message (English, logged and
    printed by the CLI) keeps its template and values as a :class:`~kpilib.problems.Reason`
    (``said(N_("action {number} is closed"), number=7)``), shown by :func:`shown_error`."""

    def __init__(self, reason: str | Reason) -> None:
        self.reason = reason if isinstance(reason, Reason) else said(reason)
        super().__init__(self.reason.english())


def shown_error(error: Exception) -> str:
    """``error``'s message in the current language: a :class:`ReasonedError`'s reason
    translated, another error's message as it is (translated when it is a catalog message)."""
    if isinstance(error, ReasonedError):
        return error.reason.shown()
    return _(str(error))


class DatabaseUrlError(KpiError):
    """The database URL cannot be understood."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Cannot use database URL {url!r}: {reason}. "
            "Set KPI_DATABASE_URL to e.g. sqlite:///data/kpi.sqlite or "
            "postgresql://user@host:5432/dbname."
        )


class DatabaseUnreachableError(KpiError):
    """The database server or file cannot be opened."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot connect to the database at {url}: {reason}")


class DatabaseBusyError(DatabaseUnreachableError):
    """The database stayed busy (locked, or out of connection slots) through every retry."""

    #: sysexits.h EX_TEMPFAIL: the same command may succeed later.
    exit_code = 75

    def __init__(self, url: str | None, waited_seconds: float) -> None:
        where = f" at {url}" if url else ""
        KpiError.__init__(
            self,
            f"The database{where} stayed busy for {waited_seconds:g} s (other loads hold it); "
            "nothing was changed: run the same command again in a few minutes.",
        )


class SchemaVersionError(KpiError):
    """The database carries a schema version this kpilib does not know, or an older one."""


class DatabaseEmptyError(KpiError):
    """The database has the schema but no data."""


class DemoBuildError(KpiError):
    """A demo province cannot be built with the options given."""


class FiscalPeriodError(KpiError, ValueError):
    """A fiscal year or period label is malformed or out of range."""


class AuditChainError(KpiError):
    """The audit log's hash chain cannot be extended (its head row is missing)."""


class SubmissionError(KpiError):
    """A submission (a return file) cannot be handled as asked: unknown return type, bad option."""


class ApprovedReturnLockedError(SubmissionError):
    """A new version of a return whose current version its department has approved: refused
    until the department's reviewer reopens it. The message speaks to the PSE's officer."""

    #: The sentence as a template and values for the officer's language (see
    #: :func:`kpilib.ingest.loading.locked_reason`); English text: the message.
    TEMPLATE = N_("this return (no. {number}) was approved by the {department} on {date}: ask "
                  "your reviewer to reopen it before you send a correction")  # fmt: skip

    def __init__(self, submission_id: int, department: str, approved_on: str,
                 reason: Reason | None = None) -> None:  # fmt: skip
        self.submission_id = submission_id
        super().__init__(
            f"this return (no. {submission_id}) was approved by the {department} on "
            f"{approved_on}: ask your reviewer to reopen it before you send a correction"
        )
        self.reason = reason or said(self.TEMPLATE, english=str(self), number=submission_id,
                                     department=department, date=approved_on)  # fmt: skip


class ReturnTypeError(SubmissionError, ValueError):
    """A return type name that kpi-suite does not know."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"Unknown return type {name!r}: use one of {', '.join(known)}.")


class UnknownSenderError(SubmissionError):
    """A PSE or department code (``--sender``) that is in neither list of the database."""

    def __init__(self, code: str, close: Sequence[str] = ()) -> None:
        hint = " (PSE codes look like UNI-001, department codes like HLT)"
        if close:
            hint = f"; did you mean {' or '.join(close)}?"
        super().__init__(f"No PSE or department has the code {code!r}{hint}")


class ReportPathError(SubmissionError):
    """An error report or template cannot be written where it was asked to go."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"Cannot write {path}: {reason}.")


class InputFrameError(KpiError, ValueError):
    """A table handed to a KPI function lacks a column or holds rows it cannot use.

    The message names the table, the column, the offending rows (up to five) and the reason.
    """

    def __init__(
        self,
        frame: str,
        reason: str,
        *,
        column: str | None = None,
        rows: list[object] | tuple[object, ...] = (),
    ) -> None:
        where = frame
        if column is not None:
            where += f", column {column!r}"
        if rows:
            shown = ", ".join(str(row) for row in rows[:5])
            if len(rows) > 5:
                shown += f" and {len(rows) - 5} more"
            where += f", rows {shown}"
        super().__init__(f"Cannot use {where}: {reason}")


class ParameterError(KpiError, ValueError):
    """A KPI function was given a parameter value outside what it accepts."""


# --- Reports: parameters, batch runner, PDF (issue 5) ---------------------------------------


class ParameterFileError(KpiError):
    """Report parameter files (``parameters/``) are invalid; every problem is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in the report parameters "
            f"(run `kpi params check`):\n{listing}"
        )


class NotebookParametersError(KpiError):
    """A report notebook lacks a ``parameters`` cell or does not declare a parameter we pass."""

    def __init__(self, notebook: str, reason: str) -> None:
        super().__init__(f"Notebook {notebook}: {reason}")


class ReportBatchError(KpiError):
    """A report batch cannot start (no departments chosen, unknown department, bad option)."""


class ChromiumNotFoundError(KpiError):
    """PDF output was asked for but no Chromium executable is available."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"PDF output needs Chromium, but there is none at {path}. Install it "
            "(`apt-get install -y chromium`), point KPI_CHROMIUM at it, or leave pdf out of "
            "--format."
        )


# --- Dashboards and `kpi serve` (issue 6) ------------------------------------------------------


class DashboardParameterError(KpiError, ValueError):
    """A dashboard was asked for something that is not there (from the URL, a widget or a
    notebook parameter): every problem is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


# --- Views: the KPIs as shown (issue 21) -------------------------------------------------------


class FiscalYearNotFoundError(KpiError, LookupError):
    """A fiscal year that the database holds no data for."""

    def __init__(self, fiscal_year: str, known: Sequence[str]) -> None:
        self.fiscal_year = fiscal_year
        held = ", ".join(known) if known else "none"
        super().__init__(
            f"The database has no fiscal year {fiscal_year}; the fiscal years it holds: {held}."
        )


class UnknownDepartmentError(KpiError, LookupError):
    """A department code that is not in the database (or has no data in a view's year)."""

    def __init__(self, code: str, known: Sequence[str], fiscal_year: str | None = None) -> None:
        self.code = code
        if fiscal_year is None:
            what = f"No department has the code {code!r}"
        else:
            what = f"Department {code!r} has no figures for fiscal year {fiscal_year}"
        super().__init__(f"{what}; known codes: {', '.join(sorted(known))}")


class ServeError(KpiError):
    """``kpi serve`` cannot start as asked (unsafe address without a token, bad folder, port)."""
