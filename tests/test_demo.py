"""The demo province: sizes, determinism, the patterns the KPIs must find, safety of rebuilds."""

from datetime import date

import pytest
import sqlalchemy as sa

from kpilib.demo import build_demo
from kpilib.errors import DemoBuildError
from kpilib.store.database import connect
from kpilib.store.writes import content_hash, is_demo, read_dataset_info, write_dataset_info


def scalar(url: str, sql: str):
    with connect(url).connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def rows(url: str, sql: str):
    with connect(url).connect() as connection:
        return connection.execute(sa.text(sql)).all()


def test_demo_has_the_province_shape(demo_url):
    assert scalar(demo_url, "SELECT COUNT(*) FROM entities") == 183
    assert scalar(demo_url, "SELECT COUNT(*) FROM departments") == 32
    assert scalar(demo_url, "SELECT COUNT(*) FROM departments WHERE name = 'Health'") == 1
    categories = dict(rows(demo_url, "SELECT category, COUNT(*) FROM entities GROUP BY category"))
    assert set(categories) == {
        "autonomous_body", "university", "teaching_hospital", "water_sanitation_company",
        "public_company", "other",
    }  # fmt: skip
    assert scalar(demo_url, "SELECT COUNT(*) FROM entities WHERE name NOT LIKE 'Demo %'") == 0
    years = [r[0] for r in rows(demo_url, "SELECT label FROM fiscal_years ORDER BY start_year")]
    assert years == ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
    assert scalar(demo_url, "SELECT COUNT(*) FROM indicators WHERE level = 'province'") >= 20
    departments_with_indicators = scalar(
        demo_url, "SELECT COUNT(DISTINCT department_id) FROM indicators"
    )
    assert departments_with_indicators >= 10


def test_demo_is_flagged_as_demo(demo_url):
    with connect(demo_url).connect() as connection:
        assert is_demo(connection)
        info = read_dataset_info(connection)
    assert info["data_as_of"] == "2026-02-15"


def test_current_year_is_reported_only_up_to_the_as_of_date(demo_url):
    # As of 15 February 2026: July–January (fiscal months 1–7) reported, February on not.
    reported = rows(
        demo_url,
        "SELECT month, COUNT(expended) FROM budget_lines WHERE fiscal_year = 2025 "
        "GROUP BY month ORDER BY month",
    )
    assert [month for month, count in reported if count > 0] == list(range(1, 8))
    assert scalar(demo_url, "SELECT COUNT(*) FROM budget_lines WHERE fiscal_year = 2025 "
                            "AND month = 12 AND original_budget > 0") > 0  # fmt: skip


def test_development_is_underspent_with_a_june_rush(demo_url):
    utilisation = dict(
        rows(
            demo_url,
            "SELECT budget_type, 1.0 * SUM(expended) / SUM(revised_budget) FROM budget_lines "
            "WHERE fiscal_year = 2024 GROUP BY budget_type",
        )
    )
    assert 0.5 < utilisation["development"] < 0.9
    assert utilisation["current"] > 0.9
    june_share = scalar(
        demo_url,
        "SELECT 1.0 * SUM(CASE WHEN month = 12 THEN expended ELSE 0 END) / SUM(expended) "
        "FROM budget_lines WHERE fiscal_year = 2024 AND budget_type = 'development'",
    )
    assert june_share > 0.2  # an even year would put 1/12 ≈ 0.083 in June


def test_some_departments_overspend_their_original_current_budget(demo_url):
    overspenders = scalar(
        demo_url,
        "SELECT COUNT(*) FROM (SELECT department_id FROM budget_lines "
        "WHERE fiscal_year = 2023 AND budget_type = 'current' GROUP BY department_id "
        "HAVING SUM(expended) > SUM(original_budget)) AS t",
    )
    assert 2 <= overspenders <= 6


def test_some_lines_spend_more_than_released(demo_url):
    count = scalar(
        demo_url,
        "SELECT COUNT(*) FROM (SELECT 1 FROM budget_lines WHERE fiscal_year < 2025 "
        "GROUP BY fiscal_year, cost_centre_id, budget_type, economic_class_id "
        "HAVING SUM(expended) > 1.2 * SUM(released)) AS t",
    )
    assert count >= 5


def test_pse_financials_balance_and_show_distress(demo_url):
    assert scalar(demo_url, "SELECT COUNT(*) FROM pse_financials "
                            "WHERE total_assets <> total_liabilities + equity") == 0  # fmt: skip
    assert scalar(demo_url, "SELECT COUNT(*) FROM pse_financials WHERE net_income < 0") > 100
    assert scalar(demo_url, "SELECT COUNT(DISTINCT entity_id) FROM pse_financials "
                            "WHERE equity < 0") >= 3  # fmt: skip
    dependent = scalar(
        demo_url,
        "SELECT COUNT(*) FROM pse_financials WHERE grants_subsidies > revenue",
    )
    assert dependent > 500
    assert scalar(demo_url, "SELECT COUNT(*) FROM pse_financials WHERE current_assets < "
                            "current_liabilities") > 100  # illiquid  # fmt: skip


def test_submissions_are_late_and_missing_in_realistic_shares(demo_url):
    received = rows(
        demo_url,
        "SELECT received_at, due_date FROM submissions WHERE entity_id IS NOT NULL",
    )
    late = sum(1 for received_at, due in received if str(received_at)[:10] > str(due))
    assert 0.15 < late / len(received) < 0.6
    # Expected returns: 183 PSEs' financial returns + 53 PSEs' KPI returns, 18 quarters each.
    expected = (183 + 34 + 12 + 7) * 18
    assert 0.6 < len(received) / expected < 0.95


def test_same_seed_gives_identical_data_and_another_seed_does_not(tmp_path):
    hashes = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        engine = connect(f"sqlite:///{tmp_path / name}.sqlite")
        build_demo(engine, seed=seed)
        with engine.connect() as connection:
            hashes.append(content_hash(connection))
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]


@pytest.mark.postgres
def test_postgresql_holds_exactly_the_same_demo_as_sqlite(demo_sqlite_url, demo_postgres_url):
    hashes = []
    for url in (demo_sqlite_url, demo_postgres_url):
        with connect(url).connect() as connection:
            hashes.append(content_hash(connection))
    assert hashes[0] == hashes[1]


def test_scale_multiplies_budget_rows(tmp_path):
    counts = []
    for scale in (1, 2):
        engine = connect(f"sqlite:///{tmp_path / str(scale)}.sqlite")
        counts.append(build_demo(engine, scale=scale).row_counts["budget_lines"])
    assert counts[1] == 2 * counts[0]
    assert counts[0] * 50 >= 10_000_000


def test_building_over_data_needs_replace_and_never_replaces_real_data(database_url):
    engine = connect(database_url)
    build_demo(engine, seed=1)
    with pytest.raises(DemoBuildError, match="--replace"):
        build_demo(engine, seed=2)
    build_demo(engine, seed=2, replace=True)
    with engine.connect() as connection:
        assert read_dataset_info(connection)["demo_seed"] == "2"
    with engine.begin() as connection:
        write_dataset_info(connection, {"is_demo": "false"})
    with pytest.raises(DemoBuildError, match="real"):
        build_demo(engine, seed=3, replace=True)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"scale": 0}, "--scale"), ({"as_of": date(2030, 1, 1)}, "2029-30")],
)
def test_bad_demo_options_are_refused(sqlite_url, options, message):
    with pytest.raises(DemoBuildError, match=message):
        build_demo(connect(sqlite_url), **options)


def test_demo_departments_approve_returns_older_than_a_month():
    from datetime import UTC, date, datetime

    from kpilib.demo.reviews import demo_reviews

    def sent(id_, entity_id, day, status="accepted"):
        return {"id": id_, "entity_id": entity_id, "status": status,
                "received_at": datetime(2026, 1, day, 9, tzinfo=UTC)}  # fmt: skip

    submissions = [
        sent(1, 7, 10),  # 36 days before the as-of date: reviewed
        sent(2, 7, 20),  # 26 days: still waiting
        sent(3, None, 5),  # a department's own return: not for the PSE review
        sent(4, 9, 2, status="superseded"),  # replaced by a later version: never reviewed
        sent(17, 9, 15),  # 31 days: reviewed
        sent(18, 9, 16),  # 29 days and 15 hours: waiting
    ]
    reviews = demo_reviews(submissions, {7: "HED", 9: "HLT"}, date(2026, 2, 15))
    assert [(r["submission_id"], r["decision"], r["reviewer"]) for r in reviews] == [
        (1, "approved", "HED reviewer (demo)"),
        (17, "approved", "HLT reviewer (demo)"),
    ]
    # 8 + id % 14 days after the return arrived
    assert reviews[0]["reviewed_at"] == datetime(2026, 1, 19, 9, tzinfo=UTC)
    assert reviews[1]["reviewed_at"] == datetime(2026, 1, 26, 9, tzinfo=UTC)
