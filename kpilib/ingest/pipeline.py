"""Ingest one file: read, check, apply the database rules, then load it in one transaction.

A file with any error loads nothing and every error is reported at once; warnings never stop a
load. ``dry_run`` runs every check (the database rules included) and writes nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.ingest.loading import load_return
from kpilib.ingest.lookups import ReferenceLookup
from kpilib.ingest.reading import FileReadError, max_file_bytes, read_file
from kpilib.ingest.report import FileOutcome, Issue
from kpilib.ingest.rules import PREPARERS
from kpilib.ingest.schemas import RETURN_SPECS, spec_for
from kpilib.ingest.scope import Declared
from kpilib.ingest.validation import check_table, detect_return_type

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
    actor: str | None = None


def ingest_file(engine: Engine, path: Path, options: IngestOptions) -> FileOutcome:
    """Check ``path`` and, unless it has errors or this is a dry run, load it.

    Returns the file's :class:`FileOutcome` (status ``loaded``, ``unchanged``, ``valid`` for a
    clean dry run, or ``rejected``); problems with the file are issues in it, never exceptions.
    """
    outcome = FileOutcome(file=path.name)
    spec = spec_for(options.return_type) if options.return_type else None
    try:
        raw = read_file(
            path, max_bytes=max_file_bytes(options.max_mb), encoding=options.encoding,
            sheet=options.sheet, known_columns=KNOWN_COLUMNS,
        )  # fmt: skip
    except FileReadError as error:
        outcome.issues.append(Issue("error", f"the file {error}"))
        return _finish(outcome)
    outcome.sheet = raw.sheet
    outcome.rows = len(raw.rows)
    outcome.issues.extend(Issue("warning", note) for note in raw.notes)
    if spec is None:
        spec, why = detect_return_type(raw.columns)
        if spec is None:
            outcome.issues.append(Issue("error", why, raw.header_row))
            return _finish(outcome)
    outcome.return_type = spec.return_type
    checked = check_table(raw, spec)
    if checked.frame.empty:
        outcome.issues.extend(checked.issues)
        return _finish(outcome)
    declared = Declared(options.entity, options.department, options.period)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            prepared = PREPARERS[spec.return_type](checked, ReferenceLookup(connection), declared)
            outcome.issues.extend(checked.issues)
            if prepared is not None:
                outcome.scope = prepared.scope_label
            if checked.has_errors or prepared is None:
                transaction.rollback()
                if not checked.has_errors:  # pragma: no cover - every None comes with an error
                    outcome.issues.append(Issue("error", "the return could not be attributed"))
                return _finish(outcome)
            if options.dry_run:
                transaction.rollback()
                outcome.status = "valid"
                outcome.detail = f"{len(prepared.rows):,} rows would be loaded"
                return _finish(outcome)
            result = load_return(connection, prepared, raw, actor=options.actor)
    except sa.exc.IntegrityError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        outcome.issues.append(Issue("error", f"the database refused the rows ({reason})"))
        return _finish(outcome)
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
    return _finish(outcome)


def _finish(outcome: FileOutcome) -> FileOutcome:
    outcome.issues = [
        dataclasses.replace(i, file=outcome.file, sheet=outcome.sheet) for i in outcome.issues
    ]
    if outcome.errors:
        outcome.status = "rejected"
    return outcome
