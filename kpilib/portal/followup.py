"""The follow-up of red flags in the portal (issue 17): a PSE officer's actions to answer, a
department reviewer's answers to close or escalate. The rules are those of
:mod:`kpilib.kpis.actions`; here the portal's access decides who acts on which actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from kpilib.fiscal import FiscalYear
from kpilib.i18n import N_, isolate
from kpilib.i18n.names import display_name
from kpilib.kpis.actions import (
    SEVERITY_ORDER,
    STATUS_LABELS,
    Actor,
    answer_action,
    close_action,
    escalate_action,
    mark_overdue,
)
from kpilib.portal.access import Access
from kpilib.present.formatting import format_date
from kpilib.present.messages import flag_message_words, flag_subject_words
from kpilib.store.actions import load_actions

#: The decisions a reviewer takes on an action: the confirmation's question, its button, and
#: what the action becomes.
ACTION_DECISIONS = {
    "close": (N_("Close this action?"), N_("Yes, close it"), N_("closed")),
    "escalate": (N_("Escalate this action?"), N_("Yes, escalate it"), N_("escalated")),
    "answer": ("", "", "answered: the Finance Department will review the answer"),
}


def actor_of(access: Access) -> Actor:
    """Who acts through the portal: a PSE officer (their PSE) or a reviewer (their department)."""
    if access.kind == "pse":
        return Actor(access.actor, entity_id=access.entity_id)
    return Actor(access.actor, department_id=access.department_id)


@dataclass(frozen=True)
class ActionCard:
    """One action as the portal shows it (every text escaped by the templates)."""

    action_id: int
    owner: str
    subject: str
    message: str
    severity: str
    fiscal_year: str
    opened: str
    due: str
    overdue_days: int
    status: str
    status_label: str
    answer: str | None
    answered_by: str | None
    note: str | None
    #: The department's own action (no PSE): the department answers, the CGU decides.
    own: bool = False


def _cards(frame: Any) -> list[ActionCard]:
    """The actions of ``frame`` as cards, in the current language: the PSE or department by its
    Urdu name where it has one, the flag's subject and message re-worded (stored in English)."""
    return [
        ActionCard(
            int(r["action_id"]), _owner(r), _subject(r), flag_message_words(str(r["message"])),
            str(r["severity"]), FiscalYear(int(r["fiscal_year"])).label,
            format_date(r["opened_on"]), format_date(r["due_on"]), int(r["days_overdue"]),
            str(r["status"]), STATUS_LABELS[str(r["status"])], r["answer"],
            _who(r["answered_by"]), r["decision_note"], r["entity_code"] is None,
        )
        for r in frame.to_dict("records")
    ]  # fmt: skip


def _owner(row: dict[str, Any]) -> str:
    """Who answers the action: its PSE, else its department, named in the reader's language."""
    if row["entity_name"]:
        return display_name(row["entity_name"], row["entity_name_ur"])
    return display_name(row["department_name"], row["department_name_ur"])


def _subject(row: dict[str, Any]) -> str:
    """The flag's subject in the current language: a PSE flag's ``Demo University (UNI-001)``
    with the PSE's Urdu name (its code kept left to right), a word of the suite's translated
    (:func:`flag_subject_words`), else as written (an indicator's or a rule's name)."""
    subject = str(row["subject"])
    code, shown = row["entity_code"], display_name("", row["entity_name_ur"])
    if code and shown and subject == f"{row['entity_name']} ({code})":
        return f"{shown} ({isolate(code)})"
    return flag_subject_words(subject)


def _who(actor: str | None) -> str | None:
    """``portal:UNI-001:Name`` → ``Name``."""
    return None if actor is None else actor.split(":")[-1]


def _sorted(frame: Any) -> Any:
    return frame.assign(_s=frame["severity"].map(SEVERITY_ORDER)).sort_values(
        ["_s", "due_on", "action_id"], kind="stable"
    )


def officer_actions(connection: Connection, access: Access, as_of: date) -> list[ActionCard]:
    """The PSE's actions waiting for its answer (open or escalated), most severe first."""
    frame = load_actions(connection, entity_code=access.entity_code,
                         statuses=("open", "escalated"))  # fmt: skip
    return _cards(_sorted(mark_overdue(frame, as_of)))


def reviewer_actions(connection: Connection, access: Access, as_of: date) -> dict[str, list]:
    """The department's actions: ``answered`` (to close or escalate) and ``waiting`` (open or
    escalated, waiting for the PSE's answer), most severe first."""
    frame = mark_overdue(load_actions(connection, department_code=access.department_code), as_of)
    frame = _sorted(frame)
    return {
        "answered": _cards(frame[frame["status"] == "answered"]),
        "waiting": _cards(frame[frame["status"].isin(["open", "escalated"])]),
    }


def one_action(
    connection: Connection, access: Access, action_id: int, as_of: date
) -> ActionCard | None:
    """An action of the reviewer's department (None if it is not one)."""
    frame = load_actions(connection, department_code=access.department_code)
    frame = mark_overdue(frame[frame["action_id"] == int(action_id)], as_of)
    cards = _cards(frame)
    return cards[0] if cards else None


def answer(connection: Connection, access: Access, action_id: int, text: str) -> None:
    """The officer's answer to one of their PSE's actions (:func:`answer_action`)."""
    answer_action(connection, actor_of(access), action_id, text)


def decide_action(
    connection: Connection, access: Access, action_id: int, decision: str, note: str, on: date
) -> None:
    """The reviewer closes or escalates an action of their department."""
    if decision == "close":
        close_action(connection, actor_of(access), action_id, note, on)
    else:
        escalate_action(connection, actor_of(access), action_id, note)
