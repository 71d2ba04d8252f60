"""Ingest one file: read, check, apply the database rules, then load it in one transaction.

A file with any error loads nothing and every error is reported at once; warnings never stop a
load. ``dry_run`` runs every check (the database rules included) and writes nothing; that a load
would be refused because the department has approved the return is a warning there (the file
itself is fine), an error when loading.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.errors import ApprovedReturnLockedError
from kpilib.i18n import N_
from kpilib.ingest.governance import GOVERNANCE_PREPARERS
from kpilib.ingest.loading import LoadResult, check_approval_lock, load_return
from kpilib.ingest.lookups import ReferenceLookup
from kpilib.ingest.reading import FileReadError, RawTable, max_file_bytes, read_file
from kpilib.ingest.report import FileOutcome, ingest_problem
from kpilib.ingest.rules import PREPARERS
from kpilib.ingest.schemas import (
    ANY_RETURN_LIMITS,
    RETURN_SPECS,
    ReturnLimits,
    ReturnSpec,
    spec_for,
)
from kpilib.ingest.scope import Declared
from kpilib.ingest.support import SUPPORT_PREPARERS
from kpilib.ingest.validation import CheckedTable, check_table, detect_return_type
from kpilib.problems import Problem, Severity, said
from kpilib.store.retry import call_with_retry, is_transient

#: Rows a dry run keeps in its outcome, for a preview.
PREVIEW_ROWS = 200
_log = logging.getLogger(__name__)
KNOWN_COLUMNS = frozenset(c for spec in RETURN_SPECS.values() for c in spec.column_names)


@dataclass(frozen=True)
class IngestOptions:
    """How to read and attribute the files of one ``kpi ingest`` run."""

    return_type: str | None = None
    entity: str | None = None
    department: str | None = None
    period: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    max_mb: float | None = None
    dry_run: bool = False
    #: When the file arrived, if before the load (the portal's receipt time): what timeliness
    #: counts. Default: the time of the load.
    received_at: datetime | None = None
    actor: str | None = None


def ingest_file(engine: Engine, path: Path, options: IngestOptions) -> FileOutcome:
    """Check ``path`` and, unless it has errors or this is a dry run, load it.

    Returns the file's :class:`FileOutcome` (status ``loaded``, ``unchanged``, ``valid`` for a
    clean dry run, or ``rejected``); problems with the file are issues in it, never exceptions.
    """
    outcome = FileOutcome(file=path.name)
    spec = spec_for(options.return_type) if options.return_type else None
    read = _read_and_check(path, spec, options, outcome)
    if read is None:
        return _finish(outcome)
    raw, spec, checked = read
    result = _prepare_and_load(engine, raw, spec, checked, options, outcome)
    if result is not None:
        _record_load(outcome, result)
    return _finish(outcome)


def _read_and_check(
    path: Path, spec: ReturnSpec | None, options: IngestOptions, outcome: FileOutcome
) -> tuple[RawTable, ReturnSpec, CheckedTable] | None:
    """Read the file, tell its return type (``spec`` None) and check its table; None when
    nothing is left to check against the database (the reasons are in ``outcome``)."""
    try:
        raw = read_file(
            path, max_bytes=max_file_bytes(options.max_mb), encoding=options.encoding,
            sheet=options.sheet, known_columns=KNOWN_COLUMNS,
            limits=spec.limits if spec else ANY_RETURN_LIMITS,
            what=f"a {spec.title}" if spec else "any return", limits_of_header=_limits_of_header,
        )  # fmt: skip
    except FileReadError as error:
        outcome.sheet = error.sheet
        outcome.issues.append(ingest_problem(error.code, "error", error.reason, error.row))
        return None
    except Exception as error:  # a reader's failure on input it did not foresee: still a message
        _log.exception("reading %s failed", path.name)
        template = N_("the file cannot be read: save it again as CSV (UTF-8) or XLSX from the "
                      "template and send it again")  # fmt: skip
        english = (f"the file cannot be read ({type(error).__name__}): save it again as CSV "
                   "(UTF-8) or XLSX from the template and send it again")  # fmt: skip
        outcome.issues.append(
            ingest_problem("ingest.unreadable", "error", said(template, english=english))
        )
        return None
    outcome.sheet = raw.sheet
    outcome.rows = len(raw.rows)
    outcome.issues.extend(ingest_problem("ingest.file-note", "warning", note) for note in raw.notes)
    if spec is None:
        spec, why = detect_return_type(raw.columns)
        if spec is None:
            outcome.issues.append(
                ingest_problem("ingest.unknown-return-type", "error", why, raw.header_row)
            )
            return None
    outcome.return_type = spec.return_type
    checked = check_table(raw, spec)
    if checked.frame.empty:
        outcome.issues.extend(checked.issues)
        return None
    return raw, spec, checked


def _limits_of_header(columns: list[str]) -> tuple[ReturnLimits, str]:
    """The limits of the return type a header tells (the widest when it tells none)."""
    spec, _ = detect_return_type(columns)
    return (spec.limits, f"a {spec.title}") if spec else (ANY_RETURN_LIMITS, "any return")


def _prepare_and_load(
    engine: Engine,
    raw: RawTable,
    spec: ReturnSpec,
    checked: CheckedTable,
    options: IngestOptions,
    outcome: FileOutcome,
) -> LoadResult | None:
    """Apply the database rules and, unless they found errors or this is a dry run, load the
    rows in one transaction; None when nothing was loaded (the reasons are in ``outcome``)."""
    declared = Declared(options.entity, options.department, options.period)
    kept = len(outcome.issues), len(checked.issues)

    def attempt() -> LoadResult | None:
        del outcome.issues[kept[0] :], checked.issues[kept[1] :]  # a retry starts afresh
        return _load_in_transaction(engine, raw, spec, checked, declared, options, outcome)

    try:
        return call_with_retry(attempt, what=f"loading {outcome.file}")
    except ApprovedReturnLockedError as locked:
        outcome.issues.append(_locked_problem(locked, "error"))
    except sa.exc.IntegrityError as error:
        reason = f"the database refused the rows ({_first_line(error)})"
        outcome.issues.append(ingest_problem("ingest.database-refused", "error", reason))
    except (sa.exc.OperationalError, sa.exc.InternalError) as error:
        if not is_transient(error):
            raise
        _log.warning("loading %s: the database stayed busy (%s)", outcome.file, _first_line(error))
        outcome.issues.append(ingest_problem("ingest.database-busy", "error", BUSY_MESSAGE))
    return None


#: What the sender reads when the database stayed busy through every retry.
BUSY_MESSAGE = (
    "the database was too busy to take the return just now; nothing was loaded and the file is "
    "kept: send it again in a few minutes"
)


def _first_line(error: sa.exc.DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else str(error)


def _load_in_transaction(
    engine: Engine,
    raw: RawTable,
    spec: ReturnSpec,
    checked: CheckedTable,
    declared: Declared,
    options: IngestOptions,
    outcome: FileOutcome,
) -> LoadResult | None:
    """One try: the database rules and, unless they found errors or this is a dry run, the load,
    all in one transaction."""
    with engine.connect() as connection, connection.begin() as transaction:
        prepare = {**PREPARERS, **GOVERNANCE_PREPARERS, **SUPPORT_PREPARERS}[spec.return_type]
        prepared = prepare(checked, ReferenceLookup(connection), declared)
        outcome.issues.extend(checked.issues)
        if prepared is not None:
            outcome.scope = prepared.scope_label
        if checked.has_errors or prepared is None:
            transaction.rollback()
            if not checked.has_errors:  # pragma: no cover - every None comes with an error
                outcome.issues.append(
                    ingest_problem(
                        "ingest.unattributed", "error", "the return could not be attributed"
                    )
                )
            return None
        if options.dry_run:
            locked = check_approval_lock(connection, prepared, raw)
            if locked is not None:
                outcome.issues.append(_locked_problem(locked, "warning"))
            transaction.rollback()
            outcome.status = "valid"
            outcome.detail = f"{len(prepared.rows):,} rows would be loaded"
            outcome.preview = prepared.rows[:PREVIEW_ROWS]
            return None
        return load_return(
            connection, prepared, raw, actor=options.actor, received_at=options.received_at
        )


def _locked_problem(locked: ApprovedReturnLockedError, severity: Severity) -> Problem:
    """The approval lock as the sender reads it: refused (a load) or would be (a dry run)."""
    if severity == "error":
        return ingest_problem("ingest.approved-locked", severity, locked.reason)
    reason = said(WOULD_BE_REFUSED, english=f"a load would be refused: {locked}",
                  **dict(locked.reason.params))  # fmt: skip
    return ingest_problem("ingest.approved-locked", severity, reason)


#: A dry run's warning that the load of a new version of an approved return would be refused.
WOULD_BE_REFUSED = N_("a load would be refused: this return (no. {number}) was approved by the "
                      "{department} on {date}: ask your reviewer to reopen it before you send a "
                      "correction")  # fmt: skip


def _record_load(outcome: FileOutcome, result: LoadResult) -> None:
    """Put what the load did in ``outcome``: status, submission, version and a short detail."""
    outcome.status = result.status
    outcome.submission_id = result.submission_id
    outcome.version = result.version
    outcome.supersedes_id = result.supersedes_id
    if result.status == "unchanged":
        outcome.detail = (
            f"the same file is already loaded (submission {result.submission_id}, version "
            f"{result.version}, by {result.submitted_by}); nothing changed"
        )
    elif result.supersedes_id is not None:
        outcome.detail = (
            f"version {result.version} supersedes submission {result.supersedes_id} "
            f"({result.rows_replaced:,} rows replaced)"
        )
    else:
        outcome.detail = "first version"


def _finish(outcome: FileOutcome) -> FileOutcome:
    outcome.issues = [
        dataclasses.replace(
            i, where=dataclasses.replace(i.where, file=outcome.file, sheet=outcome.sheet)
        )
        for i in outcome.issues
    ]
    if outcome.errors:
        outcome.status = "rejected"
    return outcome
