"""The demo province's governance returns (issue 17): realistic, flagged as demo, judged."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from kpilib.kpis.governance import compute_rollup, list_breaches, load_governance
from kpilib.kpis.governance_rules import load_rulebook
from kpilib.store.database import connect
from kpilib.store.writes import is_demo

RULEBOOK = Path(__file__).resolve().parents[1] / "parameters" / "governance"


def test_demo_governance_returns_show_the_province_s_problems(demo_url):
    engine = connect(demo_url)
    with engine.connect() as connection:
        assert is_demo(connection)
        view = load_governance(connection, "2024-25", load_rulebook(RULEBOOK))
        notes = connection.execute(sa.text("SELECT COUNT(*) FROM pse_governance_notes")).scalar()
    statement, scores = view.statement, view.scores
    assert 120 < len(scores) < 183  # most PSEs sent one, not all
    assert scores["score"].between(0, 100).all()
    details = " ".join(list_breaches(statement)["detail"])
    for sign in (
        "seats vacant",
        "acting CEO",
        "in arrears",
        "qualified opinion",
        "adverse opinion",
        "disclaimer opinion",
        "no audit committee",
    ):
        assert sign in details, sign
    assert notes > 0 and statement["reason"].notna().any()
    province = compute_rollup(scores, view.entities, by=())
    assert province.loc[0, "pses"] == 183 and 30 < province.loc[0, "mean_score"] < 90
