"""The portal pages' widgets: the PSE's submission page and the department's review page.

The notebooks call :func:`submission_page` / :func:`review_page` with the request's query
string. The token in it is checked (:func:`kpilib.portal.access.check_token`) before any data is
read; without a valid token the page is :func:`no_access_html` alone: no data, no upload
control. The pages write through the writer URL (:func:`kpilib.store.database.writer_url`), which
``kpi serve --portal`` gives to the portal's kernels only.

Every value that reaches HTML is escaped; downloads are ``data:`` links (the error table through
:func:`kpilib.present.export.encode_csv`, safe from formula injection).
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any, SupportsInt, cast

import ipywidgets as widgets
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from kpilib.dashboards.html import (
    render_as_of,
    render_download,
    render_header,
    render_messages,
    render_page_table,
    render_table_with_download,
)
from kpilib.errors import KpiError
from kpilib.fiscal import PAKISTAN_TIME, pakistan_today
from kpilib.ingest.report import FileOutcome
from kpilib.ingest.schemas import spec_for
from kpilib.ingest.status import resolve_as_of
from kpilib.kpis.returns import RETURN_SCHEDULES, ReturnSchedule
from kpilib.portal.access import Access, check_token, token_from_query
from kpilib.portal.due import STATUS_COLOURS, ended_quarters, returns_due
from kpilib.portal.review import decide, department_returns, reopen
from kpilib.portal.submit import data_uri, error_table, submit_upload, template_bytes
from kpilib.present.tables import Column
from kpilib.store.database import connect, writer_url
from kpilib.store.writes import is_demo, read_dataset_info

NO_ACCESS_TITLE = "No access"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DUE_COLUMNS = [
    Column("title", "Return"),
    Column("period_code", "Quarter"),
    Column("due_date", "Due"),
    Column("colour", "Status", "rag", label_key="status"),
    Column("days_overdue", "Days overdue", "count"),
    Column("version", "Version", "count"),
    Column("received", "Received"),
    Column("review", "Review"),
    Column("comment", "Department's comment"),
]
ERROR_COLUMNS = [
    Column("row", "Row", "count"),
    Column("column", "Column"),
    Column("value", "Value"),
    Column("severity", "Severity"),
    Column("reason", "Reason"),
]
REVIEW_COLUMNS = [
    Column("return_no", "Return no."),
    Column("entity", "PSE"),
    Column("return_title", "Return"),
    Column("period_code", "Quarter"),
    Column("version", "Version", "count"),
    Column("received", "Received"),
    Column("colour", "Review", "rag", label_key="state"),
    Column("comment", "Comment"),
]


def no_access_html() -> str:
    """The whole page for a missing, wrong, revoked or expired link: nothing else is shown."""
    return (
        '<div class="kpi-portal-denied">'
        + render_header(
            NO_ACCESS_TITLE,
            "This link does not give access to the portal. It may be mistyped, expired or "
            "revoked. Ask the Finance Department's Corporate Governance Unit for a new link.",
        )
        + "</div>"
    )


def open_portal_engine() -> Engine:
    """The portal's database connection, through the writer URL."""
    return connect(writer_url())


def _html(name: str, value: str = "") -> widgets.HTML:
    panel = widgets.HTML(value)
    panel.add_class(f"kpi-{name}")
    return panel


def _page(children: list[widgets.Widget], name: str) -> widgets.VBox:
    box = widgets.VBox(children)
    box.add_class("kpi-dash")
    box.add_class(f"kpi-portal-{name}")
    return box


def _denied() -> widgets.VBox:
    return _page([_html("portal-message", no_access_html())], "denied")


def _authorise(engine: Engine, query_string: str | None, kind: str) -> Access | None:
    with engine.connect() as connection:
        return check_token(connection, token_from_query(query_string), kind)


def _when(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    moment = pd.Timestamp(value)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment
    # Pakistan time, the time zone of the due dates the statuses beside it are judged by.
    return moment.tz_convert(PAKISTAN_TIME).strftime("%d %b %Y %H:%M PKT")


def portal_as_of(connection: Connection) -> date:
    """The portal's "today": the real date in Pakistan, or the data's as-of date when that is
    later (returns arrive now, so a demo's earlier as-of date would hide them)."""
    return max(resolve_as_of(connection, None), pakistan_today())


def _banner(engine: Engine) -> tuple[str, date]:
    with engine.connect() as connection:
        as_of = portal_as_of(connection)
        stored = read_dataset_info(connection).get("data_as_of")
        demo = is_demo(connection)
    data_as_of = date.fromisoformat(stored) if stored else None
    return render_as_of("Returns", as_of, data_as_of, demo), as_of


class SubmissionPage:
    """A PSE officer's page: the returns due and their status, templates, and the upload."""

    def __init__(self, engine: Engine, access: Access) -> None:
        self.engine, self.access = engine, access
        banner, self.as_of = _banner(engine)
        with engine.connect() as connection:
            quarters = ended_quarters(connection, self.as_of)
        self.types = [s for s in RETURN_SCHEDULES if self._applies(s)]
        self.header = _html(
            "portal-header",
            render_header(
                f"Returns of {access.entity_name}",
                f"{access.entity_code} · {access.department_name} · signed in as {access.name}. "
                "Send each quarter's return here: download the template, fill it in, upload it.",
            )
            + banner,
        )
        self.due = _html("portal-due")
        self.templates = _html("portal-templates", self._templates_html())
        self.return_type = widgets.Dropdown(
            options=[(s.title, s.return_type) for s in self.types], description="Return"
        )
        self.return_type.add_class("kpi-select-return")
        self.period = widgets.Dropdown(
            options=[(q.code, q.code) for q in quarters], description="Quarter"
        )
        self.period.add_class("kpi-select-quarter")
        self.upload = widgets.FileUpload(accept=".csv,.xlsx", multiple=False,
                                         description="Choose file")  # fmt: skip
        self.upload.add_class("kpi-upload")
        self.send = widgets.Button(description="Submit", button_style="primary")
        self.send.add_class("kpi-submit")
        self.send.on_click(self._on_submit)
        self.result = _html("portal-result")
        controls = widgets.HBox([self.return_type, self.period, self.upload, self.send])
        controls.add_class("kpi-dash-controls")
        self.widget = _page(
            [self.header, _html("portal-h-due", "<h2>Your returns</h2>"), self.due,
             _html("portal-h-send", "<h2>Send a return</h2>"), self.templates, controls,
             self.result],
            "submit",
        )  # fmt: skip
        self.refresh()

    def _applies(self, schedule: ReturnSchedule) -> bool:
        from kpilib.store.writes import table

        entities = table("entities")
        with self.engine.connect() as connection:
            category = connection.execute(
                entities.select()
                .with_only_columns(entities.c.category)
                .where(entities.c.id == self.access.entity_id)
            ).scalar_one()
        return schedule.applies_to(category)

    def _templates_html(self) -> str:
        links = []
        for schedule in self.types:
            for fmt, media in (("xlsx", XLSX_TYPE), ("csv", "text/csv")):
                name = f"{schedule.return_type}.{fmt}"
                href = data_uri(template_bytes(schedule.return_type, fmt), media)
                links.append(
                    f'<a class="kpi-download kpi-template" download="{escape(name, quote=True)}" '
                    f'href="{href}">{escape(schedule.title)} template ({fmt})</a>'
                )
        return '<p class="kpi-dash-lead">Templates: ' + " ".join(links) + "</p>"

    def refresh(self) -> None:
        """Reload the list of returns due and their status."""
        with self.engine.connect() as connection:
            frame = returns_due(connection, self.access.entity_code or "", self.as_of)
        frame["colour"] = frame["status"].map(STATUS_COLOURS)
        frame["received"] = [_when(v) for v in frame["received_at"]] if len(frame) else []
        frame["due_date"] = [d.strftime("%d %b %Y") for d in frame["due_date"]]
        self.due.value = render_page_table(frame, DUE_COLUMNS, empty="No return is due yet.")

    def _on_submit(self, _button: widgets.Button) -> None:
        files = self.upload.value
        if not files:
            self.result.value = render_messages(["Choose a file first."], "Nothing was sent:")
            return
        item = files[0]
        self.send.disabled = True
        self.result.value = '<p class="kpi-dash-status is-busy">Checking the file…</p>'
        try:
            outcome = submit_upload(
                self.engine, self.access, item["name"], bytes(item["content"]),
                self.return_type.value, self.period.value,
            )  # fmt: skip
            self.result.value = outcome_html(outcome)
            self.refresh()
        except KpiError as error:
            self.result.value = render_messages([str(error)], "The file could not be sent:")
        finally:
            self.send.disabled = False
            self.upload.value = ()


def outcome_html(outcome: FileOutcome) -> str:
    """The result of an upload: accepted rows, or the row-level error table and its download."""
    if outcome.status in ("loaded", "unchanged"):
        what = (
            f"Accepted: {outcome.accepted_rows:,} row{'s' if outcome.accepted_rows != 1 else ''} "
            f"of {outcome.file} loaded as version "
            f"{outcome.version} (return no. {outcome.submission_id})."
            if outcome.status == "loaded"
            else f"This file was already received: {outcome.detail}."
        )
        warnings = ""
        if outcome.warnings:
            warnings = "<p>Warnings (the return was accepted):</p>" + render_page_table(
                error_table(FileOutcome(outcome.file, issues=outcome.warnings)), ERROR_COLUMNS
            )
        return f'<div class="kpi-accepted" role="status"><p>{escape(what)}</p>{warnings}</div>'
    errors = error_table(outcome)
    lead = (
        f"Rejected: {outcome.file} has {len(outcome.errors):,} error(s) and nothing was loaded. "
        "Correct the rows below and upload the file again."
    )
    return (
        f'<div class="kpi-rejected kpi-alert" role="alert"><p>{escape(lead)}</p>'
        + render_page_table(errors, ERROR_COLUMNS)
        + render_download(errors, f"{outcome.file}.errors.csv", "Download the error table (CSV)")
        + "</div>"
    )


class ReviewPage:
    """A department reviewer's page: the PSEs' returns received, approve or return each, or
    reopen an approved one (with a reason) so that its PSE can send a correction."""

    def __init__(self, engine: Engine, access: Access) -> None:
        self.engine, self.access = engine, access
        self.decisions: dict[int, str | None] = {}
        banner, _ = _banner(engine)
        self.header = _html(
            "portal-header",
            render_header(
                f"PSE returns: {access.department_name}",
                f"{access.department_code} · reviewer {access.name}. Approve a return, or return "
                "it for correction with a comment the PSE will see on its page. An approved "
                "return is locked: reopen it, with a reason, if the PSE must correct it.",
            )
            + banner,
        )
        self.table = _html("portal-review-table")
        self.choice = widgets.Dropdown(
            description="Return no.", layout=widgets.Layout(width="420px")
        )
        self.choice.add_class("kpi-select-submission")
        self.comment = widgets.Textarea(placeholder="What must be corrected (required to return)")
        self.comment.add_class("kpi-comment")
        self.approve = widgets.Button(description="Approve", button_style="success")
        self.approve.add_class("kpi-approve")
        self.give_back = widgets.Button(description="Return for correction",
                                        button_style="warning")  # fmt: skip
        self.give_back.add_class("kpi-return")
        self.approve.on_click(lambda _b: self._decide("approved"))
        self.give_back.on_click(lambda _b: self._decide("returned"))
        self.deciding = widgets.HBox([self.comment, self.approve, self.give_back])
        self.reopening = self._reopen_controls()
        self.result = _html("portal-result")
        controls = widgets.HBox([self.choice, self.deciding, self.reopening])
        controls.add_class("kpi-dash-controls")
        self.choice.observe(lambda _change: self._show_actions(), names="value")
        self.widget = _page([self.header, self.table, controls, self.result], "review")
        self.refresh()

    def _reopen_controls(self) -> widgets.HBox:
        """The reason (required) and the Reopen button, shown for an approved return only."""
        self.reason = widgets.Textarea(
            placeholder="Why the approved return must be corrected (required to reopen)"
        )
        self.reason.add_class("kpi-reopen-reason")
        self.reopen_button = widgets.Button(description="Reopen", button_style="danger")
        self.reopen_button.add_class("kpi-reopen")
        self.reopen_button.on_click(lambda _b: self._reopen())
        box = widgets.HBox([self.reason, self.reopen_button])
        box.add_class("kpi-reopen-controls")
        box.layout.display = "none"
        return box

    def _show_actions(self) -> None:
        """Approve/return for a return awaiting review or sent back; Reopen for an approved one."""
        approved = self.decisions.get(cast(int, self.choice.value)) == "approved"
        self.deciding.layout.display = "none" if approved else None
        self.reopening.layout.display = None if approved else "none"

    def refresh(self) -> None:
        """Reload the department's returns and their review state."""
        with self.engine.connect() as connection:
            frame = department_returns(connection, self.access.department_id)
        titles = {s.return_type: s.title for s in RETURN_SCHEDULES}
        frame["entity"] = frame["entity_code"] + " " + frame["entity_name"]
        frame["return_title"] = [titles.get(t) or spec_for(t).title for t in frame["return_type"]]
        frame["received"] = [_when(v) for v in frame["received_at"]]
        colours = {"approved": "green", "returned": "red", "reopened": "red", None: "grey"}
        frame["colour"] = [colours[d] for d in frame["decision"]]
        frame["return_no"] = frame["submission_id"].astype(str)
        self.table.value = render_table_with_download(
            frame, REVIEW_COLUMNS, f"returns_{self.access.department_code}",
            empty="No return has been received yet.",
        )  # fmt: skip
        self.decisions = {
            int(cast(SupportsInt, r.submission_id)): cast("str | None", r.decision)
            for r in frame.itertuples(index=False)
        }
        self.choice.options = [
            (f"{r.submission_id} · {r.entity_code} · {r.return_type} {r.period_code}",
             int(cast(SupportsInt, r.submission_id)))
            for r in frame.itertuples(index=False)
        ]  # fmt: skip
        self._show_actions()

    def _decide(self, decision: str) -> None:
        if self.choice.value is None:
            self.result.value = render_messages(["Choose a return first."], "Nothing was done:")
            return
        try:
            with self.engine.begin() as connection:
                decide(connection, self.access, self.choice.value, decision, self.comment.value)
        except KpiError as error:
            self.result.value = render_messages([str(error)], "Nothing was recorded:")
            return
        word = "approved" if decision == "approved" else "returned for correction"
        self.result.value = (
            f'<div class="kpi-accepted" role="status"><p>Return {self.choice.value} '
            f"{escape(word)}.</p></div>"
        )
        self.comment.value = ""
        self.refresh()

    def _reopen(self) -> None:
        if self.choice.value is None:
            self.result.value = render_messages(["Choose a return first."], "Nothing was done:")
            return
        try:
            with self.engine.begin() as connection:
                reopen(connection, self.access, self.choice.value, self.reason.value)
        except KpiError as error:
            self.result.value = render_messages([str(error)], "Nothing was recorded:")
            return
        self.result.value = (
            f'<div class="kpi-accepted" role="status"><p>Return {self.choice.value} reopened '
            "for correction: its PSE can now send a corrected file.</p></div>"
        )
        self.reason.value = ""
        self.refresh()


def submission_page(query_string: str | None) -> widgets.VBox:
    """The PSE's page for the request's query string, or the no-access page."""
    engine = open_portal_engine()
    access = _authorise(engine, query_string, "pse")
    if access is None:
        return _denied()
    return SubmissionPage(engine, access).widget


def review_page(query_string: str | None) -> widgets.VBox:
    """The reviewer's page for the request's query string, or the no-access page."""
    engine = open_portal_engine()
    access = _authorise(engine, query_string, "reviewer")
    if access is None:
        return _denied()
    return ReviewPage(engine, access).widget
