"""The demo province's government support (issue 17): about Rs 60 bn of direct support in
2024-25, concentrated, reconciled with flags, grants without utilisation reports, and a
register with a guarantee called mid-year."""

from __future__ import annotations

from kpilib.kpis.guarantees import guarantees_outstanding, register_rollup
from kpilib.kpis.support import load_support
from kpilib.kpis.support_params import SupportParams
from kpilib.store.database import connect
from kpilib.store.writes import is_demo


def test_demo_support_is_realistic_for_the_province(demo_url):
    engine = connect(demo_url)
    with engine.connect() as connection:
        assert is_demo(connection)
        view = load_support(connection, "2024-25", SupportParams())
    direct = view.by_instrument["direct_support"]
    assert 58e9 < direct.sum() < 62e9  # the White Paper's "about Rs 60 bn"
    assert direct.head(10).sum() > 0.5 * direct.sum()  # most to a few bodies
    statuses = set(view.reconciliation["status"])
    assert {"matched", "mismatch", "not reported"} <= statuses
    assert 0 < view.grants["flagged"].sum() < len(view.grants)
    register = view.register.set_index("guarantee_ref")
    assert set(register["status"]) >= {"called", "expiring", "outstanding"}
    province = register_rollup(view.register, view.entities, ())
    assert province.loc[0, "called_in_year"] == 1_800_000_000
    outstanding = guarantees_outstanding(engine, 2024)
    assert outstanding["outstanding"].sum() == province.loc[0, "outstanding"]
    assert view.sustainability["own_source_trend"].isin(["improved", "worsened"]).any()
