"""The follow-up loop of red flags (issue 17): every flag becomes an action with an owner and a
due date; the PSE answers, the department's reviewer closes or escalates.

A flag reaches the loop as a *candidate*: its ``kind`` and a ``key`` stable over re-runs on the
same data, its owner (department, and PSE when it is a PSE's), severity, subject and message
(:data:`CANDIDATE_COLUMNS`). One small function per kind turns its source frame into candidates
(:data:`FLAG_SOURCES`); a new kind plugs in with one more. :func:`open_actions_for_flags` opens
one action per candidate whose (kind, fiscal year + key) has none yet: a flag raised again in
the same fiscal year finds its action. The answer is due ``due_days[severity]`` days after the
action opens (``follow_up:`` in ``parameters/defaults.yaml``).

Status: ``open`` (waiting for the answer) → ``answered`` → ``closed`` or ``escalated``; an
escalated action waits for a new answer (→ ``answered``) or is closed. A PSE's action is
answered by the PSE and decided by its department's reviewer; a department's own action
(budget, indicator, returns) is answered by the department and decided by the Finance
Department (CGU: :class:`Actor` without scope, ``kpi actions close`` / ``escalate``). Every
change is a row update and an audit entry in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from kpilib.errors import ReasonedError
from kpilib.fiscal import FiscalYear
from kpilib.i18n import N_
from kpilib.kpis.flags import Severity
from kpilib.problems import said
from kpilib.store.actions import (
    existing_flag_keys,
    insert_actions,
    lock_action,
    owner_ids,
    update_action,
)
from kpilib.store.writes import current_actor, record_audit, utc_now

CANDIDATE_COLUMNS = [
    "kind", "key", "department_code", "entity_code", "severity", "subject", "message",
]  # fmt: skip
#: What the statuses are called on the pages and in reports.
STATUS_LABELS = {
    "open": N_("waiting for the answer"),
    "answered": N_("answered, waiting for the review"),
    "closed": N_("closed"),
    "escalated": N_("escalated"),
}
#: Most severe first (how lists of actions are ordered).
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
#: Why a reviewer's decision cannot be taken on an action in its status.
NOT_NOW = {
    "close": N_("action {number} is {status}: it cannot be closed now"),
    "escalate": N_("action {number} is {status}: it cannot be escalated now"),
}
MAX_ANSWER = 4000
MAX_NOTE = 2000


class ActionError(ReasonedError):
    """A change to an action that cannot be made (not yours, already closed, no text, ...);
    its reason is shown in the reader's language."""


def _default_due_days() -> dict[Severity, int]:
    return {"high": 14, "medium": 30, "low": 60}


class FollowUpRules(BaseModel):
    """``follow_up:`` in ``parameters/defaults.yaml``: days from opening to the answer's due
    date per severity, and the severity of a governance breach."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    due_days: dict[Severity, int] = Field(default_factory=_default_due_days)
    governance_severity: Severity = "medium"
    why: str = Field(default="", max_length=1000)

    def days_for(self, severity: str) -> int:
        """Days allowed for the answer to a flag of ``severity`` (30 when not set)."""
        return int(self.due_days.get(severity, 30))  # type: ignore[call-overload]


# ------------------------------------------------------------------------------ sources

_CODE_IN_BRACKETS = re.compile(r"\(([^()]+)\)\s*$")


def _candidates(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    frame["entity_code"] = frame["entity_code"].astype(object)
    frame.loc[frame["entity_code"].isna(), "entity_code"] = None
    return frame


def exception_key(flag: Mapping[str, Any]) -> tuple[str, str, str | None] | None:
    """A flag of :func:`kpilib.kpis.flags.list_exceptions` as (kind, key, PSE code or None),
    or None when the loop does not track its area (PEFA, data quality). Keys: ``UNI-001`` (a
    PSE at very high risk), ``HLT/current budget``, ``HLT/HLT-IMM`` (an indicator),
    ``HLT/returns`` (compliance: the PSEs' returns received rated red)."""
    area, department = str(flag["area"]), str(flag["department_code"])
    if area == "pse":
        match = _CODE_IN_BRACKETS.search(str(flag["entity"]))
        entity = match.group(1) if match else str(flag["entity"])
        return area, entity, entity
    if area == "budget":
        return area, f"{department}/{flag['subject']}", None
    if area == "indicator":
        return area, f"{department}/{str(flag['subject']).split(' ')[0]}", None
    if area == "returns":
        return area, f"{department}/returns", None
    return None


def exception_candidates(exceptions: pd.DataFrame) -> pd.DataFrame:
    """Candidates from :func:`kpilib.kpis.flags.list_exceptions`: the PSE (finance), budget,
    indicator and returns (compliance) flags (:func:`exception_key`)."""
    rows = []
    for flag in _records(exceptions):
        found = exception_key(flag)
        if found is None:
            continue
        kind, key, entity = found
        rows.append({"kind": kind, "key": key, "department_code": str(flag["department_code"]),
                     "entity_code": entity, "severity": flag["severity"],
                     "subject": str(flag["subject"]), "message": str(flag["message"])})  # fmt: skip
    return _candidates(rows)


def governance_candidates(statement: pd.DataFrame, severity: Severity = "medium") -> pd.DataFrame:
    """Candidates from the governance statements (:func:`kpilib.kpis.governance.load_governance`):
    one per breach (verdict not complied), key ``UNI-001/<rule id>``."""
    breaches = statement[statement["verdict"] == "not complied"]
    return _candidates([
        {"kind": "governance", "key": f"{b['entity_code']}/{b['rule_id']}",
         "department_code": b["department_code"], "entity_code": b["entity_code"],
         "severity": severity, "subject": str(b["title"]), "message": str(b["detail"])}
        for b in breaches.to_dict("records")
    ])  # fmt: skip


def _with_department(frame: pd.DataFrame, entities: pd.DataFrame) -> list[dict[str, Any]]:
    owners = entities[["entity_code", "department_code"]]
    return _records(frame.merge(owners, on="entity_code", how="left"))


def reconciliation_candidates(
    reconciliation: pd.DataFrame, entities: pd.DataFrame, severity: Severity = "medium"
) -> pd.DataFrame:
    """Candidates from :func:`kpilib.kpis.support.reconcile`: one per PSE and instrument whose
    own account and the budget differ beyond the tolerance (``mismatch``), key
    ``UNI-001/subsidy``."""
    rows = reconciliation[reconciliation["status"] == "mismatch"]
    return _candidates([
        {"kind": "support", "key": f"{r['entity_code']}/{r['instrument']}",
         "department_code": r["department_code"], "entity_code": r["entity_code"],
         "severity": severity,
         "subject": f"Support received ({str(r['instrument']).replace('_', ' ')}) does not match",
         "message": f"The budget records Rs {int(r['budget']):,}, the PSE's own account "
                    f"Rs {int(r['reported']):,}."}
        for r in _with_department(rows, entities)
    ])  # fmt: skip


def utilisation_candidates(
    grants: pd.DataFrame, entities: pd.DataFrame, severity: Severity = "medium"
) -> pd.DataFrame:
    """Candidates from :func:`kpilib.kpis.support.grants_without_utilisation`: one per PSE given a
    grant-in-aid without a utilisation report, key ``UNI-001/grant_in_aid``."""
    rows = grants[grants["flagged"]]
    return _candidates([
        {"kind": "utilisation", "key": f"{r['entity_code']}/grant_in_aid",
         "department_code": r["department_code"], "entity_code": r["entity_code"],
         "severity": severity, "subject": "Grant-in-aid without a utilisation report",
         "message": f"A grant of Rs {int(r['grant']):,} was given; no report on its use "
                    "has been received."}
        for r in _with_department(rows, entities)
    ])  # fmt: skip


#: Flag kinds that become actions and the function that makes their candidates.
FLAG_SOURCES: Mapping[str, Callable[..., pd.DataFrame]] = {
    "pse": exception_candidates,
    "budget": exception_candidates,
    "indicator": exception_candidates,
    "returns": exception_candidates,
    "governance": governance_candidates,
    "support": reconciliation_candidates,
    "utilisation": utilisation_candidates,
}


# ------------------------------------------------------------------------------ changes


@dataclass(frozen=True)
class OpenedActions:
    """What :func:`open_actions_for_flags` did: ``opened`` new actions (their ids),
    ``existing`` flags that had one already, ``skipped`` flags whose owner is unknown."""

    opened: list[int]
    existing: int
    skipped: int


def flag_key(fiscal_year: int, key: str) -> str:
    """The stored key of a flag: the fiscal year and the kind's key (``2024-25/UNI-001``)."""
    return f"{FiscalYear(int(fiscal_year)).label}/{key}"[:300]


def match_actions(flags: pd.DataFrame, actions: pd.DataFrame, fiscal_year: int) -> pd.DataFrame:
    """``flags`` (:func:`kpilib.kpis.flags.list_exceptions`) with the action that follows each
    up in ``actions`` (:func:`kpilib.store.actions.load_actions`): ``action_id``, ``due_on``,
    ``action_status`` (None where a flag has none)."""
    found = {(str(a["kind"]), str(a["flag_key"])): a for a in actions.to_dict("records")}
    matched = []
    for flag in _records(flags):
        key = exception_key(flag)
        action = found.get((key[0], flag_key(fiscal_year, key[1]))) if key else None
        matched.append((action["action_id"], action["due_on"], action["status"]) if action
                       else (None, None, None))  # fmt: skip
    out = flags.copy()
    for i, column in enumerate(("action_id", "due_on", "action_status")):
        out[column] = pd.Series([m[i] for m in matched], index=flags.index, dtype=object)
    return out


def open_actions_for_flags(
    connection: Connection,
    candidates: pd.DataFrame,
    *,
    fiscal_year: int,
    period_code: str,
    opened_on: date,
    rules: FollowUpRules | None = None,
    actor: str | None = None,
    demo: bool = False,
) -> OpenedActions:
    """Open an action for every candidate (:data:`CANDIDATE_COLUMNS`) of ``fiscal_year``
    (start year) that has none yet; idempotent. The due date is ``opened_on`` plus
    :meth:`FollowUpRules.days_for` its severity. One audit entry ``actions_opened``."""
    rules = rules or FollowUpRules()
    departments, entities = owner_ids(connection)
    rows, existing, skipped = [], 0, 0
    for kind, group in candidates.groupby("kind", sort=True):
        keys = [flag_key(fiscal_year, str(k)) for k in group["key"]]
        known = existing_flag_keys(connection, str(kind), keys)
        for key, flag in zip(keys, _records(group), strict=True):
            owner = _owner(flag, departments, entities)
            if key in known:
                existing += 1
            elif owner is None:
                skipped += 1
            else:
                known.add(key)
                rows.append(_action_row(str(kind), key, flag, owner, fiscal_year, period_code,
                                        opened_on, rules, demo))  # fmt: skip
    ids = insert_actions(connection, rows)
    if ids:
        record_audit(
            connection, "actions_opened", table_name="actions", row_count=len(ids),
            actor=actor or current_actor(),
            details={"fiscal_year": fiscal_year, "period": period_code, "first_id": ids[0]},
        )  # fmt: skip
    return OpenedActions(ids, existing, skipped)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _owner(
    flag: dict[str, Any], departments: dict[str, int], entities: dict[str, tuple[int, int]]
) -> tuple[int, int | None] | None:
    """(department id, entity id or None) of a candidate; None if either is unknown."""
    code = flag.get("entity_code")
    if isinstance(code, str) and code:
        found = entities.get(code)
        return None if found is None else (found[1], found[0])
    department = departments.get(str(flag["department_code"]))
    return None if department is None else (department, None)


def _action_row(
    kind: str, key: str, flag: dict[str, Any], owner: tuple[int, int | None], fiscal_year: int,
    period_code: str, opened_on: date, rules: FollowUpRules, demo: bool,
) -> dict[str, Any]:  # fmt: skip
    severity = str(flag["severity"])
    return {
        "kind": kind, "flag_key": key, "fiscal_year": int(fiscal_year),
        "period_code": period_code, "department_id": owner[0], "entity_id": owner[1],
        "severity": severity, "subject": str(flag["subject"])[:500],
        "message": str(flag["message"]), "opened_on": opened_on,
        "due_on": opened_on + timedelta(days=rules.days_for(severity)), "status": "open",
        "is_demo": demo,
    }  # fmt: skip


@dataclass(frozen=True)
class Actor:
    """Who changes an action and what they may touch: a PSE (``entity_id``), a department
    (``department_id``: its reviewer) or the CGU (neither: every action)."""

    name: str
    entity_id: int | None = None
    department_id: int | None = None


def _locked(connection: Connection, actor: Actor, action_id: int) -> Any:
    row = lock_action(connection, action_id)
    if row is None:
        raise ActionError(said(N_("there is no action {number}"), number=action_id))
    mine = (actor.entity_id is not None and row.entity_id == actor.entity_id) or (
        actor.entity_id is None and actor.department_id in (None, row.department_id)
    )
    if not mine:
        raise ActionError(said(N_("action {number} is not one of your actions"), number=action_id))
    return row


def _text(value: str | None, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ActionError(missing)
    if len(text) > limit:
        raise ActionError(said(N_("the text is longer than {limit} characters ({length})"),
                               limit=limit, length=len(text)))  # fmt: skip
    return text


def _audit(connection: Connection, what: str, action_id: int, actor: Actor, **details: Any) -> None:
    record_audit(connection, f"action_{what}", table_name="actions", row_count=1,
                 actor=actor.name, details={"action_id": int(action_id), **details})  # fmt: skip


def answer_action(connection: Connection, actor: Actor, action_id: int, answer: str) -> None:
    """Record the PSE's answer (required, at most :data:`MAX_ANSWER` characters) to an open or
    escalated action of its own: status ``answered``. A department answers the actions that
    have no PSE (budget, indicator)."""
    text = _text(answer, MAX_ANSWER,
                 N_("write your answer: what was done, or why the flag is wrong"))  # fmt: skip
    row = _locked(connection, actor, action_id)
    if actor.entity_id is None and row.entity_id is not None and actor.department_id is not None:
        raise ActionError(said(N_("action {number} is answered by its PSE"), number=action_id))
    if row.status not in ("open", "escalated"):
        raise ActionError(said(N_("action {number} is {status}: it needs no answer"),
                               number=action_id, status=STATUS_LABELS[row.status],
                               terms=["status"]))  # fmt: skip
    update_action(
        connection,
        action_id,
        {"status": "answered", "answer": text, "answered_at": utc_now(), "answered_by": actor.name},
    )
    _audit(connection, "answered", action_id, actor, answer=text)


def close_action(
    connection: Connection, actor: Actor, action_id: int, note: str | None, on: date
) -> None:
    """The reviewer accepts the answer: status ``closed`` on ``on`` (the note is optional)."""
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise ActionError(said(N_("the note is longer than {limit} characters ({length})"),
                               limit=MAX_NOTE, length=len(text)))  # fmt: skip
    row = _decidable(connection, actor, action_id, ("answered", "escalated"), "close")
    update_action(connection, action_id, {"status": "closed", "decision_note": text,
                                          "decided_at": utc_now(), "decided_by": actor.name,
                                          "closed_on": on})  # fmt: skip
    _audit(connection, "closed", action_id, actor, note=text, was=row.status)


def escalate_action(connection: Connection, actor: Actor, action_id: int, note: str) -> None:
    """The answer does not settle the flag (or none came): status ``escalated`` with a note
    (required) saying why; the PSE may answer again."""
    text = _text(note, MAX_NOTE, N_("say why the action is escalated"))
    row = _decidable(connection, actor, action_id, ("open", "answered"), "escalate")
    update_action(
        connection,
        action_id,
        {
            "status": "escalated",
            "decision_note": text,
            "decided_at": utc_now(),
            "decided_by": actor.name,
        },
    )
    _audit(connection, "escalated", action_id, actor, note=text, was=row.status)


def _decidable(
    connection: Connection, actor: Actor, action_id: int, allowed: tuple[str, ...], verb: str
) -> Any:
    if actor.entity_id is not None:
        raise ActionError(N_("only the department's reviewer can close or escalate an action"))
    row = _locked(connection, actor, action_id)
    if row.entity_id is None and actor.department_id is not None:
        raise ActionError(said(
            N_("action {number} is the department's own: the Finance Department decides on it"),
            number=action_id,
        ))  # fmt: skip
    if row.status not in allowed:
        raise ActionError(said(NOT_NOW[verb], number=action_id,
                               status=STATUS_LABELS[row.status], terms=["status"]))  # fmt: skip
    return row


# ------------------------------------------------------------------------------ KPIs

#: The columns of :func:`action_kpis` after the grouping columns.
KPI_COLUMNS = [
    "actions", "open", "awaiting_answer", "answered", "escalated", "overdue", "closed",
    "resolution_rate", "median_days_to_close",
]  # fmt: skip


def mark_overdue(actions: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """``actions`` with ``overdue``: still waiting for the PSE's answer (status ``open``) after
    its due date (due today is not overdue) and ``days_overdue`` (0 when not overdue)."""
    due = pd.to_datetime(actions["due_on"]).dt.date
    waiting = actions["status"] == "open"
    late = [w and d < as_of for w, d in zip(waiting, due, strict=True)]
    days = [(as_of - d).days if lt else 0 for lt, d in zip(late, due, strict=True)]
    return actions.assign(
        overdue=pd.Series(late, index=actions.index, dtype=bool),
        days_overdue=pd.Series(days, index=actions.index, dtype=int),
    )


def days_to_close(actions: pd.DataFrame) -> pd.Series:
    """Days from opening to closure of each closed action (NaN for the others; 0 = same day)."""
    closed = actions["status"] == "closed"
    spans = [
        float((pd.Timestamp(c) - pd.Timestamp(o)).days) if ok else float("nan")
        for ok, o, c in zip(closed, actions["opened_on"], actions["closed_on"], strict=True)
    ]
    return pd.Series(spans, index=actions.index, dtype=float)


def action_kpis(actions: pd.DataFrame, as_of: date, by: list[str] | None = None) -> pd.DataFrame:
    """The follow-up KPIs of the actions opened by ``as_of``, one row per group of ``by``
    (e.g. ``["department_code"]``; none: one row, zeros when there are no actions; with
    ``by``, groups without actions have no row). :data:`KPI_COLUMNS`: counts by status,
    ``open`` (not closed), ``overdue`` (:func:`mark_overdue`), ``resolution_rate`` (closed ÷
    actions, %; NaN without actions) and ``median_days_to_close`` (of the closed ones, NaN
    when none is closed)."""
    by = list(by or [])
    opened = [pd.Timestamp(d).date() <= as_of for d in actions["opened_on"]]
    frame = mark_overdue(actions[pd.Series(opened, index=actions.index, dtype=bool)], as_of)
    status = frame["status"]
    frame = frame.assign(
        _all="all", _one=1, _open=(status != "closed").astype(int),
        _waiting=(status == "open").astype(int), _answered=(status == "answered").astype(int),
        _escalated=(status == "escalated").astype(int), _closed=(status == "closed").astype(int),
        _overdue=frame["overdue"].astype(int), _days=days_to_close(frame),
    )  # fmt: skip
    table = frame.groupby(by or ["_all"], sort=True).agg(
        actions=("_one", "sum"), open=("_open", "sum"), awaiting_answer=("_waiting", "sum"),
        answered=("_answered", "sum"), escalated=("_escalated", "sum"),
        overdue=("_overdue", "sum"), closed=("_closed", "sum"),
        median_days_to_close=("_days", "median"),
    ).reset_index()  # fmt: skip
    if table.empty and not by:
        table = pd.DataFrame([dict.fromkeys(KPI_COLUMNS, 0)])
        table["median_days_to_close"] = float("nan")
    table["resolution_rate"] = [
        100 * c / n if n else float("nan")
        for c, n in zip(table["closed"], table["actions"], strict=True)
    ]
    return table[[*by, *KPI_COLUMNS]].reset_index(drop=True)


#: The sources of the flags on the PSEs that the follow-up tracks (action kinds), in the
#: reader's words and in report order; budget and indicator flags are the departments' own.
PSE_FLAG_SOURCES = {
    "pse": "finance", "returns": "compliance", "governance": "governance",
    "support": "support mismatch", "utilisation": "utilisation",
}  # fmt: skip


def pse_flag_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions on the PSEs' flags: those of the kinds of :data:`PSE_FLAG_SOURCES` (finance:
    a PSE at very high risk; compliance: a department's PSEs' returns; governance breaches;
    support mismatches; grants without a utilisation report), with ``source``, the kind in
    words. Budget and indicator actions (a department's own spending and services) are left
    out."""
    frame = actions[actions["kind"].isin(list(PSE_FLAG_SOURCES))]
    return frame.assign(source=frame["kind"].map(PSE_FLAG_SOURCES))


def oldest_overdue(actions: pd.DataFrame, as_of: date, top: int = 10) -> pd.DataFrame:
    """The ``top`` actions most overdue on ``as_of`` (:func:`mark_overdue`: still waiting for
    the answer after the due date), most days overdue first, then by action id; only the
    actions opened by ``as_of``."""
    opened = [pd.Timestamp(d).date() <= as_of for d in actions["opened_on"]]
    frame = mark_overdue(actions[pd.Series(opened, index=actions.index, dtype=bool)], as_of)
    frame = frame[frame["overdue"]].sort_values(["days_overdue", "action_id"],
                                                ascending=[False, True])  # fmt: skip
    return frame.head(top).reset_index(drop=True)
