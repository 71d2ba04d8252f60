"""The portal's tables, in the one table model (:mod:`kpilib.present.tables`): every value
escaped, statuses as labelled badges, links only to pages of the portal's own folder. Headings
and status words are English here (``N_``) and shown in the request's language
(:func:`in_language`); codes, periods, dates and numbers keep their left-to-right order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from kpilib.i18n import DEFAULT_LANGUAGE, N_, _, current_language, isolate
from kpilib.portal.due import STATUS_COLOURS
from kpilib.portal.inbox import STATE_COLOURS, STATE_LABELS, Receipt
from kpilib.portal.preview import CHANGE_THRESHOLD, CHOICE_WORDS, COLUMN_LABELS, choice_columns
from kpilib.portal.web.base import pakistan_time
from kpilib.present.findings import finding_words, item_words, rule_words
from kpilib.present.formatting import format_date
from kpilib.present.tables import Column, ColumnKind, render_table
from kpilib.problems import shown_record_message

DUE_COLUMNS = [
    Column("title", N_("Return")),
    Column("period_code", N_("Period")),
    Column("due", N_("Due")),
    Column("colour", N_("Status"), "rag", label_key="status"),
    Column("days_overdue", N_("Days overdue"), "count"),
    Column("version", N_("Version"), "count"),
    Column("received", N_("Received")),
    Column("review", N_("Department's review")),
    Column("comment", N_("Department's comment")),
]
RECEIPT_COLUMNS = [
    Column("label", N_("Receipt"), "link", href_key="href"),
    Column("received", N_("Received")),
    Column("what", N_("Return")),
    Column("file_name", N_("File")),
    Column("colour", N_("Status"), "rag", label_key="state"),
]
PROBLEM_COLUMNS = [
    Column("row", N_("Row"), "count"),
    Column("column", N_("Column")),
    Column("value", N_("Value")),
    Column("severity", N_("Severity")),
    Column("reason", N_("What to correct")),
]
QUEUE_COLUMNS = [
    Column("select", N_("Approve"), "checkbox"),
    Column("return_no", N_("Return no."), "link", href_key="href"),
    Column("entity", N_("PSE")),
    Column("return_title", N_("Return")),
    Column("period_code", N_("Period")),
    Column("version", N_("Version"), "count"),
    Column("received", N_("Received")),
    Column("age_days", N_("Age (days)"), "count"),
    Column("warnings", N_("Warnings"), "count"),
    Column("colour", N_("Review"), "rag", label_key="state"),
]
WARNING_COLUMNS = [
    Column("severity", N_("Severity")),
    Column("rule", N_("Check")),
    Column("item", N_("Item")),
    Column("message", N_("Finding")),
]
REVIEW_COLOURS = {"approved": "green", "returned": "red", "reopened": "red", None: "grey"}
#: The words of a return's status (:data:`kpilib.portal.due.STATUS_COLOURS`) and review
#: (:data:`kpilib.portal.review.REVIEW_STATES`), as the tables show them.
STATUS_WORDS = {
    "received": N_("received"), "due": N_("due"), "late": N_("late"), "missing": N_("missing"),
    "returned for correction": N_("returned for correction"),
    "reopened for correction": N_("reopened for correction"), "approved": N_("approved"),
    "awaiting review": N_("awaiting review"),
}  # fmt: skip
#: A problem's or a warning's severity, as the tables show it.
SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "high": N_("high"),
                  "medium": N_("medium"), "low": N_("low"), "info": N_("info")}  # fmt: skip


def status_word(status: Any) -> Any:
    """A status or review (``missing``, ``approved``…) in the current language (None stays)."""
    if not isinstance(status, str):
        return status
    return _(STATUS_WORDS.get(status, status))


def severity_word(severity: Any) -> Any:
    """``error``, ``warning``, ``high``… in the current language."""
    if not isinstance(severity, str):
        return severity
    return _(SEVERITY_WORDS.get(severity, severity))


def in_language(columns: list[Column]) -> list[Column]:
    """``columns`` with their headings in the current language."""
    return [replace(column, label=_(column.label)) for column in columns]


def _isolated(values: Iterable[Any]) -> list[Any]:
    """Codes and periods kept left to right inside Urdu (missing values stay missing)."""
    return [isolate(v) if isinstance(v, str) and v else v for v in values]


def due_table(frame: pd.DataFrame) -> str:
    """The returns due of a PSE (:func:`kpilib.portal.due.returns_due`)."""
    frame = frame.assign(
        colour=frame["status"].map(STATUS_COLOURS),
        received=[pakistan_time(v) if not pd.isna(v) else "" for v in frame["received_at"]],
        due=[isolate(format_date(d)) for d in frame["due_date"]],
        title=[_(t) if isinstance(t, str) else t for t in frame["title"]],
        period_code=_isolated(frame["period_code"]),
        status=[status_word(v) for v in frame["status"]],
        review=[status_word(v) for v in frame["review"]],
    )
    return render_table(
        frame, in_language(DUE_COLUMNS), empty=_("No return is due yet."), scroll=True,
        stacked=True,
    )  # fmt: skip


def receipts_table(receipts: Sequence[Receipt], titles: Mapping[str, str]) -> str:
    """An officer's latest uploads, each linking to its receipt."""
    frame = pd.DataFrame(
        [{"label": r.label, "href": f"receipt?n={r.number}",
          "received": pakistan_time(r.received_at),
          "what": f"{_(titles.get(r.return_type, r.return_type))} {isolate(r.period_code)}",
          "file_name": isolate(r.file_name), "colour": STATE_COLOURS[r.state],
          "state": _(STATE_LABELS[r.state])} for r in receipts],
        columns=[c.key for c in RECEIPT_COLUMNS] + ["href", "state"],
    )  # fmt: skip
    frame["label"] = _isolated(frame["label"])
    return render_table(frame, in_language(RECEIPT_COLUMNS), scroll=True, stacked=True)


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
    """A receipt's problems as the page shows them (severities in the reader's language)."""
    shown = frame.assign(
        severity=[severity_word(v) for v in frame["severity"]],
        column=_isolated(frame["column"]), value=_isolated(frame["value"]),
    )  # fmt: skip
    return render_table(shown, in_language(PROBLEM_COLUMNS), max_rows=200, scroll=True,
                        stacked=True)  # fmt: skip


def preview_table(preview: Mapping[str, Any], return_type: str) -> str:
    """The figures beside the previous quarter's; large moves marked "check". A yearly return's
    rows as they are (:func:`kpilib.portal.preview.rows_preview`)."""
    if "rows" in preview:
        return rows_table(preview)
    kind: ColumnKind = "count" if return_type == "pse_financial" else "number"
    rupees = return_type == "pse_financial"
    previous = isolate(preview["previous_period"])
    columns = [
        Column("item", _("Figure")),
        Column("current", _("This return (Rs)") if rupees else _("This return"), kind),
        Column("previous", _("{period} (Rs)").format(period=previous) if rupees else previous,
               kind),
        Column("change", _("Change"), "share"),
        Column("colour", _("Look again?"), "rag", label_key="flag"),
    ]  # fmt: skip
    frame = pd.DataFrame(preview["figures"], columns=["item", "current", "previous", "change",
                                                      "flagged"])  # fmt: skip
    frame["colour"] = ["amber" if f else "green" for f in frame["flagged"]]
    frame["flag"] = [_("check") if f else _("ok") for f in frame["flagged"]]
    if rupees:  # a statement's lines (LINE_LABELS); a KPI return's items are codes and names
        frame["item"] = [_(item) if isinstance(item, str) else item for item in frame["item"]]
    return render_table(frame, columns, empty=_("No figure to compare."), scroll=True,
                        stacked=True)  # fmt: skip


def rows_table(preview: Mapping[str, Any]) -> str:
    """A yearly return's rows: one row read as "item: value" lines, several as a table."""
    names = list(preview["columns"])
    labels = [column_label(name) for name in names]
    choices = choice_columns()
    rows = [
        [_cell_word(value, choices.get(name, frozenset()))
         for name, value in zip(names, row, strict=True)]
        for row in preview["rows"]
    ]  # fmt: skip
    if len(rows) == 1:  # two narrow columns: they fit a phone as they are
        frame = pd.DataFrame({"item": labels, "value": rows[0]})
        columns = [Column("item", _("Item")), Column("value", _("In this return"))]
        return render_table(frame, columns, scroll=True)
    frame = pd.DataFrame(rows, columns=names)
    columns = [Column(n, label) for n, label in zip(names, labels, strict=True)]
    return render_table(frame, columns, empty=_("The file holds no row."), max_rows=500,
                        scroll=True, stacked=True)  # fmt: skip


#: Words of a column name written as the officer writes them.
LABEL_WORDS = {"ceo": "CEO", "cfo": "CFO", "agm": "AGM", "pct": "(%)", "id": "ID"}


def column_label(name: str) -> str:
    """``board_attendance_pct`` → "Board attendance (%)", ``ceo_since`` → "CEO since", in the
    current language (:data:`kpilib.portal.preview.COLUMN_LABELS`)."""
    if name in COLUMN_LABELS:
        return _(COLUMN_LABELS[name])
    words = [LABEL_WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _cell_word(value: Any, choices: frozenset[str]) -> Any:
    """A preview's cell in the current language: a choice of its column (yes / no, ``regular``,
    ``grant_in_aid``) in words (:data:`CHOICE_WORDS`); free text, codes, dates and numbers as
    typed, left to right inside Urdu."""
    if value in choices and value in CHOICE_WORDS and current_language() != DEFAULT_LANGUAGE:
        return _(CHOICE_WORDS[value])
    return isolate(value) if isinstance(value, str) and value else value


def queue_table(frame: pd.DataFrame, titles: Mapping[str, str], bulk: bool) -> str:
    """The reviewer's queue (or every return); with ``bulk`` a tick box for each return that
    is awaiting review and raises no warning."""
    frame = frame.assign(
        entity=[f"{isolate(c)} {n}" for c, n in zip(frame["entity_code"], frame["entity_name"],
                                                     strict=True)],
        return_title=[_(titles.get(t, t)) for t in frame["return_type"]],
        period_code=_isolated(frame["period_code"]),
        state=[status_word(v) for v in frame["state"]],
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
    columns = in_language(QUEUE_COLUMNS[:-1] if bulk else QUEUE_COLUMNS[1:])
    empty = _("No return is awaiting your review.") if bulk else _(
        "No return has been received yet.")  # fmt: skip
    return render_table(frame, columns, empty=empty, max_rows=500, scroll=True, stacked=True)


def warnings_table(frame: pd.DataFrame) -> str:
    """A return's data-quality warnings in the reader's language (severities, checks, items and
    findings; the findings' figures and codes left to right)."""
    shown = frame.assign(
        severity=[severity_word(v) for v in frame["severity"]],
        rule=[rule_words(v) for v in frame["rule"]],
        item=[item_words(v) for v in frame["item"]],
        message=[finding_words(str(v)) for v in frame["message"]],
    ) if len(frame) else frame  # fmt: skip
    return render_table(
        shown,
        in_language(WARNING_COLUMNS),
        empty=_("No data-quality warning."),
        scroll=True,
        stacked=True,
    )


def threshold_percent() -> str:
    return f"{CHANGE_THRESHOLD * 100:.0f}"
