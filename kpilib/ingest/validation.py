"""Check a read file against its return type's schema, without the database.

In order, every problem collected (never just the first):

1. the header: missing required columns (named: an error), unknown columns (a warning; they are
   ignored), a column named twice (an error);
2. each cell: read by its column's kind (:mod:`kpilib.ingest.cells`); a row with more cells than
   the header is an error;
3. the pandera model on the typed rows: blanks where a value is needed, negative amounts where
   impossible, words outside the allowed set;
4. duplicate keys inside the file (each repeat names the row it repeats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd
import pandera.pandas as pa

from kpilib.i18n import N_
from kpilib.ingest.cells import READERS, is_blank, show
from kpilib.ingest.reading import RawTable
from kpilib.ingest.report import ingest_problem
from kpilib.ingest.schemas import RETURN_SPECS, ReturnSpec
from kpilib.problems import Problem, Reason, name_some, said


@dataclass
class CheckedTable:
    """Typed rows (index = the sender's row number) and the issues found so far."""

    spec: ReturnSpec
    frame: pd.DataFrame
    issues: list[Problem] = field(default_factory=list)
    present: frozenset[str] = frozenset()  # schema columns present in the file

    def error(self, code: str, reason: str | Reason, row: int | None = None,
              column: str | None = None, value: object = None) -> None:  # fmt: skip
        """Record an error (problem ``code``, see ``docs/problems.md``) at a row and column."""
        self.issues.append(ingest_problem(code, "error", reason, row, column, _shown(value)))

    def warn(self, code: str, reason: str | Reason, row: int | None = None,
             column: str | None = None, value: object = None) -> None:  # fmt: skip
        """Record a warning (the return is still accepted)."""
        self.issues.append(ingest_problem(code, "warning", reason, row, column, _shown(value)))

    @property
    def error_rows(self) -> set[int]:
        return {
            i.where.row for i in self.issues if i.severity == "error" and i.where.row is not None
        }

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


def _shown(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and _is_na(value)):
        return None
    return show(value)


def detect_return_type(columns: list[str]) -> tuple[ReturnSpec | None, str]:
    """The return type whose required columns the header holds, or None and why not."""
    header = set(columns)
    complete = [s for s in RETURN_SPECS.values() if set(s.required_columns) <= header]
    if complete:  # the return type that explains most of the header
        scores = {s.return_type: len(set(s.column_names) & header) for s in complete}
        best_score = max(scores.values())
        complete = [s for s in complete if scores[s.return_type] == best_score]
    if len(complete) == 1:
        return complete[0], ""
    if len(complete) > 1:
        names = ", ".join(s.return_type for s in complete)
        return None, (
            f"the header fits several return types ({names}): say which return it is when "
            "sending it"
        )
    best = max(RETURN_SPECS.values(), key=lambda s: len(set(s.required_columns) & header))
    if not set(best.required_columns) & header:
        return None, (
            "the header names no known column, so the return type cannot be told: check the "
            "header row against the return's template, or say which return it is when sending it"
        )
    missing = [c for c in best.required_columns if c not in header]
    return None, (
        f"the return type cannot be told: the header is closest to {best.return_type} but lacks "
        f"{', '.join(missing)}: fix the header (the template has every column)"
    )


def check_table(raw: RawTable, spec: ReturnSpec) -> CheckedTable:
    """Header, cells, schema and duplicate-key checks of a read file (no database needed)."""
    checked = CheckedTable(spec, pd.DataFrame())
    if len(raw.rows) > spec.limits.rows:  # read before the return type was told from the header
        checked.error(
            "ingest.too-large",
            said(N_("the file has {rows} data rows, more than a {title} may hold ({limit})"),
                 rows=f"{len(raw.rows):,}", title=spec.title, limit=f"{spec.limits.rows:,}",
                 terms=["title"]),
        )  # fmt: skip
        return checked
    positions = _check_header(raw, spec, checked)
    checked.present = frozenset(positions)
    if checked.has_errors:
        return checked
    if not raw.rows:
        checked.error("ingest.empty", N_("has a header but no data rows: the file is empty"))
        return checked
    width = len(raw.columns)
    data: dict[str, list] = {c.name: [] for c in spec.columns}
    numbers = []
    for number, cells in raw.rows:
        numbers.append(number)
        extra = [c for c in cells[width:] if not is_blank(c)]
        if extra:
            checked.error(
                "ingest.stray-cells",
                said(N_("has {cells} cells but the header has {width} columns (a stray "
                        "delimiter or a column without a name?)"),
                     cells=width + len(extra), width=width),
                number,
            )  # fmt: skip
        for column in spec.columns:
            position = positions.get(column.name)
            raw_value = cells[position] if position is not None and position < len(cells) else None
            value, reason = READERS[column.kind](raw_value)
            if reason:
                checked.error("ingest.invalid-value", reason, number, column.name, raw_value)
            data[column.name].append(value)
    checked.frame = _typed_frame(spec, data, numbers)
    _check_schema(checked)
    _check_duplicates(checked)
    return checked


def _check_header(raw: RawTable, spec: ReturnSpec, checked: CheckedTable) -> dict[str, int]:
    positions: dict[str, int] = {}
    unknown = []
    for index, name in enumerate(raw.columns):
        if not name:
            if any(index < len(c) and not is_blank(c[index]) for _, c in raw.rows):
                checked.error(
                    "ingest.unnamed-column",
                    said(N_("column {n} has values but no name in the header"), n=index + 1),
                )
            continue
        if name in positions:
            checked.error(
                "ingest.duplicate-column",
                said(N_("column {name} appears twice in the header"), name=name),
                raw.header_row,
                name,
            )
            continue
        if name in spec.column_names:
            positions[name] = index
        else:
            unknown.append(name)
    missing = [c for c in spec.required_columns if c not in positions]
    if missing:
        checked.error(
            "ingest.missing-column",
            said(N_("missing required column(s) for a {return_type} return: {columns}"),
                 return_type=spec.return_type, columns=", ".join(missing)),
            raw.header_row,
        )  # fmt: skip
    if unknown:
        checked.warn(
            "ingest.unknown-column",
            said(N_("column(s) not part of a {return_type} return were ignored: {columns}"),
                 return_type=spec.return_type, columns=name_some(unknown)),
            raw.header_row,
        )  # fmt: skip
    return positions


_DTYPES = {"money": "Int64", "count": "Int64", "number": "float64"}


def _typed_frame(spec: ReturnSpec, data: dict[str, list], numbers: list[int]) -> pd.DataFrame:
    columns = {}
    for column in spec.columns:
        values = data[column.name]
        dtype = _DTYPES.get(column.kind)
        if dtype == "float64":
            values = [float("nan") if v is None else v for v in values]
        columns[column.name] = pd.Series(values, dtype=dtype or "str", index=numbers)
    frame = pd.DataFrame(columns)
    frame.index.name = "row"
    return frame


def _check_schema(checked: CheckedTable) -> None:
    """Run the pandera model on the typed rows; translate its failures (a cell that could not be
    read at all is not reported twice)."""
    unreadable = {
        (i.where.row, i.where.column) for i in checked.issues if i.where.column is not None
    }
    try:
        checked.spec.model.validate(checked.frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        for case in errors.failure_cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index):
                checked.error("ingest.invalid-value", f"{case.column}: {case.check}")
                continue
            if (int(case.index), str(case.column)) in unreadable:
                continue
            checked.error(
                "ingest.invalid-value",
                _plain(checked.spec, str(case.column), str(case.check)),
                int(case.index),
                str(case.column),
                None if _is_na(case.failure_case) else case.failure_case,
            )


def _is_na(value: object) -> bool:
    try:
        return bool(pd.isna(cast(Any, value)))
    except (TypeError, ValueError):
        return False


def _plain(spec: ReturnSpec, column: str, check: str) -> str | Reason:
    """pandera's check name in words the sender understands."""
    if check.startswith("not_nullable"):
        if spec.column(column).kind == "money":
            return N_("is empty: this amount is required (whole rupees; 0 if there is none)")
        return N_("is blank; a value is required")
    if check.startswith("greater_than_or_equal_to"):
        return N_("is negative; this amount cannot be below zero")
    if check.startswith("isin"):
        allowed = spec.column(column).choices
        return said(N_("is not allowed here: write one of {choices}"),
                    choices=", ".join(allowed))  # fmt: skip
    return said(N_("fails the check {check}"), check=check)


def _check_duplicates(checked: CheckedTable) -> None:
    key = list(checked.spec.key)
    frame = checked.frame
    if not key or frame.empty:
        return
    seen: dict[tuple, int] = {}
    for number, values in zip(frame.index, frame[key].itertuples(index=False), strict=True):
        if any(isinstance(v, str) and v == "" for v in values):
            continue
        marker = tuple(None if _is_na(v) else v for v in values)
        if any(v is None for v, name in zip(marker, key, strict=True) if name != "district_code"):
            continue  # an unreadable key cell is already an error
        if marker in seen:
            shown = ", ".join(
                f"{n}={'' if v is None else v}" for n, v in zip(key, marker, strict=True)
            )
            checked.error(
                "ingest.duplicate-row",
                said(N_("repeats row {row} ({key}): each key may appear once"),
                     row=seen[marker], key=shown),
                int(number),
            )  # fmt: skip
        else:
            seen[marker] = int(number)
