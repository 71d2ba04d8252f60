"""The names of departments and PSEs, in English and in Urdu: a reference-data file.

``kpi names export FILE`` writes every department and PSE (``kind``, ``code``, ``name``,
``name_ur``); the file is edited (in Excel or as CSV, UTF-8) and read back with
``kpi names load FILE``. Only ``code`` is required: a ``name`` column renames in English (a
blank cell keeps the name), a ``name_ur`` column sets the Urdu name (a blank cell removes it,
and the English name is shown in Urdu editions). Codes are never created here; an unknown
code is an error. Every problem names the file, the row and the column; a file with any error
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kpilib.i18n.names import urdu_name_problem
from kpilib.ingest.cells import is_blank, show
from kpilib.ingest.reading import FileReadError, max_file_bytes, read_file
from kpilib.ingest.report import ingest_problem
from kpilib.ingest.schemas import ReturnLimits
from kpilib.problems import Problem, Where, name_some
from kpilib.store.writes import record_audit, table

#: The columns of a names file; ``kind`` (department or pse) is written for people, ignored
#: when read (codes of departments and PSEs do not overlap).
NAMES_COLUMNS = ("kind", "code", "name", "name_ur")
#: A names file's size: a few hundred departments and PSEs.
NAMES_LIMITS = ReturnLimits(rows=5_000, unpacked_mb=20, columns=16)
ENGLISH_NAME_MAX = {"departments": 200, "entities": 300}


@dataclass
class NamesOutcome:
    """What a names file changed (or, with errors, would have): rows per table, and problems."""

    file: str
    rows: int = 0
    changed: dict[str, int] = field(default_factory=dict)
    issues: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [i for i in self.issues if i.severity == "error"]


@dataclass(frozen=True)
class _Change:
    table: str
    code: str
    values: dict[str, str | None]


def export_names(connection: Connection) -> pd.DataFrame:
    """Every department and PSE with its English and Urdu names (:data:`NAMES_COLUMNS`)."""
    frames = []
    for kind, name in (("department", "departments"), ("pse", "entities")):
        t = table(name)
        query = sa.select(t.c.code, t.c.name, t.c.name_ur).order_by(t.c.code)
        rows = connection.execute(query).all()
        frames.append(pd.DataFrame([(kind, *r) for r in rows], columns=list(NAMES_COLUMNS)))
    return pd.concat(frames, ignore_index=True)


def load_names(engine: Engine, path: Path, *, dry_run: bool = False,
               actor: str | None = None) -> NamesOutcome:  # fmt: skip
    """Check ``path`` and, when it has no error and ``dry_run`` is false, write its names."""
    outcome = NamesOutcome(file=path.name, dry_run=dry_run)
    try:
        raw = read_file(path, max_bytes=max_file_bytes(), limits=NAMES_LIMITS,
                        what="a names file", known_columns=frozenset(NAMES_COLUMNS))  # fmt: skip
    except FileReadError as error:
        outcome.issues.append(ingest_problem(error.code, "error", error.reason, error.row))
        return _placed(outcome)
    positions = {c: i for i, c in enumerate(raw.columns) if c in NAMES_COLUMNS}
    outcome.rows = len(raw.rows)
    if not _header_ok(outcome, positions, raw.columns, raw.header_row):
        return _placed(outcome)
    with engine.connect() as connection:
        known = _known_codes(connection)
    changes = _changes(outcome, raw.rows, positions, known)
    if outcome.errors or dry_run:
        return _placed(outcome)
    with engine.begin() as connection:
        for change in changes:
            t = table(change.table)
            connection.execute(t.update().where(t.c.code == change.code).values(change.values))
            outcome.changed[change.table] = outcome.changed.get(change.table, 0) + 1
        record_audit(connection, "names.load", table_name="departments,entities",
                     row_count=len(changes), actor=actor,
                     details={"file": path.name, "changed": outcome.changed})  # fmt: skip
    return _placed(outcome)


def _placed(outcome: NamesOutcome) -> NamesOutcome:
    """Every problem with the file's name (the sender's one-line messages name it)."""
    outcome.issues = [
        Problem(p.code, p.severity, p.message, Where(file=outcome.file, row=p.where.row,
                column=p.where.column), p.value)
        for p in outcome.issues
    ]  # fmt: skip
    return outcome


def _header_ok(outcome: NamesOutcome, positions: dict[str, int], columns: list[str],
               header_row: int) -> bool:  # fmt: skip
    add = outcome.issues.append
    if "code" not in positions:
        add(ingest_problem("ingest.missing-column", "error",
                           "missing required column: code", header_row))  # fmt: skip
    elif not {"name", "name_ur"} & set(positions):
        add(
            ingest_problem(
                "ingest.missing-column",
                "error",
                "the file has no name column: add name or name_ur",
                header_row,
            )
        )
    unknown = [c for c in columns if c and c not in NAMES_COLUMNS]
    if unknown:
        add(ingest_problem("ingest.unknown-column", "warning",
                           f"column(s) not part of a names file were ignored: "
                           f"{name_some(unknown)}", header_row))  # fmt: skip
    if not outcome.rows:
        add(ingest_problem("ingest.empty", "error",
                           "has a header but no data rows: the file is empty"))  # fmt: skip
    return not outcome.errors


def _known_codes(connection: Connection) -> dict[str, str]:
    """Every code of a department or PSE and its table."""
    known = {}
    for name in ("departments", "entities"):
        t = table(name)
        known.update({code: name for code in connection.execute(sa.select(t.c.code)).scalars()})
    return known


def _cell(cells: list[Any], positions: dict[str, int], column: str) -> Any:
    index = positions.get(column)
    return cells[index] if index is not None and index < len(cells) else None


def _changes(outcome: NamesOutcome, rows: list[tuple[int, list[Any]]],
             positions: dict[str, int], known: dict[str, str]) -> list[_Change]:  # fmt: skip
    changes: list[_Change] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        raw_code = _cell(cells, positions, "code")
        code = "" if is_blank(raw_code) else str(raw_code).strip().upper()
        if not code or code not in known:
            reason = (
                "is blank; a code is required"
                if not code
                else ("is not a department or PSE code the database knows")
            )
            outcome.issues.append(ingest_problem("ingest.unknown-code", "error", reason,
                                                 number, "code", show(raw_code)))  # fmt: skip
            continue
        if code in seen:
            outcome.issues.append(
                ingest_problem(
                    "ingest.duplicate-row",
                    "error",
                    f"repeats row {seen[code]} (code={code}): each code may appear once",
                    number,
                )
            )
            continue
        seen[code] = number
        values = _row_values(outcome, number, cells, positions, known[code])
        if values:
            changes.append(_Change(known[code], code, values))
    return changes


def _row_values(outcome: NamesOutcome, number: int, cells: list[Any],
                positions: dict[str, int], table_name: str) -> dict[str, str | None]:  # fmt: skip
    values: dict[str, str | None] = {}
    if "name" in positions:
        english = _cell(cells, positions, "name")
        text = "" if is_blank(english) else " ".join(str(english).split())
        limit = ENGLISH_NAME_MAX[table_name]
        if len(text) > limit:
            outcome.issues.append(ingest_problem(
                "ingest.invalid-value", "error",
                f"is {len(text)} characters long; a name may have at most {limit}",
                number, "name", show(english)))  # fmt: skip
        elif text:
            values["name"] = text
    if "name_ur" in positions:
        urdu = _cell(cells, positions, "name_ur")
        if is_blank(urdu):
            values["name_ur"] = None
        else:
            text = " ".join(str(urdu).split())
            reason = urdu_name_problem(text)
            if reason:
                outcome.issues.append(ingest_problem("ingest.invalid-value", "error", reason,
                                                     number, "name_ur", show(urdu)))  # fmt: skip
            else:
                values["name_ur"] = text
    return values
