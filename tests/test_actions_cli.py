"""``kpi actions`` (issue 17): open actions from the flags of a demo (idempotent), list them
with the overdue ones, the KPIs by department, and the CGU's close and escalate."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa
from cli_helpers import run_kpi

from kpilib.store.database import sqlite_path


@pytest.fixture
def demo_copy(demo_sqlite_url, tmp_path):
    """A copy of the session's demo (SQLite) that the test may write to."""
    source = sqlite_path(sa.make_url(demo_sqlite_url))
    if source is None:
        pytest.skip("the session demo is not a SQLite file")
    target = tmp_path / "kpi.sqlite"
    shutil.copy(source, target)
    return f"sqlite:///{target}"


def _kpi(capsys, monkeypatch, url, *args):
    return run_kpi(capsys, monkeypatch, "--database-url", url, *args)


def test_open_is_idempotent_and_list_shows_the_overdue(capsys, monkeypatch, demo_copy):
    first = _kpi(capsys, monkeypatch, demo_copy, "actions", "open", "--year", "2024-25")
    assert first.code == 0, first.err
    opened = int(first.out.split()[0])
    assert opened > 0 and "flag(s) already followed up" in first.out  # the demo's own
    again = _kpi(capsys, monkeypatch, demo_copy, "actions", "open", "--year", "2024-25")
    assert again.out.startswith("0 action(s) opened")  # support and utilisation flags too
    listed = _kpi(capsys, monkeypatch, demo_copy, "actions", "list", "--year", "2024-25",
                  "--json")  # fmt: skip
    actions = json.loads(listed.out)
    kinds = {a["kind"] for a in actions}
    assert {"governance", "pse", "support", "utilisation"} <= kinds and len(actions) >= opened
    overdue = json.loads(_kpi(capsys, monkeypatch, demo_copy, "actions", "list", "--overdue",
                              "--as-of", "2026-02-15", "--json").out)  # fmt: skip
    assert overdue and all(a["overdue"] and a["days_overdue"] > 0 for a in overdue)
    assert {a["status"] for a in overdue} == {"open"}


def test_kpis_by_department_and_the_cgu_s_decisions(capsys, monkeypatch, demo_copy):
    kpis = json.loads(_kpi(capsys, monkeypatch, demo_copy, "actions", "kpis", "--json").out)
    assert {"department_code", "resolution_rate", "median_days_to_close"} <= set(kpis[0])
    assert sum(k["actions"] for k in kpis) > 0
    listed = json.loads(_kpi(capsys, monkeypatch, demo_copy, "actions", "list", "--json").out)
    waiting = next(a for a in listed if a["status"] == "open")
    refused = _kpi(capsys, monkeypatch, demo_copy, "actions", "close", str(waiting["action_id"]))
    assert refused.code == 1 and "waiting for the answer: it cannot be closed" in refused.err
    assert "Traceback" not in refused.err
    done = _kpi(capsys, monkeypatch, demo_copy, "actions", "escalate",
                str(waiting["action_id"]), "--note", "No answer")  # fmt: skip
    assert done.code == 0 and "escalated" in done.out
    closed = _kpi(capsys, monkeypatch, demo_copy, "actions", "close",
                  str(waiting["action_id"]), "--note", "Settled by phone")  # fmt: skip
    assert closed.code == 0 and "closed" in closed.out
    missing = _kpi(capsys, monkeypatch, demo_copy, "actions", "close", "999999")
    assert missing.code == 1 and "there is no action 999999" in missing.err
