"""The portal's tables, in the one table model (:mod:`kpilib.present.tables`): every value
escaped, statuses as labelled badges, links only to pages of the portal's own folder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from kpilib.portal.due import STATUS_COLOURS
from kpilib.portal.inbox import STATE_COLOURS, STATE_LABELS, Receipt
from kpilib.portal.preview import CHANGE_THRESHOLD
from kpilib.portal.web.base import pakistan_time
from kpilib.present.formatting import format_date
from kpilib.present.tables import Column, ColumnKind, render_table
from kpilib.problems import shown_record_message

DUE_COLUMNS = [
    Column("title", "Return"),
    Column("period_code", "Period"),
    Column("due", "Due"),
    Column("colour", "Status", "rag", label_key="status"),
    Column("days_overdue", "Days overdue", "count"),
    Column("version", "Version", "count"),
    Column("received", "Received"),
    Column("review", "Department's review"),
    Column("comment", "Department's comment"),
]
RECEIPT_COLUMNS = [
    Column("label", "Receipt", "link", href_key="href"),
    Column("received", "Received"),
    Column("what", "Return"),
    Column("file_name", "File"),
    Column("colour", "Status", "rag", label_key="state"),
]
PROBLEM_COLUMNS = [
    Column("row", "Row", "count"),
    Column("column", "Column"),
    Column("value", "Value"),
    Column("severity", "Severity"),
    Column("reason", "What to correct"),
]
QUEUE_COLUMNS = [
    Column("select", "Approve", "checkbox"),
    Column("return_no", "Return no.", "link", href_key="href"),
    Column("entity", "PSE"),
    Column("return_title", "Return"),
    Column("period_code", "Period"),
    Column("version", "Version", "count"),
    Column("received", "Received"),
    Column("age_days", "Age (days)", "count"),
    Column("warnings", "Warnings", "count"),
    Column("colour", "Review", "rag", label_key="state"),
]
WARNING_COLUMNS = [
    Column("severity", "Severity"),
    Column("rule", "Check"),
    Column("item", "Item"),
    Column("message", "Finding"),
]
REVIEW_COLOURS = {"approved": "green", "returned": "red", "reopened": "red", None: "grey"}


def due_table(frame: pd.DataFrame) -> str:
    """The returns due of a PSE (:func:`kpilib.portal.due.returns_due`)."""
    frame = frame.assign(
        colour=frame["status"].map(STATUS_COLOURS),
        received=[pakistan_time(v) if not pd.isna(v) else "" for v in frame["received_at"]],
        due=[format_date(d) for d in frame["due_date"]],
    )
    return render_table(
        frame, DUE_COLUMNS, empty="No return is due yet.", scroll=True, stacked=True
    )


def receipts_table(receipts: Sequence[Receipt], titles: Mapping[str, str]) -> str:
    """An officer's latest uploads, each linking to its receipt."""
    frame = pd.DataFrame(
        [{"label": r.label, "href": f"receipt?n={r.number}",
          "received": pakistan_time(r.received_at),
          "what": f"{titles.get(r.return_type, r.return_type)} {r.period_code}",
          "file_name": r.file_name, "colour": STATE_COLOURS[r.state],
          "state": STATE_LABELS[r.state]} for r in receipts],
        columns=[c.key for c in RECEIPT_COLUMNS] + ["href", "state"],
    )  # fmt: skip
    return render_table(frame, RECEIPT_COLUMNS, scroll=True, stacked=True)


def problems_frame(problems: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A receipt's problems, errors first, as the page shows and downloads them."""
    frame = pd.DataFrame(
        [{"row": p.get("row"), "column": p.get("column"), "value": p.get("value"),
          "severity": p.get("severity"), "reason": shown_record_message(p)} for p in problems],
        columns=["row", "column", "value", "severity", "reason"],
    )  # fmt: skip
    frame["row"] = frame["row"].astype("Int64")
    order = frame["severity"].ne("error")
    return frame.assign(_o=order).sort_values(["_o", "row"], kind="stable").drop(columns="_o")


def problems_table(frame: pd.DataFrame) -> str:
    return render_table(frame, PROBLEM_COLUMNS, max_rows=200, scroll=True, stacked=True)


def preview_table(preview: Mapping[str, Any], return_type: str) -> str:
    """The figures beside the previous quarter's; large moves marked "check". A yearly return's
    rows as they are (:func:`kpilib.portal.preview.rows_preview`)."""
    if "rows" in preview:
        return rows_table(preview)
    kind: ColumnKind = "count" if return_type == "pse_financial" else "number"
    unit = " (Rs)" if return_type == "pse_financial" else ""
    columns = [
        Column("item", "Figure"),
        Column("current", f"This return{unit}", kind),
        Column("previous", f"{preview['previous_period']}{unit}", kind),
        Column("change", "Change", "share"),
        Column("colour", "Look again?", "rag", label_key="flag"),
    ]
    frame = pd.DataFrame(preview["figures"], columns=["item", "current", "previous", "change",
                                                      "flagged"])  # fmt: skip
    frame["colour"] = ["amber" if f else "green" for f in frame["flagged"]]
    frame["flag"] = ["check" if f else "ok" for f in frame["flagged"]]
    return render_table(frame, columns, empty="No figure to compare.", scroll=True, stacked=True)


def rows_table(preview: Mapping[str, Any]) -> str:
    """A yearly return's rows: one row read as "item: value" lines, several as a table."""
    names = list(preview["columns"])
    labels = [column_label(name) for name in names]
    rows = preview["rows"]
    if len(rows) == 1:  # two narrow columns: they fit a phone as they are
        frame = pd.DataFrame({"item": labels, "value": rows[0]})
        columns = [Column("item", "Item"), Column("value", "In this return")]
        return render_table(frame, columns, scroll=True)
    frame = pd.DataFrame(rows, columns=names)
    columns = [Column(n, label) for n, label in zip(names, labels, strict=True)]
    return render_table(frame, columns, empty="The file holds no row.", max_rows=500,
                        scroll=True, stacked=True)  # fmt: skip


#: Words of a column name written as the officer writes them.
LABEL_WORDS = {"ceo": "CEO", "cfo": "CFO", "agm": "AGM", "pct": "(%)", "id": "ID"}


def column_label(name: str) -> str:
    """``board_attendance_pct`` → "Board attendance (%)", ``ceo_since`` → "CEO since"."""
    words = [LABEL_WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def queue_table(frame: pd.DataFrame, titles: Mapping[str, str], bulk: bool) -> str:
    """The reviewer's queue (or every return); with ``bulk`` a tick box for each return that
    is awaiting review and raises no warning."""
    frame = frame.assign(
        entity=frame["entity_code"] + " " + frame["entity_name"],
        return_title=[titles.get(t, t) for t in frame["return_type"]],
        received=[pakistan_time(v) for v in frame["received_at"]],
        colour=[REVIEW_COLOURS[d] for d in frame["decision"]],
        return_no=frame["submission_id"].astype(str),
        href=[f"return?id={i}" for i in frame["submission_id"]],
        # The tick box's value: the return's number (none: no tick box).
        select=pd.Series(
            [str(int(i)) if bulk and d is None and not w else None
             for i, d, w in zip(frame["submission_id"], frame["decision"], frame["warnings"],
                                strict=True)],
            index=frame.index, dtype=object,
        ),
    )  # fmt: skip
    # The queue holds returns awaiting review only: no review column; every return: no ticks.
    columns = QUEUE_COLUMNS[:-1] if bulk else QUEUE_COLUMNS[1:]
    empty = "No return is awaiting your review." if bulk else "No return has been received yet."
    return render_table(frame, columns, empty=empty, max_rows=500, scroll=True, stacked=True)


def warnings_table(frame: pd.DataFrame) -> str:
    return render_table(
        frame, WARNING_COLUMNS, empty="No data-quality warning.", scroll=True, stacked=True
    )


def threshold_percent() -> str:
    return f"{CHANGE_THRESHOLD * 100:.0f}"
