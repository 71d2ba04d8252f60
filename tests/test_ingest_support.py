"""Ingestion of the government-support returns (issue 17): support releases, the PSE support
return and the guarantee register; bad input named by row and column, all-or-nothing loads,
versions, and the KPIs read back from the database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from ingest_helpers import build_reference, ingest, messages, write

from kpilib.kpis.guarantees import guarantees_outstanding
from kpilib.kpis.support import load_support
from kpilib.kpis.support_params import SupportParams

RELEASES = "department_code,period,entity_code,instrument,amount"
PSE = "entity_code,period,instrument,amount,utilisation_report_date"
GUARANTEES = (
    "department_code,period,guarantee_ref,entity_code,lender,issued_on,expires_on,"
    "amount_guaranteed,outstanding,called_on,amount_called"
)


def csv(folder: Path, name: str, header: str, *rows: str) -> Path:
    return write(folder, name, header + "\n" + "\n".join(rows) + "\n")


def errors(outcome) -> list[tuple]:
    return [(i.code, i.where.row, i.where.column) for i in outcome.issues if i.severity == "error"]


def count(engine, name: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {name}")).scalar_one()


def test_releases_load_reload_unchanged_and_a_new_version_replaces(database_url, tmp_path):
    engine = build_reference(database_url)
    rows = ("HED,2024-25,UNI-001,grant_in_aid,500000000", "HED,2024-25,MTI-001,subsidy,70000000")
    first = ingest(engine, csv(tmp_path, "r1.csv", RELEASES, *rows))
    assert first.status == "loaded" and first.version == 1, messages(first)
    assert ingest(engine, csv(tmp_path, "r1b.csv", RELEASES, *rows)).status == "unchanged"
    second = ingest(engine, csv(tmp_path, "r2.csv", RELEASES, rows[0]))
    assert second.status == "loaded" and second.version == 2
    assert count(engine, "support_releases") == 1
    with engine.connect() as connection:
        view = load_support(connection, 2024, SupportParams())
    assert view.by_instrument.set_index("entity_code").loc["UNI-001", "direct_support"] == 5e8
    assert view.reconciliation.loc[0, "status"] == "not reported"
    assert bool(view.grants.loc[0, "flagged"])  # no utilisation report


def test_bad_releases_are_refused_naming_row_and_column_and_load_nothing(database_url, tmp_path):
    engine = build_reference(database_url)
    outcome = ingest(engine, csv(tmp_path, "bad.csv", RELEASES,
                                 "HED,2024-25,UNI-001,grant_in_aid,500000000",
                                 "HED,2024-25,XYZ-999,subsidy,1",
                                 "HED,2024-25,UNI-001,guarantee_called,5",
                                 "HED,2024-25,MTI-001,subsidy,-4"))  # fmt: skip
    assert outcome.status == "rejected"
    found = errors(outcome)
    assert ("ingest.unknown-code", 3, "entity_code") in found
    assert any(row == 4 and column == "instrument" for _, row, column in found), found
    assert any(row == 5 and column == "amount" for _, row, column in found), found
    assert count(engine, "support_releases") == 0


def test_pse_support_return_and_the_utilisation_report(database_url, tmp_path):
    engine = build_reference(database_url)
    bad = ingest(engine, csv(tmp_path, "p0.csv", PSE, "UNI-001,2024-25,subsidy,5,2025-08-01"))
    assert ("ingest.inconsistent-values", 2, "utilisation_report_date") in errors(bad)
    ingest(engine, csv(tmp_path, "r.csv", RELEASES, "HED,2024-25,UNI-001,grant_in_aid,500000000"))
    good = ingest(engine, csv(tmp_path, "p1.csv", PSE,
                              "UNI-001,2024-25,grant_in_aid,480000000,2025-08-01",
                              "UNI-001,2024-25,other_relief,0,"))  # fmt: skip
    assert good.status == "loaded", messages(good)
    with engine.connect() as connection:
        view = load_support(connection, "2024-25", SupportParams())
    row = view.reconciliation.iloc[0]
    assert (row["budget"], row["reported"], row["difference"]) == (500e6, 480e6, -20e6)
    assert row["status"] == "mismatch"  # Rs 20 m > 2 % of Rs 500 m (Rs 10 m)
    assert not view.grants.loc[0, "flagged"]


def test_guarantee_register_rules_name_row_and_column(database_url, tmp_path):
    engine = build_reference(database_url)
    outcome = ingest(engine, csv(tmp_path, "g.csv", GUARANTEES,
        "HED,2024-25,G-1,UNI-001,Bank,2020-07-01,2030-06-30,4000000000,0,2025-07-15,1000",
        "HED,2024-25,G-2,UNI-001,Bank,2020-07-01,2025-03-31,1000000000,5,,",
        "HED,2024-25,G-3,UNI-001,Bank,2020-07-01,2030-06-30,1000000000,0,2025-01-15,",
        "HED,2024-25,G-4,UNI-001,Bank,2020-07-01,2030-06-30,1000000000,900000000,2025-01-15,"
        "200000000",
        "HED,2024-25,G-5,UNI-001,Bank,2021-07-01,2020-06-30,1000000000,0,,"))  # fmt: skip
    found = errors(outcome)
    assert ("ingest.inconsistent-values", 2, "called_on") in found  # after the year's end
    assert ("ingest.inconsistent-values", 3, "outstanding") in found  # expired, yet outstanding
    assert ("ingest.inconsistent-values", 4, "amount_called") in found  # a call without amount
    assert ("ingest.inconsistent-values", 5, "outstanding") in found  # 0.9 + 0.2 > 1 bn
    assert ("ingest.inconsistent-values", 6, "expires_on") in found  # before it was issued
    assert count(engine, "guarantees") == 0


def test_a_guarantee_called_mid_year_from_the_database(database_url, tmp_path):
    engine = build_reference(database_url)
    before = ingest(engine, csv(tmp_path, "g23.csv", GUARANTEES,
        "HED,2023-24,G-1,UNI-001,Bank,2020-07-01,2030-06-30,4000000000,3000000000,,"))  # fmt: skip
    after = ingest(engine, csv(tmp_path, "g24.csv", GUARANTEES,
        "HED,2024-25,G-1,UNI-001,Bank,2020-07-01,2030-06-30,4000000000,0,2025-01-15,1500000000",
        "HED,2024-25,G-2,MTI-001,Bank,2024-09-01,2026-06-30,2000000000,2000000000,,"))  # fmt: skip
    assert before.status == after.status == "loaded", messages(after)
    mid = guarantees_outstanding(engine, 2024).set_index("pse_code")
    assert mid.loc["UNI-001"].to_dict() == {"outstanding": 0, "called": 1_500_000_000}
    assert mid.loc["MTI-001"].to_dict() == {"outstanding": 2_000_000_000, "called": 0}
    with engine.connect() as connection:
        earlier = guarantees_outstanding(connection, "2023-24")
        view = load_support(connection, 2024, SupportParams())
    assert earlier.to_dict("records") == [
        {"pse_code": "UNI-001", "outstanding": 3_000_000_000, "called": 0}
    ]
    statuses = view.register.set_index("guarantee_ref")["status"].to_dict()
    assert statuses == {"G-1": "called", "G-2": "expiring"}
