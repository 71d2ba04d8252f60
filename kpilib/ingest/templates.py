"""Blank return templates: the header row and one example row (CSV), plus an instructions
sheet (XLSX), generated from the return's pandera schema."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpilib.ingest.reading import INSTRUCTIONS_SHEET
from kpilib.ingest.schemas import ReturnSpec, render_schema_markdown, spec_for
from kpilib.present.export import write_csv, write_xlsx

TEMPLATE_FORMATS = ("csv", "xlsx", "md")


def template_frame(spec: ReturnSpec) -> pd.DataFrame:
    """The template's data sheet: every column and one example row (amounts as numbers)."""
    kinds = {"money": int, "number": float}
    row = [kinds.get(c.kind, str)(c.example) if c.example else None for c in spec.columns]
    return pd.DataFrame([row], columns=list(spec.column_names))


#: How to say who the return is for and which period it covers, per sender.
_WHO_AND_WHEN = {
    "entity": "Write your PSE's code (e.g. UNI-001) in entity_code and the quarter the return "
    "covers (e.g. 2024-25Q1) in period; where your portal page already says which PSE and quarter "
    "you send it for, they may be left blank.",
    "department": "Write your department's code (e.g. HLT) in department_code, and each row's "
    "month (e.g. 2024-25M01 for July) or period; one file covers one fiscal year.",
}


def instructions_frame(spec: ReturnSpec) -> pd.DataFrame:
    """The instructions sheet: what the return is, how to fill it, and each column's rules."""
    sender = "PSE" if spec.sender == "entity" else "department"
    lines = [
        (spec.title, "", "", "", ""),
        (f"One file covers one {sender} and one fiscal {spec.period_kind}. Replace the example "
         f"row with your data; keep the header row as it is.", "", "", "", ""),
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


def write_template(return_type: str, file_format: str, out: Path) -> Path:
    """Write the template of ``return_type`` as ``csv``, ``xlsx`` or ``md`` (the README table)."""
    spec = spec_for(return_type)
    if file_format == "csv":
        return write_csv(template_frame(spec), out)
    if file_format == "xlsx":
        write_xlsx({spec.return_type: template_frame(spec)}, out)
        _append_instructions(out, instructions_frame(spec))
        return out
    if file_format == "md":
        out.write_text(render_schema_markdown(spec) + "\n", encoding="utf-8")
        return out
    raise ValueError(f"format must be one of {', '.join(TEMPLATE_FORMATS)}, not {file_format!r}")


def _append_instructions(path: Path, frame: pd.DataFrame) -> None:
    from openpyxl import load_workbook

    from kpilib.present.export import neutralise_cell

    workbook = load_workbook(path)
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for row in frame.itertuples(index=False):
        sheet.append([neutralise_cell(v) if v else None for v in row])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["E"].width = 80
    workbook.save(path)
