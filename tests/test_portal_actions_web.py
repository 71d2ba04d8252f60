"""The follow-up of red flags in the portal over HTTP (SQLite and PostgreSQL): the officer sees
and answers their PSE's actions (CSRF, validated, escaped), the reviewer opens an answered
action and closes or escalates it after a confirmation step; nobody reaches another's."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from ingest_helpers import build_reference
from portal_helpers import ServedPortal

from kpilib.kpis.actions import CANDIDATE_COLUMNS, open_actions_for_flags
from kpilib.portal.access import grant
from kpilib.store.actions import load_actions

XSS = "<script>alert(1)</script>"
FLAGS = pd.DataFrame(
    [
        ("pse", "UNI-001", "HED", "UNI-001", "high", f"Demo University {XSS}", "very high risk"),
        ("pse", "MTI-001", "HLT", "MTI-001", "medium", "Demo hospital", "very high risk"),
        ("budget", "HED/current budget", "HED", None, "low", "current budget", "spent 60 %"),
    ],
    columns=CANDIDATE_COLUMNS,
)


@pytest.fixture
def portal(database_url):
    """The reference province with an action for UNI-001 (HED) and one for MTI-001 (HLT)."""
    engine = build_reference(database_url)
    links = {}
    for key, code, kind in (("pse", "UNI-001", "pse"), ("hed", "HED", "reviewer"),
                            ("hlt", "HLT", "reviewer"), ("mti", "MTI-001", "pse")):  # fmt: skip
        with engine.begin() as connection:
            links[key] = grant(connection, code, f"{kind} of {code}", kind=kind)
    with engine.begin() as connection:
        open_actions_for_flags(connection, FLAGS, fiscal_year=2024, period_code="FY",
                               opened_on=date(2024, 7, 1))  # fmt: skip
        actions = load_actions(connection)
    by_owner = dict(zip(actions["entity_code"].fillna("HED"), actions["action_id"], strict=True))
    ids = (by_owner["UNI-001"], by_owner["MTI-001"], by_owner["HED"])
    served = ServedPortal(engine, max_bytes=200_000)
    yield {"engine": engine, "served": served, "links": links, "ids": ids}
    served.stop()
    engine.dispose()


def _sign_in(portal, who: str) -> httpx.Client:
    client = httpx.Client(base_url=portal["served"].url, follow_redirects=False, timeout=30)
    assert client.get("start", params={"key": portal["links"][who][1]}).status_code == 303
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf" value="([0-9a-f]+)"', html).group(1)


def _status(portal, action_id: int) -> tuple[str, str | None]:
    with portal["engine"].connect() as connection:
        row = connection.execute(
            sa.text("SELECT status, answer FROM actions WHERE id = :i"), {"i": action_id}
        ).one()
    return row.status, row.answer


def test_the_officer_answers_an_action_of_their_pse(portal):
    uni, mti, _ = portal["ids"]
    officer = _sign_in(portal, "pse")
    home = officer.get("").text
    assert "Red flags to answer (1)" in home and f"Action {uni}" in home
    assert XSS not in home and "&lt;script&gt;" in home  # escaped
    assert f'value="{mti}"' not in home  # another PSE's action is not shown
    token = _csrf(home)
    sent = officer.post("action-answer", data={"_csrf": token, "id": str(uni),
                                               "answer": f"Recovery plan {XSS}"})  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == f"/portal/?answered={uni}"
    after = officer.get(sent.headers["location"].rsplit("/", 1)[-1]).text
    assert f"Your answer to action {uni} was sent" in after and "Red flags to answer" not in after
    assert _status(portal, uni) == ("answered", f"Recovery plan {XSS}")


def test_answers_are_refused_plainly_and_need_the_csrf_secret(portal):
    uni, mti, _ = portal["ids"]
    officer = _sign_in(portal, "pse")
    token = _csrf(officer.get("").text)
    empty = officer.post("action-answer", data={"_csrf": token, "id": str(uni), "answer": " "})
    assert empty.status_code == 400 and "Your answer was not sent: write your answer" in empty.text
    other = officer.post("action-answer", data={"_csrf": token, "id": str(mti), "answer": "x"})
    assert other.status_code == 400 and "not one of your actions" in other.text
    forged = officer.post("action-answer", data={"id": str(uni), "answer": "x"})
    assert forged.status_code == 403
    assert _status(portal, uni) == ("open", None) and _status(portal, mti) == ("open", None)
    assert "Traceback" not in empty.text + other.text


def test_the_reviewer_closes_an_answered_action_after_confirming(portal):
    uni, _, _ = portal["ids"]
    officer = _sign_in(portal, "pse")
    officer.post("action-answer", data={"_csrf": _csrf(officer.get("").text), "id": str(uni),
                                        "answer": "Board met on 1 August."})  # fmt: skip
    reviewer = _sign_in(portal, "hed")
    queue = reviewer.get("").text
    assert "Answers to red flags awaiting your review (1)" in queue
    assert f'href="action?id={uni}"' in queue
    page = reviewer.get("action", params={"id": uni}).text
    assert "Board met on 1 August." in page and "Close the action" in page
    token = _csrf(page)
    confirm = reviewer.post(
        "action-decide",
        data={"_csrf": token, "id": str(uni), "decision": "close", "note": "Minutes seen"},
    )
    assert confirm.status_code == 200 and "Close this action?" in confirm.text
    assert _status(portal, uni)[0] == "answered"  # nothing yet
    done = reviewer.post("action-decide", data={"_csrf": token, "id": str(uni),
                                                "decision": "close", "note": "Minutes seen",
                                                "confirmed": "yes"})  # fmt: skip
    assert done.status_code == 303
    shown = reviewer.get(done.headers["location"].rsplit("/", 1)[-1]).text
    assert f"Action {uni} closed." in shown and "Close the action" not in shown
    assert _status(portal, uni)[0] == "closed"


def test_the_reviewer_escalates_with_a_reason_and_sees_only_their_department(portal):
    uni, mti, _ = portal["ids"]
    reviewer = _sign_in(portal, "hed")
    assert reviewer.get("action", params={"id": mti}).status_code == 404
    page = reviewer.get("action", params={"id": uni}).text
    token = _csrf(page)
    assert "Escalate" in page and "Close the action" not in page  # not answered yet
    no_reason = reviewer.post("action-decide", data={"_csrf": token, "id": str(uni),
                                                     "decision": "escalate", "note": "",
                                                     "confirmed": "yes"})  # fmt: skip
    assert no_reason.status_code == 409 and "say why the action is escalated" in no_reason.text
    foreign = reviewer.post("action-decide", data={"_csrf": token, "id": str(mti),
                                                   "decision": "escalate", "note": "x",
                                                   "confirmed": "yes"})  # fmt: skip
    assert foreign.status_code == 409 and "not one of your actions" in foreign.text
    done = reviewer.post("action-decide", data={"_csrf": token, "id": str(uni),
                                                "decision": "escalate", "note": "Overdue",
                                                "confirmed": "yes"})  # fmt: skip
    assert done.status_code == 303 and _status(portal, uni)[0] == "escalated"
    officer = _sign_in(portal, "pse").get("").text
    assert "escalated" in officer and "Overdue" in officer  # the PSE sees the note


def test_the_department_answers_its_own_action_and_cannot_close_it(portal):
    *_, own = portal["ids"]
    reviewer = _sign_in(portal, "hed")
    page = reviewer.get("action", params={"id": own}).text
    assert "Your department's answer" in page and "Escalate" not in page
    token = _csrf(page)
    sent = reviewer.post("action-answer", data={"_csrf": token, "id": str(own),
                                                "answer": "Releases came in May."})  # fmt: skip
    assert sent.status_code == 303
    shown = reviewer.get(sent.headers["location"].rsplit("/", 1)[-1]).text
    assert "the Finance Department will review the answer" in shown
    assert _status(portal, own) == ("answered", "Releases came in May.")
    closing = reviewer.post(
        "action-decide",
        data={"_csrf": token, "id": str(own), "decision": "close", "confirmed": "yes"},
    )
    assert closing.status_code == 409 and "the Finance Department decides" in closing.text
    assert _status(portal, own)[0] == "answered"
