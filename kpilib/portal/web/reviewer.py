"""The department reviewer's workbench: the queue, one return with its figures, warnings and
file, the decision with a confirmation step, and bulk approval (:mod:`kpilib.portal.workbench`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from kpilib.errors import KpiError, shown_error
from kpilib.i18n import N_, _, isolate
from kpilib.ingest.schemas import spec_for
from kpilib.ingest.status import resolve_as_of
from kpilib.portal.followup import reviewer_actions
from kpilib.portal.officer import RETURN_TITLES
from kpilib.portal.review import MAX_COMMENT, decide, reopen
from kpilib.portal.web.base import PortalHandler, pakistan_time, posted, read_as_of, signed_in
from kpilib.portal.web.followup import actions_table
from kpilib.portal.web.tables import (
    REVIEW_COLOURS,
    preview_table,
    queue_table,
    status_word,
    threshold_percent,
    warnings_table,
)
from kpilib.portal.workbench import (
    BulkResult,
    ReturnView,
    age_in_days,
    bulk_approve,
    open_return,
    original_file,
    review_queue,
)
from kpilib.present.export import safe_file_name
from kpilib.present.html import render_rag

TITLES = RETURN_TITLES
#: Each decision: the question of its confirmation step, its button, and what is done.
DECISIONS = {
    "approve": (N_("Approve this return?"), N_("Yes, approve it"), N_("approved")),
    "return": (
        N_("Send this return back for correction?"),
        N_("Yes, send it back"),
        N_("returned for correction"),
    ),
    "reopen": (
        N_("Reopen this approved return?"),
        N_("Yes, reopen it"),
        N_("reopened for correction"),
    ),
}
#: What the page says once a decision is recorded.
DONE = {
    "approve": N_("Return {number} approved."),
    "return": N_("Return {number} returned for correction."),
    "reopen": N_("Return {number} reopened for correction."),
}
#: Most returns one bulk approval takes.
MAX_BULK = 500


def _title(return_type: str) -> str:
    """A return's title in the current language."""
    return _(TITLES.get(return_type) or spec_for(return_type).title)


async def render_reviewer_home(handler: PortalHandler, show_all: bool) -> None:
    """The queue of returns awaiting review (oldest first), or every return."""
    session = handler.session
    assert session is not None
    access = session.access

    def read(connection: Connection) -> dict[str, Any]:
        as_of, today = read_as_of(connection)
        day = resolve_as_of(connection, None)
        frame = review_queue(connection, access, day, show_all)
        actions = reviewer_actions(connection, access, day)
        return {"as_of": as_of, "data_today": today, "frame": frame, "actions": actions}

    data = await handler.run(read)
    frame = data["frame"]
    waiting = int(frame["decision"].isna().sum())
    handler.render_page(
        "queue.html.j2",
        title=_("PSE returns: {department}").format(department=access.department_shown),
        as_of=data["as_of"], data_today=data["data_today"], show_all=show_all,
        bulk=not show_all and waiting > 0, waiting=waiting,
        queue_table=queue_table(frame, TITLES, bulk=not show_all),
        answered=len(data["actions"]["answered"]),
        answered_table=actions_table(data["actions"]["answered"],
                                     _("No answer is waiting for your review.")),
        waiting_table=actions_table(data["actions"]["waiting"],
                                    _("No action is waiting for a PSE's answer.")),
    )  # fmt: skip


def _submission_id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 12 else None


class ReturnHandler(PortalHandler):
    """``GET /portal/return?id=…``: one return of the department, beside the previous quarter,
    with its data-quality warnings, its original file and the decisions open to the reviewer."""

    @signed_in("reviewer")
    async def get(self) -> None:
        session = self.session
        assert session is not None
        submission_id = _submission_id(self.get_query_argument("id", None))

        def read(connection: Connection) -> tuple[ReturnView | None, date]:
            day = resolve_as_of(connection, None)
            return open_return(connection, session.access, submission_id or 0), day

        view, day = await self.run(read)
        if view is None:
            self.send_error(404)
            return
        done = self.get_query_argument("done", "")
        number = isolate(view.submission_id)
        notices = [_(DONE[done]).format(number=number)] if done in DONE else []
        self.render_page(
            "return.html.j2", title=_("Return {number}").format(number=number), notices=notices,
            entity=f"{isolate(view.entity_code)} {view.entity_name}",
            return_title=_title(view.return_type),
            period_code=view.period_code, submission_id=view.submission_id,
            version=view.version, received=pakistan_time(view.received_at),
            age=age_in_days(view.received_at, day),
            submitted_by=view.submitted_by, file_name=view.file_name,
            state=render_rag(REVIEW_COLOURS[view.decision], str(status_word(view.state))),
            comment=view.comment,
            preview=view.preview, preview_table=preview_table(view.preview, view.return_type),
            threshold=threshold_percent(), warnings_table=warnings_table(view.warnings),
            warnings=len(view.warnings), actions=view.actions, max_comment=MAX_COMMENT,
        )  # fmt: skip


class DecideHandler(PortalHandler):
    """``POST /portal/decide`` (``id``, ``action``, ``comment``): first a confirmation page
    that says what will happen; its "Yes" records the decision."""

    @signed_in("reviewer")
    @posted
    async def post(self) -> None:
        session = self.session
        assert session is not None
        submission_id = _submission_id(self.get_body_argument("id", None))
        action = self.get_body_argument("action", "")
        comment = self.get_body_argument("comment", "").strip()
        if submission_id is None or action not in DECISIONS:
            self.send_error(404)
            return
        back = f"{self.base}portal/return?id={submission_id}"
        question, yes, done = DECISIONS[action]
        if self.get_body_argument("confirmed", "") != "yes":
            view = await self.run(open_return, session.access, submission_id)
            if view is None:
                self.send_error(404)
                return
            lines = [
                _("{entity}: {title}, {period}, version {version}.").format(
                    entity=f"{isolate(view.entity_code)} {view.entity_name}",
                    title=_title(view.return_type), period=isolate(view.period_code),
                    version=view.version,
                ),
                _("It will be {done}; the PSE sees this on its page.").format(done=_(done)),
            ]  # fmt: skip
            if action == "approve" and len(view.warnings):
                lines.append(_("It has {n} data-quality warning(s).").format(n=len(view.warnings)))
            self.render_page(
                "confirm.html.j2", title=_("Confirm your decision"), question=_(question),
                yes=_(yes),
                lines=lines, comment=comment or None, action=f"{self.base}portal/decide",
                fields=[("id", submission_id), ("action", action), ("comment", comment)],
                back=back,
            )  # fmt: skip
            return

        def record(connection: Connection) -> None:
            if action == "reopen":
                reopen(connection, session.access, submission_id, comment)
            else:
                decision = "approved" if action == "approve" else "returned"
                decide(connection, session.access, submission_id, decision, comment)

        try:
            await self.run(record)
        except KpiError as error:
            text = _("Nothing was recorded: {error}.").format(error=shown_error(error))
            self.render_page("message.html.j2", 409, title=_("Nothing was recorded"), text=text)
            return
        self.redirect(f"{back}&done={action}", status=303)


class BulkApproveHandler(PortalHandler):
    """``POST /portal/bulk-approve`` (``select`` for each ticked return): a confirmation page
    listing them, then their approval in one transaction."""

    @signed_in("reviewer")
    @posted
    async def post(self) -> None:
        session = self.session
        assert session is not None
        ids = [i for i in map(_submission_id, self.get_body_arguments("select")) if i is not None]
        ids = list(dict.fromkeys(ids))[:MAX_BULK]
        if not ids:
            self.render_page("message.html.j2", 400, title=_("Nothing was approved"),
                             text=_("Tick the returns to approve first."))  # fmt: skip
            return
        if self.get_body_argument("confirmed", "") != "yes":
            self.render_page(
                "confirm.html.j2", title=_("Confirm the approvals"),
                question=_("Approve these {n} return(s)?").format(n=len(ids)),
                yes=_("Yes, approve {n}").format(n=len(ids)),
                lines=[_("Return {number}").format(number=isolate(i)) for i in ids], comment=None,
                action=f"{self.base}portal/bulk-approve",
                fields=[("select", i) for i in ids], back=f"{self.base}portal/",
            )  # fmt: skip
            return

        def approve(connection: Connection) -> BulkResult:
            return bulk_approve(connection, session.access, ids, resolve_as_of(connection, None))

        result = await self.run(approve)
        lines = [_("{n} return(s) approved.").format(n=len(result.approved))] + [
            _("Return {number} was not approved: {why}.").format(number=isolate(i), why=why.shown())
            for i, why in result.skipped.items()
        ]
        self.render_page("message.html.j2", title=_("Approvals"), text=" ".join(lines))


class FileHandler(PortalHandler):
    """``GET /portal/file?id=…``: the original file of a return of the department."""

    @signed_in("reviewer")
    async def get(self) -> None:
        session = self.session
        assert session is not None
        submission_id = _submission_id(self.get_query_argument("id", None))
        found = (
            await self.run(original_file, session.access, submission_id) if submission_id else None
        )
        if found is None:
            self.send_error(404)
            return
        name, content = found
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header(
            "Content-Disposition", f'attachment; filename="{safe_file_name(name, "return")}"'
        )
        self.finish(content)
