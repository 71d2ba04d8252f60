"""Return templates, generated from the return's pandera schema: the header row and one row
(CSV), plus an instructions sheet (XLSX).

* The **blank** template (``kpi template RETURN_TYPE``) carries an example row, clearly marked as
  one in the XLSX (grey italic, a note on its first cell, the instructions' first line).
* A **pre-filled** template (:class:`TemplateFor`: ``kpi template RETURN_TYPE --entity CODE
  --period 2025-26Q2``, or a portal page for its PSE) is the officer's own row: the PSE's (or
  department's) code and the period filled in, every amount empty (never 0, never an example
  figure), the other descriptive columns from the example. Edited only in its amounts, it loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kpilib.errors import FiscalPeriodError
from kpilib.fiscal import Period
from kpilib.ingest.reading import INSTRUCTIONS_SHEET
from kpilib.ingest.schemas import ColumnSpec, ReturnSpec, render_schema_markdown, spec_for
from kpilib.present.export import write_csv, write_xlsx

TEMPLATE_FORMATS = ("csv", "xlsx", "md")
AMOUNT_KINDS = ("money", "number", "count")
SENDER_COLUMNS = {"entity": "entity_code", "department": "department_code"}
EXAMPLE_NOTE = "Example row: replace it with your own figures (keep the header row as it is)."


@dataclass(frozen=True)
class TemplateFor:
    """Whom a pre-filled template is for: the sender's code (a PSE's for a PSE return, a
    department's for a department return) and the period its return covers (a fiscal quarter
    such as ``2025-26Q2`` for a quarterly PSE return, a fiscal year such as ``2025-26`` for a
    yearly one: a department's, or the PSE governance returns); either may be None (left as in
    the example)."""

    sender: str | None = None
    period: str | None = None

    def checked(self, spec: ReturnSpec) -> TemplateFor:
        """The same, normalised (code in capitals, period in its canonical form);
        :class:`~kpilib.errors.FiscalPeriodError` for a period of the wrong kind."""
        period = None
        if self.period is not None:
            parsed = Period.parse(self.period.strip())
            wanted = spec.period_kind
            if parsed.kind != wanted:
                raise FiscalPeriodError(
                    f"period {self.period!r}: a {spec.title} covers a fiscal {wanted}, e.g. "
                    f"{'2025-26Q2' if wanted == 'quarter' else '2025-26'}"
                )
            period = parsed.code
        sender = self.sender.strip().upper() if self.sender else None
        return TemplateFor(sender, period)


def template_frame(spec: ReturnSpec, target: TemplateFor | None = None) -> pd.DataFrame:
    """The template's data sheet: every column and one row, the example (amounts as numbers)
    or, for a ``target``, the target's row (code and period filled, amounts empty)."""
    if target is None:
        row = [_example(column) for column in spec.columns]
    else:
        target = target.checked(spec)
        row = [_prefilled(spec, column, target) for column in spec.columns]
    return pd.DataFrame([row], columns=list(spec.column_names))


def _example(column: ColumnSpec) -> Any:
    kinds = {"money": int, "count": int, "number": float}
    return kinds.get(column.kind, str)(column.example) if column.example else None


def _prefilled(spec: ReturnSpec, column: ColumnSpec, target: TemplateFor) -> Any:
    if column.kind in AMOUNT_KINDS or not column.prefill:
        return None
    if column.name == SENDER_COLUMNS[spec.sender] and target.sender:
        return target.sender
    if column.kind == "period" and target.period:
        if spec.sender == "entity":
            return target.period
        return target.period + column.example[len(target.period) :]  # 2025-26 + M01
    return column.example or None


def instructions_frame(spec: ReturnSpec, target: TemplateFor | None = None) -> pd.DataFrame:
    """The instructions sheet: what the return is, how to fill it, and each column's rules."""
    sender = "PSE" if spec.sender == "entity" else "department"
    lines = [
        (spec.title, "", "", "", ""),
        (_first_line(spec, target), "", "", "", ""),
        (f"One file covers one {sender} and one fiscal {spec.period_kind}; keep the header row as "
         "it is.", "", "", "", ""),
        (_WHO_AND_WHEN[spec.sender], "", "", "", ""),
        ("Amounts are whole rupees (no decimals); a blank released/expended/receipts/actual cell "
         "means not yet reported (never write 0 for that).", "", "", "", ""),
        ("", "", "", "", ""),
        ("Column", "Required", "Type", "Rule", "Meaning"),
    ]  # fmt: skip
    for column in spec.columns:
        rule = []
        if column.non_negative:
            rule.append(">= 0")
        if column.choices:
            rule.append(" / ".join(column.choices))
        if not column.nullable:
            rule.append("not blank")
        lines.append((column.name, "yes" if column.required else "no", column.kind,
                      ", ".join(rule), column.description))  # fmt: skip
    return pd.DataFrame(lines, columns=["A", "B", "C", "D", "E"])


#: How to say who the return is for and which period it covers, per sender.
_WHO_AND_WHEN = {
    "entity": "Write your PSE's code (e.g. UNI-001) in entity_code and the quarter the return "
    "covers (e.g. 2024-25Q1) in period; where your portal page already says which PSE and quarter "
    "you send it for, they may be left blank.",
    "department": "Write your department's code (e.g. HLT) in department_code, and each row's "
    "month (e.g. 2024-25M01 for July) or period; one file covers one fiscal year.",
}


def _first_line(spec: ReturnSpec, target: TemplateFor | None) -> str:
    if target is None:
        return (
            f"The grey row of the {spec.return_type} sheet is an EXAMPLE: replace it with your "
            "own row(s)."
        )
    target = target.checked(spec)
    who = f" for {target.sender}" if target.sender else ""
    when = f", {target.period}" if target.period else ""
    return (
        f"This template is filled in{who}{when}: write your figures in the empty amount cells "
        "(add a row for each further line of the return)."
    )


def write_template(
    return_type: str, file_format: str, out: Path, target: TemplateFor | None = None
) -> Path:
    """Write the template of ``return_type`` as ``csv``, ``xlsx`` or ``md`` (the README table):
    the blank one with its example row, or one pre-filled for ``target``."""
    spec = spec_for(return_type)
    if file_format == "csv":
        return write_csv(template_frame(spec, target), out)
    if file_format == "xlsx":
        write_xlsx({spec.return_type: template_frame(spec, target)}, out)
        _finish_workbook(out, spec, target)
        return out
    if file_format == "md":
        out.write_text(render_schema_markdown(spec) + "\n", encoding="utf-8")
        return out
    raise ValueError(f"format must be one of {', '.join(TEMPLATE_FORMATS)}, not {file_format!r}")


def _finish_workbook(path: Path, spec: ReturnSpec, target: TemplateFor | None) -> None:
    """Add the instructions sheet and, in a blank template, mark the example row as one."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from kpilib.present.export import neutralise_cell

    workbook = load_workbook(path)
    if target is None:
        data = workbook[spec.return_type]
        for cell in data[2]:
            cell.font = Font(italic=True, color="666666")
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
        data["A2"].comment = Comment(EXAMPLE_NOTE, "kpi-suite")
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for row in instructions_frame(spec, target).itertuples(index=False):
        sheet.append([neutralise_cell(v) if v else None for v in row])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["E"].width = 80
    workbook.save(path)
