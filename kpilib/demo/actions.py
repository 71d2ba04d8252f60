"""Demo follow-up actions (issue 17): the governance breaches of the last completed fiscal year
opened as actions after its returns came in, then a realistic spread of what became of them by
the as-of date: most answered and many closed, some waiting for the review, a few escalated and
a few overdue with no answer. Every row is flagged ``is_demo``. Synthetic, like the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear
from kpilib.kpis.actions import governance_candidates, open_actions_for_flags
from kpilib.kpis.governance import load_governance
from kpilib.store.actions import update_action
from kpilib.store.writes import record_audit

#: What becomes of the demo's actions, and how often.
OUTCOMES = {"closed": 0.66, "answered": 0.2, "escalated": 0.06, "open": 0.08}
ANSWERS = (
    "The board has approved a plan to fix this; the minutes are attached to our next return.",
    "The nomination has been sent to the administrative department for notification.",
    "The audit committee will meet next month; we will report the outcome.",
    "We disagree: the figure in our return was a typing error, corrected in the next version.",
)
NOTES = {"closed": "Evidence seen; closed.", "escalated": "No date given: escalated to the CGU."}
ACTOR = "demo"


def demo_actions(connection: Connection, seed: int, as_of: date) -> int:
    """Open the demo's actions on the governance breaches of the fiscal year before ``as_of``'s
    and give each an outcome; how many were opened (0 when the rulebook cannot be read)."""
    year = FiscalYear.containing(as_of).previous()
    try:
        statement = load_governance(connection, year.start_year).statement
    except ParameterFileError:
        return 0
    opened_on = min(year.end_date + timedelta(days=100), as_of - timedelta(days=60))
    result = open_actions_for_flags(
        connection, governance_candidates(statement), fiscal_year=year.start_year,
        period_code="FY", opened_on=opened_on, actor=ACTOR, demo=True,
    )  # fmt: skip
    rng = np.random.default_rng([seed, 17])
    outcomes = rng.choice(list(OUTCOMES), size=len(result.opened), p=list(OUTCOMES.values()))
    for action_id, outcome in zip(result.opened, outcomes, strict=True):
        values = _outcome(rng, str(outcome), opened_on, as_of)
        if values:
            update_action(connection, action_id, values)
    if result.opened:
        record_audit(connection, "demo_actions", table_name="actions", actor=ACTOR,
                     row_count=len(result.opened), details={"fiscal_year": year.label})  # fmt: skip
    return len(result.opened)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(11, 0), tzinfo=UTC)


def _outcome(rng: np.random.Generator, outcome: str, opened: date, as_of: date) -> dict[str, Any]:
    """The columns that give an action its outcome (none: still open, overdue by now)."""
    if outcome == "open":
        return {}
    answered = opened + timedelta(days=int(rng.integers(3, 40)))
    values: dict[str, Any] = {
        "status": outcome, "answer": str(rng.choice(ANSWERS)), "answered_at": _at(answered),
        "answered_by": "portal:demo:PSE officer",
    }  # fmt: skip
    if outcome in NOTES:
        decided = min(answered + timedelta(days=int(rng.integers(0, 30))), as_of)
        values |= {"decision_note": NOTES[outcome], "decided_at": _at(decided),
                   "decided_by": "portal:demo:Department reviewer"}  # fmt: skip
        if outcome == "closed":
            values["closed_on"] = decided
    return values
