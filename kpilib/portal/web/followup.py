"""The follow-up of red flags in the portal: the officer answers an action of their PSE; the
reviewer opens an answered action, then closes or escalates it after a confirmation step
(:mod:`kpilib.portal.followup`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from kpilib.errors import KpiError, shown_error
from kpilib.i18n import N_, _, isolate
from kpilib.ingest.status import resolve_as_of
from kpilib.kpis.actions import MAX_ANSWER, MAX_NOTE
from kpilib.portal.followup import (
    ACTION_DECISIONS,
    ActionCard,
    answer,
    decide_action,
    one_action,
)
from kpilib.portal.web.base import PortalHandler, posted, signed_in
from kpilib.portal.web.tables import in_language, severity_word
from kpilib.present.tables import Column, render_table

ACTION_COLUMNS = [
    Column("label", N_("Action"), "link", href_key="href"),
    Column("owner", N_("Owner")),
    Column("subject", N_("Flag")),
    Column("severity", N_("Severity")),
    Column("due", N_("Answer due")),
    Column("overdue_days", N_("Days overdue"), "count"),
    Column("status_label", N_("Status")),
]


def actions_table(cards: list[ActionCard], empty: str) -> str:
    """The reviewer's list of actions, each linked to its page."""
    frame = pd.DataFrame([asdict(c) for c in cards], columns=list(ActionCard.__dataclass_fields__))
    frame["label"] = [_("Action {number}").format(number=isolate(i)) for i in frame["action_id"]]
    frame["href"] = [f"action?id={i}" for i in frame["action_id"]]
    frame["severity"] = [severity_word(v) for v in frame["severity"]]
    frame["status_label"] = [_(v) for v in frame["status_label"]]
    frame["due"] = [isolate(v) for v in frame["due"]]
    return render_table(frame, in_language(ACTION_COLUMNS), empty=empty, max_rows=500,
                        scroll=True, stacked=True)  # fmt: skip


#: What the action's page says once a decision is recorded (:data:`ACTION_DECISIONS`).
ACTION_DONE = {
    "close": N_("Action {number} closed."),
    "escalate": N_("Action {number} escalated."),
    "answer": N_("Action {number} answered: the Finance Department will review the answer."),
}


def _action_id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 12 else None


class AnswerHandler(PortalHandler):
    """``POST /portal/action-answer`` (``id``, ``answer``): the officer's answer to an action
    of their PSE; back to their page with a notice, or with what to correct."""

    @signed_in()
    @posted
    async def post(self) -> None:
        from kpilib.portal.web.officer import render_officer_home

        session = self.session
        assert session is not None
        action_id = _action_id(self.get_body_argument("id", None))
        text = self.get_body_argument("answer", "")
        if action_id is None:
            self.send_error(404)
            return
        officer = session.access.kind == "pse"
        try:
            await self.run(answer, session.access, action_id, text)
        except KpiError as error:
            refused = _("Your answer was not sent: {error}.").format(error=shown_error(error))
            if officer:
                await render_officer_home(self, 400, [refused])
            else:
                self.render_page("message.html.j2", 400, title=_("Nothing was sent"), text=refused)
            return
        if officer:
            self.redirect(f"{self.base}portal/?answered={action_id}", status=303)
        else:
            self.redirect(f"{self.base}portal/action?id={action_id}&done=answer", status=303)


class ActionHandler(PortalHandler):
    """``GET /portal/action?id=…``: one action of the department with the PSE's answer and,
    when answered (or escalated), the reviewer's close and escalate forms."""

    @signed_in("reviewer")
    async def get(self) -> None:
        session = self.session
        assert session is not None
        action_id = _action_id(self.get_query_argument("id", None))

        def read(connection: Connection) -> ActionCard | None:
            day = resolve_as_of(connection, None)
            return one_action(connection, session.access, action_id or 0, day)

        card = await self.run(read)
        if card is None:
            self.send_error(404)
            return
        done = self.get_query_argument("done", "")
        number = isolate(card.action_id)
        notices = [_(ACTION_DONE[done]).format(number=number)] if done in ACTION_DONE else []
        self.render_page(
            "action.html.j2", title=_("Action {number}").format(number=number),
            notices=notices, card=card,
            can_close=not card.own and card.status in ("answered", "escalated"),
            can_escalate=not card.own and card.status in ("open", "answered"),
            can_answer=card.own and card.status in ("open", "escalated"), max_note=MAX_NOTE,
            max_answer=MAX_ANSWER,
        )  # fmt: skip


class ActionDecideHandler(PortalHandler):
    """``POST /portal/action-decide`` (``id``, ``decision``, ``note``): a confirmation page
    that says what will happen; its "Yes" records the decision."""

    @signed_in("reviewer")
    @posted
    async def post(self) -> None:
        session = self.session
        assert session is not None
        action_id = _action_id(self.get_body_argument("id", None))
        decision = self.get_body_argument("decision", "")
        note = self.get_body_argument("note", "").strip()
        if action_id is None or decision not in ("close", "escalate"):
            self.send_error(404)
            return
        back = f"{self.base}portal/action?id={action_id}"
        if self.get_body_argument("confirmed", "") != "yes":
            await self._confirm(action_id, decision, note, back)
            return

        def record(connection: Connection) -> None:
            day = resolve_as_of(connection, None)
            decide_action(connection, session.access, action_id, decision, note, day)

        try:
            await self.run(record)
        except KpiError as error:
            text = _("Nothing was recorded: {error}.").format(error=shown_error(error))
            self.render_page("message.html.j2", 409, title=_("Nothing was recorded"), text=text)
            return
        self.redirect(f"{back}&done={decision}", status=303)

    async def _confirm(self, action_id: int, decision: str, note: str, back: str) -> None:
        session = self.session
        assert session is not None

        def read(connection: Connection) -> Any:
            return one_action(
                connection, session.access, action_id, resolve_as_of(connection, None)
            )

        card = await self.run(read)
        if card is None:
            self.send_error(404)
            return
        question, yes, done = ACTION_DECISIONS[decision]
        lines = [
            _("{owner}: {subject}.").format(owner=card.owner, subject=card.subject),
            _("It will be {done}; the PSE sees this.").format(done=_(done)),
        ]
        self.render_page(
            "confirm.html.j2", title=_("Confirm your decision"), question=_(question),
            yes=_(yes),
            lines=lines, comment=note or None, action=f"{self.base}portal/action-decide",
            fields=[("id", action_id), ("decision", decision), ("note", note)], back=back,
        )  # fmt: skip
